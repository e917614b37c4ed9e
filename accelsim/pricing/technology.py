"""The technology a run is priced at: process node, supply voltage, clock.

One object, :class:`Technology`. Every architecture has a *native* technology (its preset's
``technology_nm``, its ``vdd_v`` where the preset records one, its ``frequency_hz``): the energy
estimators of its fabric give prices there. Re-pricing at another technology (``--tech NODE[,VOLTAGE]``,
:func:`parse_tech`) multiplies every on-chip price by :func:`energy_scale` and leaves the classes of
:data:`~accelsim.pricing.actions.NODE_INDEPENDENT_CLASSES` (DRAM, crossbar cells) alone.

Scaling rule (first order, the rule of :mod:`accelsim.tech`): switched capacitance ∝ feature size and
``E = C·V²``, so ``E(node, V) / E(node₀, V₀) = (node/node₀)·(V/V₀)²``; area ∝ node². When a voltage is not
given, the node's nominal supply is used (:data:`NOMINAL_VDD_V`), so only the ratio of nominal voltages
enters.
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.errors import AccelsimInputError

#: nominal core supply (V) per node used when a voltage is not given: the ITRS/foundry nominal values
#: that Stillmaker & Baas (Integration 58, 2017, Table 2) list for their 180–7 nm scaling model
NOMINAL_VDD_V: dict[float, float] = {
    180.0: 1.8, 130.0: 1.3, 90.0: 1.2, 65.0: 1.1, 45.0: 1.0, 40.0: 1.0, 32.0: 0.9, 28.0: 0.9,
    22.0: 0.8, 20.0: 0.8, 16.0: 0.8, 14.0: 0.8, 10.0: 0.75, 7.0: 0.7,
}  # fmt: skip


def nominal_vdd_v(node_nm: float) -> float:
    """Nominal supply of ``node_nm``: the table's value, else that of the nearest listed node."""
    if node_nm in NOMINAL_VDD_V:
        return NOMINAL_VDD_V[node_nm]
    nearest = min(NOMINAL_VDD_V, key=lambda n: abs(n - node_nm))
    return NOMINAL_VDD_V[nearest]


@dataclass(frozen=True, slots=True)
class Technology:
    """A process node (nm), its supply voltage (V; None = the node's nominal) and a clock (Hz; None = the
    architecture's own)."""

    node_nm: float
    vdd_v: float | None = None
    frequency_hz: float | None = None

    @property
    def voltage_v(self) -> float:
        return nominal_vdd_v(self.node_nm) if self.vdd_v is None else self.vdd_v

    def label(self) -> str:
        """``45 nm, 1.0 V`` — what reports print beside every priced number."""
        v = "nominal" if self.vdd_v is None else f"{self.vdd_v:g} V"
        return f"{self.node_nm:g} nm, {v}"

    @classmethod
    def of(cls, arch) -> Technology:
        """An architecture's native technology (its node, its recorded ``vdd_v`` if any, its clock)."""
        return cls(float(arch.technology_nm), getattr(arch, "vdd_v", None), float(arch.frequency_hz))


def energy_scale(native: Technology, target: Technology) -> float:
    """``E(target)/E(native) = (node/node₀)·(V/V₀)²`` (module docstring)."""
    return (target.node_nm / native.node_nm) * (target.voltage_v / native.voltage_v) ** 2


def area_scale(native: Technology, target: Technology) -> float:
    """``A(target)/A(native) = (node/node₀)²``."""
    return (target.node_nm / native.node_nm) ** 2


def parse_tech(text: str | None, field: str = "--tech") -> Technology | None:
    """``"28"`` or ``"28,0.9"`` (node in nm, optional voltage in V) -> :class:`Technology`; None passes."""
    if text is None:
        return None
    parts = [p.strip() for p in str(text).split(",")]
    try:
        if not 1 <= len(parts) <= 2:
            raise ValueError
        node = float(parts[0].removesuffix("nm"))
        vdd = float(parts[1].removesuffix("V")) if len(parts) == 2 else None
    except ValueError:
        raise AccelsimInputError(
            field, f"expected NODE[,VOLTAGE] such as 45 or 28,0.9, got {text!r}"
        ) from None
    if not 1.0 <= node <= 1000.0:
        raise AccelsimInputError(field, f"node must be 1..1000 nm, got {node:g}")
    if vdd is not None and not 0.1 <= vdd <= 5.0:
        raise AccelsimInputError(field, f"voltage must be 0.1..5 V, got {vdd:g}")
    return Technology(node, vdd)
