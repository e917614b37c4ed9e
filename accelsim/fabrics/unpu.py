"""``unpu``: UNPU (Lee et al., ISSCC 2018), LUT-based bit-serial PEs with 1–16-bit weights
(:mod:`accelsim.pe.unpu`, constants and their calibration there), as an array of LBPE lanes
(:mod:`accelsim.fabrics._array`, :mod:`accelsim.fabrics._chips`)."""

from __future__ import annotations

from typing import Literal

from accelsim.fabrics._array import evaluate_array_layer
from accelsim.fabrics._chips import ChipArchBase
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import unpu as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
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


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: UnpuArch, seed: int = 0):
    """The layer through UNPU's LUT lookups (:func:`accelsim.pe.unpu.unpu_gemm`: one product per weight
    bit-plane, the activation-group partial sums the LUT holds, shift-added). Stats: ``lut_lookups``
    (``M·N·⌈Kr/4⌉·w_bits``: one lookup per group of 4 activations per weight bit), ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)

    def gemm(a, w, a_signed, w_signed):
        y = pe.unpu_gemm(a, w, w_bits, a_bits, w_signed, a_signed)
        m, k = a.shape
        n = w.shape[1]
        return y, {"macs": float(m * k * n), "lut_lookups": float(m * n * (-(-k // pe.GROUP)) * w_bits)}

    return run_layer_gemms(x_int, w_int, layer, precision, gemm)
