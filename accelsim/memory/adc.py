"""Column ADC of a compute-in-memory crossbar: transfer function (range, offset, INL, DNL) and cost.

Transfer (all in ADC LSB units ``u = v / step``, ``v`` the analog column value in unit-cell counts):

* code = round_half_even(u + offset_lsb + INL(u) ) with DNL-perturbed thresholds, clipped to the code
  range ``[lo, hi]`` (unsigned ``0..2^b−1``; signed columns ``−2^(b−1)..2^(b−1)−1``);
* INL: a bow ``inl_lsb · (1 − (2·(u − lo)/(hi − lo) − 1)²)``, peak ``inl_lsb`` at mid-scale, 0 at the ends;
* DNL: each code threshold ``k − ½`` moves by ``δ_k ~ N(0, dnl_lsb)`` (clipped to ±0.45 LSB), drawn once
  per ADC from the seed;
* range (``range_mode``): ``max`` — the step is the smallest power of two with
  ``worst-case column value / step ≤ hi`` (lossless, step 1, when ``hi`` covers the worst case; otherwise
  the LSBs are dropped, as a shifted integer ADC would); ``calibrated`` — full scale = the
  ``calibration_percentile`` of |column values| seen on calibration data, step = full_scale / hi;
  ``full_scale`` — the configured ``full_scale_counts``, step = full_scale_counts / hi.

Cost (per conversion), ``cost_model``: ``walden`` — the Walden figure of merit ``E = fom_fj_per_step ·
2^bits`` (fJ), independent of the sample rate below ``max_sample_rate_hz``; area ``area_mm2_at_ref ·
2^(bits − ref_bits) · (rate / ref_rate)`` (a SAR/flash-style linear-in-levels and linear-in-rate
first-order scaling around a reference design); ``survey`` — energy and area from the regression of the
Murmann ADC survey (:mod:`accelsim.memory.adc_survey`) at the bits, the node and the sample rate. Defaults follow ISAAC's ADC (8 bit, 1.28 GS/s, 2 mW, 0.0012 mm² at 32 nm):
2 mW / 1.28 GS/s = 1.5625 pJ per conversion = 6.1 fJ/step · 2⁸.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from accelsim.workload import StrictModel


class AdcConfig(StrictModel):
    """One column ADC (shared by ``cols_per_adc`` columns of a crossbar)."""

    bits: int = Field(8, ge=1, le=16, description="ADC resolution in bits")
    range_mode: Literal["max", "calibrated", "full_scale"] = Field(
        "max", description="how the ADC step is set: worst-case column value, calibration, or configured"
    )
    full_scale_counts: float | None = Field(
        None, gt=0, description="range_mode full_scale: largest column value (unit-cell counts) converted"
    )
    calibration_percentile: float = Field(
        100.0, gt=0, le=100, description="range_mode calibrated: percentile of |column values| = full scale"
    )
    offset_lsb: float = Field(0.0, description="input-referred offset in LSB (0 = ideal)")
    inl_lsb: float = Field(0.0, description="peak integral non-linearity (mid-scale bow) in LSB")
    dnl_lsb: float = Field(0.0, ge=0, description="std of each code threshold's shift in LSB (≤ 0.45 used)")
    sample_rate_hz: float = Field(1.28e9, gt=0, description="conversions per second of one ADC")
    fom_fj_per_step: float = Field(
        6.1, gt=0, description="Walden FoM: energy per conversion step in fJ (ISAAC: 2 mW/1.28 GS/s/2^8)"
    )
    area_mm2_at_ref: float = Field(0.0012, gt=0, description="area of the reference ADC in mm²")
    ref_bits: int = Field(8, ge=1, description="bits of the reference ADC the area is scaled from")
    ref_sample_rate_hz: float = Field(1.28e9, gt=0, description="sample rate of the reference ADC")
    ref_technology_nm: float = Field(32.0, gt=0, description="node of the reference ADC (area ∝ node²)")
    cost_model: Literal["walden", "survey"] = Field(
        "walden",
        description="walden: fom_fj_per_step and the reference area; survey: the Murmann-survey regression "
        "(Accelergy's ADC plug-in) at bits, node and sample rate",
    )

    @model_validator(mode="after")
    def _full_scale_given(self) -> AdcConfig:
        if self.range_mode == "full_scale" and self.full_scale_counts is None:
            raise ValueError("range_mode full_scale needs full_scale_counts (largest column value converted)")
        if self.cost_model == "survey" and self.bits < 4:
            raise ValueError("cost_model survey is fitted for ADCs of 4 bits or more; use walden")
        return self

    @property
    def is_ideal(self) -> bool:
        return self.offset_lsb == 0 and self.inl_lsb == 0 and self.dnl_lsb == 0

    def energy_pj_per_conversion(self, technology_nm: float | None = None) -> float:
        """Walden: FoM · 2^bits (fJ → pJ); survey: the regression at ``technology_nm`` (default: the
        reference node)."""
        if self.cost_model == "survey":
            from accelsim.memory import adc_survey

            node = self.ref_technology_nm if technology_nm is None else technology_nm
            return adc_survey.energy_pj(self.bits, node, self.sample_rate_hz)
        return self.fom_fj_per_step * 2.0**self.bits * 1e-3

    def power_w(self, technology_nm: float | None = None) -> float:
        """Power at full sample rate: energy per conversion · sample rate."""
        return self.energy_pj_per_conversion(technology_nm) * 1e-12 * self.sample_rate_hz

    def area_mm2(self, technology_nm: float) -> float:
        """Walden: reference area scaled ∝ 2^(bits − ref_bits) · rate/ref_rate · (node/ref_node)²;
        survey: the regression (µm² → mm²)."""
        if self.cost_model == "survey":
            from accelsim.memory import adc_survey

            return adc_survey.area_um2(self.bits, technology_nm, self.sample_rate_hz) * 1e-6
        return (
            self.area_mm2_at_ref
            * 2.0 ** (self.bits - self.ref_bits)
            * (self.sample_rate_hz / self.ref_sample_rate_hz)
            * (technology_nm / self.ref_technology_nm) ** 2
        )


def code_range(bits: int, signed: bool) -> tuple[int, int]:
    """(lo, hi) codes: unsigned 0..2^b−1, signed −2^(b−1)..2^(b−1)−1."""
    if signed:
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def max_mode_step(worst_case_counts: float, bits: int, signed: bool) -> float:
    """Smallest power-of-two step with worst_case / step ≤ hi (1 when the ADC is wide enough)."""
    _, hi = code_range(bits, signed)
    if hi <= 0:
        return float(2.0 ** np.ceil(np.log2(max(worst_case_counts, 1.0))))
    step = 1.0
    while worst_case_counts / step > hi:
        step *= 2.0
    return step


def dnl_thresholds(config: AdcConfig, n_adcs: int, signed: bool, rng: np.random.Generator) -> np.ndarray:
    """Per-ADC threshold shifts δ[adc, k] (LSB) for codes lo..hi+1 (index k − lo); zeros when ideal."""
    lo, hi = code_range(config.bits, signed)
    n = hi - lo + 2
    if config.dnl_lsb == 0:
        return np.zeros((n_adcs, n), dtype=np.float64)
    return np.clip(rng.normal(0.0, config.dnl_lsb, size=(n_adcs, n)), -0.45, 0.45)


def quantize_reference(
    v: np.ndarray, step: float, config: AdcConfig, signed: bool, dnl: np.ndarray | None = None
) -> np.ndarray:
    """Plain numpy ADC transfer (one ADC, DNL row ``dnl``), the reference the numba kernel must equal."""
    lo, hi = code_range(config.bits, signed)
    u = np.asarray(v, dtype=np.float64) / step + config.offset_lsb
    if config.inl_lsb != 0:
        x = 2.0 * (u - lo) / (hi - lo) - 1.0
        u = u + config.inl_lsb * (1.0 - x * x)
    code = np.rint(u)
    if dnl is not None:
        k = np.clip(code, lo, hi + 1).astype(np.int64) - lo
        down = u < code - 0.5 + dnl[k]
        k1 = np.clip(code + 1, lo, hi + 1).astype(np.int64) - lo
        up = u >= code + 0.5 + dnl[k1]
        code = code - down + up
    return np.clip(code, lo, hi) * step
