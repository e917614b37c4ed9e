"""FINN's SetFolding rule, the pipeline estimate (throughput, FINN's no-overlap latency bound, resources)
and device budgets (accelsim.fpga)."""

from __future__ import annotations

import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.fpga.devices import DEVICES, device
from accelsim.fpga.finn_estimates import Mvau, SlidingWindow2D, Thresholding, Vvau
from accelsim.fpga.folding import divisors, fold_unit, set_folding
from accelsim.fpga.streaming import CNV_W1A1_FOLDING, MaxPool, cnv_units, estimate


@settings(max_examples=examples(80), deadline=None)
@given(mw=st.sampled_from([27, 64, 256, 576, 1152]), mh=st.sampled_from([10, 64, 128, 512]),
       w=st.sampled_from([1, 2, 4, 8]), vecs=st.sampled_from([1, 9, 100, 784]), target=st.integers(1, 200_000))  # fmt: skip
def test_mvau_folding_is_the_smallest_that_meets_the_target(mw, mh, w, vecs, target):
    """SIMD grows first, then PE; each stops at the first divisor whose cycles are below the target, so one
    divisor less would miss it. A SIMD step that misses the target and makes the weight stream wider than
    36 bits is reverted (FINN checks the width after the target: a wider step that meets it stays)."""
    u = fold_unit(Mvau(mw=mw, mh=mh, pe=1, simd=1, w_bits=w, a_bits=2, num_input_vectors=(vecs,)), target)
    assert mw % u.simd == 0 and mh % u.pe == 0
    assert u.w_bits * u.simd <= 36 or u.simd == 1 or Mvau(**{**u.__dict__, "pe": 1}).cycles() < target
    simds = divisors(mw)
    if u.pe > 1:  # SIMD stopped at the width limit or at MW, never because the target was met
        assert u.cycles() < target or u.pe == mh
        smaller = divisors(mh)[divisors(mh).index(u.pe) - 1]
        assert Mvau(**{**u.__dict__, "pe": smaller}).cycles() >= target
    elif u.cycles() < target and u.simd > 1:
        smaller = simds[simds.index(u.simd) - 1]
        assert Mvau(**{**u.__dict__, "simd": smaller}).cycles() >= target


def test_other_units_fold_on_their_attribute():
    assert fold_unit(Thresholding(channels=64, pe=1, a_bits=2, num_input_vectors=(1, 10, 10)), 1000).pe == 8
    swg = fold_unit(SlidingWindow2D(64, (12, 12), (10, 10), (3, 3), (1, 1), 1, 2), 10_000)
    assert swg.simd in divisors(64) and swg.cycles() < 10_000
    v = fold_unit(Vvau(channels=32, kernel=(3, 3), dim=(10, 10), pe=1, simd=1, w_bits=4, a_bits=4), 50)
    assert v.pe == 32 and v.simd > 1  # PE exhausted first, then SIMD


def test_two_pass_relaxation_balances_to_the_bottleneck():
    units = [u for _, u in cnv_units() if not isinstance(u, MaxPool)]
    folded = set_folding(units, 1)  # unreachable: every unit maxes out, then refolds to the slowest
    worst = max(u.cycles() for u in folded)
    again = set_folding(units, worst, two_pass_relaxation=False)
    assert [u.cycles() for u in folded] == [u.cycles() for u in again]


