"""The pricing stage: ``action counts × energy table -> energy breakdown`` and the additive layer cost.

:class:`LayerCost` is what every consumer sums (``simulate``'s totals, ``CostModel.network_cost``, sweeps,
reports, ``compare``): ``a + b`` and ``sum(costs, LayerCost.zero())`` add cycles, energies per component,
accesses and action counts. Utilization stays derivable after summing because the cost carries
``peak_mac_cycles`` = Σ cycles · peak MACs per cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from accelsim.pricing.actions import ActionCounts
from accelsim.pricing.table import EnergyTable
from accelsim.results import LayerResult


def price(actions: Mapping[tuple, float], table: EnergyTable) -> dict[str, float]:
    """Energy per component (pJ): Σ count · table.energy_pj(component, action, args)."""
    out: dict[str, float] = {}
    cache = getattr(table, "cache", None)  # a ModelTable's memo, keyed by the action key itself
    energy = table.energy_pj
    for key, n in actions.items():
        e = None if cache is None else cache.get(key)
        if e is None:
            e = energy(*key)
        component = key[0]
        out[component] = out.get(component, 0.0) + n * e
    return out


def _add(a: Mapping[str, float], b: Mapping[str, float]) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0.0) + v
    return out


@dataclass(frozen=True, slots=True)
class LayerCost:
    """The additive cost of one layer (whole batch) or of a sum of layers."""

    macs: int = 0
    compute_cycles: int = 0
    stall_cycles: int = 0
    peak_mac_cycles: float = 0.0
    energy_breakdown_pj: Mapping[str, float] = field(default_factory=dict)
    accesses: Mapping[str, float] = field(default_factory=dict)
    actions: ActionCounts = field(default_factory=dict)

    @classmethod
    def zero(cls) -> LayerCost:
        return cls()

    @classmethod
    def of(cls, macs: int, result: LayerResult, table: EnergyTable) -> LayerCost:
        """Price a fabric's result."""
        cycles = result.compute_cycles + result.stall_cycles
        return cls(
            macs=macs,
            compute_cycles=result.compute_cycles,
            stall_cycles=result.stall_cycles,
            peak_mac_cycles=cycles * result.peak_macs_per_cycle,
            energy_breakdown_pj=price(result.actions, table),
            accesses=result.accesses,
            actions=result.actions,
        )

    @property
    def cycles(self) -> int:
        return self.compute_cycles + self.stall_cycles

    @property
    def energy_pj(self) -> float:
        return float(sum(self.energy_breakdown_pj.values()))

    @property
    def utilization(self) -> float:
        """MACs / (cycles · peak MACs per cycle), cycle-weighted over the summed layers."""
        return self.macs / self.peak_mac_cycles if self.peak_mac_cycles else 0.0

    def __add__(self, other: LayerCost) -> LayerCost:
        if not isinstance(other, LayerCost):
            return NotImplemented
        return LayerCost(
            macs=self.macs + other.macs,
            compute_cycles=self.compute_cycles + other.compute_cycles,
            stall_cycles=self.stall_cycles + other.stall_cycles,
            peak_mac_cycles=self.peak_mac_cycles + other.peak_mac_cycles,
            energy_breakdown_pj=_add(self.energy_breakdown_pj, other.energy_breakdown_pj),
            accesses=_add(self.accesses, other.accesses),
            actions=_add(self.actions, other.actions),
        )

    @classmethod
    def total(cls, costs) -> LayerCost:
        """The sum of ``costs`` in one pass (``sum(costs, LayerCost.zero())`` without the intermediate
        dictionaries)."""
        macs = compute = stall = 0
        peak = 0.0
        energy: dict[str, float] = {}
        accesses: dict[str, float] = {}
        actions: dict = {}
        for c in costs:
            macs += c.macs
            compute += c.compute_cycles
            stall += c.stall_cycles
            peak += c.peak_mac_cycles
            for target, source in (
                (energy, c.energy_breakdown_pj),
                (accesses, c.accesses),
                (actions, c.actions),
            ):
                for k, v in source.items():
                    target[k] = target.get(k, 0.0) + v
        return cls(macs, compute, stall, peak, energy, accesses, actions)

    def __radd__(self, other):
        if other == 0:  # sum() starts from 0
            return self
        return NotImplemented
