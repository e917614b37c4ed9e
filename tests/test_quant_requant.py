"""Integer requantization (Jacob et al. 2018 / gemmlowp): hand values, big-integer reference, float reference."""

from fractions import Fraction

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.quant import quantize_multiplier, requantize
from accelsim.quant.requant import (
    multiplier_value,
    requantize_float_reference,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
)

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


# ---- slow pure-Python big-integer reference of gemmlowp (C semantics written out) -------------------------
def srdhm_ref(a: int, b: int, mult_bits: int = 31) -> int:
    if mult_bits == 31 and a == b == I32_MIN:
        return I32_MAX
    ab = a * b
    nudge = (1 << (mult_bits - 1)) if ab >= 0 else 1 - (1 << (mult_bits - 1))
    num = ab + nudge
    q = abs(num) >> mult_bits  # C++ '/' truncates toward zero
    return q if num >= 0 else -q


def rdbp_ref(x: int, exponent: int) -> int:
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def requant_ref(acc: int, m0: int, n: int, zp: int, qmin: int, qmax: int, mult_bits: int = 31) -> int:
    left, right = max(-n, 0), max(n, 0)
    x = min(max(acc << left, I32_MIN), I32_MAX)
    y = rdbp_ref(srdhm_ref(x, m0, mult_bits), right)
    return min(max(y + zp, qmin), qmax)


# ---- hand-computed values ----------------------------------------------------------------------------------
def test_quantize_multiplier_by_hand():
    # 0.75 = 0.75·2^0 → M0 = 0.75·2^31 = 1610612736, n = 0
    assert tuple(map(int, quantize_multiplier(0.75))) == (1610612736, 0)
    # 0.1 = 0.8·2^-3 → M0 = round(0.8·2^31 = 1717986918.4) = 1717986918, n = 3
    assert tuple(map(int, quantize_multiplier(0.1))) == (1717986918, 3)
    # 1.5 = 0.75·2^1 → n = −1 (left shift)
    assert tuple(map(int, quantize_multiplier(1.5))) == (1610612736, -1)
    # 1 − 2^-40: f·2^31 rounds up to 2^31 → halved to 2^30, n = −1
    assert tuple(map(int, quantize_multiplier(1 - 2.0**-40))) == (2**30, -1)
    # 8-bit multiplier: 0.8·256 = 204.8 → 205
    assert tuple(map(int, quantize_multiplier(0.1, mult_bits=8))) == (205, 3)
    assert tuple(map(int, quantize_multiplier(0.0))) == (0, 0)
    with pytest.raises(AccelsimInputError, match="multiplier"):
        quantize_multiplier(-0.5)


def test_srdhm_ties_round_toward_plus_infinity():
    # a·b/2^31 = 0.5, −0.5, 1.5, −1.5 → 1, 0, 2, −1 (nudge then truncation toward zero)
    a = np.array([2**30, -(2**30), 3 * 2**30, -3 * 2**30])
    assert saturating_rounding_doubling_high_mul(a, np.ones(4, dtype=np.int64)).tolist() == [1, 0, 2, -1]
    assert int(saturating_rounding_doubling_high_mul(np.array(I32_MIN), np.array(I32_MIN))) == I32_MAX


def test_rdbp_ties_away_from_zero():
    x = np.array([3, -3, 5, -5, 1, -1, 6, -6, -7])
    # /2: 1.5→2, −1.5→−2, 2.5→3, −2.5→−3, 0.5→1, −0.5→−1, 3, −3, −3.5→−4
    assert rounding_divide_by_pot(x, 1).tolist() == [2, -2, 3, -3, 1, -1, 3, -3, -4]
    # /4: 0.75→1, −0.75→−1, 1.25→1, −1.25→−1, 0.25→0, −0.25→0, 1.5→2, −1.5→−2, −1.75→−2
    assert rounding_divide_by_pot(x, 2).tolist() == [1, -1, 1, -1, 0, 0, 2, -2, -2]


def test_requantize_by_hand():
    # M = 0.1 → (1717986918, 3). acc 100: 100·M0/2^31 = 79.99999998 → 80; 80/8 = 10; +z 5 → 15
    # acc −100 → −10 + 5 = −5 → clamp 0 (uint8); acc 37: 29.6 → 30; 30/8 = 3.75 → 4; +5 → 9
    m0, n = quantize_multiplier(0.1)
    assert requantize(np.array([100, -100, 37]), m0, n, 5, 8, signed=False).tolist() == [15, 0, 9]


def test_requantize_documented_ties():
    # M = 1/8 = 0.5·2^-2 → (2^30, 2). acc·M = 1.5, −1.5, 2.5, −2.5: exact SRDHM then RDBP ties away from 0
    acc = np.array([12, -12, 20, -20])
    m0, n = quantize_multiplier(0.125)
    assert requantize(acc, m0, n, 0, 8, True).tolist() == [2, -2, 3, -3]
    assert requantize(acc, m0, n, 0, 8, True, rounding="half_even").tolist() == [2, -2, 2, -2]
    assert requantize(acc, m0, n, 0, 8, True, rounding="single_half_up").tolist() == [2, -1, 3, -2]
    # M = 1/2 = 0.5·2^0 → (2^30, 0): the only rounding is SRDHM's: 1.5 → 2, −1.5 → −1
    m0, n = quantize_multiplier(0.5)
    assert requantize(np.array([3, -3]), m0, n, 0, 8, True).tolist() == [2, -1]
    assert requantize(np.array([3, -3]), m0, n, 0, 8, True, rounding="half_even").tolist() == [2, -2]


