"""DRAM energy per bit from datasheet currents (accelsim.memory.dram_energy): the core equations against
Micron's DDR3 power calculator, the DDR4 table entry against the model, and the model's DDR3 against the
table's tabulated DDR3 figure (a prediction it was not fitted to)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accelsim import tech
from accelsim.memory.dram_energy import (
    DramDevice,
    DramLink,
    energy_breakdown_pj_per_bit,
    energy_pj_per_bit,
    load_catalog,
)

#: the device of energydram's tests (github.com/gaomy3832/energydram, energydram/tests/test_energy_ddr.py,
#: "Compare with DDR3_Power_Calc.xlsm. Based on DDR3, 2 Gb, x8, -125E"): tCK 1.25 ns, tRAS 35 ns,
#: tRC 47.5 ns, tRFC 160 ns, tREFI 7800 ns, in clocks
MICRON_CALC_DDR3 = DramDevice(
    name="DDR3 2Gb x8 -125E", vdd_v=1.5, idd0_ma=95, idd2n_ma=42, idd3n_ma=45, idd4r_ma=180, idd4w_ma=185,
    idd5b_ma=215, clock_mhz=800, ras_cycles=28, rc_cycles=38, rfc_cycles=128, refi_cycles=6240,
    width_bits=8, burst_length=8, columns=1024,
)  # fmt: skip


def test_core_equations_reproduce_micron_ddr3_power_calculator():
    """The spreadsheet's powers as energydram's tests record them (mW, their tolerance 0.1 mW)."""
    d = MICRON_CALC_DDR3
    rc_s = d.rc_cycles * d.tck_s
    assert d.activation_energy_j() / rc_s * 1e3 == pytest.approx(76.2, abs=0.1)  # ACT at tRC cadence
    assert d.burst_energy_j("read") / d.burst_s * 1e3 == pytest.approx(202.5, abs=0.1)
    assert d.burst_energy_j("write") / d.burst_s * 1e3 == pytest.approx(210.0, abs=0.1)
    assert d.refresh_power_w() * 1e3 == pytest.approx(5.2, abs=0.1)
    assert d.standby_power_w() * 1e3 == pytest.approx(67.5, abs=0.1)  # active standby


def test_ddr4_table_entry_is_the_model():
    devices, links = load_catalog()
    assert tech.DRAM_PJ_PER_BIT_BY_TYPE["DDR4"] == round(energy_pj_per_bit(devices["DDR4"], links["DDR4"]), 1)


def test_link_energy_is_power_over_bit_rate():
    link = DramLink("x", dq_pins=64, data_rate_mtps=2000, read_mw=1280.0, write_mw=2560.0)
    assert link.pj_per_bit("read") == pytest.approx(1280e-3 / (64 * 2000e6) * 1e12)
    assert link.pj_per_bit("write") == pytest.approx(2 * link.pj_per_bit("read"))


@pytest.mark.xfail(
    strict=True,
    reason="known miss: the model's DDR3-1600 streaming bit is 55.7 pJ (-20 %) against the table's 70 "
    "(Accelergy's, from Chatterjee et al.); with a row opened per burst it is 83.4 (+19 %)",
)
def test_model_predicts_the_tabulated_ddr3_figure():
    """Tolerance 0.15, the project's tolerance for predictions, set before the model was run."""
    devices, links = load_catalog()
    got = energy_pj_per_bit(devices["DDR3"], links["DDR3"])
    assert got == pytest.approx(tech.DRAM_PJ_PER_BIT_BY_TYPE["DDR3"], rel=0.15)


@given(st.floats(1, 512), st.sampled_from(["read", "write"]), st.sampled_from(["DDR3", "DDR4"]))
def test_more_bursts_per_activation_never_costs_more(bursts, op, kind):
    devices, links = load_catalog()
    d, link = devices[kind], links[kind]
    fewer = energy_pj_per_bit(d, link, op, bursts)
    more = energy_pj_per_bit(d, link, op, bursts * 2)
    assert more <= fewer
    parts = energy_breakdown_pj_per_bit(d, link, op, bursts)
    assert sum(parts.values()) == pytest.approx(fewer, rel=1e-12)
    assert all(v >= 0 for v in parts.values())


def test_streaming_is_a_page_per_activation():
    devices, links = load_catalog()
    d = devices["DDR4"]
    assert energy_pj_per_bit(d, links["DDR4"], "read") == pytest.approx(
        energy_pj_per_bit(d, links["DDR4"], "read", d.columns / d.burst_length)
    )
    with pytest.raises(ValueError, match="bursts_per_activation"):
        energy_pj_per_bit(d, links["DDR4"], "read", 0)
