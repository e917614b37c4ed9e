"""Cycle-stepped references (numba) of the RS primitives: one PE's 1-D row convolution and one PE set.

Used only by tests on small shapes; the closed forms in :mod:`accelsim.dataflow.row_stationary` must equal
them exactly. Also the reference mapping search (:func:`search_mapping_full`: every candidate evaluated),
which the pruned :func:`accelsim.dataflow.row_stationary.search_mapping` must equal.

PE (:func:`pe_row_conv_ref`): the ifmap scratchpad is a sliding window of ``span = (S−1)·d + 1`` entries
per channel (a circular buffer: ifmap position x lives in slot ``x mod span``); for output column f the
window covers positions ``[f·U, f·U + span)`` and only the positions not already held are loaded. One MAC
per cycle in the order image → output column → filter (psum spad entry) → channel → tap, so a pass takes
``n·F·p·q·S`` cycles.

PE sets (:func:`pe_set_ref`): ``r`` sets of R × e PEs (one per channel group) stacked into one vertical
accumulation chain of ``R·r`` rows. PE (i, j) of a set holds filter row i (horizontal reuse) and receives
ifmap row ``j·U + i·d`` (diagonal reuse: one multicast per distinct row). Every PE runs in order, per
output (image → column → filter): ``q·S`` MACs, then — except the bottom row — one cycle in which the
MAC's adder adds the psum received from the PE below (Eyeriss v1 PE: the adder input is muxed between the
multiplier and the incoming psum); it stalls when that psum has not arrived (links are registered: a
psum sent in cycle c is usable from c + 1). The bottom row sends as soon as its MACs finish; row 0
emits output row j. With ``O = n·F·p`` outputs per PE and a chain of ``R·r ≥ 2`` rows the last output
leaves after ``O·(q·S + 1) + R·r − 2`` cycles (row ``R·r − 2`` never stalls, every row above it starts
its ADDs one cycle later than the row below); a single row takes ``O·q·S``.
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
    """One pass of ``r`` PE sets stacked into one accumulation chain, cycle by cycle.

    filt [r, p, q, R, S], ifmap [r, n, q, H_in, W_in] (padded; set k works on channel group k) →
    (ofmap [n, p, e, F] summed over the r groups, cycles, psum_hops, ifmap_deliveries, distinct_rows).
    Chain row ``ii = k·R + i`` (k = set, i = filter row); row 0 is the top.
    """
    r_sets, p, q, R, S = filt.shape
    n_img = ifmap.shape[1]
    rows = r_sets * R
    span = (S - 1) * dw + 1
    L = q * S
    n_out = n_img * F * p
    windows = np.zeros((rows, e, q, span), dtype=np.int64)
    loaded_to = np.zeros((rows, e), dtype=np.int64)
    acc = np.zeros((rows, e), dtype=np.int64)
    o_idx = np.zeros((rows, e), dtype=np.int64)  # output being worked on
    within = np.zeros((rows, e), dtype=np.int64)  # ops done for it (L MACs, then the ADD)
    depth = n_out + 1
    fifo = np.zeros((rows, e, depth), dtype=np.int64)  # psums received from the PE below
    head = np.zeros((rows, e), dtype=np.int64)
    tail = np.zeros((rows, e), dtype=np.int64)
    send_val = np.zeros((rows, e), dtype=np.int64)
    send_ok = np.zeros((rows, e), dtype=np.bool_)
    out = np.zeros((n_img, p, e, F), dtype=np.int64)
    row_used = np.zeros(ifmap.shape[3], dtype=np.bool_)
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
    emitted = 0
    while emitted < n_out * e:
        for ii in range(rows):
            k = ii // R
            i = ii % R
            bottom = ii == rows - 1
            for j in range(e):
                send_ok[ii, j] = False
                o = o_idx[ii, j]
                if o >= n_out:
                    continue
                w = within[ii, j]
                pp = o % p
                f = (o // p) % F
                b = o // (p * F)
                if w < L:  # MAC number w of output o
                    s = w % S
                    c = w // S
                    lo = f * Uw
                    if w == 0 and pp == 0:
                        if f == 0:
                            loaded_to[ii, j] = 0
                        row = j * Uh + i * dh
                        for x in range(max(lo, loaded_to[ii, j]), lo + span):
                            for cc in range(q):
                                windows[ii, j, cc, x % span] = ifmap[k, b, cc, row, x]
                                deliveries += 1
                        loaded_to[ii, j] = lo + span
                    if w == 0:
                        acc[ii, j] = 0
                    acc[ii, j] += filt[k, pp, c, i, s] * windows[ii, j, c, (lo + s * dw) % span]
                    within[ii, j] = w + 1
                    if w + 1 == L and bottom:
                        done_val = acc[ii, j]
                        o_idx[ii, j] = o + 1
                        within[ii, j] = 0
                        if ii == 0:
                            out[b, pp, j, f] += done_val
                            emitted += 1
                        else:
                            send_val[ii, j] = done_val
                            send_ok[ii, j] = True
                elif head[ii, j] < tail[ii, j]:  # ADD the psum from below with the MAC's adder
                    v = acc[ii, j] + fifo[ii, j, head[ii, j] % depth]
                    head[ii, j] += 1
                    hops += 1
                    o_idx[ii, j] = o + 1
                    within[ii, j] = 0
                    if ii == 0:
                        out[b, pp, j, f] += v
                        emitted += 1
                    else:
                        send_val[ii, j] = v
                        send_ok[ii, j] = True
                # else: stall, waiting for the psum from below
        for ii in range(1, rows):  # registered links: visible to the PE above from the next cycle
            for j in range(e):
                if send_ok[ii, j]:
                    fifo[ii - 1, j, tail[ii - 1, j] % depth] = send_val[ii, j]
                    tail[ii - 1, j] += 1
        cycle += 1
    return out, cycle, hops, deliveries, distinct_rows


# ---- the reference mapping search ------------------------------------------------------------------
# (imported here, below the PE references, so that the numba references above load without the search)
import math  # noqa: E402

from accelsim.dataflow.row_stationary import (  # noqa: E402
    ConvShape,
    Objective,
    RSCost,
    RSHardware,
    RSMapping,
    _build_result,
    _candidates,
    _check_space,
    evaluate_candidates,
)
from accelsim.errors import AccelsimInputError  # noqa: E402


def search_mapping_full(
    shape: ConvShape,
    hw: RSHardware,
    objective: Objective = "energy",
    ifmap_density: float = 1.0,
    ifmap_dram_ratio: float = 1.0,
    ofmap_dram_ratio: float = 1.0,
    zero_gating: bool = True,
) -> tuple[RSMapping, RSCost]:
    """Reference search: every candidate of the space (every batch tile n of :func:`_distinct_tiles`)
    evaluated with :func:`evaluate_candidates`; its cost grows with ``sqrt(N)``. :func:`search_mapping`
    returns the same mapping and cost (tests and benchmarks/bench_eyeriss.py compare them)."""
    if shape.S > hw.ifmap_spad_words * hw.filter_spad_words:
        raise AccelsimInputError("kernel_w", f"{shape.S} is too wide for the RS scratchpads")
    cand = _candidates(shape, hw)
    _check_space(shape, hw, cand["p"].size)
    return _select(shape, hw, cand, objective, ifmap_density, ifmap_dram_ratio, ofmap_dram_ratio, zero_gating)


def _select(
    shape: ConvShape,
    hw: RSHardware,
    cand: dict[str, np.ndarray],
    objective: Objective,
    ifmap_density: float,
    ifmap_dram_ratio: float,
    ofmap_dram_ratio: float,
    zero_gating: bool,
) -> tuple[RSMapping, RSCost]:
    """Minimum ``objective`` over ``cand`` (both ifmap residencies; ties: the other key, then the first
    candidate in order, then resident before non-resident)."""
    best: tuple[float, float, float] | None = None
    chosen = None
    for resident in (True, False):
        res = evaluate_candidates(
            shape, hw, cand, resident, ifmap_density, ifmap_dram_ratio, ofmap_dram_ratio, zero_gating
        )
        energy, cycles = res["energy"], res["cycles"].astype(float)
        if objective == "energy":
            key1, key2 = energy, cycles
        elif objective == "cycles":
            key1, key2 = cycles, energy
        else:
            key1, key2 = energy * cycles, energy
        key1 = np.where(np.isfinite(energy), key1, np.inf)
        i = int(np.lexsort((key2, key1))[0])
        score = (float(key1[i]), float(key2[i]), 0.0 if resident else 1.0)
        if not math.isfinite(score[0]):
            continue
        if best is None or score < best:
            best, chosen = score, (resident, i, res)
    if chosen is None:
        raise AccelsimInputError("arch.glb_bytes", "global buffer too small for any RS mapping of this layer")
    resident, i, res = chosen
    return _build_result(shape, cand, res, i, resident)
