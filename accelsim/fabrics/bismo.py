"""``bismo``: BISMO (Umuroglu et al., FPL 2018), an FPGA bit-serial matrix overlay: Dm×Dn dot-product
units, each a ``dk``-long binary AND-popcount per cycle; a w×a-bit GEMM is w·a shifted binary GEMMs
(:mod:`accelsim.pe.bitserial`). Energies use the 45 nm ASIC tech model (an FPGA's are not modeled).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from accelsim.fabrics._array import ArrayArchBase, evaluate_array_layer
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitserial as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
from accelsim.workload import Layer, Precision


class BismoArch(ArrayArchBase):
    """BISMO overlay: rows = Dm, cols = Dn DPUs of dk binary lanes."""

    fabric: Literal["bismo"] = "bismo"
    dk: int = Field(256, gt=0, description="binary dot-product length per DPU per cycle")

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.bismo_pass(w_bits, a_bits, self.dk)

    def pe_energy_pj_per_cycle(self, w_bits: int, a_bits: int) -> float:
        return pe.popcount_pe_energy_pj(self.dk, self.technology_nm)

    def pe_area_um2(self) -> float | None:
        return pe.popcount_pe_area_um2(self.dk, self.technology_nm)


@register_fabric(BismoArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: BismoArch) -> LayerResult:
    return evaluate_array_layer(layer, precision, arch)


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: BismoArch, seed: int = 0):
    """The layer as BISMO's sum of shifted binary matrix products (:func:`accelsim.pe.bitserial.bismo_gemm`);
    stats: ``binary_matrix_products`` (w·a per GEMM), ``bit_plane_products`` = MACs·w·a, ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)

    def gemm(a, w, a_signed, w_signed):
        y = pe.bismo_gemm(a, w, w_bits, a_bits, w_signed, a_signed)
        macs = a.shape[0] * a.shape[1] * w.shape[1]
        return y, {
            "macs": float(macs),
            "binary_matrix_products": float(w_bits * a_bits),
            "bit_plane_products": float(macs * w_bits * a_bits),
        }

    return run_layer_gemms(x_int, w_int, layer, precision, gemm)