def test_cnv_estimate_with_finn_examples_folding():
    """cnv-w1a1 folded as finn-examples does, at 200 MHz (its 5 ns clock): throughput = clock / the slowest
    unit's cycles; FINN's latency bound = Σ cycles / clock."""
    e = estimate(cnv_units(folding=CNV_W1A1_FOLDING), 200e6)
    assert e.max_cycles == max(e.cycles.values()) and e.frames_per_s == 200e6 / e.max_cycles
    assert e.latency_no_overlap_s == pytest.approx(sum(e.cycles.values()) / 200e6)
    conv1 = next(u for n, u in cnv_units(folding=CNV_W1A1_FOLDING) if n == "conv1")
    assert e.cycles["conv1"] == (64 // 32) * (576 // 32) * 28 * 28
    assert e.resources["lut"] > 0 and e.resources["bram18"] > 0 and conv1.pe == 32


def test_a_design_over_budget_names_the_resource():
    units = cnv_units(folding=CNV_W1A1_FOLDING)
    with pytest.raises(AccelsimInputError, match=r"needs [\d,]+ LUT but tiny offers"):
        from accelsim.fpga.devices import Device

        estimate(units, 200e6, Device("tiny", "x", 1000, 2000, 100, 0, 10))
    assert estimate(units, 200e6, device("zcu102")).frames_per_s > 0
    with pytest.raises(AccelsimInputError, match="device"):
        device("zc999")
    assert set(DEVICES) >= {"pynq-z1", "ultra96", "zcu102", "zcu104", "u250"}


def test_simulate_on_the_streaming_fabric_is_the_pipeline_estimate():
    """bnn-pynq-cnv on finn-cnv-pynq (finn-examples' cnv-w1a1 folding, 200 MHz): frames/s, FINN's latency
    bound and unit resources equal accelsim.fpga.streaming.estimate of the same units; the overlapped latency
    lies between the initiation interval and FINN's bound; a batch of N takes the overlapped latency of two
    frames plus N − 2 initiation intervals; the sized FIFOs add their resources to the units'."""
    from accelsim import simulate

    e = estimate(cnv_units(folding=CNV_W1A1_FOLDING), 200e6)
    r = simulate("bnn-pynq-cnv", "finn-cnv-pynq")
    p = r.pipeline
    assert p["frames_per_s"] == e.frames_per_s and p["latency_no_overlap_s"] == e.latency_no_overlap_s
    assert p["resources"] == e.resources and p["device"] == "pynq-z1"
    ii = p["initiation_interval_cycles"]
    assert ii <= p["latency_cycles"] < round(e.latency_no_overlap_s * 200e6)
    assert r.totals.cycles == p["latency_cycles"]
    r2 = simulate("bnn-pynq-cnv", "finn-cnv-pynq", batch=2)
    r8 = simulate("bnn-pynq-cnv", "finn-cnv-pynq", batch=8)
    assert r8.totals.cycles == r2.totals.cycles + 6 * ii
    fifo = {k: sum(f[k] for f in p["fifos"]) for k in ("lut", "bram18", "uram")}
    assert fifo == p["fifo_resources"] and fifo["lut"] > 0
    assert p["total_resources"]["bram18"] == p["resources"]["bram18"] + fifo["bram18"]
    assert r8.totals.inferences_per_s == pytest.approx(8 / r8.totals.latency_s)


def test_streaming_errors_are_one_line():
    from accelsim import simulate
    from accelsim.fabrics import load_arch

    big = load_arch("finn-cnv-pynq", folding={}, swg_simd={}, target_fps=1e6)  # SetFolding to the maximum
    with pytest.raises(AccelsimInputError, match="LUT but pynq-z1 offers"):
        simulate("bnn-pynq-cnv", big)
    with pytest.raises(AccelsimInputError, match="two activations"):
        simulate("bert-base-encoder", "finn-cnv-pynq")
    with pytest.raises(AccelsimInputError, match="device"):
        load_arch("finn-cnv-pynq", device="zc999")


@settings(max_examples=examples(40), deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 70), k=st.integers(1, 6), hw=st.integers(3, 7), kern=st.integers(1, 3),
       stride=st.integers(1, 2), seed=st.integers(0, 2**31 - 1))  # fmt: skip
