"""numba integer kernels with a configured accumulator (the exact, order-dependent reference path).

Every output is accumulated in an ``int64`` register that models a ``bits``-wide two's-complement
accumulator, range ``[lo, hi] = [−2^(bits−1), 2^(bits−1) − 1]``. The accumulator starts at 0; the bias (if
any) is the first addend, then the products in reduction-index order: ``(c, r, s)`` for convolutions
(c outermost, s innermost), ``k`` for GEMMs. After every addition ``acc ← acc + p``:

* if the exact sum leaves ``[lo, hi]`` this is one *overflow event*;
* ``saturate``: ``acc ← clamp(sum, lo, hi)`` (order-dependent);
* ``wrap``: ``acc ← sum mod 2^bits`` in two's complement (order-independent: the final value equals the
  exact total wrapped once).

Products ``x·w`` are exact in ``int64`` (callers check ``max|x|·max|w| < 2^63``). The exact sum of an
in-range accumulator and a product can exceed ``int64``; this is detected from the signs of the wrapped
``int64`` sum (then the exact sum is certainly out of range, its sign is the sign of ``p``, and the wrapped
``int64`` value is still congruent to it modulo ``2^64``, hence modulo ``2^bits``).

Zero-padding positions are skipped: their product is 0 and adding 0 to an in-range accumulator can neither
overflow nor change it, so skipping them is exactly equivalent.
"""

from __future__ import annotations

import numba
import numpy as np

INT64_MAX = np.int64(np.iinfo(np.int64).max)
INT64_MIN = np.int64(np.iinfo(np.int64).min)


@numba.njit(cache=True, inline="always")
def acc_step(acc, p, bits, lo, hi, saturate):
    """One accumulator addition ``acc + p`` at ``bits`` width. Returns (new_acc, overflowed)."""
    s = acc + p  # wraps modulo 2^64
    if ((acc ^ s) & (p ^ s)) < 0:  # int64 overflow: the exact sum is outside every accumulator range
        if saturate:
            return (hi if p > 0 else lo), True
        if bits < 64:
            sh = 64 - bits
            s = (s << sh) >> sh
        return s, True
    if s > hi or s < lo:
        if saturate:
            return (hi if s > hi else lo), True
        sh = 64 - bits
        return (s << sh) >> sh, True
    return s, False


@numba.njit(cache=True)
def acc_range(bits):
    """(lo, hi) of a ``bits``-wide two's-complement accumulator as int64."""
    if bits >= 64:
        return INT64_MIN, INT64_MAX
    hi = (np.int64(1) << (bits - 1)) - 1
    return -hi - 1, hi


@numba.njit(cache=True)
def gemm_int(a, bt, bias, has_bias, bits, saturate):
    """Stacked GEMM ``out[g, m, n] = bias[g, n] + Σ_k a[g, m, k]·bt[g, n, k]`` (k ascending), stepwise.

    ``a``: (G, M, K) int64, ``bt``: (G, N, K) int64 (right operand transposed), ``bias``: (G, N) int64.
    Returns (out int64 (G, M, N), outputs that overflowed at least once, overflow events).
    """
    lo, hi = acc_range(bits)
    G, M, K = a.shape
    N = bt.shape[1]
    out = np.empty((G, M, N), dtype=np.int64)
    n_out = 0
    n_ev = 0
    for g in range(G):
        for m in range(M):
            for n in range(N):
                acc = np.int64(0)
                ev = 0
                if has_bias:
                    acc, o = acc_step(acc, bias[g, n], bits, lo, hi, saturate)
                    ev += o
                for k in range(K):
                    acc, o = acc_step(acc, a[g, m, k] * bt[g, n, k], bits, lo, hi, saturate)
                    ev += o
                out[g, m, n] = acc
                n_ev += ev
                if ev > 0:
                    n_out += 1
    return out, n_out, n_ev


