"""Area for every fabric (the cost stage's component areas): the closed forms, the area objective on every
preset, and published core areas the models *predict* (none of them was fitted to these)."""

from __future__ import annotations

import pytest

from accelsim import tech
from accelsim.cost import CostModel
from accelsim.fabrics import available_presets, load_arch
from accelsim.pricing import ModelTable


def test_systolic_area_closed_form():
    """R·C·(b×b multiplier + acc adder + (2b + acc) flip-flops) + the three buffers at 0.914 µm²/bit, at
    45 nm, b = native_operand_bits."""
    arch = load_arch("scalesim-32x32-os", native_operand_bits=4, technology_nm=45)
    areas = ModelTable(arch).areas_mm2()
    pe_mac_um2 = 282.0 * 16 / 64 + (36.0 + 101.0 * (32 - 8) / 24)  # 4×4 mult, 32-bit add (Horowitz)
    assert areas["mac"] == pytest.approx(1024 * pe_mac_um2 * 1e-6)
    assert areas["register"] == pytest.approx(1024 * (2 * 4 + 32) * 3.23 * 1.4 * 1e-6)
    cap = arch.buffers.ifmap.capacity_bytes
    assert areas["sram.ifmap"] == pytest.approx(cap * 8 * 0.914e-6)
    assert arch.peak(8, 8).area_mm2 == pytest.approx(sum(areas.values()))


def test_area_scales_with_node_squared_in_the_native_estimators():
    a45 = sum(ModelTable(load_arch("tpu-v1", technology_nm=45)).areas_mm2().values())
    a28 = sum(ModelTable(load_arch("tpu-v1")).areas_mm2().values())
    assert a28 == pytest.approx(a45 * tech.node_area_factor(28))


@pytest.mark.parametrize("preset", available_presets())
def test_area_objective_works_for_every_preset(preset):
    assert CostModel(preset).area_mm2(8, 8) > 0
