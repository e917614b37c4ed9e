"""Resource-aware folding: the highest throughput a pipeline reaches inside a device's budget (issue 15).

Every unit's options are all its legal foldings (an MVAU: PE | MH × SIMD | MW; a VVAU: PE | channels ×
SIMD | k_h·k_w; a sliding-window generator: SIMD | channels; max-pool and stream units have none), each
with FINN's cycles and resource estimates (:mod:`accelsim.fpga.finn_estimates`). For a cycles-per-frame
target ``T`` each unit independently takes, among its options with ``cycles ≤ T``, the one of least
weighted resource cost ``Σ_r used_r / (limit_r · budget_r)``; a bisection over the sorted distinct cycle
values finds the smallest ``T`` whose summed resources fit the device (initiation interval = ``T``).

Optimality: the per-unit choice is separable, so when a single resource binds (cost = that resource) the
result is the exact optimum — tests/test_fpga_folding_search.py checks it against brute force over every
combination of foldings on small pipelines. With several binding resources the weighted choice is a
heuristic (a multi-dimensional knapsack); :func:`max_throughput_folding` also tries each resource alone as
the cost and keeps the fastest design that fits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.fpga.devices import RESOURCES, Device
from accelsim.fpga.finn_estimates import Mvau, SlidingWindow2D, Vvau
from accelsim.fpga.folding import divisors
from accelsim.fpga.streaming import unit_resources


def options(unit: Any) -> list[Any]:
    """Every legal folding of a unit (itself when it has none)."""
    if isinstance(unit, Mvau):
        return [replace(unit, pe=p, simd=s) for p in divisors(unit.mh) for s in divisors(unit.mw)]
    if isinstance(unit, Vvau):
        k = unit.kernel[0] * unit.kernel[1]
        return [replace(unit, pe=p, simd=s) for p in divisors(unit.channels) for s in divisors(k)]
    if isinstance(unit, SlidingWindow2D):
        return [replace(unit, simd=s) for s in divisors(unit.channels)]
    return [unit]


@dataclass(frozen=True)
class _Table:
    """One unit's options as arrays: cycles [n], resources [n, len(RESOURCES)]."""

    units: list[Any]
    cycles: np.ndarray
    res: np.ndarray


def _table(unit: Any) -> _Table:
    opts = options(unit)
    cycles = np.array([int(o.cycles()) for o in opts], np.int64)
    res = np.array([[unit_resources(o)[r] for r in RESOURCES] for o in opts], np.float64)
    return _Table(opts, cycles, res)


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
        best = ok[np.lexsort((t.cycles[ok], cost))[0]]  # least cost, then fewest cycles
        picks.append(int(best))
        used += t.res[best]
    return picks, used


def max_throughput_folding(
    units: list[tuple[str, Any]], device: Device, limits: tuple[float, ...] = (1, 1, 1, 1, 1)
) -> FoldingResult:
    """The folding of least initiation interval whose resources fit ``limits · budget`` (module docstring);
    an input error when even the fully folded pipeline does not fit."""
    budget = np.array(
        [device.budget()[r] * lim for r, lim in zip(RESOURCES, limits, strict=True)], np.float64
    )
    tables = [_table(u) for _, u in units]
    values = np.unique(np.concatenate([t.cycles for t in tables]))
    safe = np.where(budget > 0, budget, np.inf)
    weights = [np.where(budget > 0, 1 / safe, 1e9)]
    weights += [np.where(np.arange(len(RESOURCES)) == i, 1.0, 1e-9) + np.where(budget > 0, 0, 1e9)
                for i in range(len(RESOURCES)) if budget[i] > 0]  # fmt: skip
    best: tuple[int, list[int], np.ndarray] | None = None
    for w in weights:
        lo, hi, found = 0, len(values) - 1, None
        while lo <= hi:  # smallest target whose cheapest picks fit
            mid = (lo + hi) // 2
            got = _pick(tables, int(values[mid]), w)
            if got is not None and np.all(got[1] <= budget + 1e-9):
                found, hi = (int(values[mid]), *got), mid - 1
            else:
                lo = mid + 1
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None:
        full = sum(t.res[int(np.argmin(t.res @ weights[0]))] for t in tables)
        over = [(r, full[i], budget[i]) for i, r in enumerate(RESOURCES) if full[i] > budget[i]]
        r, need, have = over[0] if over else (RESOURCES[0], full[0], budget[0])
        raise AccelsimInputError(
            "device", f"even the fully folded design needs {need:,.0f} {r.upper()} but {device.name} offers "
            f"{have:,.0f}"
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
