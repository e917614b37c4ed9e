"""The shipped network zoo: loading, MAC totals against published figures, the Bit Fusion suite against
its reference yaml, graph/shape consistency, generator reproducibility, and the `net` CLI."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from accelsim.cli.app import build_app
from accelsim.errors import AccelsimInputError
from accelsim.workload import (
    WORKLOAD_DIR,
    Network,
    available_networks,
    available_suites,
    check_shapes,
    load_network,
    load_suite,
)

REPO = Path(__file__).resolve().parents[1]
REFERENCE = (
    REPO / "tests" / "data" / "bitfusion_benchmarks.yaml"
)  # copy of shared/reference (tests/data/README.md)
SHARED_REFERENCE = REPO.parent / "shared" / "reference" / "bitfusion_benchmarks.yaml"
CLASSIC = [
    "alexnet",
    "vgg16",
    "resnet18",
    "resnet50",
    "resnet20",
    "mobilenetv2",
    "bert-base-encoder",
    "lenet5",
]


def _reference() -> dict:
    return yaml.safe_load(REFERENCE.read_text())


def test_committed_reference_is_the_shared_one():
    """tests/data holds a byte-identical copy of the project's shared reference (so the suite runs without
    ../shared); when shared/ sits beside the repository, as in CI, the two must not drift apart."""
    assert SHARED_REFERENCE.exists(), (
        f"{SHARED_REFERENCE} is missing: check out the project's shared/ folder beside the repository"
    )
    assert REFERENCE.read_bytes() == SHARED_REFERENCE.read_bytes(), "tests/data copy differs: copy it again"


def _per_image(net: Network) -> int:
    return sum(layer.macs_per_image for layer in net.layers)


def test_every_shipped_network_loads_and_the_zoo_is_complete():
    names = available_networks()
    for n in CLASSIC:
        assert n in names
    for n in names:
        net = load_network(n)
        assert net.name == n
        assert net.total_macs > 0
        assert all(layer.name != "input" for layer in net.layers)  # 'input' names the network input


# (network, exact MACs per image from the shipped YAML, published figure, where it is published)
PUBLISHED = [
    ("resnet18", 1_814_073_344, 1.814e9, "torchvision / He et al. 1.8 GFLOPs"),
    ("resnet50", 4_089_184_256, 4.09e9, "torchvision v1.5: 4.09 GMACs"),
    ("vgg16", 15_470_264_320, 15.47e9, "Simonyan & Zisserman config D, 15.5 G"),
    ("mobilenetv2", 300_774_272, 300.8e6, "Sandler et al. 2018: 300 M MAdds (torchvision 300.8 M)"),
    ("resnet20", 40_813_184, 40.8e6, "He et al. CIFAR ResNet-20, ~41 M"),
    ("lenet5", 416_520, 0.416e6, "LeCun et al. 1998 LeNet-5"),
]


@pytest.mark.parametrize(("name", "exact", "published", "where"), PUBLISHED)
def test_mac_totals_match_published_figures(name, exact, published, where):
    net = load_network(name)
    assert _per_image(net) == exact
    assert math.isclose(exact, published, rel_tol=0.01), where


def test_alexnet_conv_macs_are_the_eyeriss_666m():
    net = load_network("alexnet")
    conv = sum(x.macs_per_image for x in net.layers if x.op == "conv2d")
    assert conv == 665_784_864
    assert math.isclose(conv, 666e6, rel_tol=0.01)  # Eyeriss (JSSC 2017) Table: AlexNet CONV 666 M MACs
    assert [x.groups for x in net.layers if x.op == "conv2d"] == [1, 2, 1, 2, 2]
    assert net.layers[0].in_h == 227
    # Eyeriss (ISSCC 2016, 14.5): AlexNet CONV "2.3 million weights ... 666 million MACs per 227x227 image"
    conv_w = sum(x.weight_elems for x in net.layers if x.op == "conv2d")
    assert conv_w == 2_332_704 and math.isclose(conv_w, 2.3e6, rel_tol=0.02)
    # per-layer MACs in millions, rounded (regression guard for the grouped shapes)
    per_layer = [round(x.macs_per_image / 1e5) / 10 for x in net.layers if x.op == "conv2d"]
    assert per_layer == [105.4, 223.9, 149.5, 112.1, 74.8]


def test_vgg16_conv_macs_are_the_eyeriss_15_3g():
    convs = [x for x in load_network("vgg16").layers if x.op == "conv2d"]
    conv = sum(x.macs_per_image for x in convs)
    assert conv == 15_346_630_656
    # Eyeriss (ISSCC 2016, 14.5): VGG16 "14.7 million weights ... 15.3 billion MACs per 224x224 image"
    assert math.isclose(conv, 15.3e9, rel_tol=0.01)
    conv_w = sum(x.weight_elems for x in convs)
    assert conv_w == 14_710_464 and math.isclose(conv_w, 14.7e6, rel_tol=0.01)


def test_bert_encoder_layer_macs_from_first_principles():
    s, h, heads, f = 128, 768, 12, 3072
    d = h // heads
    expected = 4 * s * h * h + 2 * s * h * f + 2 * heads * s * s * d  # QKVO + FFN + (QKᵀ, AV) per head
    net = load_network("bert-base-encoder")
    assert _per_image(net) == expected == 931_135_488
    attn = [x for x in net.layers if x.weights_are_activations]
    assert [x.name for x in attn] == ["attn.scores", "attn.context"]
    for x in attn:
        assert x.groups == heads and x.weight_elems == 0
        assert x.macs == heads * s * s * d
    assert net.total_params == 4 * h * h + 2 * h * f


def test_resnet_shortcuts_and_activations():
    net = load_network("resnet18")
    by = {x.name: x for x in net.layers}
    ds = by["layer2.0.downsample"]
    assert ds.inputs == ["layer1.1.add"] and ds.stride == (2, 2) and ds.R == 1
    assert by["layer2.0.add"].inputs == ["layer2.0.conv2", "layer2.0.downsample"]
    assert by["layer2.0.add"].activation == "relu" and by["layer2.0.conv2"].activation == "none"
    v15 = {x.name: x for x in load_network("resnet50").layers}
    assert v15["layer2.0.conv2"].stride == (2, 2) and v15["layer2.0.conv1"].stride == (1, 1)
    mb = {x.name: x for x in load_network("mobilenetv2").layers}
    assert mb["block2.dw"].op == "depthwise_conv2d" and mb["block2.dw"].activation == "relu6"
    assert mb["block2.project"].activation == "none"


def _out_shape(layer) -> tuple[int, int, int]:
    return (layer.K, layer.P, layer.Q)


def _check_graph(net: Network) -> None:
    """The product's layer-to-layer shape check (accelsim.workload.check_shapes), plus what a shipped network
    must also have: a declared input shape and no output that nobody reads but the last layer's."""
    assert net.input is not None, f"{net.name}: no input shape"
    try:
        check_shapes(net, net.name)
    except AccelsimInputError as exc:
        raise AssertionError(str(exc)) from None
    consumed = {
        s for i, x in enumerate(net.layers) for s in (x.inputs or [net.layers[i - 1].name if i else "input"])
    }
    sinks = [x.name for x in net.layers if x.name not in consumed]
    assert sinks == [net.layers[-1].name], f"{net.name}: outputs nobody reads: {sinks}"


