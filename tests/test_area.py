"""Area for every fabric (the cost stage's component areas): the closed forms, the area objective on every
preset, and published core areas the models *predict* (none of them was fitted to these)."""

from __future__ import annotations

import pytest

from accelsim import tech
from accelsim.cost import CostModel
from accelsim.fabrics import available_presets, load_arch
from accelsim.pricing import ModelTable


def test_systolic_area_closed_form():
    """R·C·(b×b multiplier + acc adder + (2b + acc) flip-flops) + the three buffers (the CACTI fit, 64-bit
    words, one port), at 45 nm, b = native_operand_bits."""
    arch = load_arch("scalesim-32x32-os", native_operand_bits=4, technology_nm=45)
    areas = ModelTable(arch).areas_mm2()
    pe_mac_um2 = 282.0 * 16 / 64 + (36.0 + 101.0 * (32 - 8) / 24)  # 4×4 mult, 32-bit add (Horowitz)
    assert areas["mac"] == pytest.approx(1024 * pe_mac_um2 * 1e-6)
    assert areas["register"] == pytest.approx(1024 * (2 * 4 + 32) * 3.23 * 1.4 * 1e-6)
    cap = arch.buffers.ifmap.capacity_bytes
    assert areas["sram.ifmap"] == pytest.approx(tech.sram_area_mm2(cap, 45, 64, 1))
    assert arch.peak(8, 8).area_mm2 == pytest.approx(sum(areas.values()))


def test_area_scales_with_node_squared_in_the_native_estimators():
    a45 = sum(ModelTable(load_arch("tpu-v1", technology_nm=45)).areas_mm2().values())
    a28 = sum(ModelTable(load_arch("tpu-v1")).areas_mm2().values())
    assert a28 == pytest.approx(a45 * tech.node_area_factor(28))


@pytest.mark.parametrize("preset", available_presets())
def test_area_objective_works_for_every_preset(preset):
    """Every ASIC preset has an area in mm²; an FPGA pipeline reports device resources instead (LUT, BRAM,
    DSP against the board's budget, tests/test_fpga_streaming.py) and its area is NaN."""
    area = CostModel(preset).area_mm2(8, 8)
    if load_arch(preset).fabric == "streaming":
        assert area != area
    else:
        assert area > 0


def test_sram_fit_is_the_least_squares_fit_of_the_committed_cacti_runs():
    """accelsim.tech.SRAM_FIT_45NM = the least-squares fit of ln y on (1, ln C, ln w, p − 1, (p − 1)·ln C)
    over accelsim/data/cacti_sram_45nm.csv (156 CACTI 7 runs at 45 nm); geometric-mean errors as documented
    (area 10 %, read 25 %, write 14 %), and two ports about double the area."""
    import csv
    from importlib.resources import files

    import numpy as np

    rows = list(
        csv.DictReader(files("accelsim.data").joinpath("cacti_sram_45nm.csv").read_text().splitlines())
    )
    assert len(rows) == 156
    c = np.array([float(r["capacity_bytes"]) for r in rows])
    w = np.array([float(r["word_bits"]) for r in rows])
    p = np.array([float(r["rw_ports"]) for r in rows])
    x = np.column_stack([np.ones_like(c), np.log(c), np.log(w), p - 1, (p - 1) * np.log(c)])
    for key, column, gm_error in (("area_mm2", "area_mm2", 1.101), ("read_pj", "read_energy_pj", 1.245),
                                  ("write_pj", "write_energy_pj", 1.143)):  # fmt: skip
        y = np.array([float(r[column]) for r in rows])
        coef = np.linalg.lstsq(x, np.log(y), rcond=None)[0]
        assert coef == pytest.approx(tech.SRAM_FIT_45NM[key], rel=1e-9, abs=1e-12)
        err = np.exp(x @ coef) / y
        assert float(np.exp(np.mean(np.abs(np.log(err))))) == pytest.approx(gm_error, abs=0.001)
    assert 1.9 < tech.sram_area_mm2(65536, ports=2) / tech.sram_area_mm2(65536) < 2.2
    assert tech.sram_cacti_energy_pj(64, 32768, write=False) == pytest.approx(
        float(next(r["read_energy_pj"] for r in rows if r["capacity_bytes"] == "32768" and r["word_bits"] == "64"
                   and r["rw_ports"] == "1")), rel=0.35)  # fmt: skip


def test_systolic_cacti_energy_model_prices_reads_writes_and_ports():
    arch = load_arch("tpu-v1", sram_energy_model="cacti")
    two = load_arch("tpu-v1", sram_energy_model="cacti", **{"buffers.ifmap.ports": 2})
    cap = arch.buffers.ifmap.capacity_bytes
    assert arch.action_energy_pj("sram.ifmap", "read", (8,)) == pytest.approx(
        tech.sram_cacti_energy_pj(8, cap, 28, 1, False)
    )
    assert arch.action_energy_pj("sram.ifmap", "write", (8,)) == pytest.approx(
        tech.sram_cacti_energy_pj(8, cap, 28, 1, True)
    )
    assert two.action_energy_pj("sram.ifmap", "read", (8,)) > arch.action_energy_pj(
        "sram.ifmap", "read", (8,)
    )
    assert ModelTable(two).areas_mm2()["sram.ifmap"] > 1.9 * ModelTable(arch).areas_mm2()["sram.ifmap"]
