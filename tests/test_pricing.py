"""The cost stage (accelsim.pricing): the action vocabulary, the additive LayerCost, the technology model
and re-pricing at another technology."""

from __future__ import annotations

import json
import math

import pytest
from cli_util import run_cli
from hypothesis import given
from hypothesis import strategies as st

from accelsim import simulate
from accelsim.cost import CostModel
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import available_presets, load_arch
from accelsim.pricing import ACTIONS, LayerCost, ModelTable, Technology, by_class, parse_tech
from accelsim.pricing.actions import NODE_INDEPENDENT_CLASSES, check_action
from accelsim.pricing.technology import area_factor, area_scale, energy_factor, energy_scale
from accelsim.workload import load_network

#: streaming (FPGA pipeline) presets: each is folded for its own network, and its energy is the FPGA's power
#: over the run, counted per resource-cycle by the pipeline (not per layer)
STREAMING = {p for p in available_presets() if load_arch(p).fabric == "streaming"}


def _runnable(preset: str) -> tuple[str, str | None]:
    if preset in STREAMING:  # a streaming preset is folded for its own network: its record's
        import yaml

        from accelsim.validation.records import RECORD_DIR

        record = yaml.safe_load((RECORD_DIR / f"{preset}.yaml").read_text())
        metric = next((f["metric"] for f in record["figures"] if f["metric"].get("network")), None)
        return (metric["network"], metric.get("bits")) if metric else ("bnn-pynq-cnv", None)
    return ("lenet5", "4/4") if preset == "quest" else ("lenet5", None)


@pytest.mark.parametrize("preset", available_presets())
def test_every_action_a_preset_reports_is_in_the_vocabulary_and_priced(preset):
    net, bits = _runnable(preset)
    rep = simulate(net, preset, bits=bits)
    actions = rep.action_counts()
    assert actions, "a MAC network makes some action happen"
    if preset in STREAMING:
        assert {c for c, _, _ in actions} >= {"fpga.lut", "fpga.static"}
    table = ModelTable(load_arch(preset))
    for key, n in actions.items():
        check_action(key)
        assert n >= 0, key
        assert table.energy_pj(*key) >= 0, key
    # the report's breakdown is exactly the priced counts
    priced: dict[str, float] = {}
    for (c, a, args), n in actions.items():
        priced[c] = priced.get(c, 0.0) + n * table.energy_pj(c, a, args)
    for c, e in rep.totals.energy_breakdown_pj.items():
        assert e == pytest.approx(priced[c], rel=1e-12)


def test_check_action_names_what_is_wrong():
    with pytest.raises(ValueError, match="unknown class 'sramm'"):
        check_action(("sramm.x", "read", (8,)))
    with pytest.raises(ValueError, match="no action 'convert'"):
        check_action(("sram.x", "convert", (8,)))
    with pytest.raises(ValueError, match=r"arguments \('bits',\)"):
        check_action(("sram.x", "read", ()))


def test_layer_cost_adds():
    a = LayerCost(10, 5, 1, 60.0, {"mac": 1.0, "sram.x": 2.0}, {"r": 3}, {("mac", "mac", (8, 8, 32)): 10})
    b = LayerCost(20, 7, 0, 70.0, {"mac": 0.5, "dram": 4.0}, {"r": 1}, {("mac", "mac", (8, 8, 32)): 20})
    s = a + b
    assert (s.macs, s.compute_cycles, s.stall_cycles, s.cycles) == (30, 12, 1, 13)
    assert s.energy_breakdown_pj == {"mac": 1.5, "sram.x": 2.0, "dram": 4.0}
    assert s.energy_pj == 7.5 and s.accesses == {"r": 4} and s.actions == {("mac", "mac", (8, 8, 32)): 30}
    assert s.utilization == 30 / 130
    assert sum([a, b]) == s and sum([a, b], LayerCost.zero()) == s
    assert by_class(s.energy_breakdown_pj) == {"mac": 1.5, "sram": 2.0, "dram": 4.0}


