"""``bitfusion``: Bit Fusion (Sharma et al., ISCA 2018), a systolic array of Fusion Units.

PE model :mod:`accelsim.pe.bitfusion`; array timing, traffic and energy :mod:`accelsim.pe.array`
(the authors' simulator formulas, shared/reference/bitfusion_config.md). Preset ``bitfusion`` is
``bf_e_conf.ini``: 16×32 FUs, 500 MHz, 64/32/16 KiB W/I/O buffers, 192 bit/cycle DRAM, 45 nm.
"""

from __future__ import annotations

from typing import Literal

from accelsim import tech
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitfusion as pe
from accelsim.pe.array import ArrayArchBase, evaluate_array_layer
from accelsim.workload import Layer, Precision


class BitFusionArch(ArrayArchBase):
    """Fusion-Unit array: rows × cols FUs of 16 BitBricks each."""

    fabric: Literal["bitfusion"] = "bitfusion"

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.fu_pass(w_bits, a_bits)

    def pe_energy_pj_per_cycle(self, w_bits: int, a_bits: int) -> float:
        return pe.FU_ENERGY_PJ_PER_CYCLE_45NM * tech.node_energy_factor(self.technology_nm)

    def pe_area_um2(self) -> float | None:
        return pe.FU_AREA_UM2_45NM * tech.node_area_factor(self.technology_nm)


@register_fabric(BitFusionArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: BitFusionArch) -> LayerResult:
    return evaluate_array_layer(layer, precision, arch)
