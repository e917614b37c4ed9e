"""``quest``: QUEST (Ueyoshi et al., ISSCC 2018), log-quantized weights multiplied by shifts
(:mod:`accelsim.pe.logpe`, constants and their calibration there)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import logpe as pe
from accelsim.pe.array import evaluate_array_layer
from accelsim.pe.chips import ChipArchBase
from accelsim.workload import Layer, Precision


class QuestArch(ChipArchBase):
    """rows × cols shift lanes."""

    fabric: Literal["quest"] = "quest"
    chip_power_w: float = Field(gt=0, description="published chip power at frequency_hz (calibrates energy)")

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.lane_pass(w_bits, a_bits)

    def pe_energy_at_efficiency_pj(self, w_bits: int, a_bits: int) -> float:
        """Constant chip power: chip_power_w / frequency / lanes per lane-cycle."""
        pe.lane_pass(w_bits, a_bits)
        return self.chip_power_w / self.frequency_hz / self.n_pes * 1e12


@register_fabric(QuestArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: QuestArch) -> LayerResult:
    return evaluate_array_layer(layer, precision, arch)
