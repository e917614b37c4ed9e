"""Resource-aware folding: the highest throughput a pipeline reaches inside a device's budget (issue 15).

Every unit's options are all its legal foldings (an MVAU: PE | MH × SIMD | MW; a VVAU: PE | channels ×
SIMD | k_h·k_w; a sliding-window generator: SIMD | channels, and for FINN's RTL one also its
parallel-window style (SIMD = channels, or any SIMD when depthwise); an AddStreams, Pool or GlobalAccPool: PE | channels; an MVAU or VVAU left at
``res_type: auto`` is offered with its multipliers in LUTs and in DSPs (not binary × binary), and an MVAU also
as FINN's RTL MVU (DSP packing, operands of at most 8 bits) when ``rtl_mvau`` is set; StreamingMaxPool and concat units have none), each
with FINN's cycles and resource estimates (:mod:`accelsim.fpga.finn_estimates`). For a cycles-per-frame
target ``T`` each unit independently takes, among its options with ``cycles ≤ T``, the one of least
weighted resource cost ``Σ_r used_r / (limit_r · budget_r)``; a bisection over the sorted distinct cycle
values finds the smallest ``T`` whose summed resources fit the device (initiation interval = ``T``).

Optimality: the per-unit choice is separable, so when a single resource binds (cost = that resource) the
result is the exact optimum — tests/test_fpga_folding_search.py checks it against brute force over every
combination of foldings on small pipelines. With several binding resources the weighted choice is a
heuristic (a multi-dimensional knapsack); :func:`max_throughput_folding` also tries each resource alone as
the cost, and each resource priced 1/8 to 8 times the others; with the plain weighting, picks that do not
fit are repaired greedily (:func:`_repair`: units move, one at a time, from the over-budget resource to
ones with room, e.g. multipliers from LUTs to idle DSPs); the fastest design that fits is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.fpga.devices import DEFAULT_LIMITS, RESOURCES, Device
from accelsim.fpga.finn_estimates import (
    Mvau,
    PeOverChannels,
    SlidingWindow2D,
    SlidingWindow2DRtl,
    Vvau,
)
from accelsim.fpga.folding import divisors
from accelsim.fpga.streaming import unit_resources


def _res_types(unit: Any) -> tuple[str, ...]:
    """Multiplier resources the search may choose: a unit left to ``auto`` (FINN estimates its multipliers
    in LUTs) may also put them in DSPs (FINN's ``resType: dsp``), except binary × binary (XNOR-popcount)."""
    if unit.res_type != "auto" or unit.w_bits + unit.a_bits <= 2:
        return (unit.res_type,)
    return ("auto", "dsp")


def _rtl_possible(unit: Mvau) -> bool:
    """An MVAU left to the search (HLS, ``res_type: auto``) whose operands FINN's RTL MVU takes (not binary)."""
    limit = 9 if unit.dsp_block == "DSP58" else 8
    return (
        unit.impl == "hls" and unit.res_type == "auto" and unit.w_bits + unit.a_bits > 2
        and max(unit.w_bits, unit.a_bits) <= limit and unit.weight_code == "int"
    )  # fmt: skip


def options(unit: Any, rtl_mvau: bool = False) -> list[Any]:
    """Every legal folding of a unit (itself when it has none); ``rtl_mvau`` also offers FINN's RTL MVU."""
    if isinstance(unit, Mvau):
        out = [
            replace(unit, pe=p, simd=s, res_type=r)
            for r in _res_types(unit)
            for p in divisors(unit.mh)
            for s in divisors(unit.mw)
        ]
        if rtl_mvau and _rtl_possible(unit):  # FINN's RTL MVU: multiplies packed into DSPs
            out += [
                replace(unit, pe=p, simd=s, res_type="dsp", impl="rtl")
                for p in divisors(unit.mh)
                for s in divisors(unit.mw)
            ]
        return out
    if isinstance(unit, Vvau):
        k = unit.kernel[0] * unit.kernel[1]
        return [
            replace(unit, pe=p, simd=s, res_type=r)
            for r in _res_types(unit)
            for p in divisors(unit.channels)
            for s in divisors(k)
        ]
    if isinstance(unit, SlidingWindow2D):
        return [replace(unit, simd=s) for s in divisors(unit.channels)]
    if isinstance(unit, PeOverChannels):
        return [replace(unit, pe=p) for p in divisors(unit.channels)]
    if isinstance(unit, SlidingWindow2DRtl):
        plain = [replace(unit, simd=s, parallel_window=False) for s in divisors(unit.channels)]
        if unit.depthwise:
            return plain + [replace(unit, simd=s, parallel_window=True) for s in divisors(unit.channels)]
        return plain + [replace(unit, simd=unit.channels, parallel_window=True)]
    return [unit]


@dataclass(frozen=True)
class _Table:
    """One unit's options as arrays: cycles [n], resources [n, len(RESOURCES)]; ``order`` is the tie-break
    among options of equal cost: fewest cycles first, or, for a unit none of whose options costs anything
    (FINN estimates no resources for an AddStreams or a pool), most cycles first — the least parallelism that meets
    the target, as SetFolding picks, rather than needlessly wide streams."""

    units: list[Any]
    cycles: np.ndarray
    res: np.ndarray
    order: np.ndarray


def _table(unit: Any, rtl_mvau: bool = False) -> _Table:
    opts = options(unit, rtl_mvau)
    cycles = np.array([int(o.cycles()) for o in opts], np.int64)
    res = np.array([[d[r] for r in RESOURCES] for d in map(unit_resources, opts)], np.float64)
    return _Table(opts, cycles, res, cycles if res.any() else -cycles)


@dataclass(frozen=True)
class FoldingResult:
    units: list[tuple[str, Any]]
    initiation_interval_cycles: int
    resources: dict[str, int]


def _pick(tables: list[_Table], target: int, weight: np.ndarray) -> tuple[list[int], np.ndarray] | None:
    picks, used = [], np.zeros(len(RESOURCES))
    for t in tables:
        ok = np.flatnonzero(t.cycles <= target)
        if not len(ok):
            return None
        cost = t.res[ok] @ weight
        best = ok[np.lexsort((t.order[ok], cost))[0]]  # least cost, then the table's tie-break
        picks.append(int(best))
        used += t.res[best]
    return picks, used


def _repair(
    tables: list[_Table], picks: list[int], used: np.ndarray, target: int, budget: np.ndarray
) -> tuple[list[int], np.ndarray] | None:
    """Greedy knapsack repair of picks that do not fit: while a resource is over budget, switch the one
    unit whose other option (still within ``target`` cycles) frees the most of it per unit of the slack
    resources it takes, never pushing another resource over its budget. Units trading at the same rate
    (e.g. every 4-bit MVAU swapping LUT multipliers for DSPs) then move one at a time until the budget is
    met, which no single weighting does. None when no switch helps."""
    picks, used = list(picks), used.copy()
    for _ in range(4 * len(tables) + 8):
        over = (used - budget) / np.where(budget > 0, budget, 1.0)
        r = int(np.argmax(over))
        if over[r] <= 1e-12:
            return picks, used
        best: tuple[float, int, int] | None = None
        for k, t in enumerate(tables):
            ok = np.flatnonzero(t.cycles <= target)
            delta = t.res[ok] - t.res[picks[k]]
            after = used + delta
            legal = (delta[:, r] < 0) & np.all(
                (after <= np.maximum(budget, used) + 1e-9) | (np.arange(len(budget)) == r), axis=1
            )
            if not legal.any():
                continue
            taken = np.where(
                np.arange(len(budget)) == r, 0.0, np.maximum(delta, 0) / np.where(budget > 0, budget, 1.0)
            )
            score = -delta[:, r] / budget[r] / (taken.sum(axis=1) + 1e-12)
            score = np.where(legal, score, -np.inf)
            j = int(np.argmax(score))
            if best is None or score[j] > best[0]:
                best = (float(score[j]), k, int(ok[j]))
        if best is None:
            return None
        _, k, j = best
        used += tables[k].res[j] - tables[k].res[picks[k]]
        picks[k] = j
    return None


#: relative prices of one resource tried besides the plain weighting (a coarse Lagrangian search): 2^(k/2),
#: 1/8 to 8
_PRICE_RATIOS = tuple(2.0 ** (k / 2) for k in range(-6, 7) if k)


def max_throughput_folding(
    units: list[tuple[str, Any]],
    device: Device,
    limits: tuple[float, ...] = (1, 1, 1, 1, 1),
    rtl_mvau: bool = False,
) -> FoldingResult:
    """The folding of least initiation interval whose resources fit ``limits · budget`` (module docstring);
    an input error when even the fully folded pipeline does not fit."""
    budget = np.array(
        [device.budget()[r] * lim for r, lim in zip(RESOURCES, limits, strict=True)], np.float64
    )
    tables = [_table(u, rtl_mvau) for _, u in units]
    values = np.unique(np.concatenate([t.cycles for t in tables]))
    safe = np.where(budget > 0, budget, np.inf)
    weights = [np.where(budget > 0, 1 / safe, 1e9)]
    weights += [np.where(np.arange(len(RESOURCES)) == i, 1.0, 1e-9) + np.where(budget > 0, 0, 1e9)
                for i in range(len(RESOURCES)) if budget[i] > 0]  # fmt: skip
    have = [i for i in range(len(RESOURCES)) if budget[i] > 0]
    for i in have:  # trade one resource against the others (e.g. multipliers in LUTs or in DSPs)
        for ratio in _PRICE_RATIOS:
            w = weights[0].copy()
            w[i] *= ratio
            weights.append(w)

    def fitting(k: int, w: np.ndarray) -> tuple[list[int], np.ndarray] | None:
        """The cheapest picks under weighting ``w`` for target ``values[k]`` (repaired under the plain
        weighting) when they fit the budget, else None."""
        got = _pick(tables, int(values[k]), w)
        if got is not None and w is weights[0] and not np.all(got[1] <= budget + 1e-9):
            got = _repair(tables, *got, int(values[k]), budget)
        return got if got is not None and np.all(got[1] <= budget + 1e-9) else None

    best: tuple[int, list[int], np.ndarray] | None = None
    for w in weights:
        # only a target below the best so far can improve it: skip a weighting that cannot fit even there
        hi = len(values) - 1 if best is None else int(np.searchsorted(values, best[0])) - 1
        if hi < 0 or (best is not None and fitting(hi, w) is None):
            continue
        lo, found = 0, None
        while lo <= hi:  # smallest target whose cheapest picks fit
            mid = (lo + hi) // 2
            got = fitting(mid, w)
            if got is not None:
                found, hi = (int(values[mid]), *got), mid - 1
            else:
                lo = mid + 1
        if found is not None:
            best = found
    if best is None:
        full = sum(t.res[int(np.argmin(t.res @ weights[0]))] for t in tables)
        over = [(i, r) for i, r in enumerate(RESOURCES) if full[i] > budget[i]]
        i, r = over[0] if over else (0, RESOURCES[0])
        whose = "FINN's recommended limit" if tuple(limits) == DEFAULT_LIMITS else "the limit given"
        share = "" if limits[i] == 1 else f" ({limits[i]:.0%} of its {device.budget()[r]:,}, {whose})"
        raise AccelsimInputError(
            "device", f"even the fully folded design needs {full[i]:,.0f} {r.upper()} but {device.name} offers "
            f"{budget[i]:,.0f}{share}"
        )  # fmt: skip
    target, picks, used = best
    chosen = [(name, t.units[p]) for (name, _), t, p in zip(units, tables, picks, strict=True)]
    ii = max(int(u.cycles()) for _, u in chosen)
    return FoldingResult(chosen, ii, {r: int(used[i]) for i, r in enumerate(RESOURCES)})


def brute_force_folding(units: list[tuple[str, Any]], device: Device, resource: str) -> int:
    """Reference for tests: the least initiation interval over every combination of foldings whose
    ``resource`` fits (exponential; small pipelines only)."""
    import itertools

    i = RESOURCES.index(resource)
    budget = device.budget()[resource]
    tables = [_table(u) for _, u in units]
    best = None
    for combo in itertools.product(*(range(len(t.units)) for t in tables)):
        used = sum(t.res[c][i] for t, c in zip(tables, combo, strict=True))
        if used <= budget:
            ii = max(int(t.cycles[c]) for t, c in zip(tables, combo, strict=True))
            best = ii if best is None else min(best, ii)
    return best if best is not None else -1
