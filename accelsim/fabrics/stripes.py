"""``stripes``: Stripes (Judd et al., MICRO 2016), an array of serial inner-product units (SIPs):
16 bit-parallel weights × 16 bit-serial activations per SIP (:mod:`accelsim.pe.bitserial`).

The preset puts 16×32 SIPs (the Bit Fusion FU count; modeled SIP area ≈ FU area, see
docs/precision-scalable.md) behind the Bit Fusion ``bf_e`` memory system at 500 MHz, 45 nm, so that a
Bit Fusion vs Stripes comparison isolates the PE. Preset ``stripes-bitfusion-baseline`` is the Bit Fusion
paper's Stripes comparison as far as the sources allow: 16-bit bit-parallel weights in memory
(``weight_storage_bits``), 980 MHz, Bit Fusion's ``bf_s_conf.ini`` memory system
(docs/precision-scalable.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from accelsim.arch.base import PeakFigures
from accelsim.fabrics._array import ArrayArchBase, evaluate_array_layer
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.pe import bitserial as pe
from accelsim.pe.functional import check_layer_widths, run_layer_gemms
from accelsim.workload import Layer, Precision


class StripesArch(ArrayArchBase):
    """SIP array: rows × cols SIPs, each 16 MACs per a_bits cycles."""

    fabric: Literal["stripes"] = "stripes"
    weight_storage_bits: int | None = Field(
        None,
        ge=1,
        le=16,
        description="weights stored, moved and fed bit-parallel at this width whatever the layer's w_bits "
        "(Stripes as published: 16); null = the layer's w_bits",
    )

    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        return pe.stripes_pass(w_bits, a_bits)

    def pe_energy_pj_per_cycle(self, w_bits: int, a_bits: int) -> float:
        return pe.stripes_pe_energy_pj(self.technology_nm)

    def pe_area_um2(self) -> float | None:
        return pe.stripes_pe_area_um2(self.technology_nm)

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """Array peak; weight reads at ``weight_storage_bits`` when set (reported at the asked widths)."""
        if self.weight_storage_bits is None:
            return super().peak(w_bits, a_bits)
        pe.stripes_pass(w_bits, a_bits)  # validates the asked widths
        fig = super().peak(self.weight_storage_bits, a_bits)
        return fig.model_copy(
            update={
                "w_bits": w_bits,
                "notes": fig.notes + f"; weights stored at {self.weight_storage_bits} bits",
            }
        )


@register_fabric(StripesArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: StripesArch) -> LayerResult:
    if arch.weight_storage_bits is not None:
        precision = precision.model_copy(update={"w_bits": arch.weight_storage_bits})
    return evaluate_array_layer(layer, precision, arch)


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: StripesArch, seed: int = 0):
    """The layer through SIPs (:func:`accelsim.pe.bitserial.stripes_gemm`: one product per activation
    bit-plane, weights bit-parallel); stats: ``bit_plane_products`` (plane × weight MACs) and ``macs``."""
    del seed
    w_bits, a_bits = precision.w_bits, precision.a_bits
    check_layer_widths(lambda: arch.pe_pass(w_bits, a_bits), layer)

    def gemm(a, w, a_signed, w_signed):
        y = pe.stripes_gemm(a, w, w_bits, a_bits, w_signed, a_signed)
        macs = a.shape[0] * a.shape[1] * w.shape[1]
        return y, {"macs": float(macs), "bit_plane_products": float(macs * a_bits)}

    return run_layer_gemms(x_int, w_int, layer, precision, gemm)
