"""Weights streamed from DRAM (FINN's ``external`` mem_mode), FINN's RTL sliding-window generator in the
fabric, and the folding search's choice of DSP multipliers (accelsim.fabrics.streaming, accelsim.fpga)."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from accelsim import simulate
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.fabrics.streaming import fold_network, folded_arch, folded_fields, layer_units
from accelsim.fpga.devices import DEFAULT_LIMITS, RESOURCES, device
from accelsim.fpga.finn_estimates import Mvau, SlidingWindow2DRtl
from accelsim.fpga.folding import fold_unit
from accelsim.fpga.folding_search import max_throughput_folding
from accelsim.simulate import resolve_network

BASE = {"name": "t", "fabric": "streaming", "frequency_hz": 100e6, "device": "zcu102"}


def _arch(tmp_path, **fields):
    import yaml

    path = tmp_path / "a.yaml"
    path.write_text(yaml.safe_dump({**BASE, **fields}))
    return load_arch(path)


def test_external_weights_bound_the_interval_by_the_dram(tmp_path):
    """II = max(compute II, ceil(W/8 / bandwidth)); external weights take no weight BRAM; every external
    unit is stretched to the DRAM's interval, so FINN's no-overlap bound and the overlapped latency grow."""
    net = resolve_network("lenet5", "4/4", None)
    inside = simulate(net, _arch(tmp_path, target_fps=20_000))
    ext = _arch(tmp_path, target_fps=20_000, mem_mode="external", dram={"bandwidth_bytes_per_cycle": 0.5})
    rep = simulate(net, ext)
    p, q = rep.pipeline, inside.pipeline
    bits = sum(
        u.mw * u.mh * u.w_bits
        for layer in net.layers
        for _, u in layer_units(layer, net.precision_of(layer), ext)
        if isinstance(u, Mvau)
    )
    assert p["external_weight_bytes_per_frame"] == bits / 8
    assert p["dram_cycles_per_frame"] == math.ceil(bits / 8 / 0.5)
    assert p["initiation_interval_cycles"] == max(
        p["compute_initiation_interval_cycles"], p["dram_cycles_per_frame"]
    )
    assert p["bound"] == "dram" and p["frames_per_s"] == pytest.approx(100e6 / p["dram_cycles_per_frame"])
    assert p["compute_initiation_interval_cycles"] == q["initiation_interval_cycles"]
    assert p["latency_no_overlap_s"] > q["latency_no_overlap_s"] and p["latency_s"] > q["latency_s"]

    def mvau_bram(r):
        return sum(u["bram18"] for x in r.layers for u in x.mapping["units"] if u["kind"] == "Mvau")

    assert mvau_bram(rep) == 0 < mvau_bram(inside)
    # unlimited bandwidth: no DRAM bound
    free = simulate(net, _arch(tmp_path, target_fps=20_000, mem_mode="external"))
    assert free.pipeline["dram_cycles_per_frame"] == 0
    assert free.pipeline["initiation_interval_cycles"] == q["initiation_interval_cycles"]


def test_layer_mem_mode_overrides_the_default(tmp_path):
    net = resolve_network("lenet5", "4/4", None)
    fc = [layer.name for layer in net.layers if layer.op == "fc"]
    arch = _arch(tmp_path, target_fps=20_000, layer_mem_mode={fc[0]: "external"},
                 dram={"bandwidth_bytes_per_cycle": 4})  # fmt: skip
    p = simulate(net, arch).pipeline
    first = next(x for x in net.layers if x.name == fc[0])
    assert p["external_weight_bytes_per_frame"] == first.C * first.K * 4 / 8


def test_fold_network_does_not_outrun_the_dram(tmp_path):
    """With the DRAM the bottleneck the search's folding is replaced by SetFolding for the DRAM's interval:
    same frame rate, no more LUTs."""
    net = resolve_network("lenet5", "4/4", None)
    arch = _arch(tmp_path, mem_mode="external", dram={"bandwidth_bytes_per_cycle": 0.25})
    folding, swg, units = fold_network(net, arch)
    folded = folded_arch(arch, units)
    p = simulate(net, folded).pipeline
    assert p["bound"] == "dram" and p["compute_initiation_interval_cycles"] <= p["dram_cycles_per_frame"]
    fast = max_throughput_folding(
        [u for layer in net.layers for u in layer_units(layer, net.precision_of(layer), arch)],
        device("zcu102"), DEFAULT_LIMITS,
    )  # fmt: skip
    assert p["resources"]["lut"] <= fast.resources["lut"]


def test_rtl_generator_goes_parallel_once_simd_is_maxed_out():
    swg = SlidingWindow2DRtl(16, (34, 34), (32, 32), (3, 3), (1, 1), 1, 4)
    slow = fold_unit(swg, 10**9)
    assert slow.simd == 1 and not slow.parallel_window
    fast = fold_unit(swg, 1_000)  # unreachable without the parallel window
    assert fast.simd == 16 and fast.parallel_window and fast.cycles() == 34 * 34 + 2
    mid = fold_unit(swg, SlidingWindow2DRtl(16, (34, 34), (32, 32), (3, 3), (1, 1), 4, 4).cycles() + 1)
    assert mid.simd == 4 and not mid.parallel_window
    with pytest.raises(ValueError, match="SIMD must equal"):
        SlidingWindow2DRtl(16, (34, 34), (32, 32), (3, 3), (1, 1), 4, 4, parallel_window=True)


def test_rtl_generator_in_the_fabric(tmp_path):
    net = resolve_network("lenet5", "8/8", None)
    conv = next(x for x in net.layers if x.op == "conv2d")
    arch = _arch(tmp_path, swg_impl="rtl", swg_simd={conv.name: conv.C}, swg_parallel_window=[conv.name],
                 folding={conv.name: [1, 1]})  # fmt: skip
    units = dict(layer_units(conv, net.precision_of(conv), arch))
    swg = units[f"{conv.name}.swg"]
    assert isinstance(swg, SlidingWindow2DRtl) and swg.parallel_window
    rep = simulate(net, arch)
    row = next(
        u for x in rep.layers if x.name == conv.name for u in x.mapping["units"] if u["unit"].endswith(".swg")
    )
    assert row["kind"] == "SlidingWindow2DRtl" and row["cycles_per_frame"] == swg.cycles()
    bad = _arch(tmp_path, swg_impl="rtl", swg_simd={conv.name: 1}, swg_parallel_window=[conv.name])
    if conv.C > 1:
        with pytest.raises(AccelsimInputError, match=f"swg_simd.{conv.name}"):
            simulate(net, bad)


def test_search_may_put_multipliers_in_dsps():
    """CNV at 4/4 on a ZC706: offering FINN's resType dsp beside LUT multipliers gives a shorter interval
    than LUT multipliers alone (measured: 18,816 against 19,200 cycles), with some MVAUs on DSPs, and the
    design it picks fits FINN's limits."""
    net = resolve_network("bnn-pynq-cnv", "4/4", None)
    arch = load_arch("finn-cnv-pynq", folding={}, swg_simd={})
    units = [u for layer in net.layers for u in layer_units(layer, net.precision_of(layer), arch)]
    lut_only = [(n, replace(u, res_type="lut")) if isinstance(u, Mvau) else (n, u) for n, u in units]
    both = max_throughput_folding(units, device("zc706"), DEFAULT_LIMITS)
    luts = max_throughput_folding(lut_only, device("zc706"), DEFAULT_LIMITS)
    assert both.initiation_interval_cycles < luts.initiation_interval_cycles
    assert both.resources["dsp"] > 0 and any(getattr(u, "res_type", None) == "dsp" for _, u in both.units)
    budget = device("zc706").budget()
    for r, lim in zip(RESOURCES, DEFAULT_LIMITS, strict=True):
        assert both.resources[r] <= budget[r] * lim


