"""The streaming fabric's numerics (issue 15 item 4) and device presets (item 2): FINN's thresholds equal the
quantized activation, log2 shifts equal the log PE and the integer GEMM, the streaming functional path takes
the shift datapath, and the device budgets equal their cited sources."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.fpga import thresholds as thr
from accelsim.fpga.devices import DEVICES, SOURCES, check_fit, device
from accelsim.fpga.logshift import Pow2Weights, encode_pow2, from_log_tensor, is_pow2, shift_add_gemm
from accelsim.fpga.thresholds_ref import derive_thresholds_ref, multithreshold_ref
from accelsim.quant.qtensor import int_range
from accelsim.quant.requant import INT32_MAX, INT32_MIN, quantize_multiplier


def _probe_accumulators(
    th: thr.Thresholds, rng: np.random.Generator, spread: float, n: int = 64
) -> np.ndarray:
    """[C × m] accumulators: random ones of the given spread, every threshold and its neighbours, the range
    ends — where an off-by-one or a tie would show."""
    c = th.channels
    lo, hi = th.acc_range
    rand = np.clip(np.rint(rng.normal(0, spread, size=(c, n))), lo, hi).astype(np.int64)
    edges = np.concatenate([th.values - 1, th.values, th.values + 1], axis=1)
    ends = np.tile(np.array([lo, lo + 1, hi - 1, hi, 0], dtype=np.int64), (c, 1))
    probe = np.concatenate([rand, edges[:, : 3 * th.steps], ends], axis=1)
    return np.clip(probe, lo, hi)


# ---- thresholds = the quantized activation ----------------------------------------------------------


@settings(max_examples=examples(120), deadline=None)
@given(c=st.integers(1, 5), bits=st.integers(1, 8), signed=st.booleans(),
       rounding=st.sampled_from(["gemmlowp", "half_even", "single_half_up"]),
       act=st.sampled_from(["identity", "relu", "relu6"]), seed=st.integers(0, 2**31 - 1))  # fmt: skip
def test_thresholds_equal_requantize_bit_for_bit(c, bits, signed, rounding, act, seed):
    """For random per-channel multipliers (2^−16 … 4, positive and negative), zero points, output bits
    1..8 signed/unsigned, every rounding mode and relu / relu6 / identity: FINN's compare-and-count on the
    derived thresholds equals accelsim's requantization (``requantize`` on the sign-folded accumulator, then
    the activation on codes) on random int32 accumulators, on every threshold ±1 and at the range ends."""
    rng = np.random.default_rng(seed)
    m = np.exp2(rng.uniform(-16, 2, c))
    m0, n = quantize_multiplier(m)
    sign = rng.choice([-1, 1], c)
    qmin, qmax = int_range(bits, signed)
    z = rng.integers(qmin, qmax + 1, c)
    six = int(rng.integers(int(z.max()), qmax + 1)) if act == "relu6" else None
    th = thr.from_requant(
        m0, n, z, bits, signed, sign=sign, rounding=rounding, activation=act, relu6_code=six
    )
    assert np.all(np.diff(th.keys(), axis=1) >= 0) and th.steps <= qmax - qmin
    acc = _probe_accumulators(th, rng, spread=(qmax - qmin + 2) / float(m.min()))
    ideal = thr.requant_codes(acc, m0, n, z, bits, signed, sign=sign, rounding=rounding, activation=act,
                              relu6_code=six)  # fmt: skip
    got = thr.multithreshold(acc, th, axis=0)
    assert np.array_equal(got, ideal)
    assert np.array_equal(multithreshold_ref(acc, th.values, th.sign, th.out_bias, axis=0), ideal)
    # a layer output (N, C, H, W) with channels on axis 1
    x = np.moveaxis(acc[:, : 4 * 3].reshape(c, 4, 3)[:, :, :, None], 0, 1)
    assert np.array_equal(
        thr.multithreshold(x, th, axis=1), np.moveaxis(ideal[:, :12].reshape(c, 4, 3, 1), 0, 1)
    )


@settings(max_examples=examples(30), deadline=None)
@given(bits=st.integers(1, 4), signed=st.booleans(), seed=st.integers(0, 2**31 - 1),
       rounding=st.sampled_from(["gemmlowp", "half_even", "single_half_up"]))  # fmt: skip
def test_bisection_equals_an_exhaustive_scan(bits, signed, seed, rounding):
    """Uncompressed, the bisection's thresholds are the smallest accumulators reaching each code, as an
    exhaustive scan of a small accumulator range finds them."""
    rng = np.random.default_rng(seed)
    m0, n = quantize_multiplier(np.exp2(rng.uniform(-8, 0, 3)))
    sign = np.array([1, -1, 1])
    qmin, qmax = int_range(bits, signed)
    z = rng.integers(qmin, qmax + 1, 3)

    def fn(a):
        return thr.requant_codes(a, m0, n, z, bits, signed, sign=sign, rounding=rounding, activation="relu")

    rng_ = (-700, 900)
    th = thr.derive_thresholds(fn, sign, qmin, qmax, rng_, compress=False)
    assert np.array_equal(th.values, derive_thresholds_ref(fn, sign, qmin, qmax, rng_))
    packed = thr.derive_thresholds(fn, sign, qmin, qmax, rng_)
    acc = np.tile(np.arange(rng_[0], rng_[1] + 1), (3, 1))
    assert np.array_equal(thr.multithreshold(acc, packed, axis=0), fn(acc))


def test_relu_keeps_only_the_reachable_thresholds():
    """A 4-bit unsigned ReLU with zero point 5 has codes 5..15: 10 thresholds, out_bias 5 (FINN's count for
    the clipped activation), and a 1-bit signed output (codes −1, 0, 1) needs 2."""
    m0, n = quantize_multiplier(0.01)
    th = thr.from_requant(m0, n, 5, 4, False, channels=2, activation="relu")
    assert th.steps == 10 and th.out_bias == 5
    assert thr.from_requant(m0, n, 0, 1, True, channels=1).steps == 2
    with pytest.raises(AccelsimInputError, match="outside the thresholds' range"):
        thr.multithreshold(
            np.array([[1 << 40]]), th.__class__(th.values[:1], th.sign[:1], 5, 1, (0, 10)), axis=1
        )


@settings(max_examples=examples(80), deadline=None)
@given(c=st.integers(1, 6), bits=st.integers(1, 8), signed=st.booleans(),
       act=st.sampled_from(["identity", "relu"]), seed=st.integers(0, 2**31 - 1))  # fmt: skip
def test_batchnorm_folds_into_thresholds(c, bits, signed, act, seed):
    """BatchNorm after the accumulator (γ of either sign), folded to ``a·acc + b`` and quantized with round
    half even: the thresholds reproduce the float64 evaluation bit for bit, descending where γ < 0; the BNN
    sign activation takes one threshold per channel (out_scale 2, out_bias −1)."""
    rng = np.random.default_rng(seed)
    gamma = rng.uniform(0.2, 2.0, c) * rng.choice([-1, 1], c)
    beta, mean = rng.normal(0, 1, c), rng.normal(0, 50, c)
    var = rng.uniform(0.5, 4.0, c)
    a, b = thr.fold_batchnorm(
        gamma, beta, mean, var, 1e-5, acc_scale=rng.uniform(1e-3, 1e-1), bias=rng.normal(0, 30, c)
    )
    qmin, qmax = int_range(bits, signed)
    scale, z = float(rng.uniform(0.01, 0.5)), int(rng.integers(qmin, qmax + 1))
    rng_ = (-(1 << 20), 1 << 20)
    th = thr.from_affine(a, b, scale, z, bits, signed, act, acc_range=rng_)
    assert np.array_equal(th.sign, np.where(gamma < 0, -1, 1))
    acc = _probe_accumulators(th, rng, spread=(qmax - qmin + 2) * scale / float(np.abs(a).min()))
    assert np.array_equal(
        thr.multithreshold(acc, th, axis=0), thr.affine_codes(acc, a, b, scale, z, bits, signed, act)
    )
    bip = thr.bipolar_from_affine(a, b, rng_)
    assert bip.steps == 1 and bip.out_scale == 2 and bip.out_bias == -1
    acc = _probe_accumulators(bip, rng, spread=float(np.abs(b / a).max()) + 10)
    assert np.array_equal(thr.multithreshold(acc, bip, axis=0), thr.bipolar_codes(acc, a, b))


def test_thresholds_equal_the_executors_requantization():
    """A conv layer's LayerQ (per-channel dyadic multipliers, ReLU6, gemmlowp and half-even models): the
    thresholds equal ``accelsim.functional.executor.requant_mac`` on the layer's accumulators."""
    from accelsim.functional.executor import requant_mac
    from accelsim.functional.qmodel import LayerQ, TensorQ
    from accelsim.workload import Layer

    rng = np.random.default_rng(7)
    k = 6
    layer = Layer(
        name="c", op="conv2d", in_channels=3, out_channels=k, in_h=6, in_w=6, kernel=3, activation="relu6"
    )
    out = TensorQ(scale=0.05, zero_point=3, bits=8)
    m0, n = quantize_multiplier(np.exp2(rng.uniform(-12, -4, k)))
    lq = LayerQ(name="c", inputs=[TensorQ(0.02, 0, 8)], output=out, m0=m0, shift=n)
    acc = rng.integers(-(1 << 16), 1 << 16, size=(2, k, 4, 4))
    six = min(out.qmax, out.zero_point + int(np.rint(6.0 / out.scale)))
    for rounding in ("gemmlowp", "half_even"):
        model = SimpleNamespace(requant="dyadic", rounding=rounding)
        th = thr.from_requant(m0, n, out.zero_point, 8, False, channels=k, rounding=rounding,
                              activation="relu6", relu6_code=six)  # fmt: skip
        assert np.array_equal(thr.multithreshold(acc, th, axis=1), requant_mac(acc, lq, layer, model))


