"""Non-uniform formats: FP8 (1,5,2), radix-4 Log4, power-of-two/LNS, k-means codebook (seed 000 §3.2–3.3, §4.1.4)."""

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from accelsim.errors import AccelsimInputError
from accelsim.quant import fp8_quantize, kmeans_quantize, log2_quantize, log4_quantize
from accelsim.quant.codebook import assign
from accelsim.quant.minifloat import FP8_E5M2, decode, encode

ALL_CODES = np.arange(256)


def test_fp8_decode_equals_top_byte_of_ieee_half():
    # FP8 (1,5,2) with bias 15 is an IEEE half whose 8 low mantissa bits are 0: code c ↔ half bits c << 8
    ref = (ALL_CODES.astype(np.uint16) << 8).view(np.float16).astype(np.float64)
    got = decode(ALL_CODES)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    assert np.array_equal(got[~np.isnan(got)], ref[~np.isnan(ref)])
    assert FP8_E5M2.max_finite == 57344.0 and FP8_E5M2.bias == 15


def test_fp8_by_hand():
    x = np.array([1.125, 1.375, -57344 * 1.1, np.inf, 2.0**-17, 3 * 2.0**-17, np.nan, -0.0])
    # 1.125 = 1 + 0.5·2^-2 → tie → even mantissa 00 → 1.0 = 0 01111 00 = 60
    # 1.375 = 1 + 1.5·2^-2 → tie → mantissa 10 → 1.5 = 0 01111 10 = 62
    # beyond 57344 (and inf) saturate: 1 11110 11 = 251, 0 11110 11 = 123
    # 2^-17 = half the smallest subnormal 2^-16 → tie → 0; 1.5·2^-16 → tie → 2·2^-16 = code 2
    # NaN → 0 11111 11 = 127; −0 → sign bit only = 128
    assert encode(x).tolist() == [60, 62, 251, 123, 0, 2, 127, 128]
    t = fp8_quantize(np.array([3.0, 5.0]), scale=2.0)  # 1.5 and 2.5 → 2.5 = 1.25·2 exact
    assert t.dequantize().tolist() == [3.0, 5.0]


finite_fp8 = decode(ALL_CODES)
finite_mask = np.isfinite(finite_fp8)
VALUES, CODES = finite_fp8[finite_mask], ALL_CODES[finite_mask]


def _brute_force(v: float) -> int:
    """Nearest finite FP8 code; ties to the even mantissa code; saturating; sign kept."""
    a = min(abs(v), 57344.0)
    pos = CODES[(VALUES >= 0) & (CODES < 128)]
    vals = decode(pos)
    d = np.abs(vals - a)
    cand = pos[d == d.min()]
    code = int(cand[0]) if cand.size == 1 else int(cand[cand % 2 == 0][0])
    return code | 128 if np.signbit(v) else code


@settings(max_examples=examples(200), deadline=None)
@given(v=st.floats(-70000, 70000, allow_nan=False) | st.floats(-1e-3, 1e-3, allow_nan=False))
def test_fp8_encode_is_nearest_even_saturating(v):
    assert int(encode(np.array([v]))[0]) == _brute_force(v)


def test_fp8_roundtrips_every_finite_code():
    assert np.array_equal(encode(VALUES), CODES)


def test_log4_by_hand():
    # levels 4^-3..4^3; thresholds at arithmetic midpoints, a value on a midpoint goes low (seed 000 Eq. 4)
    x = np.array([0.0, 0.01, 1 / 128, 1 / 64, 0.05, 2.5, 2.6, 100.0, -1.0])
    t = log4_quantize(x)
    # 0.01 > 4^-3/2 → 4^-3; 1/128 = 4^-3/2 → 0; 0.05 → (1/64+1/16)/2 = 0.039 < 0.05 → 1/16
    # 2.5 = (1+4)/2 → 1 (tie low); 2.6 → 4; 100 → saturates at 64; −1 → −1
    assert t.dequantize().tolist() == [0, 1 / 64, 0, 1 / 64, 1 / 16, 1, 4, 64, -1]
    # codes: sign bit + 3-bit field f = n + 4 (0 = zero): −1 → 1 100
    assert t.codes.tolist() == [0, 1, 0, 1, 2, 4, 5, 7, 0b1100]