def test_xnor_popcount_layers_equal_the_integer_layer(n, c, k, hw, kern, stride, seed):
    """A binary conv or FC through the streaming datapath (XNOR-popcount on bit-packed operands) equals the
    exact integer layer; a multi-bit one takes the exact kernels."""
    import numpy as np

    from accelsim.fabrics import get_functional_layer, load_arch
    from accelsim.functional import run_layer
    from accelsim.workload import Layer, Precision

    rng = np.random.default_rng(seed)
    arch = load_arch("finn-cnv-pynq")
    fn = get_functional_layer("streaming")
    p = Precision(w_bits=1, a_bits=1, w_signed=True, a_signed=True, out_bits=32)
    conv = Layer(name="c", op="conv2d", batch=n, in_channels=c, out_channels=k, in_h=hw, in_w=hw,
                 kernel=min(kern, hw), stride=stride)  # fmt: skip
    x = rng.choice([-1, 1], size=(n, c, hw, hw))
    w = rng.choice([-1, 1], size=(k, c, conv.R, conv.S))
    y, stats = fn(x, w, conv, p, arch, 0)
    assert stats["path"] == "xnor-popcount"
    assert np.array_equal(y, run_layer(conv, x, w, p, check_ranges=False).out)
    fc = Layer(name="f", op="fc", batch=n, in_channels=c, out_channels=k)
    xf, wf = rng.choice([-1, 1], size=(n, c)), rng.choice([-1, 1], size=(k, c))
    y, _ = fn(xf, wf, fc, p, arch, 0)
    assert np.array_equal(y, run_layer(fc, xf, wf, p, check_ranges=False).out)
    y, stats = fn(xf * 3, wf, fc, Precision(w_bits=1, a_bits=4, w_signed=True, a_signed=True), arch, 0)
    assert stats["path"] != "xnor-popcount" and np.array_equal(y, (xf * 3) @ wf.T)


def test_same_shape_layers_keep_their_own_folding(tmp_path):
    """simulate evaluates repeated layers once, but a streaming preset's folding is keyed by layer name:
    two identical FC layers folded differently keep their own cycles."""
    from accelsim import simulate

    net = tmp_path / "twin.yaml"
    net.write_text(
        "name: twin\ninput: {channels: 64, height: 1, width: 1}\n"
        "precision: {w_bits: 1, a_bits: 1, out_bits: 1, w_signed: true, a_signed: true}\nlayers:\n"
        "  - {name: a, op: fc, in_channels: 64, out_channels: 64}\n"
        "  - {name: b, op: fc, in_channels: 64, out_channels: 64}\n"
    )
    arch = tmp_path / "twin-arch.yaml"
    arch.write_text(
        "name: twin-arch\nfabric: streaming\nfrequency_hz: 1.0e8\ntechnology_nm: 28\ndevice: pynq-z1\n"
        "folding: {a: [1, 1], b: [64, 64]}\n"
    )
    r = simulate(str(net), str(arch))
    assert [x.cycles for x in r.layers] == [64 * 64, 1]


def test_residual_adds_wait_for_both_streams_and_size_the_skip_fifo():
    """ResNet-20 (W4A4, SetFolding for 2,000 frames/s, on a U250): every add reads its two producer
    layers, each stream gets its own FIFO (the skip stream's included), and the overlapped latency lies
    between the initiation interval and FINN's no-overlap bound."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch
    from accelsim.fabrics.streaming import pipeline_stages
    from accelsim.workload import load_network

    arch = load_arch("finn-cnv-pynq", folding={}, swg_simd={}, target_fps=2000, device="u250")
    net = load_network("resnet20").with_bits(4, 4)
    r = simulate(net, arch)
    p = r.pipeline
    adds = [x for x in net.layers if x.op == "add"]
    skip = [f for f in p["fifos"] if any(f["name"].startswith(f"{a.name}.in.") for a in adds)]
    assert len(skip) == 2 * len(adds) and max(f["occupancy_words"] for f in skip) > 0
    assert (
        p["initiation_interval_cycles"] <= p["latency_cycles"] < p["latency_no_overlap_s"] * arch.frequency_hz
    )
    from accelsim.fabrics.registry import get_fabric

    results = [get_fabric("streaming").evaluate_layer(x, net.precision_of(x), arch) for x in net.layers]
    stages = pipeline_stages(results, net.layers)
    names = [s.name for s in stages]
    for a in adds:
        st = stages[names.index(a.name)]
        assert sorted(stages[src].name for src, _ in st.sources) == sorted(a.inputs)


# ---- residual adds: FINN's AddStreams, folded by PE -------------------------------------------------------


def test_residual_adds_are_finn_addstreams_folded_by_the_search():
    """ResNet-20 at W4A4 on a ZC706: an add at PE 1 takes 32·32·16 = 16,384 cycles per frame; the search folds
    the AddStreams (PE 2 on the 16-channel stage) so the pipeline's interval drops below that, and every add
    takes the least PE that meets the interval (FINN estimates no resources for it)."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch
    from accelsim.fabrics.streaming import fold_network, folded_arch
    from accelsim.fpga.finn_estimates import AddStreams
    from accelsim.simulate import resolve_network

    arch = load_arch("finn-cnv-zc706", folding={}, swg_simd={}, swg_impl="rtl", activation_bits=4)
    net = resolve_network("resnet20", "4/4", None)
    folding, swg, units = fold_network(net, arch)
    adds = {n: u for n, u in units if isinstance(u, AddStreams)}
    assert len(adds) == 9 and max(u.pe for u in adds.values()) > 1
    folded = folded_arch(arch, units)
    ii = simulate(net, folded).pipeline["initiation_interval_cycles"]
    assert ii < 32 * 32 * 16
    for u in adds.values():
        assert u.cycles() <= ii
        smaller = [p for p in range(1, u.pe) if u.channels % p == 0]
        assert all(AddStreams(u.channels, u.num_input_vectors, p).cycles() > ii for p in smaller)


