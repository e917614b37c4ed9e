"""``unpu``: UNPU (Lee et al., ISSCC 2018), LUT-based bit-serial PEs with 1–16-bit weights
(:mod:`accelsim.pe.unpu`, constants and their calibration there), as an array of LBPE lanes
(:mod:`accelsim.pe.array`, :mod:`accelsim.pe.chips`)."""

from __future__ import annotations

from typing import Literal

from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import unpu as pe
from accelsim.pe.array import evaluate_array_layer
from accelsim.pe.chips import ChipArchBase
from accelsim.workload import Layer, Precision


class UnpuArch(ChipArchBase):
    """rows × cols LBPE lanes (16 weight bits per lane per cycle)."""

    fabric: Literal["unpu"] = "unpu"

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.lane_pass(w_bits, a_bits)

    def pe_energy_at_efficiency_pj(self, w_bits: int, a_bits: int) -> float:
        products, cycles = pe.lane_pass(w_bits, a_bits)
        return pe.lane_energy_pj(products / cycles)


@register_fabric(UnpuArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: UnpuArch) -> LayerResult:
    return evaluate_array_layer(layer, precision, arch)
