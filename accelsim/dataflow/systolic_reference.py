"""Cycle-stepped reference of the systolic array (numba): registers move one hop per cycle.

Used only by tests on small shapes, to pin :mod:`accelsim.dataflow.systolic`'s closed form. It computes
the actual GEMM values while it moves operands, and counts a fold's cycles as the number of cycles in
which any PE register holds valid data (operand, stationary value in flight, or psum):

* **os** — ``A`` row i enters the left edge of row i at cycle k+i (input skew), ``B`` column j the top
  edge of column j at cycle k+j; every cycle each operand register copies its left/upper neighbour and
  each PE with two valid operands accumulates in place. The fold ends after the last MAC.
* **ws** — preload: the weight block is pushed into the top row one row per cycle (bottom row first)
  and shifts down, r cycles. Stream: ``A[m, k_i]`` enters row i at cycle m+i and moves right; psums move
  down, PE(i,j) adds ``x·w`` to the psum coming from PE(i−1,j); ``C[m, j]`` leaves the bottom row.
* **is** — the same machine with the ifmap block ``Aᵀ`` preloaded and the filter streamed.

Array size: in ``"native"`` mode the fold uses only its occupied r×c PEs (bypassed rows/columns); in
``"scalesim"`` mode the operands are zero-padded to the full R×C array, so skew, fill and drain span the
whole array as in SCALE-Sim's demand matrices. Folds run back to back (column fold outer, row fold
inner); ws/is psums of row folds are accumulated in the output buffer.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from accelsim.dataflow.systolic import check_dataflow, plan_gemm


@numba.njit(cache=True)
def _os_fold(a_blk: np.ndarray, b_blk: np.ndarray) -> tuple[np.ndarray, int, int, int]:
    """Output-stationary fold: a_blk [rr×T] streams from the left, b_blk [T×cc] from the top."""
    rr, T = a_blk.shape
    cc = b_blk.shape[1]
    a_reg = np.zeros((rr, cc), dtype=np.int64)
    a_val = np.zeros((rr, cc), dtype=np.bool_)
    w_reg = np.zeros((rr, cc), dtype=np.int64)
    w_val = np.zeros((rr, cc), dtype=np.bool_)
    acc = np.zeros((rr, cc), dtype=np.int64)
    cycles = 0
    a_moves = 0
    w_moves = 0
    t = 0
    while True:
        # shift right / down (far edge first so each register copies its neighbour's old value)
        for i in range(rr):
            for j in range(cc - 1, 0, -1):
                a_reg[i, j] = a_reg[i, j - 1]
                a_val[i, j] = a_val[i, j - 1]
            k = t - i
            if 0 <= k < T:
                a_reg[i, 0] = a_blk[i, k]
                a_val[i, 0] = True
            else:
                a_val[i, 0] = False
        for j in range(cc):
            for i in range(rr - 1, 0, -1):
                w_reg[i, j] = w_reg[i - 1, j]
                w_val[i, j] = w_val[i - 1, j]
            k = t - j
            if 0 <= k < T:
                w_reg[0, j] = b_blk[k, j]
                w_val[0, j] = True
            else:
                w_val[0, j] = False
        busy = False
        for i in range(rr):
            for j in range(cc):
                if a_val[i, j] or w_val[i, j]:
                    busy = True
                a_moves += a_val[i, j]
                w_moves += w_val[i, j]
                if a_val[i, j] and w_val[i, j]:
                    acc[i, j] += a_reg[i, j] * w_reg[i, j]
        t += 1
        if not busy:
            if t > T:  # nothing left to inject and the array is empty
                break
        else:
            cycles += 1
    return acc, cycles, a_moves, w_moves


@numba.njit(cache=True)
def _ws_fold(stat: np.ndarray, x_blk: np.ndarray) -> tuple[np.ndarray, int, int, int, int]:
    """Stationary-block fold: ``stat`` [rr×cc] preloaded from the top, ``x_blk`` [T×rr] streamed from the
    left (row i skewed by i), psums moving down. Returns out [T×cc], the cycles, and the valid register
    writes (= link hops) of the stationary, streamed and psum values."""
    rr, cc = stat.shape
    T = x_blk.shape[0]
    s_reg = np.zeros((rr, cc), dtype=np.int64)
    s_val = np.zeros((rr, cc), dtype=np.bool_)
    cycles = 0
    s_moves = 0
    x_moves = 0
    p_moves = 0
    # preload: row rr-1 enters first, every cycle the column shifts down by one register
    for t in range(rr):
        for j in range(cc):
            for i in range(rr - 1, 0, -1):
                s_reg[i, j] = s_reg[i - 1, j]
                s_val[i, j] = s_val[i - 1, j]
            s_reg[0, j] = stat[rr - 1 - t, j]
            s_val[0, j] = True
            for i in range(rr):
                s_moves += s_val[i, j]
        cycles += 1
    x_reg = np.zeros((rr, cc), dtype=np.int64)
    x_val = np.zeros((rr, cc), dtype=np.bool_)
    p_reg = np.zeros((rr, cc), dtype=np.int64)
    p_val = np.zeros((rr, cc), dtype=np.bool_)
    out = np.zeros((T, cc), dtype=np.int64)
    u = 0
    while True:
        for i in range(rr):
            for j in range(cc - 1, 0, -1):
                x_reg[i, j] = x_reg[i, j - 1]
                x_val[i, j] = x_val[i, j - 1]
            m = u - i
            if 0 <= m < T:
                x_reg[i, 0] = x_blk[m, i]
                x_val[i, 0] = True
            else:
                x_val[i, 0] = False
        # psums: PE(i,j) takes the psum PE(i-1,j) produced last cycle (bottom row first)
        for j in range(cc):
            for i in range(rr - 1, -1, -1):
                if x_val[i, j]:
                    incoming = p_reg[i - 1, j] if i > 0 else 0
                    p_reg[i, j] = incoming + x_reg[i, j] * s_reg[i, j]
                    p_val[i, j] = True
                else:
                    p_val[i, j] = False
        busy = False
        for j in range(cc):
            if p_val[rr - 1, j]:
                out[u - (rr - 1) - j, j] = p_reg[rr - 1, j]
            for i in range(rr):
                if x_val[i, j] or p_val[i, j]:
                    busy = True
                x_moves += x_val[i, j]
                p_moves += p_val[i, j]
        u += 1
        if not busy:
            if u > T:
                break
        else:
            cycles += 1
    return out, cycles, s_moves, x_moves, p_moves


class ReferenceResult(NamedTuple):
    """Output of the cycle-stepped array: the GEMM, the cycles and the valid register writes (each one a
    PE-to-PE or edge-to-PE hop) per kind of value: act_hops, weight_hops, psum_hops."""

    out: np.ndarray
    cycles: int
    hops: dict[str, int]


def reference_gemm(
    A: np.ndarray, B: np.ndarray, rows: int, cols: int, dataflow: str, mode: str = "native"
) -> tuple[np.ndarray, int]:
    """Run ``A [M×K] · B [K×N]`` through the cycle-stepped array; return (C as int64, total cycles)."""
    res = reference_gemm_detailed(A, B, rows, cols, dataflow, mode)
    return res.out, res.cycles


def reference_gemm_detailed(
    A: np.ndarray, B: np.ndarray, rows: int, cols: int, dataflow: str, mode: str = "native"
) -> ReferenceResult:
    """:func:`reference_gemm` plus the hop counts (register writes of valid values)."""
    check_dataflow(dataflow)
    A = np.ascontiguousarray(A, dtype=np.int64)
    B = np.ascontiguousarray(B, dtype=np.int64)
    M, K = A.shape
    N = B.shape[1]
    plan = plan_gemm(M, N, K, rows, cols, dataflow)
    out = np.zeros((M, N), dtype=np.int64)
    total = 0
    hops = {"act_hops": 0, "weight_hops": 0, "psum_hops": 0}
    full = mode == "scalesim"
    for fc in range(plan.col_folds):
        c0 = fc * cols
        c1 = min(c0 + cols, plan.Sc)
        for fr in range(plan.row_folds):
            r0 = fr * rows
            r1 = min(r0 + rows, plan.Sr)
            rr = rows if full else r1 - r0
            cc = cols if full else c1 - c0
            if dataflow == "os":  # Sr = M, Sc = N
                a_blk = np.zeros((rr, K), dtype=np.int64)
                a_blk[: r1 - r0] = A[r0:r1]
                b_blk = np.zeros((K, cc), dtype=np.int64)
                b_blk[:, : c1 - c0] = B[:, c0:c1]
                acc, cyc, a_mv, w_mv = _os_fold(a_blk, b_blk)
                out[r0:r1, c0:c1] = acc[: r1 - r0, : c1 - c0]
                hops["act_hops"] += a_mv
                hops["weight_hops"] += w_mv
            elif dataflow == "ws":  # Sr = K, Sc = N, streamed M
                stat = np.zeros((rr, cc), dtype=np.int64)
                stat[: r1 - r0, : c1 - c0] = B[r0:r1, c0:c1]
                x = np.zeros((M, rr), dtype=np.int64)
                x[:, : r1 - r0] = A[:, r0:r1]
                part, cyc, s_mv, x_mv, p_mv = _ws_fold(stat, x)
                out[:, c0:c1] += part[:, : c1 - c0]
                hops["weight_hops"] += s_mv
                hops["act_hops"] += x_mv
                hops["psum_hops"] += p_mv
            else:  # is: Sr = K, Sc = M, streamed N
                stat = np.zeros((rr, cc), dtype=np.int64)
                stat[: r1 - r0, : c1 - c0] = A[c0:c1, r0:r1].T
                x = np.zeros((N, rr), dtype=np.int64)
                x[:, : r1 - r0] = B[r0:r1, :].T
                part, cyc, s_mv, x_mv, p_mv = _ws_fold(stat, x)
                out[c0:c1, :] += part[:, : c1 - c0].T
                hops["act_hops"] += s_mv
                hops["weight_hops"] += x_mv
                hops["psum_hops"] += p_mv
            total += cyc
    return ReferenceResult(out, total, {k: int(v) for k, v in hops.items()})


__all__ = ["ReferenceResult", "reference_gemm", "reference_gemm_detailed"]
