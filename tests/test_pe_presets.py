"""Published figures (REFERENCES.md) reproduced by ``accelsim arch peak`` for the precision-scalable
presets. Each test says whether the figure CALIBRATES a model constant (it then only checks that the
calibration is wired) or CHECKS the model (a figure no constant was fitted to); tolerances are the
ones reached (docs/precision-scalable.md)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from accelsim.cli.app import build_app
from accelsim.fabrics import load_arch


def peak(preset: str, w: int, a: int, **overrides):
    return load_arch(preset, **overrides).peak(w, a)


def rel(model: float, published: float) -> float:
    return abs(model / published - 1)


# ---- UNPU --------------------------------------------------------------------------------------
def test_unpu_16bit_gops_calibration():
    assert rel(peak("unpu", 16, 16).gops, 345.6) < 0.001


def test_unpu_1bit_gops_fitted_one_bit_mode():
    # 16/w scaling alone gives 5530 GOPS (-25 %); the fitted 1-bit mode (64 MACs / 3 cycles) gives 7372.8
    assert rel(peak("unpu", 16, 16).gops * 16, 7372) > 0.2
    assert rel(peak("unpu", 1, 16).gops, 7372) < 0.001


def test_unpu_tops_per_w_calibrations():
    assert rel(peak("unpu", 16, 16).tops_per_w, 3.08) < 0.001
    assert rel(peak("unpu", 1, 16).tops_per_w, 50.6) < 0.001


def test_unpu_intermediate_widths_scale_as_16_over_w():
    base = peak("unpu", 16, 16).gops
    for w in (2, 4, 8):
        assert peak("unpu", w, 16).gops == pytest.approx(base * 16 / w)


# ---- BitBlade ----------------------------------------------------------------------------------
def test_bitblade_2b_tops_calibration_within_2_percent():
    # the integer array (14x16 PEs) closest to 1.42 TOPS at 195 MHz gives 1.398 TOPS (-1.6 %)
    assert rel(peak("bitblade", 2, 2).gops, 1420) < 0.02


def test_bitblade_2b_tops_per_w_calibration():
    assert rel(peak("bitblade", 2, 2).tops_per_w, 44.1) < 0.001


def test_bitblade_power_checks():
    # CHECK: 7.8 mW at 0.6 V / 44 MHz (model -8 %), 74 mW at 1 V / 195 MHz (model +19 %)
    low = peak("bitblade", 2, 2, vdd_v=0.6, frequency_hz=44e6).power_w
    high = peak("bitblade", 2, 2).power_w
    assert rel(low, 7.8e-3) < 0.10
    assert rel(high, 74e-3) < 0.20


def test_bitblade_precision_scaling():
    two = peak("bitblade", 2, 2).macs_per_cycle
    assert peak("bitblade", 4, 4).macs_per_cycle == two / 4
    assert peak("bitblade", 8, 8).macs_per_cycle == two / 16
    assert peak("bitblade", 8, 2).macs_per_cycle == two / 4


# ---- Envision ----------------------------------------------------------------------------------
def test_envision_4b_tops_structural_check():
    # CHECK (no constant fitted): 16x16 units x 4 subword products x 2 ops x 200 MHz = 0.4096 TOPS
    assert rel(peak("envision", 4, 4).gops, 410) < 0.002


def test_envision_4b_tops_per_w_calibration_and_16b_check():
    assert rel(peak("envision", 4, 4).tops_per_w, 4.3) < 0.001
    # CHECK: the 16-bit mode (all 16 sub-multipliers per MAC) lands on the low end of 0.26-10 TOPS/W
    assert rel(peak("envision", 16, 16).tops_per_w, 0.26) < 0.04


def test_envision_peak_reports_idle_share():
    assert "idle share 75%" in peak("envision", 4, 4).notes


# ---- QUEST -------------------------------------------------------------------------------------
def test_quest_4bit_tops_calibration_and_1bit_check():
    assert rel(peak("quest", 4, 4).gops, 1980) < 0.001
    # CHECK: 4 one-bit lanes per 4-bit lane gives 7.92 TOPS vs 7.49 published (+5.7 %)
    assert rel(peak("quest", 1, 1).gops, 7490) < 0.06


def test_quest_tops_per_w_checks():
    # power calibrated on 3.3 W; CHECKS: 0.59 (4-bit, +1.7 %) and 2.27 TOPS/W (1-bit, +5.7 %)
    assert rel(peak("quest", 4, 4).tops_per_w, 0.59) < 0.02
    assert rel(peak("quest", 1, 1).tops_per_w, 2.27) < 0.06


# ---- Bit Fusion --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("w", "a", "macs"), [(8, 8, 512), (4, 4, 2048), (2, 2, 8192), (8, 2, 2048), (1, 1, 8192)]
)
def test_bitfusion_peak_macs_per_cycle(w, a, macs):
    # bitfusion_config.md: N x M x floor(8/max(a,2)) x floor(8/max(w,2))
    assert peak("bitfusion", w, a).macs_per_cycle == macs


def test_bitfusion_area_from_notebook():
    assert peak("bitfusion", 8, 8).area_mm2 == pytest.approx(0.888 + 0.767 + 0.242 + 0.243, rel=1e-3)


def test_bitfusion_16bit_temporal_iteration():
    assert peak("bitfusion", 16, 8).macs_per_cycle == 256
    assert peak("bitfusion", 16, 16).macs_per_cycle == 128


# ---- CLI ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("preset", "bits", "gops"),
    [("unpu", "16/16", 345.6), ("unpu", "1/16", 7372), ("bitblade", "2/2", 1420), ("envision", "4/4", 410),
     ("quest", "4/4", 1980), ("quest", "1/1", 7490)],
)  # fmt: skip
def test_cli_arch_peak_json(preset, bits, gops):
    result = CliRunner().invoke(build_app(), ["arch", "peak", preset, "--bits", bits, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert rel(doc["gops"], gops) < 0.06


def test_cli_arch_peak_unsupported_width_exit_2():
    from accelsim.cli.app import main

    with pytest.raises(SystemExit) as exc:
        main(["arch", "peak", "quest", "--bits", "8/8"])
    assert exc.value.code == 2
