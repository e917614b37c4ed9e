"""The cost stage of the flow (DESIGN.md: workload → mapping → timing/traffic → **cost** → report).

Fabrics report cycles and :mod:`action counts <accelsim.pricing.actions>`; this package prices them:
:func:`evaluate` runs one layer through its fabric and prices it with an energy table
(:class:`ModelTable`: the architecture's estimators at its native or a target :class:`Technology`;
:class:`FixedTable`: e.g. a user's Accelergy ERT). :class:`LayerCost` is the one additive result.
"""

from __future__ import annotations

from accelsim.pricing.actions import ACTIONS, ActionCounts, Component, by_class, component_class
from accelsim.pricing.price import LayerCost, price
from accelsim.pricing.table import EnergyTable, FixedTable, ModelTable
from accelsim.pricing.technology import Technology, parse_tech


def evaluate(layer, precision, arch, table: EnergyTable | None = None):
    """``(LayerResult, LayerCost)`` of one layer: the fabric's timing and action counts, priced by
    ``table`` (default: the architecture's own estimators at its native technology)."""
    from accelsim.fabrics.registry import get_fabric

    result = get_fabric(arch.fabric).evaluate_layer(layer, precision, arch)
    return result, LayerCost.of(layer.macs, result, table or ModelTable(arch))


__all__ = [
    "ACTIONS", "ActionCounts", "Component", "EnergyTable", "FixedTable", "LayerCost", "ModelTable",
    "Technology", "by_class", "component_class", "evaluate", "parse_tech", "price",
]  # fmt: skip
