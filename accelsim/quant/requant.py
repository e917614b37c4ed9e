"""Integer-only requantization with dyadic multipliers (Jacob et al., CVPR 2018 §2.2; gemmlowp / TFLite).

A layer with input scale ``S_x``, weight scale ``S_w`` and output scale ``S_y`` needs the real multiplier
``M = S_w·S_x / S_y``. It is stored as an integer ``M0`` of ``mult_bits`` fraction bits and a shift ``n``::

    M ≈ M0 · 2^−mult_bits · 2^−n,     M0 ∈ [2^(mult_bits−1), 2^mult_bits)      (quantize_multiplier)

(``M0 = round_half_away(f·2^mult_bits)`` from ``M = f·2^−n``, ``f ∈ [0.5, 1)``; a rounding up to
``2^mult_bits`` is halved and ``n`` decremented, exactly as TFLite's ``QuantizeMultiplier``; ``n < 0`` means
a left shift, used when ``M ≥ 1``.)

``requantize(acc, M0, n, z_y, bits, signed)`` computes, on int32 accumulators with int64 numpy arithmetic:

* ``rounding="gemmlowp"`` (default; bit-exact with gemmlowp/TFLite ``MultiplyByQuantizedMultiplier``)::

      x  = sat_int32(acc · 2^max(−n, 0))                                   (left shift, saturating)
      h  = SaturatingRoundingDoublingHighMul(x, M0)
         = trunc_toward_zero((x·M0 + nudge) / 2^mult_bits),  nudge = 2^(mult_bits−1) if x·M0 ≥ 0
                                                            else 1 − 2^(mult_bits−1)
        (a tie therefore rounds toward +∞: +0.5 → 1, −0.5 → 0; the int32 case x = M0 = −2^31 saturates)
      y  = RoundingDivideByPOT(h, max(n, 0))            (round to nearest, ties away from zero)
      q  = clamp(y + z_y, qmin, qmax)

  Two roundings: ``|y − acc·M0·2^−(mult_bits+n)| < 1`` whenever ``acc·2^max(−n, 0)`` fits int32 (when
  ``M ≥ 1`` and it does not, ``x`` saturates first, as in TFLite), and ``y`` is the nearest integer whenever
  that real value lies farther than ``2^−(n+1)`` from a half-integer.
* ``rounding="half_even"``: a single exact rounding, ``y = round_half_even(acc·M0 / 2^(mult_bits+n))``
  (exact in int64 since ``|acc·M0| < 2^62``), then the same offset and clamp. This is DESIGN.md's default
  rounding and equals the float reference whenever ``M`` is exactly ``M0·2^−(mult_bits+n)``.
* ``rounding="single_half_up"``: one rounding with ties toward +∞,
  ``y = (acc·M0 + 2^(s−1)) >> s`` with ``s = mult_bits + n`` — the form of TFLite's
  ``TFLITE_SINGLE_ROUNDING`` build of ``MultiplyByQuantizedMultiplier``.

gemmlowp's intermediate ``h`` keeps only ``n`` fraction bits, so its first rounding costs up to
``2^−(n+1)`` output LSB: negligible for int8 layers (``M ≈ 1e−3``, ``n ≈ 10``) but visible when ``n`` is
small (e.g. 4-bit operands, ``M ≈ 0.4``, ``n = 1``: −10·0.432 = −4.32 → h = round(−8.645) = −9 → −4.5 → −5).

This module imports nothing else of accelsim except :mod:`accelsim.errors`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.quant.qtensor import broadcast_param, int_range

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1
ROUNDINGS: tuple[str, ...] = ("gemmlowp", "half_even", "single_half_up")
Rounding = Literal["gemmlowp", "half_even", "single_half_up"]


def quantize_multiplier(m: float | np.ndarray, mult_bits: int = 31) -> tuple[np.ndarray, np.ndarray]:
    """Decompose ``m ≥ 0`` into ``(M0, n)`` with ``m ≈ M0·2^−mult_bits·2^−n`` (int64 arrays, or 0-d)."""
    if not 1 <= mult_bits <= 31:
        raise AccelsimInputError("mult_bits", f"must be in 1..31, got {mult_bits}")
    m = np.asarray(m, dtype=np.float64)
    if np.any(~np.isfinite(m)) or np.any(m < 0):
        raise AccelsimInputError("multiplier", "must be finite and >= 0")
    f, e = np.frexp(m)
    m0 = np.floor(np.ldexp(f, mult_bits) + 0.5).astype(np.int64)
    carry = m0 == (1 << mult_bits)
    m0 = np.where(carry, m0 // 2, m0)
    e = np.where(carry, e + 1, e)
    n = np.where(m0 == 0, 0, -e).astype(np.int64)
    return m0, n


def multiplier_value(m0: np.ndarray, n: np.ndarray, mult_bits: int = 31) -> np.ndarray:
    """The real multiplier ``M0·2^−(mult_bits+n)`` that ``(M0, n)`` represents (float64)."""
    return np.ldexp(np.asarray(m0, dtype=np.float64), -(mult_bits + np.asarray(n, dtype=np.int64)))


def saturating_rounding_doubling_high_mul(a: np.ndarray, b: np.ndarray, mult_bits: int = 31) -> np.ndarray:
    """gemmlowp SRDHM generalised to ``mult_bits``: ``trunc((a·b + nudge) / 2^mult_bits)`` (int64)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ab = a * b
    half = np.int64(1 << (mult_bits - 1))
    num = ab + np.where(ab >= 0, half, 1 - half)
    div = np.int64(1 << mult_bits)
    q = np.where(num >= 0, num // div, -((-num) // div))  # C++ division truncates toward zero
    if mult_bits == 31:
        q = np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)
    return q


