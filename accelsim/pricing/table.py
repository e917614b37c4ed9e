"""Energy and area tables: what one action of one component costs, and what a component occupies.

* :class:`ModelTable` — the default: asks the architecture's own estimators
  (``arch.action_energy_pj(component, action, args)`` and ``arch.component_areas_mm2()``, defined by each
  fabric plug-in from :mod:`accelsim.tech` and the preset's fields) at its native technology, and rescales
  to a target :class:`~accelsim.pricing.technology.Technology` when one is given. Prices are memoized.
* :class:`FixedTable` — explicit tables, e.g. a user's Accelergy ERT/ART
  (:mod:`accelsim.pricing.accelergy`): a missing entry is a one-line input error naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from accelsim.errors import AccelsimInputError
from accelsim.pricing.actions import NODE_INDEPENDENT_CLASSES, ActionKey, component_class
from accelsim.pricing.technology import Technology, area_scale, energy_scale


class EnergyTable(Protocol):
    """Prices actions (pJ) and components (mm²) and says at which technology."""

    technology: Technology

    def energy_pj(self, component: str, action: str, args: tuple) -> float: ...

    def areas_mm2(self) -> dict[str, float]: ...

    def describe(self) -> str: ...


class ModelTable:
    """The architecture's estimators, at its native technology or rescaled to ``technology``."""

    __slots__ = ("arch", "native", "technology", "cache", "_scale", "_areas")

    def __init__(self, arch, technology: Technology | None = None):
        self.arch = arch
        self.native = Technology.of(arch)
        self.technology = self.native if technology is None else technology
        self.cache: dict[ActionKey, float] = {}  # (component, action, args) -> pJ, filled on demand
        s = energy_scale(self.native, self.technology)
        self._scale = {"on_chip": s}
        self._areas: dict[str, float] | None = None

    def energy_pj(self, component: str, action: str, args: tuple) -> float:
        key = (component, action, args)
        e = self.cache.get(key)
        if e is None:
            e = float(self.arch.action_energy_pj(component, action, args))
            if component_class(component) not in NODE_INDEPENDENT_CLASSES:
                e *= self._scale["on_chip"]
            self.cache[key] = e
        return e

    def describe(self) -> str:
        """``40 nm (native)`` or ``45 nm (re-priced from 40 nm)``: what reports print."""
        if self.technology == self.native:
            return f"{self.native.label()} (native)"
        return f"{self.technology.label()} (re-priced from {self.native.label()})"

    def areas_mm2(self) -> dict[str, float]:
        """Area per component (mm², all instances), rescaled to the target technology."""
        if self._areas is None:
            s = area_scale(self.native, self.technology)
            self._areas = {k: v * s for k, v in self.arch.component_areas_mm2().items()}
        return dict(self._areas)


class FixedTable:
    """Explicit energy (pJ per action) and area (mm² per component) tables, e.g. from an Accelergy ERT/ART.

    ``energies`` maps ``(component, action, args)`` to pJ; an entry with ``args == None`` prices the
    action whatever its arguments (Accelergy tables often list one energy per action)."""

    def __init__(
        self,
        energies: Mapping[tuple[str, str, tuple | None], float],
        areas_mm2: Mapping[str, float] | None = None,
        technology: Technology | None = None,
        source: str = "user table",
    ):
        self._energies = dict(energies)
        self._areas = dict(areas_mm2 or {})
        self.technology = technology or Technology(float("nan"))
        self.source = source

    def energy_pj(self, component: str, action: str, args: tuple) -> float:
        e = self._energies.get((component, action, args))
        if e is None:
            e = self._energies.get((component, action, None))
        if e is None:
            raise AccelsimInputError(
                "ERT", f"{self.source} has no energy for {component}.{action}{list(args) if args else ''}"
            )
        return e

    def areas_mm2(self) -> dict[str, float]:
        return dict(self._areas)

    def describe(self) -> str:
        return self.source
