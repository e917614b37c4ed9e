"""What a newcomer sees (issue 12): tables within 80 columns, the report as a Python object, plots, the
compare view with TOPS/W and utilization, the accuracy explanation."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cli_util import run_cli

import accelsim
from accelsim.cli.cmd_core import explain_accuracy_loss


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "-n", "resnet18", "-a", "tpu-v1"],
        ["simulate", "-n", "mobilenetv2", "-a", "eyeriss"],
        ["simulate", "-n", "lenet5-digits", "-a", "isaac", "--accuracy", "--max-images", "40"],
        ["net", "list"],
        ["net", "show", "resnet18"],
        ["net", "show", "bert-base-encoder"],
        ["arch", "list"],
        ["arch", "peak", "unpu", "--bits", "1/16"],
        [
            "compare",
            "--network-suite",
            "bitfusion",
            "--arch",
            "bitfusion",
            "--baseline",
            "bitfusion-paper-eyeriss",
        ],
        ["compare", "-n", "lenet5", "--arch", "bitfusion", "--baseline", "eyeriss", "--per-layer"],
        ["compare-dataflows", "--network", "lenet5"],
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_every_table_fits_80_columns(args, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    widest = max(len(line) for line in out.splitlines())
    assert widest <= 80, (widest, next(line for line in out.splitlines() if len(line) == widest))
    assert "…" not in out or args[0] == "arch"  # nothing cut off (arch list wraps, it does not cut)


def test_simulate_table_has_a_latency_column_at_80(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(["simulate", "-n", "lenet5", "-a", "ideal"], capsys)
    assert code == 0 and "latency" in out and " W, " in out  # latency column, power in the totals line
    code, out, _ = run_cli(["simulate", "-n", "lenet5", "-a", "ideal", "--wide"], capsys)
    assert code == 0 and "stall" in out and "op" in out


def test_report_is_a_python_object():
    r = accelsim.simulate("lenet5", "isaac", bits="8/8")
    df = r.to_dataframe()
    assert isinstance(df, pd.DataFrame) and list(df.index) == [x.name for x in r.layers]
    assert df["cycles"].sum() == r.totals.cycles and "energy_adc_pj" in df.columns
    assert repr(r).startswith("<Report lenet5 on isaac (crossbar), batch 1:") and len(repr(r)) < 250
    assert "energy breakdown" in str(r) and "conv1" in str(r)
    html = r._repr_html_()
    assert html.startswith("<p><b>lenet5 on isaac") and "<table" in html
    t = r.totals
    assert t.power_w == pytest.approx(t.energy_pj * 1e-12 / t.latency_s)
    assert t.area_mm2 == pytest.approx(accelsim.load_arch("isaac").peak(8, 8).area_mm2)
    tpu = accelsim.simulate("lenet5", "tpu-v1").totals
    assert tpu.area_mm2 == pytest.approx(accelsim.load_arch("tpu-v1").peak(8, 8).area_mm2)
    assert tpu.area_mm2 == pytest.approx(sum(tpu.area_breakdown_mm2.values()))


def test_simulate_plot(tmp_path, capsys):
    p = tmp_path / "layers.svg"
    code, _, err = run_cli(["simulate", "-n", "lenet5", "-a", "eyeriss", "--plot", p, "-q"], capsys)
    assert code == 0, err
    text = p.read_text()
    assert text.startswith("<?xml") and "conv1" in text and "stall" in text
    code, _, err = run_cli(
        ["simulate", "-n", "lenet5", "-a", "eyeriss", "--plot", tmp_path / "x.txt"], capsys
    )
    assert code == 2 and "--plot" in err
    assert sorted(x.name for x in tmp_path.iterdir()) == ["layers.svg"]


def test_compare_reports_tops_per_w_utilization_and_per_layer(tmp_path, capsys):
    p = tmp_path / "c.json"
    code, out, err = run_cli(["compare", "-n", "lenet5", "-n", "resnet18", "--arch", "bitfusion", "--baseline",
                              "eyeriss", "--per-layer", "--json", p], capsys)  # fmt: skip
    assert code == 0, err
    doc = json.loads(p.read_text())
    row = doc["rows"][1]
    ours = accelsim.simulate("resnet18", "bitfusion").totals
    assert row["arch_tops_per_w"] == pytest.approx(ours.tops_per_w)
    assert row["arch_utilization"] == pytest.approx(ours.utilization)
    assert [x["name"] for x in row["layers"]] == [x.name for x in accelsim.load_network("resnet18").layers]
    assert "TOPS/W" in out and "resnet18 per layer" in out


def test_arch_list_describes_presets_and_lists_the_pseudo_baseline(capsys):
    code, out, _ = run_cli(["arch", "list"], capsys)
    assert code == 0 and "bitfusion-paper-eyeriss" in out and "description" in out


def test_isaac_demo_explains_its_accuracy_loss(capsys):
    """The demo's second command: the 6-bit ADC is named as the cause, in one line."""
    code, out, _ = run_cli(["simulate", "-n", "lenet5-digits", "-a", "isaac", "--bits", "8/8", "--accuracy",
                            "--set", "crossbar.adc.bits=6", "--max-images", "60"], capsys)  # fmt: skip
    assert code == 0
    why = [line for line in out.splitlines() if line.startswith("why: ")]
    assert len(why) == 1 and "6-bit ADC < the 8 bits an exact column sum needs" in why[0]
    code, out, _ = run_cli(["simulate", "-n", "lenet5-digits", "-a", "isaac", "--bits", "8/8", "--accuracy",
                            "--max-images", "60"], capsys)  # fmt: skip
    assert code == 0 and "why: " not in out  # lossless: nothing to explain


def test_explanation_names_accumulator_overflow():
    result = {"accuracy": {"overall": {"accuracy_float": 0.9, "accuracy_int": 0.5}, "layers": [
        {"name": "a", "stats": {"overflow_outputs": 12}, "fabric_vs_ideal": {"frac_bit_exact": 0.5}},
        {"name": "b", "stats": {"overflow_outputs": 0}}]}}  # fmt: skip
    assert (
        explain_accuracy_loss(result)
        == "why: the accumulators overflow in 1 layers (12 outputs): accuracy 0.9 (float) -> 0.5"
    )
