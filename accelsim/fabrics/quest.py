"""``quest``: QUEST (Ueyoshi et al., ISSCC 2018), log-quantized weights multiplied by shifts
(:mod:`accelsim.pe.logpe`, constants and their calibration there)."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from accelsim.errors import AccelsimInputError
from accelsim.fabrics._array import evaluate_array_layer
from accelsim.fabrics._chips import ChipArchBase
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import logpe as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
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


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: QuestArch, seed: int = 0):
    """The layer by shifts (:func:`accelsim.pe.logpe.logpe_gemm_fast`). QUEST multiplies only log-coded
    weights: every integer weight must be 0 or ``±2^e`` with ``e ≤ 2^(w_bits−1) − 1`` (PTQ with
    ``quantizer="log2"`` gives these), else AccelsimInputError names the layer. Zero-code weights are
    skipped. Stats: ``shifts`` (one per non-zero weight use), ``zero_weight_skips``,
    ``accumulator_bits_needed`` (:func:`accelsim.pe.logpe.accumulator_bits`), ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)

    def gemm(a, w, a_signed, w_signed):
        nz = w != 0
        try:
            sign, exponent = pe.encode(np.where(nz, w, 1), w_bits)
        except AccelsimInputError as exc:
            raise AccelsimInputError(
                "w_int", f"layer {layer.name!r}: QUEST runs log-quantized weights only; {exc.message}"
            ) from None
        y = pe.logpe_gemm_fast(a, sign, exponent, w_bits, a_bits, a_signed, nonzero=nz)
        m, k = a.shape
        n = w.shape[1]
        return y, {
            "macs": float(m * k * n),
            "shifts": float(m * int(nz.sum())),
            "zero_weight_skips": float(m * int((~nz).sum())),
        }

    y, stats = run_layer_gemms(x_int, w_int, layer, precision, gemm, encode_w=False)
    stats["accumulator_bits_needed"] = float(
        pe.accumulator_bits(a_bits, w_bits, layer.C // layer.groups * layer.R * layer.S)
    )
    return y, stats