@pytest.mark.parametrize("preset", ["tpu-v1", "bitfusion", "eyeriss", "isaac", "ideal"])
def test_cost_model_and_simulate_sum_the_same_layer_costs(preset):
    """One additive result: CostModel.network_cost over every layer equals simulate's totals."""
    net = load_network("resnet20")
    rep = simulate(net, preset)
    nc = CostModel(preset).network_cost(net, mac_layers_only=False)
    assert nc.latency_cycles == rep.totals.cycles
    assert nc.energy_pj == pytest.approx(rep.totals.energy_pj, rel=1e-12)
    assert nc.energy_breakdown_pj.keys() == rep.totals.energy_breakdown_pj.keys()
    assert nc.total.utilization == pytest.approx(rep.totals.utilization, rel=1e-12)
    assert CostModel(preset).priced_at == rep.technology


# ---- technology model ----------------------------------------------------------------------------
def test_stillmaker_baas_factors_from_the_tabulated_coefficients():
    """F(n, V) = a·V² + b·V + c with the tabulated coefficients (hand-evaluated here), linear in the node
    between listed nodes; area relative to 45 nm from the area row (28 nm: between 32 nm 0.46 and 20 nm
    0.21)."""
    f45 = 1.103 * 0.64 - 0.362 * 0.8 + 0.2767
    f65 = 3.755 * 0.64 - 4.398 * 0.8 + 1.975
    assert energy_factor(45, 0.8) == pytest.approx(f45, rel=1e-12)
    assert energy_factor(65, 0.8) / energy_factor(45, 0.8) == pytest.approx(f65 / f45, rel=1e-12)
    f32 = 0.9559 * 0.64 - 0.7823 * 0.8 + 0.471
    f20 = 0.373 * 0.64 - 0.1582 * 0.8 + 0.04104
    assert energy_factor(28, 0.8) == pytest.approx(f32 + (f20 - f32) * 4 / 12, rel=1e-12)
    assert area_factor(28) == pytest.approx(0.46 + (0.21 - 0.46) * 4 / 12, rel=1e-12)
    assert area_factor(130) == 6.4 and area_factor(7) == 0.059
    # beyond the table: the end value times (n/end)^0.5 for energy, n/end for area
    assert energy_factor(180, 0.8) == pytest.approx(energy_factor(130, 0.8) * (180 / 130) ** 0.5)
    assert area_factor(180) == pytest.approx(6.4 * 180 / 130)


@given(node=st.floats(3, 250), vdd=st.floats(0.3, 2.0), node0=st.floats(3, 250), vdd0=st.floats(0.3, 2.0))
def test_scaling_is_a_ratio_of_one_function(node, vdd, node0, vdd0):
    """Scaling composes (a→b→c = a→c), is exactly 1 at the same technology, is positive; a target without
    a voltage keeps the native one, a native without one is at the reference 0.8 V."""
    a, b, c = Technology(node0, vdd0), Technology(node, vdd), Technology(45.0, 0.9)
    assert energy_scale(a, a) == 1.0 and area_scale(a, a) == 1.0
    assert energy_scale(a, b) * energy_scale(b, c) == pytest.approx(energy_scale(a, c), rel=1e-9)
    assert area_scale(a, b) * area_scale(b, c) == pytest.approx(area_scale(a, c), rel=1e-9)
    assert energy_scale(a, b) > 0 and area_scale(a, b) > 0
    assert energy_scale(a, Technology(node)) == energy_scale(a, Technology(node, vdd0))
    assert energy_scale(Technology(node0), b) == energy_scale(Technology(node0, 0.8), b)


def test_parse_tech():
    assert parse_tech("45") == Technology(45.0)
    assert parse_tech("28,0.9") == Technology(28.0, 0.9)
    assert parse_tech(" 28nm , 0.9V ") == Technology(28.0, 0.9)
    assert parse_tech(None) is None
    for bad, match in (("x", "NODE"), ("1", "3..250"), ("28,5", "0.3..2.0"), ("28,0.9,1", "NODE"),
                       ("nan", "3..250")):  # fmt: skip
        with pytest.raises(AccelsimInputError, match=match):
            parse_tech(bad)