def test_add_folding_is_explicit_or_set_folding_and_checked():
    from accelsim import simulate
    from accelsim.fabrics import load_arch
    from accelsim.workload import load_network

    net = load_network("resnet20").with_bits(4, 4)
    layer = next(x for x in net.layers if x.op == "add")
    arch = load_arch("finn-cnv-zc706", folding={layer.name: (4, 1)}, swg_simd={})
    rows = simulate(net, arch).layers
    row = next(r for r in rows if r.name == layer.name)
    assert row.cycles == layer.P * layer.Q * layer.K // 4
    with pytest.raises(AccelsimInputError, match=f"folding.{layer.name}"):
        simulate(net, load_arch("finn-cnv-zc706", folding={layer.name: (3, 1)}, swg_simd={}))
    clock = arch.frequency_hz
    target = load_arch("finn-cnv-zc706", folding={}, swg_simd={}, target_fps=clock / 10_000)
    row = next(r for r in simulate(net, target).layers if r.name == layer.name)
    assert row.cycles == 8192  # SetFolding: the least PE with cycles < 10,000 cycles (16,384 / 2)


# ---- pools: the units FINN's conversion picks ---------------------------------------------------------------


def test_pool_layers_become_the_units_finn_converts_them_to():
    """StreamingMaxPool only for a max pool with kernel = stride and no padding (CNV's 2x2/2); a global average
    pool is a GlobalAccPool; ResNet's padded 3x3 stride-2 max pool and LeNet-5's average pools are a depthwise
    generator + FINN's Pool, whose cycles are (C·k²/PE)·H_out·W_out."""
    from accelsim.fabrics import load_arch
    from accelsim.fabrics.streaming import layer_units
    from accelsim.fpga.finn_estimates import GlobalAccPool, Pool, SlidingWindow2DRtl
    from accelsim.workload import load_network

    arch = load_arch("finn-cnv-zc706", folding={}, swg_simd={}, swg_impl="rtl")

    def units(net_name: str, layer_name: str):
        net = load_network(net_name)
        layer = next(x for x in net.layers if x.name == layer_name)
        return layer, layer_units(layer, net.precision_of(layer), arch)

    _, cnv = units("bnn-pynq-cnv", "pool1")
    assert [type(u).__name__ for _, u in cnv] == ["MaxPool"]
    layer, stem = units("resnet18", "maxpool")
    assert [type(u) for _, u in stem] == [SlidingWindow2DRtl, Pool] and stem[0][1].depthwise
    assert stem[1][1].cycles() == 64 * 9 * 56 * 56 == layer.C * 9 * layer.P * layer.Q
    _, gap = units("resnet18", "avgpool")
    assert [type(u) for _, u in gap] == [GlobalAccPool] and gap[0][1].cycles() == 7 * 7 * 512 + 512
    _, lenet = units("lenet5", "pool1")
    assert [type(u) for _, u in lenet] == [SlidingWindow2DRtl, Pool] and lenet[1][
        1
    ].cycles() == 6 * 4 * 14 * 14