@pytest.mark.parametrize("name", available_networks())
def test_shapes_chain_through_the_graph(name):
    net = load_network(name)
    _check_graph(net)
    batches = {x.batch for x in net.layers}
    assert len(batches) == 1


def test_graph_check_catches_a_broken_shape():
    net = load_network("resnet18")
    bad = [x.model_copy(update={"in_h": 57}) if x.name == "layer1.0.conv2" else x for x in net.layers]
    with pytest.raises(AssertionError):
        _check_graph(net.model_copy(update={"layers": bad}))


def _bf_name(key: str) -> str:
    return "bitfusion-" + key.lower()


def test_bitfusion_suite_matches_reference_layer_by_layer():
    ref = _reference()
    for key, spec in ref["networks"].items():
        net = load_network(_bf_name(key))
        batch = spec["batch"]
        assert batch == 16 and net.batch == batch
        by = {x.name: x for x in net.layers}
        for rl in spec["layers"]:
            if rl["op"] == "flatten":
                assert rl["name"] not in by  # fc layers flatten their input themselves
                continue
            x = by[rl["name"]]
            p = net.precision_of(x)
            if "macs" in rl:
                assert x.macs == rl["macs"] * batch, (key, rl["name"])
                assert x.has_macs
                assert p.w_bits == rl["w_bits"] and p.a_bits == rl["a_bits"], (key, rl["name"])
                assert p.out_bits == (rl["out_bits"] if rl["out_bits"] is not None else 32)
            else:
                assert not x.has_macs
                bits = rl.get("a_bits", rl.get("out_bits"))
                assert p.a_bits == bits and p.out_bits == bits, (key, rl["name"])
            if "out_hwc" in rl:
                oh, ow, oc = rl["out_hwc"]
                assert _out_shape(x) == (oc, oh, ow), (key, rl["name"])
        mac_names = [r["name"] for r in spec["layers"] if "macs" in r]
        assert [x.name for x in net.layers if x.has_macs] == mac_names
        assert _per_image(net) == spec["macs_per_image"]
        assert net.total_macs == spec["macs_per_image"] * batch


def test_bitfusion_suite_order():
    ref = _reference()
    suites = available_suites()
    assert suites["bitfusion"] == [_bf_name(k) for k in ref["benchlist"]]
    assert len(suites["bitfusion"]) == 8
    assert [n.name for n in load_suite("bitfusion")] == suites["bitfusion"]
    assert suites["bitfusion-wrpn"][0] == "bitfusion-alexnet-wrpn"
    assert suites["bitfusion-wrpn"][5] == "bitfusion-resnet-18-wrpn"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_workloads", REPO / "tools" / "gen_workloads.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generator_reproduces_the_shipped_files_byte_for_byte():
    files = _generator().generate(REFERENCE)
    for name, text in files.items():
        assert (WORKLOAD_DIR / name).read_text() == text, f"{name} differs from tools/gen_workloads.py output"
    marked = {
        p.name for p in WORKLOAD_DIR.glob("*.yaml") if p.read_text().startswith("# GENERATED by tools/gen")
    }
    assert marked == set(files)  # no stale generated file is left behind


def test_generator_rejects_a_reference_mac_mismatch(tmp_path):
    ref = _reference()
    ref["networks"]["SVHN"]["layers"][1]["macs"] += 1
    path = tmp_path / "ref.yaml"
    path.write_text(yaml.safe_dump(ref))
    with pytest.raises(ValueError, match="SVHN/conv1"):
        _generator().generate(path)


def test_cli_net_list_and_show_json_for_every_network():
    runner = CliRunner()
    app = build_app()
    res = runner.invoke(app, ["net", "list"], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    for n in available_networks():
        assert n in res.output
    for n in available_networks():
        res = runner.invoke(app, ["net", "show", n, "--json"])
        assert res.exit_code == 0, (n, res.output)
        doc = json.loads(res.output)
        net = load_network(n)
        assert doc["name"] == n and doc["total_macs"] == net.total_macs
        assert [r["name"] for r in doc["layers"]] == [x.name for x in net.layers]
