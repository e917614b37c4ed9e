"""Stall cycles of a systolic layer: its folds merged into tiles, each tile's DRAM transfer proved equal to
numpy's sums without summing every fold, and the in-order DMA recurrence of :mod:`accelsim.memory.dram`
(double-buffered slots, write-backs), all compiled with numba. The per-fold reference
(:func:`accelsim.memory.tile_stalls_ref.coarse_tiles`, :func:`~accelsim.memory.tile_stalls_ref.expand_folds`)
is the readable version the tests compare with; :func:`expand_folds` lists every fold for the simpy stall
model."""

from __future__ import annotations

import math

import numba
import numpy as np

from accelsim.memory.systolic_traffic import _fold_class, fold_classes


@numba.njit(cache=True)
def expand_folds(compute_c, read_c, write_c, rf, cf, n_passes, groups):
    """Every fold of the layer (all passes, all groups, execution order: group, pass, column fold, row
    fold) from the class tables of :func:`fold_classes`."""
    n = groups * n_passes * cf * rf
    compute = np.empty(n, dtype=np.int64)
    read = np.empty(n, dtype=np.float64)
    write = np.empty(n, dtype=np.float64)
    i = 0
    for _ in range(groups):
        for p in range(n_passes):
            k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
            for fc in range(cf):
                fcc = _fold_class(fc, cf)
                for fr in range(rf):
                    frc = _fold_class(fr, rf)
                    compute[i] = compute_c[k, frc, fcc]
                    read[i] = read_c[k, frc, fcc]
                    write[i] = write_c[k, frc, fcc]
                    i += 1
    return compute, read, write


