"""CIM presets against the published figures (REFERENCES.md), cost-model arithmetic, and the fabric."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from priced import priced

from accelsim.dataflow.crossbar_mapping import map_layer
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.memory.adc import AdcConfig
from accelsim.memory.crossbar import CrossbarConfig, crossbar_gemm
from accelsim.memory.crossbar_cost import read_period_s
from accelsim.workload import Layer, Precision


def test_isaac_throughput_area_and_adc_share():
    """ISAAC: 478.95 GOPS/mm² is NOT calibrated (component areas from ISAAC's table): +0.9 %; ADC 58 %."""
    arch = load_arch("isaac")
    peak = arch.peak(16, 16)
    # 168 tiles · 96 crossbars · 128 rows · 16 weights per 16 reads of 100 ns, 2 ops per MAC
    assert peak.gops == pytest.approx(168 * 96 * 128 * 16 / (16 * 100e-9) * 2 / 1e9)
    assert peak.tops_per_mm2 * 1e3 == pytest.approx(478.95, rel=0.02)
    tile = arch.tile_power_w(16)
    assert tile["adc"] / sum(tile.values()) == pytest.approx(0.58, rel=0.01)
    assert sum(tile.values()) == pytest.approx(0.330, rel=0.01)  # ISAAC table: 330 mW per tile
    assert arch.crossbar.adc_bits_needed(16, False) == arch.crossbar.adc.bits  # flipped: 8-bit ADC lossless


def test_xnor_rram_uses_sense_amps_only():
    arch = load_arch("xnor-rram")
    power = arch.power_breakdown_w(1)
    assert "adc" not in power and power["sense_amp"] > 0
    assert "adc" not in arch.area_breakdown_mm2()


def test_walden_adc_energy_scales_with_bits():
    a8, a10 = AdcConfig(bits=8), AdcConfig(bits=10)
    assert a8.energy_pj_per_conversion() == pytest.approx(6.1e-3 * 256)
    assert a10.energy_pj_per_conversion() / a8.energy_pj_per_conversion() == pytest.approx(4.0)
    assert a8.power_w() == pytest.approx(6.1e-15 * 256 * 1.28e9)
    fast = AdcConfig(bits=8, sample_rate_hz=2.56e9)
    assert fast.area_mm2(32) == pytest.approx(2 * a8.area_mm2(32))


def test_adc_sharing_sets_read_period():
    arch = load_arch("isaac", **{"crossbar.cols_per_adc": 256})
    assert read_period_s(arch.crossbar) == pytest.approx(200e-9)
    slow = arch.peak(16, 16)
    assert slow.gops == pytest.approx(load_arch("isaac").peak(16, 16).gops / 2)


def test_layer_latency_and_energy_closed_form():
    arch = load_arch("isaac")
    layer = Layer(
        name="c", op="conv2d", in_channels=64, out_channels=64, in_h=56, in_w=56, kernel=3, padding=1
    )
    res = priced(layer, Precision(w_bits=16, a_bits=16), arch)
    mp = res.mapping
    assert mp["crossbars"] == 5 * 4  # K = 576 -> 5 row tiles; 64 filters x 8 cells = 512 cols -> 4
    assert mp["replication"] == 16
    expected_s = math.ceil(3136 / 16) * 16 * 100e-9
    assert res.compute_cycles == math.ceil(expected_s * arch.frequency_hz)
    # every conversion costs the Walden energy
    assert res.energy_breakdown_pj["adc"] == pytest.approx(
        mp["conversions"] * arch.crossbar.adc.energy_pj_per_conversion()
    )
    assert res.energy_breakdown_pj["adc"] > res.energy_breakdown_pj["dac"] > 0


def test_unknown_override_is_an_input_error():
    from accelsim.errors import AccelsimInputError

    with pytest.raises(AccelsimInputError):
        load_arch("isaac", **{"crossbar.adc_bitz": 4})


def _stepped_latency_s(m: int, chunks: int, replication: int, folds: int, t_read: float) -> float:
    """Event-by-event reference: each fold, replicas take output pixels round-robin; each pixel needs
    ``chunks`` reads of ``t_read`` on its replica; a fold ends when its busiest replica is done."""
    total = 0.0
    for _ in range(folds):
        busy = [0.0] * replication
        for pixel in range(m):
            for _ in range(chunks):
                busy[pixel % replication] += t_read
        total += max(busy)
    return total


@settings(max_examples=examples(40), deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 300),
    st.integers(1, 50),
    st.integers(1, 8),
    st.integers(1, 8),
    st.integers(1, 4),
    st.integers(1, 60),
    st.integers(1, 8),
)
def test_mapping_latency_equals_stepped_schedule(m, k, n, w_bits, a_bits, dac_bits, available, max_rep):
    layer = Layer(name="f", op="matmul", in_channels=k, out_channels=n, in_h=m)
    xb = CrossbarConfig(rows=32, cols=64, cell_bits=2, dac={"bits": dac_bits})
    prec = Precision(w_bits=w_bits, a_bits=a_bits)
    mp = map_layer(layer, prec, xb, available, max_rep)
    ref = _stepped_latency_s(m, mp.chunks, mp.replication, mp.folds, mp.read_period_s)
    assert mp.latency_s == pytest.approx(ref, rel=1e-12)
    assert mp.replication * mp.crossbars <= max(available, mp.crossbars)