@pytest.mark.parametrize("preset", ["tpu-v1", "eyeriss", "bitfusion", "isaac", "unpu"])
def test_repricing_scales_on_chip_energy_and_area_only(preset):
    """Re-priced at another technology: cycles unchanged; every on-chip component × F(target)/F(native),
    DRAM, cells and ADCs unchanged; area × the area factor; the report says where it was priced."""
    net, bits = _runnable(preset)
    arch = load_arch(preset)
    native = simulate(net, arch, bits=bits)
    target = Technology(16.0, 0.7)
    moved = simulate(net, arch, bits=bits, technology="16,0.7")
    assert [x.cycles for x in moved.layers] == [x.cycles for x in native.layers]
    s = energy_scale(Technology.of(arch), target)
    assert s < 0.5  # 16 nm at 0.7 V uses far less energy than any preset's node
    for k, e in native.totals.energy_breakdown_pj.items():
        want = e if k.split(".")[0] in NODE_INDEPENDENT_CLASSES else e * s
        assert moved.totals.energy_breakdown_pj[k] == pytest.approx(want, rel=1e-12), k
    if native.totals.area_mm2 is not None:
        a = area_scale(Technology.of(arch), target)
        assert moved.totals.area_mm2 == pytest.approx(native.totals.area_mm2 * a, rel=1e-12)
    assert native.technology.endswith("(native)")
    assert moved.technology.startswith("16 nm, 0.7 V (re-priced from")


def test_vocabulary_documents_every_action():
    for klass, actions in ACTIONS.items():
        for action, (args, meaning) in actions.items():
            assert meaning and all(isinstance(a, str) for a in args), (klass, action)


# ---- CLI -------------------------------------------------------------------------------------------
def test_compare_prints_both_sides_at_one_technology(capsys):
    """The issue's done-when command: both sides priced at 45 nm, and the table says so."""
    code, out, err = run_cli(
        [
            "compare",
            "--network-suite",
            "bitfusion",
            "--arch",
            "bitfusion",
            "--baseline",
            "systolic-vwa",
            "--tech",
            "45",
        ],
        capsys,  # fmt: skip
    )
    assert code == 0, err
    assert "priced at: bitfusion 45 nm; systolic-vwa 45 nm" in " ".join(out.split())
    code, out, err = run_cli(
        ["compare", "-n", "bitfusion-lenet-5", "-a", "bitfusion", "-b", "systolic-vwa", "--json", "-"], capsys
    )
    assert code == 0, err
    table = json.loads(out)
    assert (table["arch_technology"], table["baseline_technology"]) == ("45 nm", "40 nm")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["simulate", "-n", "lenet5", "-a", "ideal", "--tech", "45,9"], "--tech"),
        (
            [
                "compare",
                "-n",
                "bitfusion-lenet-5",
                "-a",
                "bitfusion",
                "-b",
                "bitfusion-paper-eyeriss",
                "--tech",
                "45",
            ],
            "--tech",
        ),  # fmt: skip
        (["simulate", "-n", "lenet5", "-a", "ideal", "--art", "x.yaml"], "--art"),
    ],
)
def test_bad_technology_inputs_are_one_line_errors(args, field, capsys):
    code, out, err = run_cli(args, capsys)
    assert code == 2
    assert field in err and len(err.strip().splitlines()) == 1, err


def test_simulate_tech_reprices_on_the_command_line(capsys):
    code, out, err = run_cli(
        ["simulate", "-n", "lenet5", "-a", "tpu-v1", "--tech", "45", "--json", "-"], capsys
    )
    assert code == 0, err
    rep = json.loads(out)
    assert rep["technology"] == "45 nm (re-priced from 28 nm)"
    assert math.isfinite(rep["totals"]["energy_pj"])