def test_rtl_mvu_packs_multiplies_into_dsps(tmp_path):
    """With search_rtl_mvau the search may use FINN's RTL MVU: on CNV at 4/4 on a ZC706 some MVAUs become RTL
    (⌈P/4⌉·Q DSP48E1s, 0 LUT of their own by FINN's estimate, thresholds a separate unit), the interval is
    no longer than without, and the preset fields reproduce the design."""
    net = resolve_network("bnn-pynq-cnv", "4/4", None)
    plain = load_arch("finn-cnv-pynq", folding={}, swg_simd={}, device="zc706")
    packed = plain.model_copy(update={"search_rtl_mvau": True})
    f0, s0, u0 = fold_network(net, plain)
    f1, s1, u1 = fold_network(net, packed)
    ii = lambda units: max(u.cycles() for _, u in units)  # noqa: E731
    assert ii(u1) <= ii(u0)
    rtl = [(n, u) for n, u in u1 if isinstance(u, Mvau) and u.impl == "rtl"]
    assert rtl and all(u.dsp_block == "DSP48E1" and u.dsp() == -(-u.pe // 4) * u.simd for _, u in rtl)
    extra = folded_fields(u1)
    assert set(extra["layer_mvau_impl"]) == {n for n, _ in rtl}
    assert not set(extra["layer_res_type"]) & set(extra["layer_mvau_impl"])
    folded = packed.model_copy(update={"folding": f1, "swg_simd": s1, **extra})
    rep = simulate(net, folded)
    assert rep.pipeline["initiation_interval_cycles"] == ii(u1)
    bad = packed.model_copy(update={"layer_mvau_impl": {"conv1": "rtl"}})
    with pytest.raises(AccelsimInputError, match="layer_mvau_impl.conv1"):
        simulate(resolve_network("bnn-pynq-cnv", "16/16", None), bad)


def test_swg_exception_caps_generator_fifos_at_one_row():
    """FINN's CapConvolutionFIFODepths: with fifo_swg_exception, every generator-to-MVAU FIFO of
    finn-examples' CNV holds at most one output row of the generator's words (conv0: 6,048 words unbounded,
    30 pixels × 9 words = 270 capped), Vivado FIFOs without block RAM; other FIFOs and the timing unchanged."""
    net = "bnn-pynq-cnv"
    base = simulate(net, "finn-cnv-pynq").pipeline
    capped = simulate(net, load_arch("finn-cnv-pynq", fifo_swg_exception=True)).pipeline
    assert capped["initiation_interval_cycles"] == base["initiation_interval_cycles"]
    assert capped["latency_cycles"] == base["latency_cycles"]
    by_name = {f["name"]: f for f in base["fifos"]}
    changed = 0
    for f in capped["fifos"]:
        b = by_name[f["name"]]
        if f["occupancy_words"] != b["occupancy_words"]:
            changed += 1
            assert f["occupancy_words"] < b["occupancy_words"] and f["bram18"] <= b["bram18"]
    assert changed >= 1
    conv0 = next(f for f in capped["fifos"] if f["name"] == "conv0.in")
    assert (
        conv0["occupancy_words"] == 30 * 9
        and next(f for f in base["fifos"] if f["name"] == "conv0.in")["occupancy_words"] == 6048
    )
    assert capped["fifo_resources"]["bram18"] < base["fifo_resources"]["bram18"]