@settings(max_examples=examples(40), deadline=None)
@given(c=st.integers(1, 5), steps=st.integers(0, 20), m=st.integers(1, 30), seed=st.integers(0, 2**31 - 1))
def test_multithreshold_fast_path_equals_finn_compare_and_count(c, steps, m, seed):
    """The numba binary search equals FINN's literal ``count_nonzero(v >= T)`` (ascending channels) and its
    mirror ``v <= T`` (descending), ties and repeated thresholds included."""
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1, 1], c)
    vals = np.sort(rng.integers(-50, 50, (c, steps)), axis=1)
    vals = np.where(sign[:, None] > 0, vals, -vals)  # descending rows for sign −1
    th = thr.Thresholds(vals, sign, -3, 2, (-60, 60))
    acc = rng.integers(-60, 61, (m, c))
    got = thr.multithreshold(acc, th, axis=1)
    assert np.array_equal(got, multithreshold_ref(acc, vals, sign, -3, 2, axis=1))
    up = sign > 0
    if up.any():  # qonnx's own formula on the ascending channels
        finn = np.count_nonzero(acc[:, up, None] >= vals[None, up, :], axis=-1) * 2 - 3
        assert np.array_equal(got[:, up], finn)


# ---- log2 shifts = the log PE = the integer GEMM ------------------------------------------------------


