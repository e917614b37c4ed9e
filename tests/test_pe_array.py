"""The precision-scalable array engine: closed-form passes equal a loop-nest walk of the mapping, the
Bit Fusion simulator's cycle formula, the published bit-serial scaling laws, stall rules; and
compare_suite's ratios."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.fabrics import load_arch
from accelsim.pe.array import evaluate_array_layer
from accelsim.pe.compare_suite import compare_suite
from accelsim.simulate import simulate
from accelsim.workload import Layer, Network, Precision


def walk_passes(layer: Layer, rows_products: int, cols: int) -> int:
    """Loop-nest reference: step through every pass of both mappings, keep the cheaper."""
    g = layer.groups
    c_g, k_g = layer.C // g, layer.K // g
    channel = im2col = 0
    for _group in range(g):
        for _n in range(layer.N):
            for _p in range(layer.P):
                for _q in range(layer.Q):
                    for _k0 in range(0, k_g, cols):
                        for _r in range(layer.R):
                            for _s in range(layer.S):
                                for _c0 in range(0, c_g, rows_products):
                                    channel += 1
                        for _j0 in range(0, layer.R * layer.S * c_g, rows_products):
                            im2col += 1
    return min(channel, im2col)


conv = st.builds(
    lambda c, k, h, r, stride, g, n: Layer(
        name="x", op="conv2d", batch=n, in_channels=c * g, out_channels=k * g, in_h=h, in_w=h,
        kernel=min(r, h), stride=stride, padding=1, groups=g,
    ),
    st.integers(1, 40), st.integers(1, 40), st.integers(1, 7), st.integers(1, 3), st.integers(1, 2),
    st.integers(1, 3), st.integers(1, 2),
)  # fmt: skip


@settings(max_examples=30, deadline=None)
@given(conv, st.sampled_from(["bitfusion", "stripes", "loom", "unpu", "envision"]), st.integers(1, 8),
       st.integers(1, 8))  # fmt: skip
def test_closed_form_passes_equal_loop_nest(layer, preset, w_bits, a_bits):
    arch = load_arch(preset, rows=3, cols=5)
    res = evaluate_array_layer(layer, Precision(w_bits=w_bits, a_bits=a_bits), arch)
    products, cycles = arch.pe_pass(w_bits, a_bits)
    assert res.mapping["passes"] == walk_passes(layer, 3 * products, 5)
    assert res.compute_cycles == res.mapping["passes"] * cycles
    assert 0 < res.mapping_efficiency <= 1


def test_bitfusion_simulator_formula_non_first_conv():
    # B·ceil(OC/M)·OH·OW·KH·KW·ceil(IC/(N·factor)), bf_e N=16, M=32, 4x4 bits: factor 4
    layer = Layer(name="c", op="conv2d", batch=16, in_channels=128, out_channels=256, in_h=14, in_w=14,
                  kernel=3, padding=1)  # fmt: skip
    res = evaluate_array_layer(layer, Precision(w_bits=4, a_bits=4), load_arch("bitfusion"))
    assert res.compute_cycles == 16 * math.ceil(256 / 32) * 14 * 14 * 9 * math.ceil(128 / (16 * 4))


def test_first_layer_maps_im2col():
    layer = Layer(name="c1", op="conv2d", batch=1, in_channels=3, out_channels=64, in_h=32, in_w=32,
                  kernel=3, padding=1)  # fmt: skip
    res = evaluate_array_layer(layer, Precision(w_bits=8, a_bits=8), load_arch("bitfusion"))
    assert res.mapping["kind"] == "im2col"
    assert res.compute_cycles == 32 * 32 * 2 * math.ceil(27 / 16)


def _cycles(preset, layer, w, a):
    return evaluate_array_layer(layer, Precision(w_bits=w, a_bits=a), load_arch(preset)).compute_cycles


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
    assert res.cycles == 0 and res.energy_pj == 0


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