def test_log2_by_hand():
    # bits 4: x̂ ∈ 0..6, s = 0.125 → levels 0.125·2^x̂; |x| < s/2 → 0
    t = log2_quantize(np.array([0.0, 0.05, 0.1, 0.3, 1.0, 3.0, -5.0, 100.0]), 4, scale=0.125)
    # 0.1/s = 0.8 → log2 −0.32 → 0; 0.3/s = 2.4 → 1.26 → 1; 3/s = 24 → 4.58 → 5; 5/s = 40 → 5.32 → 5; 100 → clip 6
    assert t.dequantize().tolist() == [0, 0, 0.125, 0.25, 1.0, 4.0, -4.0, 8.0]
    assert t.sign.tolist() == [0, 0, 1, 1, 1, 1, -1, 1]
    # default scale: top level = nearest power of two to max|x| (=8 for max 7)
    assert log2_quantize(np.array([7.0, 0.5]), 4).scale == 8.0 / 64


def test_log2_gamma_two_halves_the_exponent_step():
    # γ = 2: levels s·2^(x̂/2); 1.5/1 → 2·log2 1.5 = 1.17 → 1 → √2
    t = log2_quantize(np.array([1.5]), 4, scale=1.0, gamma=2)
    assert t.dequantize()[0] == pytest.approx(np.sqrt(2))


def test_log_bad_inputs():
    with pytest.raises(AccelsimInputError, match="bits"):
        log2_quantize(np.ones(2), 1)
    with pytest.raises(AccelsimInputError, match="scale"):
        log4_quantize(np.ones(2), scale=0.0)


def test_kmeans_by_hand():
    # two well separated pairs, k = 2: centroids are the pair means 1.1 and 3.1
    t = kmeans_quantize(np.array([1.0, 1.2, 3.0, 3.2]), 1, seed=0)
    assert np.allclose(t.codebook, [1.1, 3.1]) and t.codes.tolist() == [0, 0, 1, 1]
    # at most k distinct values: exact reconstruction
    x = np.array([1.0, 1.0, 5.0, 9.0, 5.0])
    assert np.array_equal(kmeans_quantize(x, 2).dequantize(), x)


@settings(max_examples=examples(30), deadline=None)
@given(
    x=hnp.arrays(np.float64, st.integers(10, 60), elements=st.floats(-10, 10, allow_nan=False)),
    bits=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
def test_kmeans_is_seeded_and_a_lloyd_fixed_point(x, bits, seed):
    a = kmeans_quantize(x, bits, seed=seed)
    b = kmeans_quantize(x, bits, seed=seed)
    assert np.array_equal(a.codebook, b.codebook) and np.array_equal(a.codes, b.codes)
    assert a.codebook.size == 2**bits and np.all(np.diff(a.codebook) >= 0)
    # every code is the nearest centroid (Eq. 6)
    d = np.abs(x[:, None] - a.codebook[None, :])
    assert np.allclose(d[np.arange(x.size), a.codes], d.min(axis=1))
    if np.unique(x).size > 2**bits:  # converged: each used centroid is the mean of its members
        for j in np.unique(a.codes):
            assert a.codebook[j] == pytest.approx(x[a.codes == j].mean(), rel=1e-9, abs=1e-9)
    assert np.array_equal(assign(x, a.codebook), a.codes)


LOG4_LEVELS = np.concatenate(([0.0], 4.0 ** np.arange(-3, 4)))


@settings(max_examples=examples(150), deadline=None)
@given(v=st.floats(-200, 200, allow_nan=False) | st.sampled_from([2.5, 0.625, 1 / 128, 10.0, 40.0, -2.5]))
def test_log4_is_nearest_level_ties_low(v):
    # brute force: nearest of {0, 4^-3, …, 4^3} to |v| (argmin takes the lower level on a tie), sign kept
    a = abs(v)
    expect = LOG4_LEVELS[int(np.argmin(np.abs(LOG4_LEVELS - a)))]
    got = log4_quantize(np.array([v])).dequantize()[0]
    assert got == (-expect if v < 0 and expect > 0 else expect)
