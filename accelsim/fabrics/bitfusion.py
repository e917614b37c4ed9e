"""``bitfusion``: Bit Fusion (Sharma et al., ISCA 2018), a systolic array of Fusion Units.

PE model :mod:`accelsim.pe.bitfusion`; array timing, traffic and energy :mod:`accelsim.fabrics._array`
(the authors' simulator formulas, shared/reference/bitfusion_config.md). Preset ``bitfusion`` is
``bf_e_conf.ini``: 16×32 FUs, 500 MHz, 64/32/16 KiB W/I/O buffers, 192 bit/cycle DRAM, 45 nm.
"""

from __future__ import annotations

from typing import Literal

from accelsim import tech
from accelsim.fabrics._array import ArrayArchBase, evaluate_array_layer
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitfusion as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
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


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: BitFusionArch, seed: int = 0):
    """The layer through BitBricks (:func:`accelsim.pe.bitfusion.bitfusion_gemm`: operands sign-extended to
    their 2/4/8/16-bit slots, one exact GEMM per brick pair, shift-added). Stats: ``brick_products``
    (2×2-bit products = MACs × bricks_a × bricks_w), ``fusion_unit_passes`` (``M·N·⌈Kr/products⌉·cycles``
    FU passes), ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)
    products, cycles = pe.fu_pass(w_bits, a_bits)
    bricks = (pe.slot_bits(a_bits) // 2) * (pe.slot_bits(w_bits) // 2)

    def gemm(a, w, a_signed, w_signed):
        y = pe.bitfusion_gemm(a, w, w_bits, a_bits, w_signed, a_signed)
        m, k = a.shape
        n = w.shape[1]
        return y, {
            "macs": float(m * k * n),
            "brick_products": float(m * k * n * bricks),
            "fusion_unit_passes": float(m * n * (-(-k // products)) * cycles),
        }

    return run_layer_gemms(x_int, w_int, layer, precision, gemm)
