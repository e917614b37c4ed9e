"""Published chips modeled as PE arrays (UNPU, BitBlade, Envision, QUEST): operating points and peak.

Survey tables (REFERENCES.md, seed 000 Table 3) pair a chip's *peak throughput* (at its maximum clock and
voltage) with its *best efficiency* (at its lowest voltage). The model keeps both points explicit:

* ``frequency_hz`` and ``vdd_v``: the operating point of timing, of ``power_w`` and of ``simulate``;
* ``efficiency_vdd_v``: the voltage at which the PE energy constants of :mod:`accelsim.pe` were
  calibrated (the published TOPS/W); energy per operation scales as ``(V / efficiency_vdd_v)²``
  (dynamic energy C·V²; frequency-independent to first order);
* ``peak()`` reports GOPS at ``frequency_hz``, TOPS/W at ``efficiency_vdd_v`` (the published pairing)
  and ``power_w`` at ``vdd_v``; ``notes`` says so.

The calibrated PE energies are whole-chip energies per PE-cycle (they include SRAM and control), so
these presets set the buffer energies to zero; DRAM is still counted by ``simulate``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from accelsim import tech
from accelsim.arch.base import PeakFigures
from accelsim.fabrics._array import ArrayArchBase


class ChipArchBase(ArrayArchBase):
    """A published chip: array model plus its operating and efficiency voltages and its die area."""

    vdd_v: float = Field(gt=0, description="supply voltage at frequency_hz (operating point)")
    efficiency_vdd_v: float = Field(
        gt=0, description="voltage of the calibrated energy constants (best TOPS/W)"
    )
    chip_area_mm2: float | None = Field(
        None, gt=0, description="die (or published core) area in mm²; null = not published"
    )
    pe_energy_model: Literal["calibrated", "horowitz"] = Field(
        "horowitz",
        description="calibrated: the chip's energy constants fitted to its published TOPS/W (set by the "
        "preset's calibration block); horowitz: physics only, the PE's MACs priced by the 45 nm tech model",
    )

    def pe_energy_at_efficiency_pj(self, w_bits: int, a_bits: int) -> float:
        """Chip energy per PE-cycle at ``efficiency_vdd_v``."""
        raise NotImplementedError

    def pe_energy_pj_per_cycle(self, w_bits: int, a_bits: int) -> float:
        """Calibrated: the fitted constant at ``efficiency_vdd_v`` scaled by ``(vdd_v/efficiency_vdd_v)²``;
        physics only: the MACs one PE does per cycle at these widths, each a w×a multiply and a 32-bit add
        (:func:`accelsim.tech.int_mac_energy_pj` at ``technology_nm``, reference supply)."""
        if self.pe_energy_model == "calibrated":
            return self.pe_energy_at_efficiency_pj(w_bits, a_bits) * (self.vdd_v / self.efficiency_vdd_v) ** 2
        products, cycles = self.pe_pass(w_bits, a_bits)
        return products / cycles * tech.int_mac_energy_pj(w_bits, a_bits, 32, self.technology_nm)

    def pricing_vdd_v(self) -> float | None:
        """Calibrated: ``vdd_v`` (the PE constants are scaled to it); physics only: None, the reference
        supply the 45 nm tables are scaled at."""
        return self.vdd_v if self.pe_energy_model == "calibrated" else None

    def core_area_mm2(self) -> float | None:
        return self.chip_area_mm2

    def scale_array(self, factor: float):
        """A published chip's die area is not broken down: resizing its array would keep the die area."""
        from accelsim.errors import AccelsimInputError

        raise AccelsimInputError("--iso-area", f"{self.name} is a published chip (die area not broken down)")

    def component_areas_mm2(self) -> dict[str, float]:
        """``chip``: the published die (or core) area, not broken down; empty when not published."""
        return {} if self.chip_area_mm2 is None else {"chip": self.chip_area_mm2}

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """Calibrated: the published pairing (module docstring). Physics only: the array model's peak
        (PE MACs and buffer reads at ``vdd_v``'s node, :meth:`ArrayArchBase.peak`)."""
        if self.pe_energy_model != "calibrated":
            fig = super().peak(w_bits, a_bits)
            return fig.model_copy(update={"notes": fig.notes + "; physics only (no calibration)"})
        products, cycles = self.pe_pass(w_bits, a_bits)
        macs = self.n_pes * products / cycles
        gops = 2 * macs * self.frequency_hz / 1e9
        pj_eff = self.n_pes * self.pe_energy_at_efficiency_pj(w_bits, a_bits)
        tops_per_w = 2 * macs / pj_eff  # ops per pJ = TOPS/W
        power_w = self.n_pes * self.pe_energy_pj_per_cycle(w_bits, a_bits) * 1e-12 * self.frequency_hz
        return PeakFigures(
            w_bits=w_bits,
            a_bits=a_bits,
            macs_per_cycle=macs,
            gops=gops,
            power_w=power_w,
            area_mm2=self.chip_area_mm2,
            tops_per_w=tops_per_w,
            tops_per_mm2=None if self.chip_area_mm2 is None else gops / 1e3 / self.chip_area_mm2,
            notes=(
                f"GOPS at {self.frequency_hz / 1e6:g} MHz; TOPS/W at {self.efficiency_vdd_v:g} V "
                f"(published pairing); power_w at {self.vdd_v:g} V; {self.rows}x{self.cols} PEs, "
                f"{products} MACs per {cycles} cycle(s) per PE"
            ),
        )