@numba.njit(cache=True)
def conv2d_int(x, w, bias, has_bias, sh, sw, pt, pl, dh, dw, groups, P, Q, bits, saturate):
    """NCHW × KCRS grouped convolution with a stepwise ``bits``-wide accumulator.

    ``out[n, k, p, q] = bias[k] + Σ_{c, r, s} x[n, g·Cg + c, p·sh − pt + r·dh, q·sw − pl + s·dw]·w[k, c, r, s]``
    with ``g = k // (K/groups)``, summed in (c, r, s) order; padded positions are skipped (see module doc).
    Returns (out int64 (N, K, P, Q), outputs that overflowed at least once, overflow events).
    """
    lo, hi = acc_range(bits)
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    Kg = K // groups
    out = np.empty((N, K, P, Q), dtype=np.int64)
    n_out = 0
    n_ev = 0
    for n in range(N):
        for k in range(K):
            c0 = (k // Kg) * Cg
            for p in range(P):
                h0 = p * sh - pt
                for q in range(Q):
                    w0 = q * sw - pl
                    acc = np.int64(0)
                    ev = 0
                    if has_bias:
                        acc, o = acc_step(acc, bias[k], bits, lo, hi, saturate)
                        ev += o
                    for c in range(Cg):
                        for r in range(R):
                            hh = h0 + r * dh
                            if hh < 0 or hh >= H:
                                continue
                            for s in range(S):
                                ww = w0 + s * dw
                                if ww < 0 or ww >= W:
                                    continue
                                acc, o = acc_step(
                                    acc, x[n, c0 + c, hh, ww] * w[k, c, r, s], bits, lo, hi, saturate
                                )
                                ev += o
                    out[n, k, p, q] = acc
                    n_ev += ev
                    if ev > 0:
                        n_out += 1
    return out, n_out, n_ev


@numba.njit(cache=True)
def im2col(x, out, sh, sw, pt, pl, dh, dw, groups, R, S, P, Q):
    """Fill ``out[g, (c·R + r)·S + s, (n·P + p)·Q + q] = x[n, g·Cg + c, p·sh − pt + r·dh, q·sw − pl + s·dw]``.

    Zero where the position falls in the padding. ``out`` is (groups, Cg·R·S, N·P·Q) of any float dtype;
    the cast from the integer input happens here (exact for |x| below the float mantissa limit).
    """
    N, C, H, W = x.shape
    Cg = C // groups
    PQ = P * Q
    for g in range(groups):
        for c in range(Cg):
            ci = g * Cg + c
            for r in range(R):
                for s in range(S):
                    row = (c * R + r) * S + s
                    off = s * dw - pl  # input column of output column q is q·sw + off
                    q_lo = min(Q, max(0, (-off + sw - 1) // sw))  # first q with q·sw + off ≥ 0
                    q_hi = max(q_lo, min(Q, (W - off + sw - 1) // sw))  # first q with q·sw + off ≥ W
                    for n in range(N):
                        for p in range(P):
                            hh = p * sh - pt + r * dh
                            base = n * PQ + p * Q
                            if hh < 0 or hh >= H:
                                for q in range(Q):
                                    out[g, row, base + q] = 0
                                continue
                            for q in range(q_lo):
                                out[g, row, base + q] = 0
                            for q in range(q_lo, q_hi):  # branch-free, vectorizable for sw = 1
                                out[g, row, base + q] = x[n, ci, hh, q * sw + off]
                            for q in range(q_hi, Q):
                                out[g, row, base + q] = 0
    return out


@numba.njit(cache=True)
def conv2d_direct(x, w, out, sh, sw, pt, pl, dh, dw, groups):
    """Direct grouped convolution of float-cast ``x``, ``w`` into ``out`` (N, K, P, Q), no overflow handling.

    Only called when the partial-sum bound proves every partial sum exact in ``out``'s dtype and inside
    the accumulator (then the order does not matter). Loops (n, k, c, r, s, p) with a branch-free,
    vectorizable inner loop over the valid output columns q; efficient when the per-group GEMM is too
    small for BLAS (depthwise).
    """
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    P, Q = out.shape[2], out.shape[3]
    Kg = K // groups
    out[...] = 0
    for n in range(N):
        for k in range(K):
            c0 = (k // Kg) * Cg
            for c in range(Cg):
                for r in range(R):
                    for s in range(S):
                        wv = w[k, c, r, s]
                        off = s * dw - pl
                        q_lo = min(Q, max(0, (-off + sw - 1) // sw))
                        q_hi = max(q_lo, min(Q, (W - off + sw - 1) // sw))
                        for p in range(P):
                            hh = p * sh - pt + r * dh
                            if hh < 0 or hh >= H:
                                continue
                            for q in range(q_lo, q_hi):
                                out[n, k, p, q] += wv * x[n, c0 + c, hh, q * sw + off]
    return out