@settings(max_examples=examples(80), deadline=None)
@given(m=st.integers(1, 9), k=st.integers(0, 70), n=st.integers(1, 9), w_bits=st.integers(1, 4),
       a_bits=st.integers(1, 16), a_signed=st.booleans(), zeros=st.booleans(), seed=st.integers(0, 2**31 - 1))  # fmt: skip
def test_shift_add_gemm_equals_the_log_pe_and_the_integer_gemm(
    m, k, n, w_bits, a_bits, a_signed, zeros, seed
):
    """Random shapes, log codes of 1..4 bits (exponent ≤ 2^(w_bits−1) − 1), optional zero weights, 1..16-bit
    activations: shift-and-add (XOR negation + per-column carry constant) equals ``A · decode(w)`` and the
    log PE (``logpe_gemm`` without zeros, ``logpe_gemm_fast`` with the zero mask)."""
    from accelsim.pe.logpe import logpe_gemm, logpe_gemm_fast, max_exponent

    rng = np.random.default_rng(seed)
    lo, hi = (-(1 << (a_bits - 1)), (1 << (a_bits - 1)) - 1) if a_signed else (0, (1 << a_bits) - 1)
    a = rng.integers(lo, hi + 1, (m, k))
    sign = rng.integers(0, 2, (k, n)).astype(np.int8)
    exp = rng.integers(0, max_exponent(w_bits) + 1, (k, n))
    nz = rng.random((k, n)) > 0.3 if zeros else np.ones((k, n), bool)
    w = Pow2Weights(sign, exp, nz)
    y = shift_add_gemm(a, w)
    assert np.array_equal(y, a @ w.decode())
    assert np.array_equal(y, logpe_gemm_fast(a, sign, exp, w_bits, a_bits, a_signed, nonzero=nz))
    if not zeros:
        assert np.array_equal(y, logpe_gemm(a, sign, exp, w_bits, a_bits, a_signed))
    assert np.array_equal(encode_pow2(w.decode()).decode(), w.decode())


