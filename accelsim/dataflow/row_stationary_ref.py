"""Cycle-stepped references (numba) of the RS primitives: one PE's 1-D row convolution and one PE set.

Used only by tests on small shapes; the closed forms in :mod:`accelsim.dataflow.row_stationary` must equal
them exactly.

PE (:func:`pe_row_conv_ref`): the ifmap scratchpad is a sliding window of ``span = (S−1)·d + 1`` entries
per channel (a circular buffer: ifmap position x lives in slot ``x mod span``); for output column f the
window covers positions ``[f·U, f·U + span)`` and only the positions not already held are loaded. One MAC
per cycle in the order image → output column → filter (psum spad entry) → channel → tap, so a pass takes
``n·F·p·q·S`` cycles.

PE set (:func:`pe_set_ref`): R × e PEs step in lockstep. PE (i, j) holds filter row i (horizontal reuse)
and receives ifmap row ``j·U + i·d`` (diagonal reuse: one multicast per distinct row). When a PE completes
a psum it queues it in its psum FIFO; every cycle the bottom row sends its oldest psum up, and each row
above adds the psum arriving from below (registered one cycle earlier) to its own oldest and forwards the
sum; row 0 emits the output row j. The last output leaves ``n·F·p·q·S + R − 1`` cycles after the start.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def pe_row_conv_ref(filt: np.ndarray, ifmap: np.ndarray, F: int, U: int, d: int):
    """One PE pass. filt [p, q, S], ifmap [n, q, W_in] (padded) → (psums [n, p, F], cycles, spad_fills)."""
    p, q, S = filt.shape
    n_img = ifmap.shape[0]
    span = (S - 1) * d + 1
    window = np.zeros((q, span), dtype=np.int64)
    out = np.zeros((n_img, p, F), dtype=np.int64)
    cycles = 0
    fills = 0
    for b in range(n_img):
        loaded_to = 0  # ifmap positions [0, loaded_to) have been shifted into the window
        for f in range(F):
            lo = f * U
            start = max(lo, loaded_to)
            for x in range(start, lo + span):
                for c in range(q):
                    window[c, x % span] = ifmap[b, c, x]
                    fills += 1
            loaded_to = lo + span
            for pp in range(p):
                acc = 0
                for c in range(q):
                    for s in range(S):
                        acc += filt[pp, c, s] * window[c, (lo + s * d) % span]
                        cycles += 1
                out[b, pp, f] = acc
    return out, cycles, fills


@numba.njit(cache=True)
def pe_set_ref(filt: np.ndarray, ifmap: np.ndarray, e: int, F: int, Uh: int, Uw: int, dh: int, dw: int):
    """One PE-set pass, cycle by cycle.

    filt [p, q, R, S], ifmap [n, q, H_in, W_in] (padded) → (ofmap [n, p, e, F], cycles, psum_hops,
    ifmap_deliveries, distinct_ifmap_rows).
    """
    p, q, R, S = filt.shape
    n_img = ifmap.shape[0]
    span = (S - 1) * dw + 1
    macs_per_pass = n_img * F * p * q * S
    windows = np.zeros((R, e, q, span), dtype=np.int64)
    loaded_to = np.zeros((R, e), dtype=np.int64)
    acc = np.zeros((R, e), dtype=np.int64)
    depth = R + 2
    fifo = np.zeros((R, e, depth), dtype=np.int64)
    head = np.zeros((R, e), dtype=np.int64)
    tail = np.zeros((R, e), dtype=np.int64)
    link_val = np.zeros((R, e), dtype=np.int64)
    link_ok = np.zeros((R, e), dtype=np.bool_)
    new_val = np.zeros((R, e), dtype=np.int64)
    new_ok = np.zeros((R, e), dtype=np.bool_)
    out = np.zeros((n_img, p, e, F), dtype=np.int64)
    emitted = np.zeros(e, dtype=np.int64)
    total_outputs = n_img * p * F
    # diagonal ifmap delivery: count PEs fed and distinct rows multicast
    row_used = np.zeros(ifmap.shape[2], dtype=np.bool_)
    for i in range(R):
        for j in range(e):
            row_used[j * Uh + i * dh] = True
    distinct_rows = 0
    for x in range(row_used.shape[0]):
        if row_used[x]:
            distinct_rows += 1
    deliveries = 0
    hops = 0
    cycle = 0
    k = 0
    while True:
        # ---- MAC stage: every PE performs MAC number k of the pass (same schedule in all PEs)
        if k < macs_per_pass:
            s = k % S
            c = (k // S) % q
            pp = (k // (S * q)) % p
            f = (k // (S * q * p)) % F
            b = k // (S * q * p * F)
            lo = f * Uw
            for i in range(R):
                for j in range(e):
                    row = j * Uh + i * dh
                    if s == 0 and c == 0 and pp == 0:
                        if f == 0:
                            loaded_to[i, j] = 0
                        start = max(lo, loaded_to[i, j])
                        for x in range(start, lo + span):
                            for cc in range(q):
                                windows[i, j, cc, x % span] = ifmap[b, cc, row, x]
                                deliveries += 1
                        loaded_to[i, j] = lo + span
                    if s == 0 and c == 0:
                        acc[i, j] = 0
                    acc[i, j] += filt[pp, c, i, s] * windows[i, j, c, (lo + s * dw) % span]
                    if s == S - 1 and c == q - 1:
                        fifo[i, j, tail[i, j] % depth] = acc[i, j]
                        tail[i, j] += 1
            k += 1
        # ---- link stage: vertical psum accumulation, one hop per cycle per column
        for j in range(e):
            for i in range(R - 1, -1, -1):
                new_ok[i, j] = False
                incoming_ok = i < R - 1 and link_ok[i + 1, j]
                if i == R - 1:
                    if head[i, j] < tail[i, j]:
                        v = fifo[i, j, head[i, j] % depth]
                        head[i, j] += 1
                        if i == 0:
                            idx = emitted[j]
                            out[idx // (p * F), idx % p, j, (idx // p) % F] = v
                            emitted[j] += 1
                        else:
                            new_val[i, j] = v
                            new_ok[i, j] = True
                elif incoming_ok:
                    v = fifo[i, j, head[i, j] % depth] + link_val[i + 1, j]
                    head[i, j] += 1
                    hops += 1
                    if i == 0:
                        idx = emitted[j]
                        out[idx // (p * F), idx % p, j, (idx // p) % F] = v
                        emitted[j] += 1
                    else:
                        new_val[i, j] = v
                        new_ok[i, j] = True
        for i in range(R):
            for j in range(e):
                link_val[i, j] = new_val[i, j]
                link_ok[i, j] = new_ok[i, j]
        cycle += 1
        done = True
        for j in range(e):
            if emitted[j] < total_outputs:
                done = False
        if done:
            break
    return out, cycle, hops, deliveries, distinct_rows
