"""``bitblade``: BitBlade (Ryu et al., DAC 2019), PEs of 16 2×2-bit multipliers with bit-wise summation
(:mod:`accelsim.pe.bitblade`, constants and their calibration there)."""

from __future__ import annotations

from typing import Literal

from accelsim.fabrics._array import evaluate_array_layer
from accelsim.fabrics._chips import ChipArchBase
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitblade as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
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


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: BitBladeArch, seed: int = 0):
    """The layer through BitBlade's bit-wise summation (:func:`accelsim.pe.bitblade.bitblade_gemm_fast`:
    per significance, the 2×2 partial products summed, then shifted once). Stats: ``brick_products``,
    ``significance_shifts`` (shifted sums per output and PE pass), ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)
    products, _ = pe.pe_pass(w_bits, a_bits)
    nba, nbw = pe.slot_bits(a_bits) // 2, pe.slot_bits(w_bits) // 2

    def gemm(a, w, a_signed, w_signed):
        y = pe.bitblade_gemm_fast(a, w, w_bits, a_bits, w_signed, a_signed)
        m, k = a.shape
        n = w.shape[1]
        return y, {
            "macs": float(m * k * n),
            "brick_products": float(m * k * n * nba * nbw),
            "significance_shifts": float(m * n * (-(-k // products)) * (nba + nbw - 1)),
        }

    return run_layer_gemms(x_int, w_int, layer, precision, gemm)
