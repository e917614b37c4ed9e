"""Run validation records: every figure of every preset, with the physics-only prediction beside the
calibrated value, and a status per figure.

Status: ``pass`` (a prediction within its tolerance), ``known miss`` (outside, and the record says so with
the measured value), ``MISS`` (outside and not known: a regression), ``improved`` (a known miss now within
tolerance: update the record), ``fit`` / ``by construction`` (a calibrated / definitional figure
reproduced: the wiring works), ``BROKEN`` (a calibrated or definitional figure no longer reproduced).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from accelsim.fabrics import load_arch
from accelsim.validation.metrics import compute
from accelsim.validation.records import Figure, available_records, load_record

FAILING = ("MISS", "BROKEN")


@dataclass(frozen=True)
class Row:
    preset: str
    label: str
    id: str
    what: str
    source: str
    stored_source: bool
    klass: str
    set: str
    published: float
    accelsim: float
    error: float
    tolerance: float
    status: str
    physics_only: float | None
    known_miss: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def status_of(figure: Figure, error: float) -> str:
    inside = abs(error) <= figure.tolerance
    if figure.klass == "predicted":
        if figure.known_miss:
            return "improved" if inside else "known miss"
        return "pass" if inside else "MISS"
    if not inside:
        return "BROKEN"
    return "fit" if figure.klass == "calibrated" else "by construction"


def validate_preset(preset: str) -> list[Row]:
    record = load_record(preset)
    arch = load_arch(preset)
    physics_arch = load_arch(preset, calibrated=False) if arch.calibration is not None else None
    rows = []
    for fig in record.figures:
        value = compute(fig.metric, arch)
        error = value / fig.published - 1 if fig.published else math.inf
        physics = None
        if physics_arch is not None:
            try:
                physics = compute(fig.metric, physics_arch)
            except Exception:  # noqa: BLE001 - a physics-only model that cannot run the figure has no value
                physics = None
        rows.append(
            Row(
                preset=preset,
                label=record.label,
                id=fig.id,
                what=fig.what,
                source=fig.source,
                stored_source=fig.stored_source,
                klass=fig.klass,
                set=fig.set,
                published=fig.published,
                accelsim=value,
                error=error,
                tolerance=fig.tolerance,
                status=status_of(fig, error),
                physics_only=physics,
                known_miss=fig.known_miss,
            )  # fmt: skip
        )
    return rows


def validate(presets: list[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for preset in presets or available_records():
        rows.extend(validate_preset(preset))
    return rows


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:.4g}"


def markdown(rows: list[Row], presets: list[str] | None = None) -> str:
    """The table of docs/validation.md: one line per figure, plus the presets without figures."""
    lines = [
        "| preset | figure | published | accelsim | error | class | tolerance | status | physics only |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        src = "" if r.stored_source else " (source not stored)"
        lines.append(
            f"| {r.preset} | {r.what} — {r.source}{src} | {_num(r.published)} | {_num(r.accelsim)} | "
            f"{r.error:+.1%} | {r.klass} | ±{r.tolerance * 100:g}% | {r.status} | {_num(r.physics_only)} |"
        )
    lines.append("")
    by_preset: dict[str, str] = {}
    for preset in presets or available_records():
        by_preset[preset] = load_record(preset).label
    for label in ("validated", "calibrated only", "no published figure"):
        names = [p for p, lab in by_preset.items() if lab == label]
        lines.append(f"**{label}** ({len(names)}): {', '.join(names) or '—'}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
