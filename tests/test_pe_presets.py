"""The precision-scalable presets' peak model: how throughput scales with the bit widths, the fitted
1-bit mode of UNPU, Bit Fusion's pass table and area, and the ``arch peak`` CLI. The published figures
themselves (fit set and hold-out predictions) are in the validation records
(accelsim/validation/records/, tests/test_validation_records.py)."""

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
def test_unpu_1bit_gops_fitted_one_bit_mode():
    # 16/w scaling alone gives 5530 GOPS (-25 %); the fitted 1-bit mode (64 MACs / 3 cycles) gives 7372.8
    assert rel(peak("unpu", 16, 16).gops * 16, 7372) > 0.2
    assert rel(peak("unpu", 1, 16).gops, 7372) < 0.001


def test_unpu_intermediate_widths_scale_as_16_over_w():
    base = peak("unpu", 16, 16).gops
    for w in (2, 4, 8):
        assert peak("unpu", w, 16).gops == pytest.approx(base * 16 / w)


# ---- BitBlade ----------------------------------------------------------------------------------
def test_bitblade_precision_scaling():
    two = peak("bitblade", 2, 2).macs_per_cycle
    assert peak("bitblade", 4, 4).macs_per_cycle == two / 4
    assert peak("bitblade", 8, 8).macs_per_cycle == two / 16
    assert peak("bitblade", 8, 2).macs_per_cycle == two / 4


# ---- Envision ----------------------------------------------------------------------------------
def test_envision_peak_reports_idle_share():
    assert "idle share 75%" in peak("envision", 4, 4).notes


# ---- QUEST -------------------------------------------------------------------------------------
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
