"""Test helper: one layer through its fabric *and* the cost stage, as one object (the fabric's result
attributes plus the priced energy)."""

from __future__ import annotations

from accelsim.pricing import LayerCost, evaluate


class Priced:
    """A :class:`~accelsim.results.LayerResult` with its :class:`~accelsim.pricing.LayerCost`."""

    def __init__(self, result, cost: LayerCost):
        self.result = result
        self.cost = cost

    def __getattr__(self, name):
        return getattr(self.result, name)

    def __eq__(self, other) -> bool:
        return isinstance(other, Priced) and (self.result, self.cost) == (other.result, other.cost)

    __hash__ = None  # type: ignore[assignment]

    @property
    def energy_breakdown_pj(self) -> dict[str, float]:
        return dict(self.cost.energy_breakdown_pj)

    @property
    def energy_pj(self) -> float:
        return self.cost.energy_pj


def priced(layer, precision, arch, table=None) -> Priced:
    """The layer on ``arch`` priced by ``table`` (default: the architecture's estimators)."""
    return Priced(*evaluate(layer, precision, arch, table))
