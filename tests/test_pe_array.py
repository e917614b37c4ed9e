"""The precision-scalable array engine: closed-form passes equal a loop-nest walk of the mapping, the
Bit Fusion simulator's cycle formula, the published bit-serial scaling laws, stall rules; and
compare_suite's ratios."""

from __future__ import annotations

import itertools
import math

import pytest
from fuzzing import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accelsim.compare import compare_suite
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.fabrics._array import evaluate_array_layer
from accelsim.simulate import simulate
from accelsim.workload import Layer, Network, Precision


def brute_force(layer: Layer, w_bits: int, a_bits: int, arch) -> tuple[int, int] | None:
    """Plain-Python restatement of the tiling search (accelsim.pe.tiling docstring): every power-of-two
    tiling and every loop order; returns (cycles, stall) of the fewest-cycle choice, ties broken on the
    lowest energy (core + buffer + DRAM, the docstring's SRAM rule), then on enumeration order."""
    f, cpp = arch.pe_pass(w_bits, a_bits)
    n, m = arch.rows, arch.cols
    k, p, s, c, kk, b_all = layer.R, layer.P, layer.stride[0], layer.C, layer.K, layer.N
    half = {"w": arch.wbuf_bytes * 4, "a": arch.ibuf_bytes * 4, "o": arch.obuf_bytes * 4}
    bw = 8 * arch.dram.bandwidth_bytes_per_cycle
    pj = arch.sram_pj_per_bit()
    core_pj = arch.n_pes * arch.pe_energy_pj_per_cycle(w_bits, a_bits)
    deps = {"B": "ao", "OW": "ao", "OH": "ao", "IC": "wa", "OC": "wo"}

    def pow2(x):
        out, v = [], 1
        while True:
            out.append(min(v, x))
            if v >= x:
                return out
            v *= 2

    best = None  # (cycles, energy, stall)
    for b in pow2(b_all):
        for o in pow2(p):
            for ic in pow2(c):
                for oc in [min(v * m, kk) for v in pow2(math.ceil(kk / m))]:
                    w0 = math.ceil(k * k * ic / (n * f)) * n * f * oc * w_bits
                    a0 = (k + (o - 1) * s) ** 2 * ic * b * a_bits
                    o0 = o * o * math.ceil(oc / m) * m * b * 32
                    if w0 > half["w"] or a0 > half["a"] or o0 > half["o"]:
                        continue
                    trips = {"B": math.ceil(b_all / b), "OW": math.ceil(p / o), "OH": math.ceil(p / o),
                             "IC": math.ceil(c / ic), "OC": math.ceil(kk / oc)}  # fmt: skip
                    tiles = math.prod(trips.values())
                    compute = tiles * b * math.ceil(oc / m) * o * o * k * k * math.ceil(ic / (n * f)) * cpp
                    # buffer reads: the cheapest inner order (input-, output-, weight-stationary, in that
                    # order on ties), per tile: (activation bits, partial-sum bits, weight bits)
                    red, outs = k * k * ic, oc * o * o * b
                    os_loop, is_loop, ws_loop = (
                        math.ceil(ic / (n * f)) * n * f * k * k,
                        math.ceil(oc / m) * m,
                        b * o * o,
                    )
                    inner = [
                        (os_loop * ws_loop * (a_bits + is_loop * (w_bits + 32)),
                         (red * ws_loop * a_bits, red * ws_loop * oc * 32, red * ws_loop * oc * w_bits)),
                        (is_loop * ws_loop * (32 + os_loop * (a_bits + w_bits)),
                         (outs * red * a_bits, outs * 32, outs * red * w_bits)),
                        (os_loop * is_loop * (w_bits + ws_loop * (a_bits + 32)),
                         (red * oc * ws_loop * a_bits, red * oc * ws_loop * 32, red * oc * w_bits)),
                    ]  # fmt: skip
                    r_act, r_out, r_wgt = (tiles * v for v in min(inner, key=lambda t: t[0])[1])
                    for order in itertools.permutations(trips):
                        size = {"w": w0, "a": a0, "o": o0}
                        first = dict(size)
                        live = {"w": True, "a": True, "o": True}
                        for loop in reversed(order):
                            for t in "wao":
                                if not live[t]:
                                    size[t] *= trips[loop]
                                elif t in deps[loop]:
                                    size[t] *= trips[loop]
                                    if size[t] > half[t]:
                                        live[t] = False
                                    else:
                                        first[t] = size[t]
                        total = sum(size.values()) + size["o"]
                        start = sum(first.values())
                        lat = math.ceil(start / bw) + math.ceil(first["o"] / bw)
                        stall = max(0, math.ceil((total - start - first["o"]) / bw) - compute) + lat
                        energy = (
                            compute * core_pj + r_wgt * pj["wbuf_read"] + size["w"] * pj["wbuf_write"]
                            + r_act * pj["ibuf_read"] + size["a"] * pj["ibuf_write"]
                            + (r_out + size["o"]) * (pj["obuf_read"] + pj["obuf_write"])
                            + total * arch.dram.energy_pj_per_bit
                        )  # fmt: skip
                        cand = (compute + stall, energy, stall)
                        if (
                            best is None
                            or cand[0] < best[0]
                            or (cand[0] == best[0] and cand[1] < best[1] * (1 - 1e-12))
                        ):
                            best = cand
    return None if best is None else (best[0], best[2])