def test_gemmlowp_double_rounding_example():
    # 4-bit-like layer: M = 0.432236727185928 → n = 1. acc = −10: exact −4.322 → −4 with one rounding,
    # gemmlowp: h = round(−10·M·2) = round(−8.645) = −9, then −9/2 = −4.5 → away from zero → −5
    m0, n = quantize_multiplier(0.432236727185928)
    assert int(n) == 1
    assert requantize(np.array([-10]), m0, n, 0, 8, True).tolist() == [-5]
    assert requantize(np.array([-10]), m0, n, 0, 8, True, rounding="half_even").tolist() == [-4]
    assert requantize(np.array([-10]), m0, n, 0, 8, True, rounding="single_half_up").tolist() == [-4]


def test_requantize_bad_inputs():
    with pytest.raises(AccelsimInputError, match="acc"):
        requantize(np.array([1.5]), 1, 0)
    with pytest.raises(AccelsimInputError, match="acc"):
        requantize(np.array([2**31]), 1, 0)
    with pytest.raises(AccelsimInputError, match="rounding"):
        requantize(np.array([1]), 1, 0, rounding="nearest")


# ---- properties --------------------------------------------------------------------------------------------
accs = st.lists(st.integers(I32_MIN, I32_MAX), min_size=1, max_size=20)
mults = st.floats(1e-9, 3.0, allow_nan=False) | st.sampled_from([0.5, 0.25, 0.125, 1.0, 2.0])


@settings(max_examples=examples(150), deadline=None)
@given(
    acc=accs,
    m=mults,
    zp=st.integers(-128, 255),
    bits=st.integers(2, 16),
    signed=st.booleans(),
    mult_bits=st.sampled_from([31, 31, 16, 8]),
)
def test_gemmlowp_mode_equals_bigint_reference(acc, m, zp, bits, signed, mult_bits):
    m0, n = quantize_multiplier(m, mult_bits)
    qmin, qmax = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    got = requantize(np.array(acc, dtype=np.int64), m0, n, zp, bits, signed, mult_bits=mult_bits)
    ref = [requant_ref(a, int(m0), int(n), zp, qmin, qmax, mult_bits) for a in acc]
    assert got.tolist() == ref


@settings(max_examples=examples(150), deadline=None)
@given(acc=accs, m=st.floats(1e-9, 0.999, allow_nan=False), mult_bits=st.sampled_from([31, 20, 8]))
@example(acc=[1_073_741_825], m=0.998046875, mult_bits=8)  # M rounds up to 1.0 (n = −1): the shift saturates
def test_rounding_modes_against_the_exact_rational_value(acc, m, mult_bits):
    m0, n = quantize_multiplier(m, mult_bits)
    m0, n = int(m0), int(n)
    wide = dict(bits=32, signed=True, mult_bits=mult_bits)
    a = np.array(acc, dtype=np.int64)
    even = requantize(a, m0, n, 0, rounding="half_even", **wide).tolist()
    up = requantize(a, m0, n, 0, rounding="single_half_up", **wide).tolist()
    gl = requantize(a, m0, n, 0, **wide).tolist()
    for v, y_even, y_gl, y_up in zip(acc, even, gl, up):
        r = Fraction(v * m0, 2 ** (mult_bits + n))
        assert y_even == round(r)  # Fraction rounds half to even: a single exact rounding
        assert y_up == (r + Fraction(1, 2)).__floor__()  # single rounding, ties toward +inf
        # gemmlowp: the left shift (n < 0) saturates to int32 first (documented), then two roundings:
        # always floor or ceil of the value it represents, and the nearest integer unless that value is
        # within 2^-(n+1) of a half-integer (documented)
        x = max(min(v * 2 ** max(-n, 0), 2**31 - 1), -(2**31))
        r_gl = Fraction(x * m0, 2 ** (mult_bits + max(n, 0)))
        if x == v * 2 ** max(-n, 0):
            assert r_gl == r
        assert y_gl in (r_gl.numerator // r_gl.denominator, -((-r_gl.numerator) // r_gl.denominator))
        frac = r_gl - (r_gl.numerator // r_gl.denominator)
        if abs(frac - Fraction(1, 2)) > Fraction(1, 2 ** (max(n, 0) + 1)):
            assert y_gl == round(r_gl)


@settings(max_examples=examples(60), deadline=None)
@given(
    acc=st.lists(st.integers(-(2**20), 2**20), min_size=1, max_size=20),
    k=st.integers(0, 20),
    zp=st.integers(0, 10),
)
def test_dyadic_multiplier_matches_float_reference(acc, k, zp):
    # M = 2^-k is exact in both paths; half_even equals round_half_even(acc·M) computed in float64
    m = 2.0**-k
    m0, n = quantize_multiplier(m)
    assert multiplier_value(m0, n) == m
    a = np.array(acc, dtype=np.int64)
    got = requantize(a, m0, n, zp, 16, True, rounding="half_even")
    assert np.array_equal(got, requantize_float_reference(a, m, zp, 16, True))


def test_per_channel_requantize_equals_per_channel_loop():
    rng = np.random.default_rng(0)
    acc = rng.integers(-(2**24), 2**24, size=(7, 4))
    m0, n = quantize_multiplier(rng.uniform(1e-4, 1e-2, size=4))
    zp = np.array([0, 3, 128, 255])
    got = requantize(acc, m0, n, zp, 8, False, axis=1)
    for j in range(4):
        assert np.array_equal(got[:, j], requantize(acc[:, j], m0[j], n[j], zp[j], 8, False))
