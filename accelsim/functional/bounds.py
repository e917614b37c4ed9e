"""Worst-case partial-sum bounds and the choice between the float-BLAS and the integer path.

A reduction ``y_j = b_j + Σ_k d_k·w_kj`` (``d`` data, ``w`` weights, any summation order) has every partial
sum — every subset of its addends, which covers whatever order or blocking a BLAS uses — bounded by

    |partial| ≤ B_j = |b_j| + Σ_k max|d_k|·|w_kj|            (1)

where ``max|d_k|`` is the largest magnitude the data takes at reduction index ``k`` (over all output rows;
for a convolution, over all pixels of the channel of ``k``). ``B = max_j B_j`` is what we check (after a cheaper
bound ``max|b| + Σ_k max|d_k|·max|w|`` that needs no pass over the weights, when that one suffices). The
static, data-free version (from bit widths and signedness) is ``K·A·W`` with ``A = 2^(a_bits−1)`` if signed
else ``2^a_bits − 1`` (same for ``W``); (1) is never larger.

Exactness of the float path (``blas_f32`` / ``blas_f64``): integers of magnitude ≤ 2^24 (float32) or 2^53
(float64) are exact, so if every operand and every partial sum of a GEMM is within that limit, every
product and every addition the BLAS performs is exact, whatever its order or use of FMA. For float32 the
reduction axis is split into consecutive chunks whose own bound ``Σ_{k∈chunk} t_k`` (with
``t_k = max|d_k|·max_j|w_kj|``) stays ≤ 2^24; chunk results are summed exactly in float64, which needs
``B ≤ 2^53``. No overflow can happen if ``B ≤ 2^(acc_bits−1) − 1``; then ``saturate`` and ``wrap`` both return
the exact sum and both overflow counters are 0, which is the only case the float path is used in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

F32_EXACT = 1 << 24  # every integer with |v| ≤ 2^24 is a float32
F64_EXACT = 1 << 53  # every integer with |v| ≤ 2^53 is a float64
MIN_MEAN_CHUNK = 96  # below this mean chunk length, one float64 GEMM beats many small float32 GEMMs


def acc_max(acc_bits: int) -> int:
    """Largest value of a two's-complement accumulator of ``acc_bits`` bits: 2^(acc_bits−1) − 1."""
    return (1 << (acc_bits - 1)) - 1


def operand_max(bits: int, signed: bool) -> int:
    """Largest magnitude of a ``bits``-wide operand: 2^(bits−1) if signed, else 2^bits − 1."""
    return (1 << (bits - 1)) if signed else (1 << bits) - 1


def bits_bound(
    k_red: int, a_bits: int, a_signed: bool, w_bits: int, w_signed: bool, bias_max: int = 0
) -> int:
    """Data-free bound on every partial sum: ``bias_max + k_red·A·W`` (see module doc)."""
    return bias_max + k_red * operand_max(a_bits, a_signed) * operand_max(w_bits, w_signed)


def abs_max(a: np.ndarray) -> int:
    """max |a| as an exact Python int (0 for an empty array)."""
    if a.size == 0:
        return 0
    return max(abs(int(a.min())), abs(int(a.max())))


@dataclass(frozen=True)
class ExactPlan:
    """How an exact reduction will be computed."""

    path: str  # "blas_f32", "blas_f64" or "int_loop"
    bound: int  # proven bound on |every partial sum| (eq. 1)
    chunks: tuple[tuple[int, int], ...]  # reduction-axis chunks [k0, k1) of the float path
    reason: str  # why this path