@numba.njit(cache=True, inline="always")
def _pairwise_block(a, lo, n):
    """numpy's pairwise summation of at most 128 terms: < 8 in sequence, else 8 interleaved partial sums
    combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remaining n mod 8 terms in sequence."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True)
def _pairwise_sum(a, lo, n):
    """Σ a[lo:lo+n] associated exactly as numpy's pairwise summation (np.sum, np.add.reduce): runs of more
    than 128 terms are split at n2 = ⌊n/2⌋ − (⌊n/2⌋ mod 8) and summed as pw(left) + pw(right). The tree is
    walked with an explicit stack (numba's cache cannot hold a recursive function safely)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    lo_s = np.empty(128, dtype=np.int64)
    n_s = np.empty(128, dtype=np.int64)
    done_s = np.zeros(128, dtype=np.bool_)
    vals = np.empty(128, dtype=np.float64)
    sp, vsp = 0, 0
    lo_s[0], n_s[0] = lo, n
    while sp >= 0:
        m = n_s[sp]
        if m <= 128:  # leaf
            vals[vsp] = _pairwise_block(a, lo_s[sp], m)
            vsp += 1
            sp -= 1
        elif not done_s[sp]:  # expand: right child below, left child on top (evaluated first)
            done_s[sp] = True
            n2 = m // 2
            n2 -= n2 % 8
            l0 = lo_s[sp]
            lo_s[sp + 1], n_s[sp + 1], done_s[sp + 1] = l0 + n2, m - n2, False
            lo_s[sp + 2], n_s[sp + 2], done_s[sp + 2] = l0, n2, False
            sp += 2
        else:  # both children summed: left + right
            vals[vsp - 2] = vals[vsp - 2] + vals[vsp - 1]
            vsp -= 1
            sp -= 1
    return vals[0]


@numba.njit(cache=True)
def _segment_sum(a, n):
    """np.add.reduceat's sum of one segment a[0:n]: the first element plus the pairwise sum of the rest."""
    if n == 1:
        return a[0]
    return a[0] + _pairwise_sum(a, 1, n - 1)


@numba.njit(cache=True, inline="always")
def _transfer(b, bandwidth):
    """ceil(b/bw) cycles as :func:`accelsim.memory.dram.transfer_cycles` (0 for nothing to move)."""
    return max(math.ceil(b / bandwidth - 1e-9), 0) if b > 0 else 0


@numba.njit(cache=True)
def _stall_recurrence(compute, loads, stores, slots):
    """The recurrence of :func:`accelsim.memory.dram.stall_cycles_closed_form` on integer transfers:
    stall cycles = end of the schedule − Σ compute."""
    n = compute.shape[0]
    total_compute = 0
    for i in range(n):
        total_compute += compute[i]
    load_end = np.zeros(n, dtype=np.int64)
    dma = 0
    for i in range(min(slots, n)):
        dma += loads[i]
        load_end[i] = dma
    prev = 0
    for j in range(n):
        start = max(load_end[j], prev)
        prev = start + compute[j]
        if j + slots < n:
            dma = max(dma, prev) + loads[j + slots]
            load_end[j + slots] = dma
        if stores[j] > 0:
            dma = max(dma, prev) + stores[j]
    return max(prev, dma) - total_compute


@numba.njit(cache=True)
def stall_cycles_tiles(compute, read, write, bandwidth, slots):
    """Stall cycles of a tile schedule: transfers ceil(b/bw) as :func:`accelsim.memory.dram.transfer_cycles`
    (0 for nothing to move), then the recurrence of :func:`accelsim.memory.dram.stall_cycles_closed_form`
    (same machine, same integers), in one compiled pass."""
    n = compute.shape[0]
    loads = np.empty(n, dtype=np.int64)
    stores = np.empty(n, dtype=np.int64)
    for i in range(n):
        loads[i] = _transfer(read[i], bandwidth)
        stores[i] = _transfer(write[i], bandwidth)
    return _stall_recurrence(compute, loads, stores, slots)


# ---- tile transfers without summing folds ------------------------------------------------------------
#
# coarse_tiles sums every distinct tile fold by fold (its float sums must be associated as numpy's), so
# its cost grows with the number of folds: a small ofmap buffer splits a large-batch ws/is layer into
# thousands of passes (systolic-vwa: up to 10^6 folds). The stall model only needs each tile's compute
# cycles (an integer sum, exact in any order) and its transfer cycles ceil(b/bw − 1e-9). tile_transfers
# gets b from closed-form class counts (a few products per tile) and proves the transfer equal:
#
# * every fold value is ≥ 0; if every read (write) value is a multiple of 2^-m and the layer's total is
#   below 2^(52-m), every partial sum in any order is exactly representable: the closed form *is*
#   numpy's sum (no rounding at all);
# * otherwise both sums are within γ_D·S of the exact sum S (each term goes through at most D roundings:
#   numpy's pairwise sum, ≤ 25 in a 128-term block + tree depth + 1 < 90 for < 2^60 folds; the closed
#   form, < 20), so numpy's b lies in [S' − E, S' + E], E = 2^-46·S' (> (γ_90 + 2γ_20)·S'). fl(x/bw), fl(y − 1e-9)
#   and ceil are monotone, so when both ends give the same transfer, numpy's b gives it too; when they
#   differ (b/bw within ≈ 10^-14 relative of an integer + 1e-9) the tile is summed fold by fold
#   exactly as coarse_tiles does.

_EXACT_MAX_SHIFT = 40


@numba.njit(cache=True)
def _dyadic_shift(table):
    """Smallest m ≤ 40 with every entry of ``table`` a multiple of 2^-m (−1 if none, or an entry < 0)."""
    m = 0
    for v in table.ravel():
        if v < 0:
            return -1
        while m <= _EXACT_MAX_SHIFT and v * 2.0**m != math.floor(v * 2.0**m):
            m += 1
        if m > _EXACT_MAX_SHIFT:
            return -1
    return m


@numba.njit(cache=True)
def _row_range(tab, k, fcc, a, b, rf):
    """Σ of rows a..b−1 of one column fold (class fcc) of a pass of kind k: first/middle/last counts ×
    the class values."""
    if a >= b:
        return tab[k, 0, 0] * 0
    if rf == 1:
        return tab[k, 3, fcc]
    first = 1 if a == 0 else 0
    last = 1 if b == rf else 0
    mid = (b - a) - first - last
    return first * tab[k, 1, fcc] + last * tab[k, 2, fcc] + mid * tab[k, 0, fcc]


@numba.njit(cache=True)
def _col_range(tab, k, c0, c1, rf, cf):
    """Σ of whole column folds c0..c1−1 of a pass of kind k."""
    if c0 >= c1:
        return tab[k, 0, 0] * 0
    if cf == 1:
        return _row_range(tab, k, 3, 0, rf, rf)
    first = 1 if c0 == 0 else 0
    last = 1 if c1 == cf else 0
    mid = (c1 - c0) - first - last
    return (
        first * _row_range(tab, k, 1, 0, rf, rf)
        + last * _row_range(tab, k, 2, 0, rf, rf)
        + mid * _row_range(tab, k, 0, 0, rf, rf)
    )


@numba.njit(cache=True)
def _in_pass(tab, k, q0, q1, rf, cf):
    """Σ of folds q0..q1−1 (column fold outer, row fold inner) of one pass of kind k."""
    fc0, fr0 = q0 // rf, q0 % rf
    fc1, fr1 = q1 // rf, q1 % rf
    if fc0 == fc1:
        return _row_range(tab, k, _fold_class(fc0, cf), fr0, fr1, rf)
    s = _row_range(tab, k, _fold_class(fc0, cf), fr0, rf, rf) + _col_range(tab, k, fc0 + 1, fc1, rf, cf)
    if fr1 > 0:
        s = s + _row_range(tab, k, _fold_class(fc1, cf), 0, fr1, rf)
    return s


@numba.njit(cache=True, inline="always")
def _pass_kind(j, n_passes):
    """Kind of the global pass j (passes restart at every group): 0 first, 2 last, 1 middle."""
    p = j % n_passes
    return 0 if p == 0 else (2 if p == n_passes - 1 else 1)


@numba.njit(cache=True, inline="always")
def _count_residue(j0, j1, n, r):
    """Number of j in [j0, j1) with j mod n == r."""
    return (j1 - 1 - r + n) // n - (j0 - 1 - r + n) // n


@numba.njit(cache=True)
def _range_sum(tab, s, e, rf, cf, n_passes):
    """Σ of the layer's folds s..e−1 (global execution order over groups and passes) of one class table:
    the head of the first pass, the whole passes by kind (first, middle, last), the tail of the last one,
    added in that order. One call site of :func:`_in_pass`, inlined once (a cold compile of seconds, not
    minutes: every inlined call is type-inferred again)."""
    fpp = rf * cf
    p0, q0 = s // fpp, s % fpp
    p1, q1 = e // fpp, e % fpp
    if p0 == p1:
        return _in_pass(tab, _pass_kind(p0, n_passes), q0, q1, rf, cf)
    j0, j1 = p0 + 1, p1  # whole passes
    n0 = n1 = n2 = 0
    if j1 > j0:
        if n_passes == 1:
            n0 = j1 - j0
        else:
            n0 = _count_residue(j0 + n_passes, j1 + n_passes, n_passes, 0)
            n2 = _count_residue(j0 + n_passes, j1 + n_passes, n_passes, n_passes - 1)
            n1 = (j1 - j0) - n0 - n2
    total = tab[0, 0, 0] * 0
    for seg in range(5):  # 0 head, 1-3 whole passes of kind 0/1/2, 4 tail
        if seg == 0:
            k, a, b, count = _pass_kind(p0, n_passes), q0, fpp, 1
        elif seg == 4:
            k, a, b, count = _pass_kind(p1, n_passes), 0, q1, 1 if q1 > 0 else 0
        else:
            k, a, b = seg - 1, 0, fpp
            count = n0 if seg == 1 else (n1 if seg == 2 else n2)
        if count > 0:
            part = _in_pass(tab, k, a, b, rf, cf)
            total = total + (part if seg == 0 or seg == 4 else count * part)
    return total


@numba.njit(cache=True)
def _tile_walk(compute_c, read_c, write_c, rf, cf, n_passes, s, length, rbuf, wbuf):
    """One tile's (compute, read, write) sums, fold by fold, reads/writes associated as np.add.reduceat
    (first fold + numpy's pairwise sum of the rest)."""
    fpp = rf * cf
    local = s % (n_passes * fpp)
    p = local // fpp
    q = local - p * fpp
    k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
    csum = 0
    fc, fr = q // rf, q % rf
    for m in range(length):  # walk the folds: row fold fr inner, column fold fc, pass p (kind k)
        frc, fcc = _fold_class(fr, rf), _fold_class(fc, cf)
        csum += compute_c[k, frc, fcc]
        rbuf[m] = read_c[k, frc, fcc]
        wbuf[m] = write_c[k, frc, fcc]
        fr += 1
        if fr == rf:
            fr = 0
            fc += 1
            if fc == cf:  # next pass; passes wrap at a group's end
                fc = 0
                p = p + 1 if p + 1 < n_passes else 0
                k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
    return csum, _segment_sum(rbuf, length), _segment_sum(wbuf, length)


@numba.njit(cache=True, inline="always")
def _proved_transfer(b, exact, bandwidth):
    """Transfer cycles of numpy's tile sum given the closed-form sum ``b`` (exact, or within 2^-46·b);
    −1 when the bound does not decide it."""
    if exact or b == 0.0:
        return _transfer(b, bandwidth)
    err = b * 2.0**-46
    lo = _transfer(b - err, bandwidth) if b - err > 0 else -1
    hi = _transfer(b + err, bandwidth)
    return lo if lo == hi else -1


#: a layer whose compute cycles reach 2^53 cannot be summed exactly in float64 (tile_transfers' flag)
CYCLES_OVERFLOW = -1


@numba.njit(cache=True)
def _decided_transfers(compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth):
    """Tiles of :func:`coarse_tiles`: (compute cycles, load cycles, store cycles, copy source, undecided
    count). Every sum is the closed form of :func:`_range_sum` on float64 tables (compute cycles are
    integers below 2^53, so their float sums are exact); a tile whose transfer the error bound does not
    decide gets load or store −1 and is resolved by :func:`_walk_undecided`. Equal tiles are copied from
    their first holder (``copy_src``). Returns undecided = CYCLES_OVERFLOW when a layer reaches 2^53
    cycles."""
    fpg = n_passes * rf * cf
    n = fpg * groups
    size = -(-n // max_tiles) if n > max_tiles else 1
    ntiles = -(-n // size)
    tc = np.empty(ntiles, dtype=np.int64)
    loads = np.empty(ntiles, dtype=np.int64)
    stores = np.empty(ntiles, dtype=np.int64)
    copy_src = np.full(ntiles, -1, dtype=np.int64)
    compute_f = compute_c.astype(np.float64)
    if _range_sum(compute_f, 0, n, rf, cf, n_passes) >= 2.0**53:
        return tc, loads, stores, copy_src, CYCLES_OVERFLOW
    m_r = _dyadic_shift(read_c)
    m_w = _dyadic_shift(write_c)
    exact_r = m_r >= 0 and _range_sum(read_c, 0, n, rf, cf, n_passes) * 2.0**m_r < 2.0**52
    exact_w = m_w >= 0 and _range_sum(write_c, 0, n, rf, cf, n_passes) * 2.0**m_w < 2.0**52
    undecided = 0
    fpp = rf * cf
    run_seen = np.full((3, 4), -1, dtype=np.int64)  # equal tiles, as coarse_tiles
    midcol_seen = np.full((3, rf if cf > 2 else 0), -1, dtype=np.int64)
    midpass_seen = np.full(fpp if n_passes > 2 else 0, -1, dtype=np.int64)
    period = fpg // math.gcd(size, fpg)
    for t in range(ntiles):
        s = t * size
        e = min(s + size, n)
        if e - s == size:  # equal tiles, as in coarse_tiles (same classes, same holders)
            local = s % fpg
            p = local // fpp
            q = local - p * fpp
            k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
            src = -1
            fc, fr = q // rf, q % rf
            q_end = q + size - 1  # within the pass when < fpp
            if q_end < fpp and fr >= 1 and fr + size - 1 <= rf - 2:  # (a)
                cls = (1 if fc == 0 else 0) + (2 if fc == cf - 1 else 0)
                src = run_seen[k, cls]
                if src < 0:
                    run_seen[k, cls] = t
            elif q_end < fpp and fc >= 1 and q_end // rf <= cf - 2:  # (b)
                src = midcol_seen[k, fr]
                if src < 0:
                    midcol_seen[k, fr] = t
            elif local + size <= fpg and p >= 1 and (local + size - 1) // fpp <= n_passes - 2:  # (c)
                src = midpass_seen[q]
                if src < 0:
                    midpass_seen[q] = t
            elif t >= period:  # (d): tile t − period starts at the same position in its group
                src = t - period
            if src >= 0:
                tc[t], loads[t], stores[t] = tc[src], loads[src], stores[src]
                copy_src[t] = src
                continue
        tc[t] = int(_range_sum(compute_f, s, e, rf, cf, n_passes))
        ld = _proved_transfer(_range_sum(read_c, s, e, rf, cf, n_passes), exact_r, bandwidth)
        st = _proved_transfer(_range_sum(write_c, s, e, rf, cf, n_passes), exact_w, bandwidth)
        if ld < 0 or st < 0:
            undecided += 1
            ld = st = -1
        loads[t] = ld
        stores[t] = st
    return tc, loads, stores, copy_src, undecided


@numba.njit(cache=True)
def _walk_undecided(
    compute_c, read_c, write_c, rf, cf, n_passes, n, size, loads, stores, copy_src, bandwidth
):
    """Resolve the tiles :func:`_decided_transfers` left at −1: copies take their source's (resolved
    earlier, since a source precedes its copies); the others are summed fold by fold exactly as
    :func:`coarse_tiles` sums them. Returns the number of tiles walked. Compiled only when a layer needs it."""
    rbuf = np.empty(size, dtype=np.float64)
    wbuf = np.empty(size, dtype=np.float64)
    walked = 0
    for t in range(loads.shape[0]):
        if loads[t] >= 0 and stores[t] >= 0:
            continue
        src = copy_src[t]
        if src >= 0:
            loads[t], stores[t] = loads[src], stores[src]
            continue
        s = t * size
        _, r, w = _tile_walk(compute_c, read_c, write_c, rf, cf, n_passes, s, min(size, n - s), rbuf, wbuf)
        loads[t], stores[t] = _transfer(r, bandwidth), _transfer(w, bandwidth)
        walked += 1
    return walked


def tile_transfers(compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth):
    """(compute cycles, load cycles, store cycles) of the tiles of :func:`coarse_tiles`, equal to
    ceil(b/bw − 1e-9) of its sums, in O(1) per tile (see the comment above; undecided tiles are summed
    fold by fold). Returns also the number of tiles summed fold by fold.

    Two compiled passes: :func:`_decided_transfers` (always) and :func:`_walk_undecided` (only when some
    tile is undecided, so its compile is paid only by layers that need it)."""
    tc, loads, stores, copy_src, undecided = _decided_transfers(
        compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth
    )
    if undecided == CYCLES_OVERFLOW:
        from accelsim.errors import AccelsimInputError

        raise AccelsimInputError(
            "network", "a layer of 2^53 or more cycles cannot be timed exactly: too large"
        )
    walked = 0
    if undecided:
        n = n_passes * rf * cf * groups
        size = -(-n // max_tiles) if n > max_tiles else 1
        walked = _walk_undecided(
            compute_c, read_c, write_c, rf, cf, n_passes, n, size, loads, stores, copy_src, bandwidth
        )
    return tc, loads, stores, walked


def layer_stall_cycles(
    rows, cols, rf, cf, last_rows, last_cols, Sr, Sc, T, stationary, scalesim,
    roles, per_group, resident, col_fits, pass_len, row_bytes, row_fits, spill, out_total, acc_bits,
    ofmap_both, stream_slices, stationary_slices, n_passes, groups, max_tiles, bandwidth, slots,
):  # fmt: skip
    """:func:`fold_classes` → :func:`tile_transfers` (the transfers of :func:`coarse_tiles`' tiles) → the
    stall recurrence (the fabric's path: two or three compiled calls)."""
    compute_c, read_c, write_c = fold_classes(
        rows, cols, rf, cf, last_rows, last_cols, Sr, Sc, T, stationary, scalesim,
        roles, per_group, resident, col_fits, pass_len, row_bytes, row_fits, spill, out_total, acc_bits,
        ofmap_both, stream_slices, stationary_slices,
    )  # fmt: skip
    tc, loads, stores, _ = tile_transfers(
        compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth
    )
    return _stall_recurrence(tc, loads, stores, slots)


__all__ = ["expand_folds", "layer_stall_cycles", "stall_cycles_tiles", "tile_transfers"]
