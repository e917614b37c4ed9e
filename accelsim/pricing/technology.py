"""The technology a run is priced at: process node, supply voltage, clock — and how energy and area scale
between technologies.

One object, :class:`Technology`. Every architecture has a *native* technology (its preset's
``technology_nm``, the voltage its estimators price at — a calibrated chip's ``vdd_v``, else the reference
supply — and its ``frequency_hz``): its fabric's
estimators price actions there. Re-pricing at another technology (``--tech NODE[,VOLTAGE]``,
:func:`parse_tech`) multiplies every on-chip price by :func:`energy_scale` and every area by
:func:`area_scale`; the classes of :data:`~accelsim.pricing.actions.NODE_INDEPENDENT_CLASSES` (DRAM,
crossbar cells, ADCs) keep their energy.

Scaling model: Stillmaker & Baas 2017, :mod:`accelsim.scaling` — the same model the native estimators use
to scale the 45 nm tables to a preset's node, so re-pricing a physics-only preset at another node gives what
the preset would cost declared at that node.

Voltage: a technology without a voltage takes the native one; a native technology without a recorded
voltage is at :data:`~accelsim.scaling.REFERENCE_VDD_V` (the voltage of the native estimators), so then only
the node changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimInputError
from accelsim.scaling import REFERENCE_VDD_V, area_factor, energy_factor

__all__ = [
    "REFERENCE_VDD_V", "Technology", "area_factor", "area_scale", "energy_factor", "energy_scale", "parse_tech",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Technology:
    """A process node (nm), its supply voltage (V; None = the native voltage) and a clock (Hz; None = the
    architecture's own)."""

    node_nm: float
    vdd_v: float | None = None
    frequency_hz: float | None = None

    def label(self) -> str:
        """``45 nm, 0.9 V`` (or ``45 nm`` when no voltage is set) — what reports print."""
        return f"{self.node_nm:g} nm" + ("" if self.vdd_v is None else f", {self.vdd_v:g} V")

    @classmethod
    def of(cls, arch) -> Technology:
        """An architecture's native technology: its node, the voltage its estimators price at
        (``arch.pricing_vdd_v()``: a calibrated chip's ``vdd_v``, else None = the reference supply) and its
        clock."""
        return cls(float(arch.technology_nm), arch.pricing_vdd_v(), float(arch.frequency_hz))


def _voltages(native: Technology, target: Technology) -> tuple[float, float]:
    v0 = REFERENCE_VDD_V if native.vdd_v is None else native.vdd_v
    return v0, (v0 if target.vdd_v is None else target.vdd_v)


def energy_scale(native: Technology, target: Technology) -> float:
    """``E(target)/E(native) = F(node, V)/F(node₀, V₀)``; exactly 1 for the same node and voltage."""
    v0, v1 = _voltages(native, target)
    if target.node_nm == native.node_nm and v1 == v0:
        return 1.0
    return energy_factor(target.node_nm, v1) / energy_factor(native.node_nm, v0)


def area_scale(native: Technology, target: Technology) -> float:
    """``A(target)/A(native)`` from the area-scaling row; exactly 1 for the same node."""
    if target.node_nm == native.node_nm:
        return 1.0
    return area_factor(target.node_nm) / area_factor(native.node_nm)


def parse_tech(text: str | None, field: str = "--tech") -> Technology | None:
    """``"28"`` or ``"28,0.9"`` (node in nm, optional voltage in V) -> :class:`Technology`; None passes."""
    if text is None:
        return None
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if not 1 <= len(parts) <= 2:
            raise ValueError
        node = float(parts[0].removesuffix("nm").strip())
        vdd = float(parts[1].removesuffix("V").strip()) if len(parts) == 2 else None
    except ValueError:
        raise AccelsimInputError(
            field, f"expected NODE[,VOLTAGE] such as 45 or 28,0.9, got {text!r}"
        ) from None
    if not (math.isfinite(node) and 3.0 <= node <= 250.0):
        raise AccelsimInputError(field, f"node must be 3..250 nm, got {parts[0]}")
    if vdd is not None and not (math.isfinite(vdd) and 0.3 <= vdd <= 2.0):
        raise AccelsimInputError(field, f"voltage must be 0.3..2.0 V, got {parts[1]}")
    return Technology(node, vdd)
