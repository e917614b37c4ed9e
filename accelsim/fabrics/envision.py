"""``envision``: Envision (Moons et al., ISSCC 2017), a 16×16 array of DVAFS subword-parallel MAC
units (:mod:`accelsim.pe.envision`, constants and their calibration there). ``mapping`` of each layer
reports ``sub_multiplier_idle_share`` (75 % at 4 bits)."""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

from accelsim.fabrics._array import evaluate_array_layer
from accelsim.fabrics._chips import ChipArchBase
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.mappings import TilingMapping
from accelsim.pe import envision as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
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
    if isinstance(result.mapping, TilingMapping):
        share = pe.idle_share(precision.w_bits, precision.a_bits)
        result.mapping = replace(result.mapping, sub_multiplier_idle_share=share)
    return result


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: EnvisionArch, seed: int = 0):
    """The layer through DVAFS subword multipliers (:func:`accelsim.pe.envision.envision_gemm_fast`).
    Stats: ``sub_multiplier_idle_share`` (measured over the layer's unit-cycles: 0.75 at 4 bits when Kr is
    a multiple of 4), ``unit_cycles``, ``sub_multiplier_products``, ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)
    mode = pe.mode_bits(w_bits, a_bits)

    def gemm(a, w, a_signed, w_signed):
        y, _ = pe.envision_gemm_fast(a, w, w_bits, a_bits, w_signed, a_signed)
        m, k = a.shape
        n = w.shape[1]
        return y, {
            "macs": float(m * k * n),
            "unit_cycles": float(m * n * (-(-k // (16 // mode)))),
            "sub_multiplier_products": float(m * k * n * (mode // 4) ** 2),
        }

    y, stats = run_layer_gemms(x_int, w_int, layer, precision, gemm)
    cyc = stats.get("unit_cycles", 0.0)
    stats["sub_multiplier_idle_share"] = (
        1.0 - stats["sub_multiplier_products"] / (pe.SUB_MULTS * cyc) if cyc else 0.0
    )
    return y, stats
