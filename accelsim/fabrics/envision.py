"""``envision``: Envision (Moons et al., ISSCC 2017), a 16×16 array of DVAFS subword-parallel MAC
units (:mod:`accelsim.pe.envision`, constants and their calibration there). ``mapping`` of each layer
reports ``sub_multiplier_idle_share`` (75 % at 4 bits)."""

from __future__ import annotations

from typing import Literal

from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import envision as pe
from accelsim.pe.array import evaluate_array_layer
from accelsim.pe.chips import ChipArchBase
from accelsim.workload import Layer, Precision


class EnvisionArch(ChipArchBase):
    """rows × cols DVAFS MAC units."""

    fabric: Literal["envision"] = "envision"

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.unit_pass(w_bits, a_bits)

    def pe_energy_at_efficiency_pj(self, w_bits: int, a_bits: int) -> float:
        return pe.sub_mults_used(w_bits, a_bits) * pe.E_SUB_MULT_PJ

    def peak(self, w_bits: int, a_bits: int):
        fig = super().peak(w_bits, a_bits)
        idle = pe.idle_share(w_bits, a_bits)
        return fig.model_copy(update={"notes": fig.notes + f"; sub-multiplier idle share {idle:.0%}"})


@register_fabric(EnvisionArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: EnvisionArch) -> LayerResult:
    result = evaluate_array_layer(layer, precision, arch)
    result.mapping["sub_multiplier_idle_share"] = pe.idle_share(precision.w_bits, precision.a_bits)
    return result
