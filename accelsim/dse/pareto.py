"""Pareto fronts over minimised objectives, printed (rich) and plotted (matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def pareto_mask(values: np.ndarray) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` [n_points, n_objectives] (all minimised).

    Row i is dominated when some row j is ≤ in every objective and < in at least one. NaN rows are never
    on the front. O(n²/chunk) vectorised comparisons.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    valid = ~np.isnan(values).any(axis=1)
    mask = valid.copy()
    v = values[valid]
    idx = np.flatnonzero(valid)
    for start in range(0, len(v), 512):
        block = v[start : start + 512]
        le = (v[None, :, :] <= block[:, None, :]).all(axis=2)
        lt = (v[None, :, :] < block[:, None, :]).any(axis=2)
        dominated = (le & lt).any(axis=1)
        mask[idx[start : start + 512][dominated]] = False
    del n
    return mask


def pareto_rows(
    rows: list[dict[str, Any]], objectives: Sequence[str], feasible_only: bool = True
) -> list[dict]:
    """The rows on the front, sorted by the first objective."""
    candidates = [r for r in rows if r.get("feasible", True) or not feasible_only]
    if not candidates:
        return []
    values = np.array([[float(r.get(o, np.nan)) for o in objectives] for r in candidates])
    mask = pareto_mask(values)
    front = [r for r, m in zip(candidates, mask, strict=True) if m]
    return sorted(front, key=lambda r: r[objectives[0]])


def plot_front(
    rows: list[dict[str, Any]], objectives: Sequence[str], path: str | Path, title: str = ""
) -> None:
    """Scatter of every point on the first two objectives, the front highlighted; PNG or SVG by suffix."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x_name, y_name = objectives[0], objectives[1] if len(objectives) > 1 else objectives[0]
    front = pareto_rows(rows, [x_name, y_name])
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=120)
    feas = [r for r in rows if r.get("feasible", True)]
    infeas = [r for r in rows if not r.get("feasible", True)]
    ax.scatter([r[x_name] for r in feas], [r[y_name] for r in feas], s=10, alpha=0.5, label="feasible")
    if infeas:
        ax.scatter([r[x_name] for r in infeas], [r[y_name] for r in infeas], s=10, alpha=0.3, marker="x",
                   color="grey", label="infeasible")  # fmt: skip
    ax.plot([r[x_name] for r in front], [r[y_name] for r in front], "o-", color="C3", label="Pareto front")
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name)
    ax.set_xscale(_scale([r[x_name] for r in rows]))
    ax.set_yscale(_scale([r[y_name] for r in rows]))
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _scale(values: list[float]) -> str:
    """'log' when every value is positive and they span more than 20×, else 'linear' (zeros stay visible)."""
    finite = [v for v in values if v == v]
    if finite and min(finite) > 0 and max(finite) / min(finite) > 20:
        return "log"
    return "linear"
