"""Log / power-of-two PEs (QUEST, Ueyoshi et al. ISSCC 2018; LightNN, Ding et al. 2017): products by
shifts, a wide accumulator.

Weights are log-quantized: a ``w_bits`` code is one sign bit and ``w_bits − 1`` exponent bits,
``w = (−1)^s · 2^e`` with ``e ∈ [0, 2^(w_bits−1) − 1]`` (1-bit: ±1). Activations are ordinary integers
(1–16 bits). The product ``a·w`` is ``±(a << e)``; the accumulator must hold
``a_bits + e_max + ceil(log2 K) + 1`` bits (:func:`accumulator_bits`).

Timing (REFERENCES.md QUEST row, 330 MHz): a shift lane handles one 4-bit-code product per cycle and
splits into ``floor(4 / w_bits)`` narrower lanes (1-bit codes: 4 add/subtract lanes). Lane count
3,000 is **calibrated** on 1.98 TOPS at 4 bits (1.98e12 / 2 / 330e6); **check**: 1-bit gives
4 × 1.98 = 7.92 TOPS against 7.49 published (+5.7 %).

Energy: constant chip power per cycle, **calibrated** on 3.3 W at 330 MHz (10.0 nJ per cycle);
**checks**: 0.59 TOPS/W (4-bit) and 2.27 TOPS/W (1-bit) published.
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.pe.common import check_operand, check_width, exact_gemm

ALLOWED_W_BITS = (1, 2, 3, 4)
ALLOWED_A_BITS = tuple(range(1, 17))
LANE_CODE_BITS = 4


def lane_pass(w_bits: int, a_bits: int) -> tuple[int, int]:
    """(products, cycles) per shift lane: floor(4/w_bits) products in one cycle."""
    check_width("w_bits", w_bits, ALLOWED_W_BITS, "log (QUEST)")
    check_width("a_bits", a_bits, ALLOWED_A_BITS, "log (QUEST)")
    return LANE_CODE_BITS // w_bits, 1


def max_exponent(w_bits: int) -> int:
    return (1 << (w_bits - 1)) - 1


def accumulator_bits(a_bits: int, w_bits: int, k: int) -> int:
    """Bits a signed accumulator needs for K products ±(a << e): a_bits + e_max + ceil(log2 K) + 1."""
    return a_bits + max_exponent(w_bits) + max(0, int(np.ceil(np.log2(max(k, 1))))) + 1


def decode(sign: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """Integer weight values (−1)^s·2^e."""
    return np.where(sign.astype(bool), -1, 1).astype(np.int64) << exponent.astype(np.int64)


def encode(w: np.ndarray, w_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(sign, exponent) codes of integer weights that are ±2^e with e ≤ e_max; anything else raises."""
    w = np.asarray(w, dtype=np.int64)
    mag = np.abs(w)
    exp = np.zeros_like(mag)
    ok = mag > 0
    exp[ok] = np.round(np.log2(mag[ok])).astype(np.int64)
    if not ok.all() or np.any((1 << exp) != mag) or np.any(exp > max_exponent(w_bits)):
        raise AccelsimInputError(
            "w", f"log PE weights must be ±2^e with 0 <= e <= {max_exponent(w_bits)} for {w_bits}-bit codes"
        )
    return (w < 0).astype(np.int8), exp.astype(np.int8)


@numba.njit(cache=True)
def shift_gemm(a, sign, exponent):
    """Σ_k ±(a[m,k] << e[k,n]) in an int64 accumulator: no multiplier."""
    m, k = a.shape
    n = sign.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for kk in range(k):
            av = a[i, kk]
            for j in range(n):
                v = av << exponent[kk, j]
                if sign[kk, j]:
                    out[i, j] -= v
                else:
                    out[i, j] += v
    return out


def logpe_gemm(a, sign, exponent, w_bits: int, a_bits: int, a_signed: bool = False) -> np.ndarray:
    """A[M×K] times log-coded weights (sign, exponent)[K×N] by shifts; equals A·decode(sign, exponent)."""
    lane_pass(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    exponent = np.ascontiguousarray(exponent, dtype=np.int64)
    if exponent.size and (exponent.min() < 0 or exponent.max() > max_exponent(w_bits)):
        raise AccelsimInputError("exponent", f"must be in [0, {max_exponent(w_bits)}] for {w_bits}-bit codes")
    return shift_gemm(a, np.ascontiguousarray(sign, dtype=np.int64), exponent)


def logpe_gemm_fast(
    a, sign, exponent, w_bits: int, a_bits: int, a_signed: bool = False, nonzero=None
) -> np.ndarray:
    """BLAS form of :func:`shift_gemm`: for every exponent value ``e`` one exact GEMM of ``A`` with the ±1
    sign matrix of the weights whose code has that exponent, shifted once by ``e`` (shifts commute with
    the sum over k). ``nonzero`` (bool, optional): False marks zero-code weights (the log formats of
    :mod:`accelsim.quant.logquant` spend exponent field 0 on zero), which are skipped."""
    lane_pass(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    exponent = np.asarray(exponent, dtype=np.int64)
    if exponent.size and (exponent.min() < 0 or exponent.max() > max_exponent(w_bits)):
        raise AccelsimInputError("exponent", f"must be in [0, {max_exponent(w_bits)}] for {w_bits}-bit codes")
    pm = np.where(np.asarray(sign).astype(bool), -1, 1).astype(np.int64)
    if nonzero is not None:
        pm = np.where(np.asarray(nonzero, bool), pm, 0)
    out = np.zeros((a.shape[0], exponent.shape[1]), dtype=np.int64)
    for e in np.unique(exponent):
        out += exact_gemm(a, np.where(exponent == e, pm, 0)) << np.int64(e)
    return out