@pytest.mark.parametrize(
    ("kind", "pj_per_bit"), [("HBM2", 3.9), ("DDR3", 70.0), ("DDR4", 29.3), ("LPDDR4", 8.0)]
)
def test_dram_type_sets_its_energy_per_bit(kind, pj_per_bit):
    """dram.type prices every DRAM bit at the interface's tabulated energy (accelsim.tech)."""
    arch = load_arch("tpu-v1", **{"dram.type": kind})
    assert arch.dram.energy_pj_per_bit == pj_per_bit
    rep = simulate("lenet5", arch)
    bits = sum(n for (c, _, _), n in rep.action_counts().items() if c == "dram")
    assert rep.totals.energy_breakdown_pj["dram"] == pytest.approx(bits * pj_per_bit, rel=1e-12)
    with pytest.raises(AccelsimInputError, match="dram.type"):
        load_arch("tpu-v1", **{"dram.type": "DDR9"})


def test_docs_list_the_whole_vocabulary():
    """docs/pricing.md's table has one row per (class, action), with its arguments."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "pricing.md").read_text()
    for klass, actions in ACTIONS.items():
        for action, (args, meaning) in actions.items():
            row = f"| `{klass}` | `{action}` | {', '.join(args) or '—'} | {meaning} |"
            assert row in doc, row


def test_total_equals_the_sum():
    a = LayerCost(10, 5, 1, 60.0, {"mac": 1.0, "sram.x": 2.0}, {"r": 3}, {("mac", "mac", (8, 8, 32)): 10})
    b = LayerCost(20, 7, 0, 70.0, {"mac": 0.5, "dram": 4.0}, {"r": 1}, {("dram", "read", ()): 5})
    assert LayerCost.total([a, b, a]) == a + b + a
    assert LayerCost.total([]) == LayerCost.zero()


#: presets whose physics-only model is at 45 nm already (the check below is trivial there)
_AT_45NM = {p for p in available_presets() if p not in STREAMING and load_arch(p).technology_nm == 45}


@pytest.mark.parametrize("preset", sorted(set(available_presets()) - STREAMING - _AT_45NM))
def test_native_scaling_and_repricing_are_one_model(preset):
    """A physics-only preset at its node N, re-priced at 45 nm, costs what the same preset declared at 45 nm
    costs: the native estimators and the pricing stage scale with the same Stillmaker-Baas model. Holds for
    every action whose class re-prices (DRAM, cells and ADCs keep their own node models) and the DAC
    (a device model of its own), and for every component area the tech tables give."""
    net, bits = _runnable(preset)
    physics = load_arch(preset, calibrated=False)
    at45 = load_arch(preset, calibrated=False, technology_nm=45.0)
    repriced, declared = ModelTable(physics, Technology(45.0)), ModelTable(at45)
    counts = simulate(net, physics, bits=bits).action_counts()
    keys = [k for k in counts if by_class_key(k) not in _OWN_NODE_MODEL]
    assert keys
    for key in keys:
        assert repriced.energy_pj(*key) == pytest.approx(declared.energy_pj(*key), rel=1e-12), key
    a_re, a_45 = repriced.areas_mm2(), declared.areas_mm2()
    assert set(a_re) == set(a_45)
    for c in a_re:
        if by_class_key((c,)) not in _OWN_NODE_MODEL:
            assert a_re[c] == pytest.approx(a_45[c], rel=1e-12), c


#: components not priced from the 45 nm tables: classes with a node model of their own (DRAM, cells, ADCs,
#: the DAC), and figures a preset gives at its native node (a published chip's die area; ISAAC-style crossbar
#: peripherals: shift-and-add, sample-and-hold, tile and chip digital logic). Declaring another node does not
#: re-design those; re-pricing moves them.
_OWN_NODE_MODEL = NODE_INDEPENDENT_CLASSES | {
    "dac",
    "sample_hold",
    "chip",
    "shift_add",
    "digital.tile",
    "digital.chip",
}


def by_class_key(key: tuple) -> str:
    name = key[0]
    return name if name in _OWN_NODE_MODEL else name.split(".", 1)[0]