def test_global_acc_pool_accumulates_its_input_as_it_arrives():
    """GlobalAccPool reads eagerly (it sums as pixels arrive), so the FIFO in front of it does not have to
    queue the whole 7x7x512 map."""
    from accelsim import simulate

    p = simulate("resnet18", "mixmatch-resnet18-zc706", bits="4/4").pipeline
    fifo = next(f for f in p["fifos"] if f["name"] == "avgpool.in")
    assert fifo["occupancy_words"] < 7 * 7 * 512 // 8


# ---- forks: FINN's DuplicateStreams ---------------------------------------------------------------------------


def test_every_fork_gets_a_duplicate_streams_unit():
    """ResNet-20: every tensor two layers read (the stem's output and each block's add feeding the next block)
    gets FINN's DuplicateStreams (its readers read it), with the least PE that fits the others' interval (the
    search's folding) or SetFolding's (a target); it takes no resources, joins FINN's latency bound, and a
    chain (CNV) has none."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch
    from accelsim.fpga.finn_estimates import DuplicateStreams
    from accelsim.workload import load_network

    net = load_network("resnet20").with_bits(4, 4)
    readers: dict[str, int] = {}
    for i, layer in enumerate(net.layers):
        for src in layer.inputs or [net.layers[i - 1].name if i else "input"]:
            readers[src] = readers.get(src, 0) + 1
    forks = {n for n, k in readers.items() if k > 1 and n != "input"}
    assert len(forks) == 9
    saw_folded = False
    from accelsim.fabrics.streaming import fold_network, folded_arch

    free = load_arch("finn-cnv-zc706", folding={}, swg_simd={}, swg_impl="rtl", activation_bits=4)
    folding, swg, units = fold_network(net, free)
    searched = folded_arch(free, units)
    for arch in (load_arch("finn-cnv-zc706", folding={}, swg_simd={}, target_fps=20_000), searched):
        rep = simulate(net, arch)
        p = rep.pipeline
        dups = {d["name"]: d for d in p["duplicate_streams"]}
        assert set(dups) == {f"{n}.dup" for n in forks}
        ii = p["initiation_interval_cycles"]
        units = [u for x in rep.layers for u in x.mapping["units"]]
        assert ii == max(
            max(u["cycles_per_frame"] for u in units), *(d["cycles_per_frame"] for d in dups.values())
        )
        for name, d in dups.items():
            layer = next(x for x in net.layers if x.name == name.removesuffix(".dup"))
            unit = DuplicateStreams(layer.K, (1, layer.P * layer.Q), d["pe"])
            assert d["cycles_per_frame"] == unit.cycles()
            smaller = [
                DuplicateStreams(layer.K, (1, layer.P * layer.Q), q)
                for q in range(1, d["pe"])
                if layer.K % q == 0
            ]
            if arch.target_fps:  # SetFolding: the least PE below the target
                target = arch.target_cycles()
                assert unit.cycles() < target or d["pe"] == layer.K
                assert all(x.cycles() >= target for x in smaller)
            else:
                assert all(x.cycles() > ii for x in smaller)
                saw_folded = saw_folded or d["pe"] > 1
        bound = sum(u["cycles_per_frame"] for u in units) + sum(d["cycles_per_frame"] for d in dups.values())
        assert p["latency_no_overlap_s"] * arch.frequency_hz == pytest.approx(bound)
    assert saw_folded  # the searched design's interval (12,288) is below the stem's 32·32·16 at PE 1
    assert simulate("bnn-pynq-cnv", "finn-cnv-zc706").pipeline["duplicate_streams"] == []


def test_a_concat_branch_network_streams_through_finn_units():
    """Two branches read the network input (no DuplicateStreams: input forks are not modelled) and meet in a
    StreamingConcat (one whole vector per pixel: 6·6 cycles), then a depthwise conv and a global average
    pool (GlobalAccPool); the concat waits for both branches' tokens."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch
    from accelsim.workload import Layer as L
    from accelsim.workload import Network

    net = Network(
        name="cat",
        input={"channels": 3, "height": 6, "width": 6},
        layers=[
            L(name="a", op="conv2d", in_channels=3, out_channels=4, in_h=6, in_w=6, kernel=3, padding=1),
            L(name="b", op="conv2d", in_channels=3, out_channels=2, in_h=6, in_w=6, kernel=1, inputs=["input"]),
            L(name="cat", op="concat", in_channels=6, in_h=6, in_w=6, inputs=["a", "b"], out_channels=6),
            L(name="dw", op="depthwise_conv2d", in_channels=6, out_channels=6, in_h=6, in_w=6, kernel=3, padding=1),
            L(name="gap", op="pool", pool_type="avg", in_channels=6, in_h=6, in_w=6, kernel=6),
            L(name="fc", op="fc", in_channels=6, out_channels=3),
        ],
        precision={"w_bits": 4, "a_bits": 4},
    )  # fmt: skip
    rep = simulate(net, load_arch("finn-cnv-zc706", folding={}, swg_simd={}, swg_impl="rtl"))
    kinds = {x.name: [u["kind"] for u in x.mapping["units"]] for x in rep.layers}
    assert kinds["cat"] == ["StreamingConcat"] and kinds["gap"] == ["GlobalAccPool"]
    assert kinds["dw"] == ["SlidingWindow2DRtl", "Vvau"]
    cat = next(x for x in rep.layers if x.name == "cat")
    assert cat.cycles == 6 * 6
    p = rep.pipeline
    assert p["duplicate_streams"] == []
    assert {f["name"] for f in p["fifos"]} >= {"cat.in.a", "cat.in.b"}