def rounding_divide_by_pot(x: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """gemmlowp RoundingDivideByPOT: ``x / 2^exponent`` rounded to nearest, ties away from zero (int64)."""
    x = np.asarray(x, dtype=np.int64)
    e = np.minimum(np.asarray(exponent, dtype=np.int64), 62)
    mask = (np.int64(1) << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (remainder > threshold)


def round_half_even_shift(p: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Exact ``round_half_even(p / 2^s)`` for int64 ``p`` and ``s ≥ 0`` (``s > 62`` → 0 as |p| < 2^62)."""
    p = np.asarray(p, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    big = s > 62
    s = np.where(big, 1, s)
    q = p >> s
    r = p - (q << s)
    half = np.int64(1) << (s - 1)
    up = (r > half) | ((r == half) & ((q & 1) == 1))
    out = np.where(s == 0, p, q + up)
    return np.where(big, 0, out)


def round_half_up_shift(p: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``(p + 2^(s−1)) >> s`` for int64 ``p`` and ``s ≥ 0`` (``s = 0`` → p; ``s > 62`` → 0 as |p| < 2^62)."""
    p = np.asarray(p, dtype=np.int64)
    s = np.asarray(s, dtype=np.int64)
    big = s > 62
    s1 = np.where(big | (s == 0), 1, s)
    out = (p + (np.int64(1) << (s1 - 1))) >> s1
    return np.where(big, 0, np.where(s == 0, p, out))


def requantize(
    acc: np.ndarray,
    m0: int | np.ndarray,
    shift: int | np.ndarray,
    zero_point_out: int | np.ndarray = 0,
    bits: int = 8,
    signed: bool = False,
    *,
    rounding: Rounding = "gemmlowp",
    mult_bits: int = 31,
    restricted: bool = False,
    axis: int | None = None,
) -> np.ndarray:
    """Integer requantization of int32 accumulators to ``bits``-bit codes (formulas in module docstring).

    ``m0``, ``shift`` and ``zero_point_out`` may be per-channel arrays laid along ``axis`` of ``acc``.
    """
    if rounding not in ROUNDINGS:
        raise unknown_choice("rounding", str(rounding), ROUNDINGS)
    acc = np.asarray(acc)
    if acc.dtype.kind not in "iu":
        raise AccelsimInputError("acc", f"accumulators must be integers, got dtype {acc.dtype}")
    acc = acc.astype(np.int64)
    if acc.size and (acc.min() < INT32_MIN or acc.max() > INT32_MAX):
        raise AccelsimInputError("acc", "accumulators must fit int32")
    nd = acc.ndim
    m0_b = broadcast_param(m0, nd, axis).astype(np.int64)
    n_b = broadcast_param(shift, nd, axis).astype(np.int64)
    z_b = broadcast_param(zero_point_out, nd, axis).astype(np.int64)
    if np.any(m0_b < 0) or np.any(m0_b >= (1 << mult_bits)):
        raise AccelsimInputError("m0", f"multiplier must be in [0, 2^{mult_bits})")
    qmin, qmax = int_range(bits, signed, restricted)
    left = np.maximum(-n_b, 0)
    right = np.maximum(n_b, 0)
    if rounding == "gemmlowp":
        x = np.clip(acc << np.minimum(left, 32), INT32_MIN, INT32_MAX)
        y = rounding_divide_by_pot(saturating_rounding_doubling_high_mul(x, m0_b, mult_bits), right)
    else:
        total = mult_bits + n_b
        if np.any(total < 0):
            raise AccelsimInputError("shift", f"{rounding} mode needs shift >= -{mult_bits}")
        rnd = round_half_even_shift if rounding == "half_even" else round_half_up_shift
        y = rnd(acc * m0_b, total)
    return np.clip(y + z_b, qmin, qmax).astype(np.int64)


def requantize_float_reference(
    acc: np.ndarray, multiplier: float | np.ndarray, zero_point_out=0, bits=8, signed=False, axis=None
) -> np.ndarray:
    """Float reference ``clamp(round_half_even(acc·M) + z, qmin, qmax)`` (for tests and mismatch studies)."""
    acc = np.asarray(acc, dtype=np.float64)
    m = broadcast_param(multiplier, acc.ndim, axis)
    z = broadcast_param(zero_point_out, acc.ndim, axis)
    qmin, qmax = int_range(bits, signed)
    return np.clip(np.rint(acc * m) + z, qmin, qmax).astype(np.int64)
