"""Sensitivity of a preset's predictions to what it assumes: every assumed parameter of its record
(``assumptions``) at ×0.5 and ×1.5 (integers rounded, at least 1; fractions kept in [0, 1]), every
predicted figure recomputed, the relative change reported (``accelsim validate PRESET --sensitivity``,
a tornado plot with ``--plot``)."""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.fabrics import load_arch
from accelsim.validation.metrics import compute
from accelsim.validation.records import load_record

FACTORS = (0.5, 1.5)


@dataclass(frozen=True)
class SensitivityRow:
    preset: str
    figure: str
    parameter: str
    base_value: float
    low_value: float
    high_value: float
    figure_base: float
    low_change: float
    high_change: float

    @property
    def span(self) -> float:
        return abs(self.high_change - self.low_change)


def _get(arch, dotted: str):
    node = arch
    for key in dotted.split("."):
        node = getattr(node, key)
    return node


def _scaled(value, factor: float, dotted: str):
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{dotted} is not numeric")
    if isinstance(value, int):
        return max(1, round(value * factor))
    out = value * factor
    return min(out, 1.0) if 0 <= value <= 1 and "sparsity" in dotted else out


def sensitivity(preset: str) -> list[SensitivityRow]:
    record = load_record(preset)
    arch = load_arch(preset)
    rows = []
    for fig in (f for f in record.figures if f.klass == "predicted"):
        base = compute(fig.metric, arch)
        for a in record.assumptions:
            value = fig.metric.overrides.get(a.field, _get(arch, a.field))
            low, high = (_scaled(value, f, a.field) for f in FACTORS)
            lo = compute(fig.metric, arch, {a.field: low})
            hi = compute(fig.metric, arch, {a.field: high})
            rows.append(
                SensitivityRow(preset, fig.id, a.field, value, low, high, base, lo / base - 1, hi / base - 1)
            )
    return rows


def tornado(rows: list[SensitivityRow], path: str) -> None:
    """One horizontal bar chart per figure: the change at ×0.5 and ×1.5 of every parameter, widest on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figures = list(dict.fromkeys((r.preset, r.figure) for r in rows))
    fig, axes = plt.subplots(len(figures), 1, figsize=(8, 1.2 + 0.45 * len(rows) / max(len(figures), 1) * len(figures)),
                             squeeze=False)  # fmt: skip
    for ax, name in zip(axes[:, 0], figures, strict=True):
        sub = sorted((r for r in rows if (r.preset, r.figure) == name), key=lambda r: r.span)
        y = list(range(len(sub)))
        ax.barh(
            [i - 0.2 for i in y],
            [r.low_change * 100 for r in sub],
            height=0.4,
            color="tab:blue",
            label="×0.5",
        )
        ax.barh(
            [i + 0.2 for i in y],
            [r.high_change * 100 for r in sub],
            height=0.4,
            color="tab:orange",
            label="×1.5",
        )
        ax.set_yticks(y, [r.parameter for r in sub], fontsize=8)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_title(f"{name[0]}: {name[1]}", fontsize=9)
        ax.set_xlabel("change of the figure (%)", fontsize=8)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
