"""``bitblade``: BitBlade (Ryu et al., DAC 2019), PEs of 16 2×2-bit multipliers with bit-wise summation
(:mod:`accelsim.pe.bitblade`, constants and their calibration there)."""

from __future__ import annotations

from typing import Literal

from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitblade as pe
from accelsim.pe.array import evaluate_array_layer
from accelsim.pe.chips import ChipArchBase
from accelsim.workload import Layer, Precision


class BitBladeArch(ChipArchBase):
    """rows × cols BitBlade PEs."""

    fabric: Literal["bitblade"] = "bitblade"

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.pe_pass(w_bits, a_bits)

    def pe_energy_at_efficiency_pj(self, w_bits: int, a_bits: int) -> float:
        pe.pe_pass(w_bits, a_bits)
        return pe.MULTS_PER_PE * pe.mult_energy_pj(self.efficiency_vdd_v)


@register_fabric(BitBladeArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: BitBladeArch) -> LayerResult:
    return evaluate_array_layer(layer, precision, arch)
