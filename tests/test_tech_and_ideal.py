"""Technology tables reproduce Horowitz 45 nm; the ideal roofline fabric obeys its formulas."""

import math

import pytest
from priced import priced

import accelsim
from accelsim import tech
from accelsim.workload import Layer, Precision


def test_horowitz_points():
    assert tech.int_mult_energy_pj(8, 8) == pytest.approx(0.2)
    assert tech.int_mult_energy_pj(32, 32) == pytest.approx(3.1, rel=0.04)  # model 3.2 vs published 3.1
    assert [tech.int_add_energy_pj(b) for b in (8, 16, 32)] == pytest.approx([0.03, 0.05, 0.1])
    assert tech.sram_access_energy_pj(64, 8 * 1024) == pytest.approx(10.0)
    assert tech.sram_access_energy_pj(64, 32 * 1024) == pytest.approx(20.0)
    assert tech.sram_access_energy_pj(64, 1024 * 1024) == pytest.approx(100.0)
    assert tech.sram_access_energy_pj(32, 8 * 1024) == pytest.approx(5.0)
    assert tech.dram_energy_pj(32) == pytest.approx(640.0)


def test_monotonic_and_node_scaling():
    assert tech.sram_access_energy_pj(64, 1024) < tech.sram_access_energy_pj(64, 8 * 1024)
    # Stillmaker & Baas at the reference 0.8 V: F(n, V) = aV² + bV + c, here at the listed nodes 65 and 45 nm
    f65 = 3.755 * 0.64 - 4.398 * 0.8 + 1.975
    f45 = 1.103 * 0.64 - 0.362 * 0.8 + 0.2767
    assert tech.int_mac_energy_pj(8, 8, 32, node_nm=65) == pytest.approx(
        tech.int_mac_energy_pj(8, 8, 32) * f65 / f45, rel=1e-12
    )
    assert tech.int_mult_area_um2(8, 8, node_nm=90) == pytest.approx(282.0 * 2.8)  # the paper's 90 nm row
    assert tech.node_energy_factor(45) == 1.0 and tech.node_area_factor(45) == 1.0


def test_ideal_layer_formulas():
    arch = accelsim.load_arch("ideal", macs_per_cycle=100, **{"dram.bandwidth_bytes_per_cycle": 10})
    layer = Layer(name="fc", op="fc", in_channels=100, out_channels=50, batch=2)
    p = Precision(w_bits=8, a_bits=4, out_bits=8)

    r = priced(layer, p, arch)
    assert r.compute_cycles == math.ceil(2 * 100 * 50 / 100)
    dram_bytes = 100 * 50 * 1 + 2 * 100 * 0.5 + 2 * 50 * 1
    assert r.stall_cycles == math.ceil(dram_bytes / 10) - r.compute_cycles
    assert r.energy_breakdown_pj["dram"] == pytest.approx(dram_bytes * 8 * 20.0)


def test_unlimited_bandwidth_has_zero_stalls():
    arch = accelsim.load_arch("ideal", **{"dram.bandwidth_bytes_per_cycle": None})
    report = accelsim.simulate("lenet5", arch)
    assert report.totals.stall_cycles == 0
    assert report.totals.cycles == report.totals.compute_cycles


def test_report_totals_consistent():
    report = accelsim.simulate("lenet5", "ideal", bits="8/8", batch=2)
    t = report.totals
    assert t.cycles == sum(x.cycles for x in report.layers)
    assert t.energy_pj == pytest.approx(sum(x.energy_pj for x in report.layers))
    assert t.energy_pj == pytest.approx(sum(t.energy_breakdown_pj.values()))
    assert t.latency_s == pytest.approx(t.cycles / 1e9)
    assert 0 < t.utilization <= 1
    assert report.batch == 2 and t.macs == 2 * 416520