conv = st.builds(
    lambda c, k, h, r, stride, n: Layer(
        name="x", op="conv2d", batch=n, in_channels=c, out_channels=k, in_h=h, in_w=h, kernel=min(r, h),
        stride=stride, padding=(min(r, h) - 1) // 2, inputs=["x0"],
    ),
    st.integers(1, 48), st.integers(1, 48), st.integers(1, 9), st.sampled_from([1, 3]), st.integers(1, 2),
    st.integers(1, 4),
)  # fmt: skip


@settings(max_examples=examples(30), deadline=None)
# found by hypothesis (issue 11): two tilings of 243 cycles, stall 171 (compute 72) and stall 183 (compute
# 60); the search keeps the second, whose energy is 25 % lower — the tie-break the first brute force omitted
@example(
    Layer(name="x", op="conv2d", batch=3, in_channels=33, out_channels=35, in_h=2, in_w=2, kernel=2,
          stride=1, padding=0, inputs=["x0"]),
    "stripes", 4, 1,
)  # fmt: skip
@given(conv, st.sampled_from(["bitfusion", "stripes", "loom"]), st.sampled_from([1, 2, 4, 8]),
       st.sampled_from([1, 2, 4, 8]))  # fmt: skip
def test_tiling_search_equals_brute_force(layer, preset, w_bits, a_bits):
    arch = load_arch(preset, rows=4, cols=8, wbuf_bytes=8192, ibuf_bytes=4096, obuf_bytes=4096)
    expected = brute_force(layer, w_bits, a_bits, arch)
    if expected is None:  # no tiling fits half of every buffer: a one-line user error
        with pytest.raises(AccelsimInputError, match="no tiling fits"):
            evaluate_array_layer(layer, Precision(w_bits=w_bits, a_bits=a_bits), arch)
        return
    res = evaluate_array_layer(layer, Precision(w_bits=w_bits, a_bits=a_bits), arch)
    assert (res.cycles, res.stall_cycles) == expected
    assert 0 < res.mapping_efficiency <= 1


@settings(max_examples=examples(60), deadline=None)
@given(
    st.sampled_from([1, 2, 3, 5]), st.integers(1, 20), st.integers(1, 2), st.integers(1, 80), st.integers(1, 80),
    st.integers(1, 16), st.sampled_from([(8, 8), (4, 4), (4, 1), (2, 2), (2, 8), (16, 16)]), st.booleans(),
    st.sampled_from([8.0, 192.0, 4096.0, math.inf]),
    st.sampled_from([(2048, 1024, 1024), (8192, 4096, 4096), (65536, 32768, 16384)]),
    st.sampled_from(["bitfusion", "stripes", "loom"]),
)  # fmt: skip
def test_pruned_tiling_search_equals_exhaustive(k, p, s, ic, oc, b, bits, im2col, if_bits, bufs, preset):
    """The pruned search (cycle lower bounds, order classes) returns exactly the exhaustive enumeration's
    result: every count, the tile sizes, the loop order and the energy (PE passes of Bit Fusion, Stripes
    and Loom; small buffers, odd channel counts and batches as in the issue-11 counterexample)."""
    from accelsim.pe import tiling

    w, a = bits
    f, cpp = load_arch(preset).pe_pass(w, a)
    args = (k, k, p, p, s, s, ic, oc, b, a, w, f, cpp, 4, 8, im2col, *bufs, if_bits,
            (235.1, 0.021, 0.029, 0.059, 0.114, 0.033, 0.073, 15.0))  # fmt: skip
    assert tiling.search(*args) == tiling.search(*args, exhaustive=True)


def test_bitfusion_simulator_formula_non_first_conv():
    # B·ceil(OC/M)·OH·OW·KH·KW·ceil(IC/(N·factor)), bf_e N=16, M=32, 4x4 bits: factor 4
    layer = Layer(name="c", op="conv2d", batch=16, in_channels=128, out_channels=256, in_h=16, in_w=16,
                  kernel=3, padding=1, inputs=["c0"])  # fmt: skip
    res = evaluate_array_layer(layer, Precision(w_bits=4, a_bits=4), load_arch("bitfusion"))
    assert res.compute_cycles == 16 * math.ceil(256 / 32) * 16 * 16 * 9 * math.ceil(128 / (16 * 4))


def test_first_layer_maps_im2col():
    layer = Layer(name="c1", op="conv2d", batch=1, in_channels=3, out_channels=64, in_h=32, in_w=32,
                  kernel=3, padding=1)  # fmt: skip
    res = evaluate_array_layer(layer, Precision(w_bits=8, a_bits=8), load_arch("bitfusion"))
    assert res.mapping["kind"] == "im2col"
    # B·OH·OW·ceil(OC/M)·ceil(KH·KW·IC/(N·factor)) (powers of two: no tile padding)
    assert res.compute_cycles == 32 * 32 * 2 * math.ceil(27 / 16)


