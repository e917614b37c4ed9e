"""Every precision-scalable PE kernel equals the plain int64 GEMM bit-exactly (hypothesis over shapes,
widths and signedness); unsupported widths raise AccelsimInputError naming the allowed ones."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.pe import bitblade, bitfusion, bitserial, envision, logpe, unpu
from accelsim.pe.common import exact_gemm, int64_gemm, operand_range, slices

SETTINGS = settings(max_examples=examples(25), deadline=None)


def _operands(seed, m, k, n, w_bits, a_bits, w_signed, a_signed):
    rng = np.random.default_rng(seed)
    alo, ahi = operand_range(a_bits, a_signed)
    wlo, whi = operand_range(w_bits, w_signed)
    a = rng.integers(alo, ahi + 1, size=(m, k), dtype=np.int64)
    w = rng.integers(wlo, whi + 1, size=(k, n), dtype=np.int64)
    # make the extremes appear (sign plane fully exercised)
    a.flat[0], w.flat[0] = alo, wlo
    a.flat[-1], w.flat[-1] = ahi, whi
    return a, w, a @ w


shapes = st.tuples(st.integers(1, 5), st.integers(1, 40), st.integers(1, 5))


@SETTINGS
@given(shapes, st.integers(1, 16), st.integers(1, 16), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_bitserial_kernels_exact(shape, w_bits, a_bits, w_signed, a_signed, seed):
    a, w, ref = _operands(seed, *shape, w_bits, a_bits, w_signed, a_signed)
    args = (a, w, w_bits, a_bits, w_signed, a_signed)
    np.testing.assert_array_equal(bitserial.stripes_gemm(*args), ref)
    np.testing.assert_array_equal(bitserial.stripes_gemm_reference(*args), ref)
    np.testing.assert_array_equal(bitserial.loom_gemm(*args), ref)
    np.testing.assert_array_equal(bitserial.loom_gemm_reference(*args), ref)
    np.testing.assert_array_equal(bitserial.bismo_gemm(*args), ref)


@SETTINGS
@given(shapes, st.integers(1, 16), st.integers(1, 16), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_bitfusion_kernels_exact(shape, w_bits, a_bits, w_signed, a_signed, seed):
    a, w, ref = _operands(seed, *shape, w_bits, a_bits, w_signed, a_signed)
    args = (a, w, w_bits, a_bits, w_signed, a_signed)
    np.testing.assert_array_equal(bitfusion.bitfusion_gemm(*args), ref)
    np.testing.assert_array_equal(bitfusion.bitfusion_gemm_reference(*args), ref)


@SETTINGS
@given(shapes, st.integers(1, 16), st.integers(1, 16), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_unpu_kernels_exact(shape, w_bits, a_bits, w_signed, a_signed, seed):
    a, w, ref = _operands(seed, *shape, w_bits, a_bits, w_signed, a_signed)
    args = (a, w, w_bits, a_bits, w_signed, a_signed)
    np.testing.assert_array_equal(unpu.unpu_gemm(*args), ref)
    np.testing.assert_array_equal(unpu.unpu_gemm_reference(*args), ref)


@SETTINGS
@given(shapes, st.integers(1, 8), st.integers(1, 8), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_bitblade_kernel_exact(shape, w_bits, a_bits, w_signed, a_signed, seed):
    a, w, ref = _operands(seed, *shape, w_bits, a_bits, w_signed, a_signed)
    np.testing.assert_array_equal(bitblade.bitblade_gemm(a, w, w_bits, a_bits, w_signed, a_signed), ref)


@SETTINGS
@given(shapes, st.integers(1, 16), st.integers(1, 16), st.booleans(), st.booleans(), st.integers(0, 2**31))
def test_envision_kernel_exact(shape, w_bits, a_bits, w_signed, a_signed, seed):
    a, w, ref = _operands(seed, *shape, w_bits, a_bits, w_signed, a_signed)
    out, idle = envision.envision_gemm(a, w, w_bits, a_bits, w_signed, a_signed)
    np.testing.assert_array_equal(out, ref)
    assert idle >= envision.idle_share(w_bits, a_bits) - 1e-12  # ragged last cycle can only add idling


def test_envision_idle_share_at_4_bits_is_75_percent():
    a, w, ref = _operands(1, 3, 64, 3, 4, 4, True, False)  # K multiple of 4: no ragged cycle
    out, idle = envision.envision_gemm(a, w, 4, 4, True, False)
    np.testing.assert_array_equal(out, ref)
    assert idle == pytest.approx(0.75)
    assert envision.idle_share(8, 8) == 0.5 and envision.idle_share(16, 16) == 0.0


@SETTINGS
@given(shapes, st.integers(1, 4), st.integers(1, 16), st.booleans(), st.integers(0, 2**31))
def test_logpe_kernel_exact(shape, w_bits, a_bits, a_signed, seed):
    m, k, n = shape
    rng = np.random.default_rng(seed)
    lo, hi = operand_range(a_bits, a_signed)
    a = rng.integers(lo, hi + 1, size=(m, k))
    sign = rng.integers(0, 2, size=(k, n))
    exp = rng.integers(0, logpe.max_exponent(w_bits) + 1, size=(k, n))
    w = logpe.decode(sign, exp)
    np.testing.assert_array_equal(logpe.logpe_gemm(a, sign, exp, w_bits, a_bits, a_signed), a @ w)
    s2, e2 = logpe.encode(w, w_bits)
    np.testing.assert_array_equal(logpe.decode(s2, e2), w)
    bound = int(np.abs(a @ w).max()) if a.size else 0
    assert bound < 2 ** (logpe.accumulator_bits(a_bits, w_bits, k) - 1)


@settings(max_examples=examples(20), deadline=None)
@given(st.integers(1, 20), st.integers(1, 16), st.booleans(), st.integers(0, 2**31))
def test_slices_recompose(chunk, bits, signed, seed):
    lo, hi = operand_range(bits, signed)
    x = np.random.default_rng(seed).integers(lo, hi + 1, size=50)
    x[0], x[1] = lo, hi
    total = sum(c * s for s, c in slices(x, bits, chunk))
    np.testing.assert_array_equal(total, x)


def test_exact_gemm_falls_back_to_int64_beyond_float64_mantissa():
    a = np.full((2, 3), 2**30 - 1, dtype=np.int64)
    w = np.full((3, 2), 2**30 - 1, dtype=np.int64)
    ref = int64_gemm(a, w)
    assert ref[0, 0] == 3 * (2**30 - 1) ** 2
    np.testing.assert_array_equal(exact_gemm(a, w), ref)


@pytest.mark.parametrize(
    ("fn", "w_bits", "allowed"),
    [
        (lambda w: bitfusion.fu_pass(w, 8), 17, "1-16"),
        (lambda w: bitblade.pe_pass(w, 2), 16, "1-8"),
        (lambda w: logpe.lane_pass(w, 8), 5, "1-4"),
        (lambda w: unpu.lane_pass(w, 8), 17, "1-16"),
        (lambda w: bitserial.stripes_pass(w, 8), 17, "1-16"),
        (lambda w: envision.unit_pass(w, 8), 17, "1-16"),
    ],
)
def test_unsupported_widths_name_the_allowed_ones(fn, w_bits, allowed):
    with pytest.raises(AccelsimInputError, match=f"allowed: {allowed}"):
        fn(w_bits)


def test_out_of_range_operands_raise():
    with pytest.raises(AccelsimInputError, match="4-bit signed"):
        bitfusion.bitfusion_gemm(np.array([[1]]), np.array([[8]]), 4, 4, True, False)
    with pytest.raises(AccelsimInputError, match="log PE weights"):
        logpe.encode(np.array([3]), 4)
