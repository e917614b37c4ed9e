"""Cost of crossbar reads: energy per read by component, read period, and area of one crossbar.

One *read* = one input chunk applied to the rows of one crossbar and every used column converted.

* read period ``t_read = max(device.read_time_s, cols_per_adc / adc.sample_rate_hz)`` — an ADC shared by
  ``cols_per_adc`` columns converts them one after another (sense amplifiers: ``read_time_s``);
* ADC: ``conversions · FoM·2^bits`` (Walden, :mod:`accelsim.memory.adc`); sense amplifiers instead:
  ``conversions · sense_amp_energy_pj``;
* DAC: ``rows_used · E_drive(dac_bits)``;
* cells: ``V²·G·t`` per device with G at the mean level and ``input_activity`` the fraction of driven
  rows (:func:`accelsim.memory.devices.crossbar_read_energy_pj`);
* sample-and-hold: ``conversions · sample_hold_energy_pj``; shift-add: ``conversions ·
  shift_add_energy_pj`` (one add per conversion into the output register).

Area of one crossbar: ``rows·cols·cell_area_f2·F²`` + ADCs (``ceil(cols/cols_per_adc)``, or one sense
amplifier per column) + ``rows`` DACs + ``cols`` sample-and-holds.
"""

from __future__ import annotations

import math

from accelsim.memory.crossbar import CrossbarConfig
from accelsim.memory.devices import crossbar_read_energy_pj


def read_period_s(xbar: CrossbarConfig) -> float:
    """Time between reads of one crossbar: max(device read time, cols_per_adc / ADC sample rate)."""
    if xbar.sense == "sense_amp":
        return xbar.device.read_time_s
    return max(xbar.device.read_time_s, xbar.cols_per_adc / xbar.adc.sample_rate_hz)


def read_energy_pj(
    xbar: CrossbarConfig,
    technology_nm: float,
    rows_used: float,
    phys_cols_used: float,
    conversions: float,
    input_activity: float,
    mean_level_fraction: float,
    sample_hold_energy_pj: float,
    shift_add_energy_pj: float,
) -> dict[str, float]:
    """Energy of one read by component (pJ)."""
    lmax = 2**xbar.cell_bits - 1
    cells = rows_used * phys_cols_used * input_activity
    out = {
        "dac": rows_used * xbar.dac.energy_pj_per_drive(technology_nm),
        "crossbar": crossbar_read_energy_pj(xbar.device, cells, mean_level_fraction * lmax, xbar.cell_bits),
        "sample_hold": conversions * sample_hold_energy_pj,
        "shift_add": conversions * shift_add_energy_pj,
    }
    if xbar.sense == "sense_amp":
        out["sense_amp"] = conversions * xbar.sense_amp_energy_pj
    else:
        out["adc"] = conversions * xbar.adc.energy_pj_per_conversion(technology_nm)
    return out


def crossbar_area_mm2(
    xbar: CrossbarConfig, technology_nm: float, cell_area_f2: float, sample_hold_area_mm2: float
) -> dict[str, float]:
    """Area of one crossbar and its periphery by component (mm²)."""
    f_mm = technology_nm * 1e-6
    out = {
        "cells": xbar.rows * xbar.cols * cell_area_f2 * f_mm * f_mm,
        "dac": xbar.rows * xbar.dac.area_mm2(technology_nm),
        "sample_hold": xbar.cols * sample_hold_area_mm2,
    }
    if xbar.sense == "sense_amp":
        out["sense_amp"] = xbar.cols * xbar.sense_amp_area_mm2
    else:
        out["adc"] = math.ceil(xbar.cols / xbar.cols_per_adc) * xbar.adc.area_mm2(technology_nm)
    return out