def _cycles(preset, layer, w, a):
    """Compute cycles with buffers large enough that no tiling constraint binds (isolates the PE law)."""
    arch = load_arch(preset, wbuf_bytes=2**24, ibuf_bytes=2**24, obuf_bytes=2**24)
    return evaluate_array_layer(layer, Precision(w_bits=w, a_bits=a), arch).compute_cycles


def test_bitserial_scaling_laws():
    c = Layer(name="c", op="conv2d", in_channels=256, out_channels=64, in_h=8, in_w=8, kernel=3, padding=1)
    f = Layer(name="f", op="fc", in_channels=1024, out_channels=64)
    assert _cycles("stripes", c, 8, 16) == 4 * _cycles("stripes", c, 8, 4)  # time ∝ p_a
    assert _cycles("stripes", c, 2, 8) == _cycles("stripes", c, 16, 8)  # weights bit-parallel
    assert _cycles("loom", c, 8, 8) == 4 * _cycles("loom", c, 4, 4)  # conv ∝ p_w·p_a
    assert _cycles("loom", f, 8, 8) == 2 * _cycles("loom", f, 4, 8)  # fc ∝ p_w
    assert _cycles("loom", f, 4, 2) == _cycles("loom", f, 4, 16)
    assert _cycles("bismo", c, 4, 4) * 4 == _cycles("bismo", c, 8, 8)


def test_unlimited_bandwidth_no_stall_and_roofline_stall():
    fc = Layer(name="f", op="fc", batch=1, in_channels=4096, out_channels=4096)
    p = Precision(w_bits=8, a_bits=8)
    free = evaluate_array_layer(fc, p, load_arch("bitfusion", **{"dram.bandwidth_bytes_per_cycle": None}))
    assert free.stall_cycles == 0
    bound = evaluate_array_layer(fc, p, load_arch("bitfusion"))
    traffic = bound.accesses["dram_read_bytes"] + bound.accesses["dram_write_bytes"]
    # weight-streaming fc: the stall brings cycles up to at least the DRAM transfer time
    assert bound.cycles >= math.ceil(traffic / 24)
    assert bound.stall_cycles > 0


def test_pool_layers_cost_nothing():
    pool = Layer(name="p", op="pool", in_channels=8, in_h=8, in_w=8, kernel=2, stride=2, pool_type="max")
    res = evaluate_array_layer(pool, Precision(), load_arch("bitfusion"))
    assert res.cycles == 0 and res.actions == {}


def _net(name, bits):
    return Network(
        name=name,
        precision=Precision(w_bits=bits, a_bits=bits),
        layers=[
            Layer(name="c1", op="conv2d", batch=2, in_channels=3, out_channels=32, in_h=16, in_w=16, kernel=3,
                  padding=1),
            Layer(name="c2", op="conv2d", batch=2, in_channels=32, out_channels=64, in_h=16, in_w=16, kernel=3,
                  padding=1),
            Layer(name="f", op="fc", batch=2, in_channels=64, out_channels=10),
        ],
    )  # fmt: skip


def test_compare_suite_ratios_and_geomean():
    nets = [_net("a", 2), _net("b", 8)]
    table = compare_suite(nets, "bitfusion", "stripes")
    for net, row in zip(nets, table.rows, strict=True):
        ours, theirs = simulate(net, "bitfusion").totals, simulate(net, "stripes").totals
        assert row.speedup == pytest.approx(theirs.latency_s / ours.latency_s)
        assert row.energy_ratio == pytest.approx(theirs.energy_pj / ours.energy_pj)
    assert table.geomean_speedup == pytest.approx(math.sqrt(table.rows[0].speedup * table.rows[1].speedup))
    # 2-bit: Bit Fusion runs 16 products per FU, Stripes 16 per 2 cycles -> Bit Fusion faster
    assert table.rows[0].speedup > 1


def test_compare_cli(tmp_path):
    import json

    from typer.testing import CliRunner

    from accelsim.cli.app import build_app

    out = tmp_path / "cmp.json"
    result = CliRunner().invoke(
        build_app(), ["compare", "--network", "lenet5", "--arch", "bitfusion", "--baseline", "stripes", "--json",
                      str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert doc["rows"][0]["network"] == "lenet5" and doc["geomean_speedup"] > 0


@pytest.mark.parametrize(
    ("preset", "bits"),
    [("bitfusion", "4/4"), ("stripes", "8/8"), ("loom", "16/16"), ("bismo", "1/1"), ("unpu", "4/16"),
     ("bitblade", "2/2"), ("envision", "4/4"), ("quest", "4/8")],
)  # fmt: skip
def test_every_preset_simulates_a_network(preset, bits):
    report = simulate("lenet5", preset, bits=bits)
    t = report.totals
    assert t.cycles > 0 and t.energy_pj > 0 and 0 < t.utilization <= 1
    assert t.cycles >= t.compute_cycles
    if preset == "envision":
        assert report.layers[0].mapping["sub_multiplier_idle_share"] == 0.75
