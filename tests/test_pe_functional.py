"""Functional datapaths of the precision-scalable fabrics (``functional_layer``): whole networks through
each PE's decomposition equal the ideal integer execution bit for bit; BLAS forms equal the PE references."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.accuracy import compare_on, run_integer_on
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import get_functional_layer, load_arch
from accelsim.functional.executor import run_integer
from accelsim.functional.metrics import shipped_model
from accelsim.functional.ptq import ptq, random_weights
from accelsim.pe import bitblade, envision, logpe
from accelsim.pe.common import int64_gemm, operand_range
from accelsim.pe.functional import folded_gemm
from accelsim.workload import Layer, Network, Precision, load_network

FABRICS = ["stripes", "loom", "bismo", "bitfusion", "unpu", "bitblade", "envision"]


def _net() -> Network:
    L = Layer
    return Network(
        name="pe-func",
        input={"channels": 3, "height": 7, "width": 7},
        layers=[
            L(name="c1", op="conv2d", in_channels=3, out_channels=6, in_h=7, in_w=7, kernel=3, padding=1,
              activation="relu"),
            L(name="dw", op="depthwise_conv2d", in_channels=6, out_channels=6, in_h=7, in_w=7, kernel=3,
              stride=2, padding=1),
            L(name="g2", op="conv2d", in_channels=6, out_channels=4, in_h=4, in_w=4, kernel=2, groups=2,
              dilation=1, activation="relu"),
            L(name="fc", op="fc", in_channels=4 * 3 * 3, out_channels=5),
        ],
    )  # fmt: skip


@pytest.fixture(scope="module")
def small_model():
    net = _net()
    w, b = random_weights(net, 3)
    x = np.random.default_rng(3).standard_normal((3, 3, 7, 7))
    return net, w, b, x


@pytest.mark.parametrize("fabric", FABRICS)
@pytest.mark.parametrize("bits", [(4, 4), (8, 8), (2, 3)])
def test_random_network_through_fabric_is_bit_exact_with_ideal(small_model, fabric, bits):
    net, w, b, x = small_model
    model = ptq(net, w, x, b, w_bits=bits[0], a_bits=bits[1])
    arch = load_arch(fabric)
    assert get_functional_layer(arch.fabric) is not None
    r = compare_on(model, x, arch=arch)
    for row in r["layers"]:
        assert row["fabric_vs_ideal"]["frac_bit_exact"] == 1.0, row["name"]
        if row["op"] != "pool" and row["bits"]:
            assert row["stats"]["macs"] > 0
            assert row["stats"]["path"] == f"{fabric} datapath"
            assert row["stats"]["overflow_outputs"] == 0
    assert r["overall"]["output_frac_bit_exact_fabric_vs_ideal"] == 1.0
    # asymmetric unsigned activations arrive with the zero point removed: the datapath re-centres them
    assert any(row["stats"].get("a_offset", 0) > 0 for row in r["layers"])


def test_envision_reports_measured_idle_share(small_model):
    net, w, b, x = small_model
    model = ptq(net, w, x, b, w_bits=4, a_bits=4)
    ex = run_integer_on(model, x, arch="envision")
    # c1: Kr = 27, 4 products per unit-cycle -> 7 cycles per output for 27 products: 1 - 27/(4·7) idle
    # on top of the 75 % of the 4-bit mode
    assert ex.stats["c1"]["sub_multiplier_idle_share"] == pytest.approx(1 - 27 / (16 * 7))
    # fc: Kr = 36, a multiple of 4 -> exactly the structural 75 %
    assert ex.stats["fc"]["sub_multiplier_idle_share"] == pytest.approx(0.75)


def test_lenet_bitfusion_4b_accuracy_equals_ideal():
    net = load_network("lenet5-digits")
    w, b, x, y, cal = shipped_model(net)
    model = ptq(net, w, cal, b, w_bits=4, a_bits=4)
    fab = compare_on(model, x, y, arch="bitfusion")
    ideal = compare_on(model, x, y, arch="ideal")
    assert fab["overall"]["accuracy_int"] == ideal["overall"]["accuracy_int"]
    assert fab["overall"]["output_frac_bit_exact_fabric_vs_ideal"] == 1.0
    assert all(row["fabric_vs_ideal"]["frac_bit_exact"] == 1.0 for row in fab["layers"])


def test_unsupported_width_names_layer_and_allowed(small_model):
    net, w, b, x = small_model
    model = ptq(net, w, x, b, w_bits=12, a_bits=8)
    with pytest.raises(AccelsimInputError, match=r"layer 'c1'.*allowed: 1-8"):
        run_integer_on(model, x, arch="bitblade")
    model = ptq(net, w, x, b, w_bits=8, a_bits=8)
    with pytest.raises(AccelsimInputError, match=r"layer 'c1'.*allowed: 1-4"):
        run_integer_on(model, x, arch="quest")


def test_quest_runs_log2_weights_exactly_and_rejects_uniform_ones(small_model):
    net, w, b, x = small_model
    model = ptq(net, w, x, b, w_bits=4, a_bits=4)
    with pytest.raises(AccelsimInputError, match="layer 'c1'.*log-quantized"):
        run_integer_on(model, x, arch="quest")
    model = ptq(net, w, x, b, w_bits=4, a_bits=4, quantizer="log2")
    ideal = run_integer(model, x)
    q = run_integer_on(model, x, arch="quest")
    for name in ideal.tensors:
        np.testing.assert_array_equal(q.tensors[name], ideal.tensors[name])
    st = q.stats["c1"]
    assert st["shifts"] + st["zero_weight_skips"] == st["macs"] > 0
    assert st["shifts"] > 0 and st["zero_weight_skips"] > 0  # log2 spends exponent field 0 on zero


@pytest.mark.parametrize(
    ("quantizer", "w_bits", "fabric"),
    [("bwn", 1, "bismo"), ("bwn", 1, "stripes"), ("dorefa", 4, "loom"), ("twn", 2, "bitblade"),
     ("ttq", 2, "bitfusion"), ("dorefa", 3, "unpu")],
)  # fmt: skip
def test_other_weight_formats_are_bit_exact(small_model, quantizer, w_bits, fabric):
    """±1 (1 bit) and DoReFa's odd integers 2u − n go through as their codes on a step-2 grid."""
    net, w, b, x = small_model
    model = ptq(net, w, x, b, w_bits=w_bits, a_bits=4, quantizer=quantizer)
    ideal = run_integer(model, x)
    fab = run_integer_on(model, x, arch=fabric)
    for name in ideal.tensors:
        np.testing.assert_array_equal(fab.tensors[name], ideal.tensors[name])
    if quantizer in ("bwn", "dorefa"):
        assert fab.stats["c1"]["operand_step"] == 2.0


