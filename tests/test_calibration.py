"""Calibration kept apart from physics: fitted constants live in a preset's ``calibration:`` block, which
``--no-calibration`` (``load_arch(..., calibrated=False)``) leaves out."""

from __future__ import annotations

import json

import pytest
import yaml
from cli_util import run_cli

from accelsim import simulate
from accelsim.fabrics import available_presets, load_arch
from accelsim.fabrics.registry import PRESET_DIR, arch_from_dict

CALIBRATED = {
    "conv-sram", "isaac", "pipelayer", "puma", "rram-yao2020", "xnor-rram", "xnor-sram", "unpu", "bitblade",
    "envision", "quest",
}  # fmt: skip


def _raw(preset: str) -> dict:
    return yaml.safe_load((PRESET_DIR / f"{preset}.yaml").read_text())


def _get(model, dotted: str):
    for key in dotted.split("."):
        model = getattr(model, key)
    return model


def test_presets_that_say_calibrated_have_a_block():
    """A preset whose comments call a constant CALIBRATED or fitted carries it in its calibration block."""
    for preset in available_presets():
        text = (PRESET_DIR / f"{preset}.yaml").read_text()
        says = any(w in text.lower() for w in ("calibrated", "fitted"))
        assert (preset in CALIBRATED) == ("calibration" in _raw(preset)), preset
        if preset in CALIBRATED:
            assert says, preset


@pytest.mark.parametrize("preset", sorted(CALIBRATED))
def test_block_fields_are_out_of_the_body_and_off_without_calibration(preset):
    raw = _raw(preset)
    block = raw["calibration"]
    assert block["fitted_to"] and block["fields"]
    assert any(s in block["fitted_to"] for s in ("seed 000", "REFERENCES")), "cite where the figure is"
    calibrated = load_arch(preset)
    physics = load_arch(preset, calibrated=False)
    for dotted, value in block["fields"].items():
        node = raw
        for key in dotted.split(".")[:-1]:
            node = node.get(key, {})
        assert dotted.split(".")[-1] not in node, f"{dotted} is also in the preset's body"
        got = _get(calibrated, dotted)
        fitted = float(value) if isinstance(got, float) else value  # PyYAML reads 1.0e6 as a string
        assert got == fitted
        default = _get(physics, dotted)
        assert default != fitted, f"{dotted}: the physics default equals the fitted value"
    assert calibrated.calibration.applied and not physics.calibration.applied
    assert physics.calibration.describe().startswith("physics only")


def test_overrides_win_and_a_dumped_model_keeps_them():
    arch = load_arch("isaac", chip_overhead_power_w=7.0)
    assert arch.chip_overhead_power_w == 7.0
    again = arch_from_dict(arch.model_dump(), "dump")
    assert again.chip_overhead_power_w == 7.0 and again == arch


def test_physics_only_changes_energy_not_the_published_figure_it_was_fitted_to():
    """UNPU physics only: Horowitz MACs and the tech SRAM model instead of the chip constants fitted to
    3.08 TOPS/W at 16 bits; calibrated, the peak reproduces the figure it was fitted to (fit set)."""
    cal, phys = load_arch("unpu").peak(16, 16), load_arch("unpu", calibrated=False).peak(16, 16)
    assert cal.tops_per_w == pytest.approx(3.08, rel=0.01)
    assert phys.tops_per_w != pytest.approx(cal.tops_per_w, rel=0.1)
    assert phys.gops == cal.gops  # timing is structure, not calibration
    a = simulate("lenet5", load_arch("unpu"))
    b = simulate("lenet5", load_arch("unpu", calibrated=False))
    assert [x.cycles for x in a.layers] == [x.cycles for x in b.layers]
    assert a.totals.energy_pj != b.totals.energy_pj
    assert a.calibration.startswith("calibrated to 3.08 TOPS/W") and b.calibration.startswith("physics only")


def test_cli_no_calibration(capsys):
    code, out, err = run_cli(["arch", "peak", "xnor-rram", "--bits", "1/1", "--json", "-"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["tops_per_w"] == pytest.approx(141, rel=0.01) and doc["tops_per_w_physics_only"] > 141
    code, out, err = run_cli(
        ["simulate", "-n", "lenet5", "-a", "xnor-rram", "--bits", "1/1", "--no-calibration", "--json", "-"],
        capsys,
    )
    assert code == 0, err
    assert json.loads(out)["calibration"].startswith("physics only (1 fitted field(s) left out")
    code, out, err = run_cli(
        ["compare", "-n", "lenet5", "-a", "unpu", "-b", "bitblade", "--bits", "4/4", "--no-calibration"],
        capsys,
    )
    assert code != 0 or "geomean" in out
