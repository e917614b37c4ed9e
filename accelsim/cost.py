"""``CostModel``: the fast cost backend mixed-precision search tools import.

>>> cm = CostModel("ideal")
>>> c = cm.layer_cost(layer, w_bits=4, a_bits=2)
>>> c.latency_s, c.energy_pj

Per-layer costs are the fabric's closed-form results (:func:`accelsim.fabrics.get_fabric`) priced by the
cost stage (:mod:`accelsim.pricing`), and are additive: ``network_cost`` sums their
:class:`~accelsim.pricing.LayerCost` (the same sum ``simulate`` takes). What is not additive is reported apart in
``NetworkCost.non_additive``: the number of precision switches between consecutive MAC layers, and the
cycles the architecture charges for each switch when it models reconfiguration (a ``reconfig_cycles``
field; 0 when the fabric has none).

Repeated queries are answered from a cache keyed by the layer's shape and the bits, so a search loop
asking the same (layer, w, a) again costs a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import get_fabric, load_arch
from accelsim.pricing import EnergyTable, LayerCost, ModelTable, Technology, parse_tech
from accelsim.workload import Layer, Network, Precision

METRICS: tuple[str, ...] = (
    "latency_cycles",
    "latency_s",
    "energy_pj",
    "area_mm2",
    "utilization",
    "bops",
    "weight_bytes",
    "activation_bytes",
)


@dataclass(frozen=True, slots=True)
class Cost:
    """Cost of one layer (whole batch) at one (w_bits, a_bits).

    ``bops`` = MACs·w_bits·a_bits (bit operations, as in HAQ/HAWQ); ``weight_bytes`` = weights·w_bits/8;
    ``activation_bytes`` = input activations·a_bits/8; ``area_mm2`` is the architecture's, when modeled.
    """

    latency_cycles: int
    latency_s: float
    energy_pj: float
    energy_breakdown_pj: Mapping[str, float]
    area_mm2: float
    utilization: float
    peak_macs_per_cycle: float
    bops: int
    weight_bytes: float
    activation_bytes: float
    cost: LayerCost = field(repr=False, compare=False, default_factory=LayerCost)

    def metric(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(slots=True)
class NetworkCost:
    """Sum of per-layer costs for one per-layer bit policy, with the per-layer costs and what is not additive."""

    latency_cycles: int
    latency_s: float
    energy_pj: float
    energy_breakdown_pj: dict[str, float]
    bops: int
    weight_bytes: float
    activation_bytes: float
    layers: list[Cost]
    non_additive: dict[str, float] = field(default_factory=dict)
    total: LayerCost = field(repr=False, default_factory=LayerCost)


def _layer_key(layer: Layer) -> tuple:
    return (
        layer.op, layer.batch, layer.in_channels, layer.out_channels, layer.in_h, layer.in_w, layer.kernel_h,
        layer.kernel_w, layer.stride, layer.padding, layer.dilation, layer.groups, layer.pool_type,
        layer.weights_are_activations, layer.rhs_transposed, layer.kv_cache, layer.writes_kv_cache,
        None if layer.inputs is None else layer.inputs == ["input"],
    )  # fmt: skip


class CostModel:
    """Per-layer cost queries against one architecture (a preset name, YAML path or model)."""

    def __init__(
        self,
        arch: ArchitectureBase | str | Path,
        base_precision: Precision | None = None,
        technology: Technology | str | None = None,
        table: EnergyTable | None = None,
        **overrides,
    ):
        """``technology`` re-prices at another node/voltage (``"28,0.9"``); ``table`` prices with an explicit
        energy/area table (e.g. an Accelergy ERT/ART) instead of the architecture's estimators."""
        self.arch = arch if isinstance(arch, ArchitectureBase) else load_arch(arch, **overrides)
        if overrides and isinstance(arch, ArchitectureBase):
            raise AccelsimInputError("overrides", "pass overrides with a preset name, not with a model")
        self._evaluate = get_fabric(self.arch.fabric).evaluate_layer
        tech = parse_tech(technology) if isinstance(technology, str) else technology
        self.energy_table = table if table is not None else ModelTable(self.arch, tech)
        self._base = base_precision or Precision()
        self._cache: dict[tuple, Cost] = {}
        self._keys: dict[int, tuple[Layer, tuple]] = {}
        self._area: dict[tuple[int, int], float] = {}
        self._precisions: dict[tuple[int, int], Precision] = {}

    @property
    def priced_at(self) -> str:
        """Where the costs are priced: ``28 nm (native)``, ``45 nm (re-priced from 28 nm)`` or a table."""
        return self.energy_table.describe()

    # ---- single layer --------------------------------------------------------------------------
    def layer_cost(self, layer: Layer, w_bits: int, a_bits: int, kv_bits: int | None = None) -> Cost:
        """Cost of ``layer`` at ``w_bits``/``a_bits`` (other precision fields from ``base_precision``).
        ``kv_bits`` (transformers; default ``a_bits``) is the width of a KV cache: the stored operand of a
        ``kv_cache`` matmul and the output of a ``writes_kv_cache`` projection."""
        entry = self._keys.get(id(layer))
        if entry is None or entry[0] is not layer:
            entry = (layer, _layer_key(layer))
            self._keys[id(layer)] = entry
        key = (entry[1], w_bits, a_bits, kv_bits)
        cost = self._cache.get(key)
        if cost is None:
            cost = self._compute(layer, w_bits, a_bits, kv_bits)
            self._cache[key] = cost
        return cost

    def _precision(self, w_bits: int, a_bits: int) -> Precision:
        p = self._precisions.get((w_bits, a_bits))
        if p is None:
            if not (1 <= w_bits <= 32 and 1 <= a_bits <= 32):
                raise AccelsimInputError("bits", f"w_bits and a_bits must be 1..32, got {w_bits}/{a_bits}")
            p = self._base.model_copy(update={"w_bits": w_bits, "a_bits": a_bits})
            self._precisions[(w_bits, a_bits)] = p
        return p

    def area_mm2(self, w_bits: int, a_bits: int) -> float:
        """The architecture's area (sum of the table's component areas); NaN when the table has none.
        The same at every bit width: the hardware does not change with the bits it runs."""
        area = self._area.get((w_bits, a_bits))
        if area is None:
            areas = self.energy_table.areas_mm2()
            area = float(sum(areas.values())) if areas else float("nan")
            self._area[(w_bits, a_bits)] = area
        return area

    def _compute(self, layer: Layer, w_bits: int, a_bits: int, kv_bits: int | None = None) -> Cost:
        kv = a_bits if kv_bits is None else kv_bits
        precision = self._precision(kv if layer.kv_cache else w_bits, a_bits)
        if layer.writes_kv_cache:
            precision = precision.model_copy(update={"out_bits": kv})
        w_bits = kv if layer.kv_cache else w_bits
        r = self._evaluate(layer, precision, self.arch)
        lc = LayerCost.of(layer.macs, r, self.energy_table)
        cycles = r.cycles
        return Cost(
            latency_cycles=cycles,
            latency_s=cycles / self.arch.frequency_hz,
            energy_pj=lc.energy_pj,
            energy_breakdown_pj=lc.energy_breakdown_pj,
            area_mm2=self.area_mm2(w_bits, a_bits),
            utilization=lc.utilization,
            peak_macs_per_cycle=r.peak_macs_per_cycle,
            bops=layer.macs * w_bits * a_bits,
            weight_bytes=layer.weight_elems * w_bits / 8,
            activation_bytes=layer.input_elems * a_bits / 8,
            cost=lc,
        )

    # ---- whole network -------------------------------------------------------------------------
    def network_cost(
        self,
        network: Network,
        policy: Sequence[tuple[int, int]] | Mapping[str, tuple[int, int]] | None = None,
        mac_layers_only: bool = True,
    ) -> NetworkCost:
        """Sum of layer costs under ``policy``: one (w, a) per layer (in order, MAC layers only by default)
        or a mapping layer name -> (w, a); a triple (w, a, kv) sets the KV-cache width too; None = the
        network's own precisions (with its kv_bits)."""
        layers = network.mac_layers() if mac_layers_only else list(network.layers)
        bits = self._resolve_policy(network, layers, policy)
        costs = [self.layer_cost(layer, *b) for layer, b in zip(layers, bits, strict=True)]
        total = LayerCost.total(c.cost for c in costs)
        switches = sum(1 for prev, cur in zip(bits, bits[1:], strict=False) if prev != cur)
        reconfig = float(getattr(self.arch, "reconfig_cycles", 0) or 0)
        return NetworkCost(
            latency_cycles=total.cycles,
            latency_s=total.cycles / self.arch.frequency_hz,
            energy_pj=total.energy_pj,
            energy_breakdown_pj=dict(total.energy_breakdown_pj),
            bops=sum(c.bops for c in costs),
            weight_bytes=sum(c.weight_bytes for c in costs),
            activation_bytes=sum(c.activation_bytes for c in costs),
            layers=costs,
            non_additive={"precision_switches": switches, "reconfig_cycles": switches * reconfig},
            total=total,
        )

    def _resolve_policy(self, network, layers, policy) -> list[tuple[int, int]]:
        if policy is None:
            out = []
            for x in layers:
                p = x.precision if x.precision is not None else network.precision
                out.append((p.w_bits, p.a_bits, p.kv_bits))
            return out
        if isinstance(policy, Mapping):
            missing = [x.name for x in layers if x.name not in policy]
            if missing:
                raise AccelsimInputError("policy", f"no bits for layers {missing[:5]}")
            return [tuple(policy[x.name]) for x in layers]  # type: ignore[misc]
        policy = list(policy)
        if len(policy) != len(layers):
            raise AccelsimInputError("policy", f"expected {len(layers)} (w, a) pairs, got {len(policy)}")
        return [tuple(p) for p in policy]  # type: ignore[misc]

    def table(
        self,
        network: Network,
        w_bits: Sequence[int] = tuple(range(1, 9)),
        a_bits: Sequence[int] = tuple(range(1, 9)),
        metrics: Sequence[str] = ("latency_s", "energy_pj"),
        mac_layers_only: bool = True,
        unsupported: str = "nan",
    ) -> np.ndarray:
        """Dense array ``[layer, w_index, a_index, metric]`` over the MAC layers (HAQ-style lookup table).

        ``unsupported``: what a (w, a) pair the fabric cannot run gives — ``"nan"`` (default, as in
        :func:`accelsim.io.haq.haq_table`) or ``"raise"`` (the fabric's one-line error)."""
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise AccelsimInputError("metrics", f"unknown {unknown}; allowed: {', '.join(METRICS)}")
        if unsupported not in ("nan", "raise"):
            raise AccelsimInputError("unsupported", f"unknown {unsupported!r}; allowed: nan, raise")
        layers = network.mac_layers() if mac_layers_only else list(network.layers)
        out = np.empty((len(layers), len(w_bits), len(a_bits), len(metrics)), dtype=np.float64)
        for i, layer in enumerate(layers):
            for j, w in enumerate(w_bits):
                for k, a in enumerate(a_bits):
                    try:
                        c = self.layer_cost(layer, w, a)
                    except AccelsimInputError:
                        if unsupported == "raise":
                            raise
                        out[i, j, k, :] = np.nan
                        continue
                    out[i, j, k, :] = [c.metric(m) for m in metrics]
        return out

    def cache_info(self) -> dict[str, Any]:
        return {"entries": len(self._cache)}
