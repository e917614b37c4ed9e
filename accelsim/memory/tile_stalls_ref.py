"""Reference of :mod:`accelsim.memory.tile_stalls`: a layer's folds merged into tiles fold by fold with numpy's
association (:func:`coarse_tiles`), which the closed-form tile transfers must equal."""

from __future__ import annotations

import math

import numba
import numpy as np

from accelsim.memory.systolic_traffic import _fold_class
from accelsim.memory.tile_stalls import _segment_sum


@numba.njit(cache=True)
def coarse_tiles(compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles):
    """The layer's folds merged into tiles exactly as :func:`accelsim.memory.dram.coarsen_tiles` merges the
    expanded per-fold arrays (tiles of ceil(folds/max_tiles) folds, sums associated as np.add.reduceat),
    without expanding them.

    A fold's values depend only on its pass kind k, whether its row fold is the first, a middle or the
    last one, and whether its column fold is the first, a middle or the last one. So a full tile's sums
    depend only on: (a) (k, column class) when all its folds are middle row folds of one column fold;
    (b) (k, first row fold) when all its folds lie in the middle column folds of one pass; (c) its offset
    within the pass when it lies in the middle passes of one group; (d) its position within the group
    (the same for tiles t and t + fpg/gcd(size, fpg)). Equal tiles are summed once; the others fold by
    fold (O(tile size))."""
    fpp = rf * cf
    fpg = n_passes * fpp
    n = fpg * groups
    size = -(-n // max_tiles) if n > max_tiles else 1
    ntiles = -(-n // size)
    tc = np.empty(ntiles, dtype=np.int64)
    tr = np.empty(ntiles, dtype=np.float64)
    tw = np.empty(ntiles, dtype=np.float64)
    run_seen = np.full((3, 4), -1, dtype=np.int64)  # (a): tile holding the sums, per (k, column class)
    midcol_seen = np.full((3, rf if cf > 2 else 0), -1, dtype=np.int64)  # (b)
    midpass_seen = np.full(fpp if n_passes > 2 else 0, -1, dtype=np.int64)  # (c)
    period = fpg // math.gcd(size, fpg)  # (d)
    rbuf = np.empty(size, dtype=np.float64)
    wbuf = np.empty(size, dtype=np.float64)
    for t in range(ntiles):
        s = t * size
        length = min(size, n - s)
        local = s % fpg
        p = local // fpp
        q = local - p * fpp
        k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
        src = -1
        if length == size:
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
            tc[t] = tc[src]
            tr[t] = tr[src]
            tw[t] = tw[src]
            continue
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
        tc[t] = csum
        tr[t] = _segment_sum(rbuf, length)
        tw[t] = _segment_sum(wbuf, length)
    return tc, tr, tw


__all__ = ["coarse_tiles"]
