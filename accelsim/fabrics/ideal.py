"""``ideal``: a roofline accelerator, the honest baseline until (and beside) the real fabrics.

Model (per layer, whole batch):

* compute: ``macs_per_cycle`` MAC units at 100 % mapping efficiency, ``compute_cycles = ceil(MACs /
  macs_per_cycle)``; pooling/add/concat go through a ``vector_lanes``-wide vector unit,
  ``ceil(elements_touched / vector_lanes)`` cycles;
* traffic: every weight, input and output element crosses DRAM exactly once (perfect on-chip reuse) at
  its bit width (weights ``w_bits``, inputs ``a_bits``, outputs ``out_bits``);
* stalls (roofline): ``max(0, ceil(dram_bytes / bandwidth) − compute_cycles)``; zero with unlimited
  bandwidth;
* energy (Horowitz 45 nm, :mod:`accelsim.tech`, scaled to ``technology_nm``): one MAC (w×a multiply +
  acc_bits add) per MAC; each MAC reads its two operands from the on-chip buffer of ``sram_bytes``
  and each output is written to it once (no register-level reuse: an upper bound for on-chip energy);
  DRAM at ``dram.energy_pj_per_bit``.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field

from accelsim import tech
from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.mappings import RooflineMapping
from accelsim.workload import Layer, Precision


class IdealArch(ArchitectureBase):
    """Roofline machine: N MACs per cycle, one on-chip buffer, finite DRAM bandwidth."""

    fabric: Literal["ideal"] = "ideal"
    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ("macs_per_cycle",)
    macs_per_cycle: int = Field(gt=0, description="MAC units, each one MAC per cycle at any bit width")
    vector_lanes: int = Field(64, gt=0, description="elements per cycle of the vector unit (pool, add)")
    sram_bytes: int = Field(gt=0, description="on-chip buffer capacity in bytes (sets its access energy)")

    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """mac.mac: w×a multiply + acc add; mac.add: one add; sram.buffer read/write of ``bits``."""
        node = self.technology_nm
        if component == "mac":
            if action == "mac":
                return tech.int_mac_energy_pj(*args, node_nm=node)
            if action == "add":
                return tech.int_add_energy_pj(args[0], node)
        if component == "sram.buffer":
            return tech.sram_access_energy_pj(args[0], self.sram_bytes, node)
        return super().action_energy_pj(component, action, args)

    #: the area model's MAC: an 8×8-bit multiplier and a 32-bit accumulator (the roofline machine runs any
    #: width in one cycle; its area is quoted for 8-bit hardware)
    AREA_OPERAND_BITS: ClassVar[int] = 8

    def component_areas_mm2(self) -> dict[str, float]:
        """``macs_per_cycle`` 8×8-bit multipliers with 32-bit adders and accumulator registers; the buffer
        at ``sram_bytes`` (:func:`accelsim.tech.sram_area_mm2`); the vector unit has no area model."""
        node = self.technology_nm
        b = self.AREA_OPERAND_BITS
        mac = tech.int_mult_area_um2(b, b, node) + tech.int_add_area_um2(32, node)
        return {
            "mac": self.macs_per_cycle * mac * 1e-6,
            "register": self.macs_per_cycle * tech.register_area_um2(32, node) * 1e-6,
            "sram.buffer": tech.sram_area_mm2(self.sram_bytes, node),
        }

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """macs_per_cycle·f·2 ops; power = MAC energy + two operand reads from the buffer per MAC."""
        node = self.technology_nm
        pj_per_mac = (
            tech.int_mac_energy_pj(w_bits, a_bits, 32, node)
            + tech.sram_access_energy_pj(w_bits, self.sram_bytes, node)
            + tech.sram_access_energy_pj(a_bits, self.sram_bytes, node)
        )
        return PeakFigures.from_rates(
            w_bits,
            a_bits,
            self.macs_per_cycle,
            self.frequency_hz,
            self.macs_per_cycle * pj_per_mac,
            sum(self.component_areas_mm2().values()),
            notes="roofline; area of 8-bit MACs and the buffer",
        )


@register_fabric(IdealArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: IdealArch) -> LayerResult:
    w_bytes = layer.weight_elems * precision.w_bits / 8
    in_bytes = layer.input_elems * precision.a_bits / 8
    out_bytes = layer.output_elems * precision.out_bits / 8
    dram_bytes = w_bytes + in_bytes + out_bytes
    a, w = precision.a_bits, precision.w_bits

    actions: dict[tuple, float] = {}
    if layer.has_macs:
        compute = math.ceil(layer.macs / arch.macs_per_cycle)
        actions[("mac", "mac", (w, a, precision.acc_bits))] = layer.macs
        actions[("sram.buffer", "read", (w,))] = layer.macs
        key = ("sram.buffer", "read", (a,))
        actions[key] = actions.get(key, 0) + layer.macs
        sram_reads = 2 * layer.macs
    else:
        touched = layer.input_elems
        compute = math.ceil(touched / arch.vector_lanes)
        actions[("mac", "add", (a,))] = touched
        actions[("sram.buffer", "read", (a,))] = touched
        sram_reads = touched
    actions[("sram.buffer", "write", (precision.out_bits,))] = layer.output_elems
    actions[("dram", "read", ())] = 8 * (w_bytes + in_bytes)
    actions[("dram", "write", ())] = 8 * out_bytes

    bandwidth = arch.dram.bandwidth_bytes_per_cycle
    transfer = 0 if bandwidth is None else math.ceil(dram_bytes / bandwidth)
    stall = max(0, transfer - compute)
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=stall,
        actions=actions,
        accesses={
            "sram_reads": sram_reads,
            "sram_writes": layer.output_elems,
            "dram_read_bytes": w_bytes + in_bytes,
            "dram_write_bytes": out_bytes,
        },
        peak_macs_per_cycle=float(arch.macs_per_cycle),
        mapping_efficiency=1.0 if layer.has_macs else 0.0,
        mapping=RooflineMapping(transfer),
    )