def test_per_layer_settings_do_not_leak_into_same_shape_layers():
    """layer_res_type / layer_mvau_impl are keyed by layer name: simulate must not reuse one layer's result for
    another of the same shape (ResNet-20's layer1.0.conv1 and layer1.1.conv1)."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch

    base = dict(folding={}, swg_simd={}, target_fps=2000, activation_bits=4)
    for field, value in (("layer_res_type", "dsp"), ("layer_mvau_impl", "rtl")):
        arch = load_arch("finn-cnv-zc706", **base, **{field: {"layer1.0.conv1": value}})
        rows = {x.name: x.mapping["units"][-1] for x in simulate("resnet20", arch, bits="4/4").layers}
        assert rows["layer1.0.conv1"]["dsp"] > 0 and rows["layer1.1.conv1"]["dsp"] == 0, field


@pytest.mark.parametrize("impl", ["hls", "rtl"])
def test_set_folding_ties_depthwise_generators_to_their_op(impl):
    """FINN's SetFolding gives the generator before a VVAU or Pool the op's PE as SIMD (and the RTL one
    parallel_window when the VVAU's SIMD exceeds 1), both per layer and over the whole network."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch
    from accelsim.fabrics.streaming import fold_network
    from accelsim.fpga.finn_estimates import Pool, SlidingWindow2DRtl
    from accelsim.simulate import resolve_network

    arch = load_arch("finn-cnv-zc706", device="u250", folding={}, swg_simd={}, target_fps=2000, swg_impl=impl,
                     activation_bits=4)  # fmt: skip
    net = resolve_network("mobilenetv2", "4/4", None)
    pairs = [x.mapping["units"] for x in simulate(net, arch).layers if x.op == "depthwise_conv2d"]
    assert len(pairs) == 17 and all(swg["simd"] == op["pe"] for swg, op in pairs)
    _, _, units = fold_network(net, arch, target_fps=2000)
    tied = [(a, b) for (_, a), (_, b) in zip(units, units[1:], strict=False) if isinstance(b, Vvau | Pool)]
    assert len(tied) == 17 and all(a.simd == b.pe for a, b in tied)
    assert any(b.pe > 1 for _, b in tied)
    if impl == "rtl":
        assert all(a.parallel_window == (b.simd > 1) for a, b in tied if isinstance(a, SlidingWindow2DRtl))
