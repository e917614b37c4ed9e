"""``loom``: Loom (Sharify et al., DAC 2018), weights and activations both bit-serial
(:mod:`accelsim.pe.bitserial`): a PE of 16×16 one-bit lanes does 256 conv MACs per w·a cycles and
16 fully-connected MACs per w cycles. Preset: 8×16 PEs behind the Bit Fusion bf_e memory system.
"""

from __future__ import annotations

from typing import Literal

from accelsim.fabrics._array import ArrayArchBase, evaluate_array_layer
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitserial as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
from accelsim.workload import Layer, Precision


class LoomArch(ArrayArchBase):
    """Loom PE array."""

    fabric: Literal["loom"] = "loom"

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.loom_pass(w_bits, a_bits, fully_connected)

    def pe_energy_pj_per_cycle(self, w_bits: int, a_bits: int) -> float:
        return pe.popcount_pe_energy_pj(pe.LANES * pe.LANES, self.technology_nm)

    def pe_area_um2(self) -> float | None:
        return pe.popcount_pe_area_um2(pe.LANES * pe.LANES, self.technology_nm)


@register_fabric(LoomArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: LoomArch) -> LayerResult:
    return evaluate_array_layer(layer, precision, arch)


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: LoomArch, seed: int = 0):
    """The layer through Loom's (weight plane, activation plane) products
    (:func:`accelsim.pe.bitserial.loom_gemm`); stats: ``bit_plane_products`` = MACs·w·a and ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)

    def gemm(a, w, a_signed, w_signed):
        y = pe.loom_gemm(a, w, w_bits, a_bits, w_signed, a_signed)
        macs = a.shape[0] * a.shape[1] * w.shape[1]
        return y, {"macs": float(macs), "bit_plane_products": float(macs * w_bits * a_bits)}

    return run_layer_gemms(x_int, w_int, layer, precision, gemm)