@pytest.mark.parametrize("fmt", ["log2", "log4"])
def test_log_quantized_tensors_become_shift_codes(fmt):
    """logquant tensors: ``scale' · decode(codes)`` equals their dequantized values exactly; LNS with γ > 1
    (fractional exponents) has no shift form."""
    from accelsim.quant.logquant import log2_quantize, log4_quantize

    x = np.random.default_rng(1).normal(0, 1, (16, 9))
    t = log2_quantize(x, bits=4) if fmt == "log2" else log4_quantize(x, scale=0.5)
    codes, scale = from_log_tensor(t)
    assert np.array_equal(scale * codes.decode().astype(np.float64), t.dequantize())
    assert is_pow2(codes.decode()) and not is_pow2(np.array([3])) and not is_pow2(np.array([0.5]))
    with pytest.raises(AccelsimInputError, match="integer exponent steps"):
        from_log_tensor(log2_quantize(x, bits=4, gamma=2))
    with pytest.raises(AccelsimInputError, match="0 or ±2"):
        encode_pow2(np.array([1, 6]))


@settings(max_examples=examples(40), deadline=None)
@given(nb=st.integers(1, 2), c=st.integers(1, 8), k=st.integers(1, 6), hw=st.integers(3, 7),
       kern=st.integers(1, 3), stride=st.integers(1, 2), pad=st.integers(0, 1),
       op=st.sampled_from(["conv2d", "depthwise_conv2d", "fc"]), seed=st.integers(0, 2**31 - 1))  # fmt: skip