def plan_reduction(
    dmax: np.ndarray,
    wabs: Callable[[], np.ndarray],
    wmax: int,
    bias_abs: np.ndarray | None,
    acc_bits: int,
    operands_max: int,
    force: str = "auto",
) -> ExactPlan:
    """Pick the path for stacked reductions ``y[g, ·, j] = b[g, j] + Σ_k d[g, ·, k]·w[g, k, j]``.

    ``dmax``: (G, K) int64, max |d| per reduction index; ``wabs()``: returns (G, K, J) int64 |w| (only
    called when the cheap bound fails); ``wmax``: max |w|; ``bias_abs``: (G, J) int64 or None;
    ``operands_max``: max |value| of every operand.
    ``force``: "auto", "int" (always the integer loops) or "blas" (float path, error if not provably exact).

    Two stages: the cheap bound ``max_g Σ_k max|d_gk|·max|w| + max|b|`` (no pass over the weights); if it
    does not prove the float path exact, the tight bound (1), which needs |w| per element.
    """
    G, K = dmax.shape
    bmax = int(bias_abs.max()) if bias_abs is not None and bias_abs.size else 0
    dsum = int(dmax.sum(axis=1).max()) if dmax.size else 0
    cheap = bmax + dsum * wmax
    if force != "int" and cheap <= min(acc_max(acc_bits), F64_EXACT) and operands_max <= F64_EXACT:
        t = dmax.max(axis=0, initial=0) * wmax if K else np.zeros(0, np.int64)
        return _float_plan(cheap, t, K, operands_max)
    wa = wabs()
    if cheap < (1 << 62):  # tight bound (1) exactly in int64
        per_out = np.einsum("gk,gkj->gj", dmax, wa)
        if bias_abs is not None:
            per_out = per_out + bias_abs
        bound = int(per_out.max()) if per_out.size else 0
    else:
        bound = cheap
    if force == "int":
        return ExactPlan("int_loop", bound, (), "integer path forced")
    if bound > acc_max(acc_bits):
        return ExactPlan("int_loop", bound, (), f"bound {bound} may overflow the {acc_bits}-bit accumulator")
    if bound > F64_EXACT or operands_max > F64_EXACT:
        return ExactPlan("int_loop", bound, (), f"bound {bound} exceeds the float64 mantissa 2^53")
    t = (dmax * wa.max(axis=2, initial=0)).max(axis=0, initial=0) if K else np.zeros(0, np.int64)
    return _float_plan(bound, t, K, operands_max)


def _float_plan(bound: int, t: np.ndarray, K: int, operands_max: int) -> ExactPlan:
    """blas_f32 (chunks whose Σ t_k ≤ 2^24) when worthwhile, else blas_f64; ``bound`` ≤ 2^53 already."""
    if operands_max <= F32_EXACT and (K == 0 or int(t.max()) <= F32_EXACT):
        chunks = ((0, K),) if int(t.sum()) <= F32_EXACT else _greedy_chunks(t, F32_EXACT)
        if len(chunks) == 1 or K / len(chunks) >= MIN_MEAN_CHUNK:
            return ExactPlan("blas_f32", bound, chunks, f"{len(chunks)} float32 chunk(s) each ≤ 2^24")
    return ExactPlan("blas_f64", bound, ((0, K),), f"bound {bound} ≤ 2^53")


def _greedy_chunks(t: np.ndarray, limit: int) -> tuple[tuple[int, int], ...]:
    """Split [0, len(t)) into the fewest consecutive chunks whose sum of ``t`` stays ≤ ``limit``.

    The greedy split gives the minimal count n; when n equal-length chunks also respect the limit (the
    usual case: t nearly uniform) they are used instead, so that no GEMM is left with a sliver of K.
    """
    K = len(t)
    if K == 0:
        return ((0, 0),)
    cum = np.concatenate([[0], np.cumsum(t, dtype=np.int64)])
    chunks = []
    k0 = 0
    while k0 < K:
        k1 = int(np.searchsorted(cum, cum[k0] + limit, side="right")) - 1
        k1 = max(min(k1, K), k0 + 1)
        chunks.append((k0, k1))
        k0 = k1
    n = len(chunks)
    edges = [(i * K) // n for i in range(n + 1)]
    if all(int(cum[b] - cum[a]) <= limit for a, b in zip(edges[:-1], edges[1:], strict=True)):
        return tuple(zip(edges[:-1], edges[1:], strict=True))
    return tuple(chunks)