def test_mapping_conversions_equal_functional_count():
    """The cost model's conversion count equals the conversions the functional kernel performs."""
    layer = Layer(name="f", op="matmul", in_channels=70, out_channels=9, in_h=5)
    xb = CrossbarConfig(rows=32, cols=64, cell_bits=2, dac={"bits": 2})
    prec = Precision(w_bits=6, a_bits=5)
    mp = map_layer(layer, prec, xb, 100, 1)
    rng = np.random.default_rng(0)
    r = crossbar_gemm(rng.integers(0, 32, (5, 70)), rng.integers(-32, 32, (70, 9)), xb, 6, 5)
    assert r.metrics["adc_conversions"] == mp.conversions


def test_pool_layer_runs_on_vector_unit():
    layer = Layer(name="p", op="pool", pool_type="max", in_channels=64, in_h=8, in_w=8, kernel=2, stride=2)
    res = priced(layer, Precision(), load_arch("isaac"))
    assert res.compute_cycles == math.ceil(64 * 8 * 8 / 64)
    assert res.mapping["kind"] == "digital_vector_unit"


def test_activation_matmul_runs_on_vector_unit():
    layer = Layer(
        name="qk", op="matmul", in_channels=64, out_channels=128, in_h=128, weights_are_activations=True
    )
    res = priced(layer, Precision(), load_arch("isaac"))
    assert res.compute_cycles == math.ceil(layer.macs / 64)


def test_isaac_preset_is_built_from_its_component_table():
    """accelsim/data/isaac_components.csv (ISAAC's power/area table, partly corroborated by Accelergy's
    library): the tile's digital periphery = eDRAM + bus + sigmoid/S+A/maxpool/OR + router share + 12 IMAs'
    input and output registers; one ADC = a table ADC."""
    import csv
    from importlib.resources import files

    text = files("accelsim.data").joinpath("isaac_components.csv").read_text()
    rows = {
        r["component"]: r
        for r in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    }
    arch = load_arch("isaac")
    mw = {k: float(r["power_mw"] or 0) for k, r in rows.items()}
    mm2 = {k: float(r["area_mm2"]) for k, r in rows.items()}
    tile = ("edram", "edram_bus", "sigmoid_shift_add_maxpool_or", "router_quarter")
    ima = ("input_register", "output_register")
    assert arch.tile_digital_power_w * 1e3 == pytest.approx(
        sum(mw[k] for k in tile) + 12 * sum(mw[k] for k in ima)
    )
    area = sum(mm2[k] for k in tile) + 12 * sum(mm2[k] for k in (*ima, "shift_add"))
    assert arch.tile_digital_area_mm2 == pytest.approx(area, rel=0.001)
    assert arch.crossbar.adc.area_mm2_at_ref == pytest.approx(mm2["adc"] / 8)
    assert arch.chip_overhead_area_mm2 == mm2["hyper_transport"]
    assert arch.crossbar.adc.power_w() * 1e3 == pytest.approx(mw["adc"] / 8, rel=0.002)


def test_adc_survey_model_equals_the_plug_in_regression():
    """cost_model survey: Accelergy's ADC plug-in regression of the Murmann survey, hand-evaluated from its
    published coefficients (model.yaml): 8 b 32 nm 1 GS/s 1.714 pJ and 5,972 µm²; 10 b 13.95 pJ; energy
    grows with bits and node, area with the sample rate; fewer than 4 bits is refused."""
    from accelsim.memory import adc_survey
    from accelsim.memory.adc import AdcConfig

    assert adc_survey.energy_pj(8, 32, 1e9) == pytest.approx(1.71371, rel=1e-5)
    assert adc_survey.area_um2(8, 32, 1e9) == pytest.approx(5971.63, rel=1e-5)
    assert adc_survey.energy_pj(10, 32, 1e9) == pytest.approx(13.9455, rel=1e-5)
    assert (
        adc_survey.energy_pj(8, 65, 1e9) > adc_survey.energy_pj(8, 32, 1e9) > adc_survey.energy_pj(8, 7, 1e9)
    )
    assert adc_survey.area_um2(8, 32, 1e8) < adc_survey.area_um2(8, 32, 1e9)
    adc = AdcConfig(bits=8, sample_rate_hz=1e9, cost_model="survey")
    assert adc.energy_pj_per_conversion(32) == pytest.approx(1.71371, rel=1e-5)
    assert adc.area_mm2(32) == pytest.approx(5971.63e-6, rel=1e-5)
    arch = load_arch("isaac", **{"crossbar.adc.cost_model": "survey"})
    assert arch.action_energy_pj("adc", "convert", (8,)) == pytest.approx(adc_survey.energy_pj(8, 32, 1.28e9))
    with pytest.raises(AccelsimInputError, match="4 bits or more"):
        load_arch("isaac", **{"crossbar.adc.cost_model": "survey", "crossbar.adc.bits": 3})