@settings(max_examples=examples(25), deadline=None)
@given(
    m=st.integers(1, 6),
    k=st.integers(1, 9),
    n=st.integers(1, 5),
    wb=st.integers(1, 8),
    ab=st.integers(1, 8),
    ws=st.booleans(),
    as_=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_blas_forms_equal_pe_references(m, k, n, wb, ab, ws, as_, seed):
    rng = np.random.default_rng(seed)
    lo, hi = operand_range(ab, as_)
    a = rng.integers(lo, hi + 1, (m, k))
    lo, hi = operand_range(wb, ws)
    w = rng.integers(lo, hi + 1, (k, n))
    ref = int64_gemm(a, w)
    np.testing.assert_array_equal(bitblade.bitblade_gemm_fast(a, w, wb, ab, ws, as_), ref)
    np.testing.assert_array_equal(bitblade.bitblade_gemm(a, w, wb, ab, ws, as_), ref)
    y_fast, idle_fast = envision.envision_gemm_fast(a, w, wb, ab, ws, as_)
    y_ref, idle_ref = envision.envision_gemm(a, w, wb, ab, ws, as_)
    np.testing.assert_array_equal(y_fast, y_ref)
    assert idle_fast == pytest.approx(idle_ref, abs=1e-12)
    lw = min(wb, 4)
    sign = rng.integers(0, 2, (k, n))
    exp = rng.integers(0, logpe.max_exponent(lw) + 1, (k, n))
    np.testing.assert_array_equal(
        logpe.logpe_gemm_fast(a, sign, exp, lw, ab, as_), logpe.logpe_gemm(a, sign, exp, lw, ab, as_)
    )


@settings(max_examples=examples(30), deadline=None)
@given(
    bits=st.integers(1, 8),
    a_lo=st.integers(-300, 300),
    w_lo=st.integers(-300, 300),
    seed=st.integers(0, 10_000),
)
def test_operand_recentring_is_exact(bits, a_lo, w_lo, seed):
    """Operands outside the width's range but within 2^bits values go through with zero-point folding."""
    rng = np.random.default_rng(seed)
    a = rng.integers(a_lo, a_lo + (1 << bits), (4, 7))
    w = rng.integers(w_lo, w_lo + (1 << bits), (7, 3))
    layer = Layer(name="f", op="fc", in_channels=7, out_channels=3)
    prec = Precision(w_bits=bits, a_bits=bits)
    from accelsim.pe.bitfusion import bitfusion_gemm

    def gemm(x, y, xs, ys):
        return bitfusion_gemm(x, y, bits, bits, ys, xs), {}

    out, _ = folded_gemm(a, w, prec, layer, gemm)
    np.testing.assert_array_equal(out, int64_gemm(a, w))
    out, _ = folded_gemm(3 * a, 5 * w, prec, layer, gemm)  # evenly spaced values: a step on top
    np.testing.assert_array_equal(out, int64_gemm(3 * a, 5 * w))
    with pytest.raises(AccelsimInputError, match="layer 'f'"):
        folded_gemm(np.array([[a_lo, a_lo + 1, a_lo + (1 << bits)]]), w[:3], prec, layer, gemm)
