"""The survey's Table 3 FPGA rows as presets: their foldings are what accelsim's resource-aware search returns
today (so the committed YAML is not stale), and each design's units fit FINN's recommended utilisation."""

import pytest

from accelsim import simulate
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.fabrics.streaming import fold_network, folded_arch, folded_fields
from accelsim.simulate import resolve_network

#: FINN's DEFAULT_RES_LIMITS
LIMITS = {"lut": 0.7, "ff": 0.5, "bram18": 0.8, "uram": 0.8, "dsp": 0.8}


@pytest.mark.parametrize(
    "net,bits,preset,quantizer",
    [
        ("bnn-pynq-sfc", None, "finn-sfc-zc706", None),
        ("bnn-pynq-cnv", None, "finn-cnv-zc706", None),
        ("resnet50", "4/5", "sun2022-resnet50-zcu102", None),
        ("mobilenetv2", "4/5", "sun2022-mobilenetv2-zcu102", None),
        ("resnet18", "4/4", "mixmatch-resnet18-zc706", None),
        ("mobilenetv2", "1/2", "fracbnn-mobilenetv2-ultra96", None),
        ("finn-cnv", "1/1", "fbna-cnv-xc7z020", None),
        ("resnet18", "4/16", "chen2020-resnet18-zcu102", "log2"),
        ("lenet5-mstar", "4/6", "wei2019-lenet5-xc7k325t", None),
    ],
)
def test_table3_presets_are_the_search_result(net, bits, preset, quantizer):
    arch = load_arch(preset)
    network = resolve_network(net, bits, None, quantizer=quantizer)
    free = load_arch(
        preset, folding={}, swg_simd={}, swg_parallel_window=[], layer_res_type={}, layer_mvau_impl={}
    )
    folding, swg, units = fold_network(
        network, free
    )  # the search from scratch, not from the preset's choices
    assert {k: tuple(v) for k, v in arch.folding.items()} == folding
    assert arch.swg_simd == swg
    extra = folded_fields(units)
    assert arch.swg_parallel_window == extra["swg_parallel_window"]
    assert arch.layer_res_type == extra["layer_res_type"]
    p = simulate(network, arch).pipeline
    assert all(p["resources"][r] <= p["budget"][r] * LIMITS[r] for r in LIMITS)


def test_no_layer_pipeline_of_resnet18_fits_an_xc7z020():
    """Mix and Match's other board (survey: 77 GOPS on the XC7Z020): the search's design for ResNet-18 at
    W4A4 needs more block RAM than the device has once its FIFOs are sized, a one-line error naming it."""
    arch = load_arch("mixmatch-resnet18-zc706", device="pynq-z1", folding={}, swg_simd={}, layer_res_type={},
                     swg_parallel_window=[])  # fmt: skip
    network = resolve_network("resnet18", "4/4", None)
    folding, swg, units = fold_network(network, arch)
    folded = folded_arch(arch, units)
    with pytest.raises(AccelsimInputError, match=r"BRAM18 but pynq-z1 offers 280"):
        simulate(network, folded)


def test_chen2020_needs_capped_generator_fifos_and_prices_shifts():
    """Chen 2020's preset: power-of-two weights become LUT shifts (no DSP, no threshold memory: the 16-bit
    activations are requantized by shifts); without FINN's CapConvolutionFIFODepths the 16-bit generator FIFOs
    of the searched design exceed the ZCU102's block RAM, a one-line error naming it."""
    network = resolve_network("resnet18", "4/16", None, quantizer="log2")
    p = simulate(network, "chen2020-resnet18-zcu102").pipeline
    assert p["total_resources"]["dsp"] == 0
    uniform = simulate(resolve_network("resnet18", "4/16", None), "chen2020-resnet18-zcu102").pipeline
    assert (
        uniform["total_resources"]["lut"] > p["total_resources"]["lut"]
    )  # a 16x4 multiply costs more than a shift
    free = load_arch("chen2020-resnet18-zcu102", fifo_swg_exception=False, folding={}, swg_simd={},
                     swg_parallel_window=[], layer_res_type={})  # fmt: skip
    folding, swg, units = fold_network(network, free)
    folded = folded_arch(free, units)
    with pytest.raises(AccelsimInputError, match=r"needs 2,623 BRAM18 but zcu102 offers 1,824"):
        simulate(network, folded)


@pytest.mark.parametrize("net,preset", [("finn-cnv", "finn-cnv-zc706"), ("finn-sfc", "finn-sfc-zc706")])
def test_finn_zc706_folds_itself_for_the_network(net, preset):
    """Issue 15's command, `accelsim simulate --network finn-cnv --arch finn-zc706`: the preset without a
    folding folds itself for the network (auto_fold) and equals the per-network preset; finn-cnv is an alias."""
    auto = simulate(net, "finn-zc706").pipeline
    fixed = simulate(net, preset).pipeline
    for key in ("initiation_interval_cycles", "latency_cycles", "total_resources", "power_total_w"):
        assert auto[key] == fixed[key], key


def test_set_folding_auto_fold_needs_a_target():
    arch = load_arch("finn-zc706", auto_fold="set_folding")
    with pytest.raises(AccelsimInputError, match="auto_fold"):
        simulate("finn-sfc", arch)
    slow = simulate("finn-sfc", load_arch("finn-zc706", auto_fold="set_folding", target_fps=1e6)).pipeline
    assert (
        slow["frames_per_s"] >= 1e6
        and slow["total_resources"]["lut"]
        < simulate("finn-sfc", "finn-zc706").pipeline["total_resources"]["lut"]
    )


def test_network_aliases_resolve_and_unknown_names_list_them():
    from accelsim.workload import load_network, network_aliases

    assert network_aliases()["finn-cnv"] == "bnn-pynq-cnv"
    assert load_network("finn-lfc").name == "bnn-pynq-lfc"
    with pytest.raises(AccelsimInputError, match="finn-cnv"):
        load_network("finn-cnn")


def test_simulate_quantizer_option_sets_every_layers_weight_quantizer(tmp_path, capsys):
    """`accelsim simulate --quantizer log2` without --accuracy: every layer's weights are power-of-two codes,
    so the streaming fabric prices shifts (Chen 2020's row: `--bits 4/16 --quantizer log2`)."""
    import json

    from cli_util import run_cli

    from accelsim.workload import load_network

    net = load_network("resnet18").with_quantizer("log2")
    assert {net.precision_of(x).quantizer for x in net.layers} == {"log2"}
    out = tmp_path / "r.json"
    args = ["simulate", "-n", "resnet18", "-a", "chen2020-resnet18-zcu102", "--bits", "4/16", "--quiet"]
    code, _, err = run_cli([*args, "--quantizer", "log2", "--json", str(out)], capsys)
    assert code == 0, err
    lut = json.loads(out.read_text())["pipeline"]["total_resources"]["lut"]
    expected = simulate("resnet18", "chen2020-resnet18-zcu102", bits="4/16", quantizer="log2").pipeline
    assert lut == expected["total_resources"]["lut"]
    code, _, err = run_cli([*args, "--quantizer", "nope"], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1 and "quantizer" in err