def test_streaming_log2_layers_take_the_shift_path(nb, c, k, hw, kern, stride, pad, op, seed):
    """Layers whose weights are all 0 or ±2^e run as shift-and-add on the streaming fabric (path
    ``log2-shift``) and equal the exact integer layer; a narrow accumulator that could overflow falls back to
    the exact kernels (which model the saturation)."""
    from accelsim.fabrics import get_functional_layer, load_arch
    from accelsim.functional import run_layer
    from accelsim.workload import Layer, Precision

    rng = np.random.default_rng(seed)
    arch = load_arch("finn-cnv-pynq")
    fn = get_functional_layer("streaming")
    p = Precision(w_bits=4, a_bits=6, w_signed=True, a_signed=True, out_bits=32)
    kern = min(kern, hw)
    if op == "fc":
        layer = Layer(name="f", op="fc", batch=nb, in_channels=c, out_channels=k)
        x, wshape = rng.integers(-32, 32, (nb, c)), (k, c)
    else:
        groups = c if op == "depthwise_conv2d" else 1
        kk = c * (1 + k % 2) if op == "depthwise_conv2d" else k
        layer = Layer(name="c", op=op, batch=nb, in_channels=c, out_channels=kk, in_h=hw, in_w=hw, kernel=kern,
                      stride=stride, padding=pad, groups=groups)  # fmt: skip
        x, wshape = rng.integers(-32, 32, (nb, c, hw, hw)), (kk, c // groups, kern, kern)
    w = np.where(rng.random(wshape) < 0.2, 0, rng.choice([-1, 1], wshape) << rng.integers(0, 4, wshape))
    y, stats = fn(x, w, layer, p, arch, 0)
    assert stats["path"] == "log2-shift" and stats["shift_adds"] >= 0
    assert np.array_equal(y, run_layer(layer, x, w, p, check_ranges=False).out)
    narrow = p.model_copy(update={"acc_bits": 6})
    y, stats = fn(x, w, layer, narrow, arch, 0)
    ref = run_layer(layer, x, w, narrow, check_ranges=False)
    assert np.array_equal(y, ref.out)
    if stats["path"] != "log2-shift":
        assert stats["overflow_outputs"] == ref.overflow_outputs


# ---- device presets ---------------------------------------------------------------------------------

#: (LUT, FF, BRAM18, URAM, DSP) as the cited sources give them (devices.py docstring)
CITED = {
    "zc706": (218_600, 437_200, 2 * 545, 0, 900),  # DS190; fpgaconvnet-model configs/zc706.toml
    "kc705": (203_800, 407_600, 2 * 445, 0, 840),  # DS180; twosigma/frost genesys2 Vivado summary
    "pynq-z1": (53_200, 106_400, 280, 0, 220),  # FINN platforms.py (Zynq7020)
    "zcu102": (274_000, 548_000, 1_824, 0, 2_520),
}


@pytest.mark.parametrize("name", sorted(CITED))
def test_device_budgets_equal_their_sources(name):
    d = device(name)
    assert tuple(d.budget()[r] for r in ("lut", "ff", "bram18", "uram", "dsp")) == CITED[name]
    assert name in SOURCES


def test_every_device_cites_a_source_and_over_budget_names_the_resource():
    assert set(SOURCES) == set(DEVICES) and {"zc706", "kc705"} <= set(DEVICES)
    z = device("zc706")
    check_fit({"lut": 218_600, "ff": 437_200, "bram18": 1_090, "dsp": 900}, z)  # exactly full fits
    with pytest.raises(AccelsimInputError, match=r"needs 901 DSP but zc706 offers 900"):
        check_fit({"lut": 1000, "dsp": 901}, z)
    with pytest.raises(AccelsimInputError, match=r"needs 891 BRAM18 but kc705 offers 890"):
        check_fit({"bram18": 891}, device("kc705"))
    with pytest.raises(AccelsimInputError, match=r"URAM but kc705 offers 0"):
        check_fit({"uram": 1}, device("kc705"))


def test_cnv_on_the_new_boards():
    """bnn-pynq-cnv with finn-examples' folding fits both boards (same II as on the PYNQ-Z1)."""
    from accelsim import simulate
    from accelsim.fabrics import load_arch

    base = simulate("bnn-pynq-cnv", "finn-cnv-pynq").pipeline
    for name in ("zc706", "kc705"):
        p = simulate("bnn-pynq-cnv", load_arch("finn-cnv-pynq", device=name)).pipeline
        assert p["device"] == name and p["initiation_interval_cycles"] == base["initiation_interval_cycles"]
        assert p["budget"]["dsp"] == DEVICES[name].dsp


def test_int32_range_constants():
    assert thr.INT32_RANGE == (INT32_MIN, INT32_MAX)
