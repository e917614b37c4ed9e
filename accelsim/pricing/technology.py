"""The technology a run is priced at: process node, supply voltage, clock — and how energy and area scale
between technologies.

One object, :class:`Technology`. Every architecture has a *native* technology (its preset's
``technology_nm``, its ``vdd_v`` where the preset records one, its ``frequency_hz``): its fabric's
estimators price actions there. Re-pricing at another technology (``--tech NODE[,VOLTAGE]``,
:func:`parse_tech`) multiplies every on-chip price by :func:`energy_scale` and every area by
:func:`area_scale`; the classes of :data:`~accelsim.pricing.actions.NODE_INDEPENDENT_CLASSES` (DRAM,
crossbar cells, ADCs) keep their energy.

Scaling model: Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS device
performance from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017). Energy per operation at node
``n`` and supply ``V`` is proportional to ``F(n, V) = a·V² + b·V + c`` with the per-node coefficients
below; area relative to 45 nm is the paper's area-scaling row. The coefficients are copied from the
Accelergy project's implementation of the paper (``hwcomponents/scaling/techscaling.py``, the same table
as ``accelergy-library-plug-in/scaling.py``), which uses the paper's LP fits at 45/32 nm and its HP fits
at 20–7 nm; they were not checked against the paper's own tables (not in a stored source). Between listed
nodes ``F`` and the area factor are interpolated linearly in the node; outside 7–130 nm the nearest listed
node is used, times ``(n/n_end)^0.5`` for energy and ``n/n_end`` for area, as that implementation does.

Voltage: a technology without a voltage takes the native one; a native technology without a recorded
voltage is at :data:`REFERENCE_VDD_V` (the implementation's default), so then only the node changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from accelsim.errors import AccelsimInputError

#: supply voltage assumed where neither the preset nor the user gives one (hwcomponents' default)
REFERENCE_VDD_V = 0.8

#: node (nm) -> (a, b, c) of F = a·V² + b·V + c (Stillmaker & Baas 2017, via hwcomponents)
ENERGY_COEFFICIENTS: dict[float, tuple[float, float, float]] = {
    130.0: (7.171, -6.709, 2.904),
    90.0: (4.762, -4.781, 2.092),
    65.0: (3.755, -4.398, 1.975),
    45.0: (1.103, -0.362, 0.2767),
    32.0: (0.9559, -0.7823, 0.471),
    20.0: (0.373, -0.1582, 0.04104),
    16.0: (0.2958, -0.1241, 0.03024),
    14.0: (0.2363, -0.09675, 0.02239),
    10.0: (0.2068, -0.09311, 0.02375),
    7.0: (0.1776, -0.09097, 0.02447),
}

#: node (nm) -> area relative to 45 nm (the 45 nm row of the paper's area-scaling matrix, via hwcomponents)
AREA_VS_45NM: dict[float, float] = {
    130.0: 6.4, 90.0: 2.8, 65.0: 1.5, 45.0: 1.0, 32.0: 0.46, 20.0: 0.21, 16.0: 0.19, 14.0: 0.17,
    10.0: 0.1, 7.0: 0.059,
}  # fmt: skip

_NODES = sorted(ENERGY_COEFFICIENTS)  # ascending


def _interpolate(node_nm: float, value, end_exponent: float) -> float:
    """``value(n)`` at a listed node, linear in the node between listed nodes, and beyond the ends the end
    value times ``(node/end)^end_exponent``."""
    lo, hi = _NODES[0], _NODES[-1]
    if node_nm <= lo:
        return value(lo) * (node_nm / lo) ** end_exponent
    if node_nm >= hi:
        return value(hi) * (node_nm / hi) ** end_exponent
    for a, b in zip(_NODES, _NODES[1:], strict=False):
        if a <= node_nm <= b:
            t = (node_nm - a) / (b - a)
            return value(a) + t * (value(b) - value(a))
    raise AssertionError("unreachable")


def energy_factor(node_nm: float, vdd_v: float) -> float:
    """Stillmaker–Baas ``F(node, V)``: energy per operation up to a constant factor."""

    def f(n: float) -> float:
        a, b, c = ENERGY_COEFFICIENTS[n]
        return a * vdd_v**2 + b * vdd_v + c

    return _interpolate(node_nm, f, 0.5)


def area_factor(node_nm: float) -> float:
    """Area at ``node_nm`` relative to 45 nm."""
    return _interpolate(node_nm, AREA_VS_45NM.__getitem__, 1.0)


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
        """An architecture's native technology (its node, its recorded ``vdd_v`` if any, its clock)."""
        return cls(float(arch.technology_nm), getattr(arch, "vdd_v", None), float(arch.frequency_hz))


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
