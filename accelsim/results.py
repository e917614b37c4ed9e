"""The per-layer result contract between the models (pe/, dataflow/, memory/) and the fabric plug-ins.

It lives in its own module so that models below ``fabrics/`` in the flow can build results without
importing the registry (no back edges).
"""

from __future__ import annotations

from dataclasses import dataclass

from accelsim.mappings import LayerMapping


@dataclass(slots=True)
class LayerResult:
    """What a fabric computes for one layer (closed form): timing and what happened, never energy.
    Counts are for the whole batch.

    ``actions`` are the action counts of :mod:`accelsim.pricing.actions` (``(component, action, args) ->
    count``), priced by the cost stage (:mod:`accelsim.pricing`); ``accesses`` keys are
    ``<level>_<reads|writes>`` in elements or ``<level>_<...>_bytes`` in bytes (reported as they are).
    ``mapping_efficiency`` is the average fraction of the PE array holding useful work while computing;
    ``mapping`` the typed record of how the layer was mapped (:mod:`accelsim.mappings`).
    """

    compute_cycles: int
    stall_cycles: int
    actions: dict[tuple, float]
    accesses: dict[str, float]
    peak_macs_per_cycle: float
    mapping_efficiency: float
    mapping: LayerMapping

    @property
    def cycles(self) -> int:
        return self.compute_cycles + self.stall_cycles
