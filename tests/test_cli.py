"""CLI: the simulate path end to end, and one-line errors with exit code 2 for bad input."""

import json
import subprocess
import sys

import pytest
from cli_util import run_cli


def test_simulate_writes_json_and_csv(tmp_path, capsys):
    j, c = tmp_path / "r.json", tmp_path / "r.csv"
    code, out, err = run_cli(
        [
            "simulate",
            "--network",
            "lenet5",
            "--arch",
            "ideal",
            "--bits",
            "4/4",
            "--json",
            str(j),
            "--csv",
            str(c),
        ],
        capsys,
    )
    assert code == 0, err
    doc = json.loads(j.read_text())
    assert [layer["name"] for layer in doc["layers"]][:2] == ["conv1", "pool1"]
    for key in (
        "cycles",
        "stall_cycles",
        "latency_s",
        "energy_pj",
        "energy_breakdown_pj",
        "utilization",
        "accesses",
    ):
        assert key in doc["layers"][0]
    assert doc["totals"]["macs"] == 416520
    assert doc["layers"][0]["w_bits"] == 4
    assert c.read_text().splitlines()[0].startswith("name,op,w_bits,a_bits,macs,cycles")
    assert "total" in out


BAD_YAML = "name: x\nlayers: [\n"
BAD_SHAPE = """name: bad
layers:
  - {name: c1, op: conv2d, in_channels: 3, out_channels: 8, in_h: 4, in_w: 4, kernel: 7}
"""
ZERO_SIZE = """name: bad
layers:
  - {name: c1, op: conv2d, in_channels: 0, out_channels: 8, in_h: 4, in_w: 4, kernel: 3}
"""
BAD_BITS = """name: bad
precision: {w_bits: 33}
layers:
  - {name: c1, op: fc, in_channels: 3, out_channels: 8}
"""


@pytest.mark.parametrize(
    "args, files, expected",
    [
        (["simulate", "-n", "no-such-net", "-a", "ideal"], {}, "network: unknown value 'no-such-net'"),
        (["simulate", "-n", "lenet5", "-a", "idael"], {}, "did you mean 'ideal'"),
        (["simulate", "-n", "lenet5", "-a", "ideal", "--bits", "0/4"], {}, "bits: bit width must be 1..32"),
        (["simulate", "-n", "lenet5", "-a", "ideal", "--bits", "8/40"], {}, "bits: bit width must be 1..32"),
        (["simulate", "-n", "lenet5", "-a", "ideal", "--batch", "0"], {}, "batch: must be >= 1"),
        (["simulate", "-n", "lenet5", "-a", "ideal", "--set", "macs_per_cycle=0"], {}, "macs_per_cycle"),
        (
            ["simulate", "-n", "lenet5", "-a", "ideal", "--set", "macs_per_cycl=4"],
            {},
            "did you mean 'macs_per_cycle'",
        ),
        (["simulate", "-n", "{d}/bad.yaml", "-a", "ideal"], {"bad.yaml": BAD_YAML}, "malformed YAML"),
        (
            ["simulate", "-n", "{d}/shape.yaml", "-a", "ideal"],
            {"shape.yaml": BAD_SHAPE},
            "larger than the padded",
        ),
        (["simulate", "-n", "{d}/zero.yaml", "-a", "ideal"], {"zero.yaml": ZERO_SIZE}, "in_channels"),
        (["simulate", "-n", "{d}/bits.yaml", "-a", "ideal"], {"bits.yaml": BAD_BITS}, "precision.w_bits"),
        (["simulate", "-n", "{d}/missing.yaml", "-a", "ideal"], {}, "file not found"),
        (
            ["simulate", "-n", "lenet5", "-a", "ideal", "--json", "{d}/nodir/x.json"],
            {},
            "directory does not exist",
        ),
        (["net", "show", "nope"], {}, "network: unknown value"),
        (["arch", "show", "nope"], {}, "arch: unknown value"),
    ],
)
def test_bad_input_one_line_exit_2(tmp_path, capsys, args, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    args = [a.replace("{d}", str(tmp_path)) for a in args]
    code, out, err = run_cli(args, capsys)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert expected in lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "nodir").exists()


def test_no_partial_output_on_error(tmp_path, capsys):
    j = tmp_path / "r.json"
    code, _, _ = run_cli(["simulate", "-n", "nope", "-a", "ideal", "--json", str(j)], capsys)
    assert code == 2 and not j.exists()


def test_entry_point_exit_code():
    """The installed console entry point returns 2 and a single stderr line on a user error."""
    proc = subprocess.run(
        [sys.executable, "-m", "accelsim", "simulate", "-n", "lenet5", "-a", "nope"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "arch: unknown value 'nope'" in proc.stderr


def test_arch_schema_and_show(capsys):
    code, out, _ = run_cli(["arch", "schema"], capsys)
    assert code == 0 and "IdealArch" in json.loads(out)["$defs"]
    code, out, _ = run_cli(["arch", "show", "ideal", "--set", "dram.bandwidth_bytes_per_cycle=null"], capsys)
    assert code == 0 and json.loads(out)["dram"]["bandwidth_bytes_per_cycle"] is None


def test_scalesim_mode_matches_golden(tmp_path, capsys):
    """`simulate --scalesim-topology/--scalesim-config` reproduces SCALE-Sim's cycles (+1) per layer."""
    from pathlib import Path

    case = Path(__file__).parent / "data" / "scalesim" / "synthetic_os_8x8"
    golden = json.loads((case / "golden.json").read_text())
    out = tmp_path / "s.json"
    code, _, err = run_cli(
        ["simulate", "--scalesim-topology", str(case / "topology.csv"), "--scalesim-config",
         str(case / "config.cfg"), "--json", str(out), "-q"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    layers = json.loads(out.read_text())["layers"]
    expected = [row["Total Cycles"] + 1 for row in golden["layers"]]
    assert [x["cycles"] for x in layers] == expected


def test_scalesim_mode_needs_both_files(capsys):
    code, _, err = run_cli(["simulate", "--scalesim-topology", "x.csv"], capsys)
    assert code == 2 and "needs both" in err


def test_accuracy_flag_reports_accuracy_and_cost(tmp_path, capsys):
    out = tmp_path / "a.json"
    code, text, err = run_cli(
        ["simulate", "-n", "lenet5-digits", "-a", "ideal", "--accuracy", "--bits", "8/8", "--max-images", "100",
         "--json", str(out)],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out.read_text())
    overall = doc["accuracy"]["overall"]
    assert overall["images"] == 100
    assert overall["accuracy_int"] >= overall["accuracy_float"] - 0.03
    assert doc["performance"]["totals"]["energy_pj"] > 0
    # accuracy first, the key mismatch numbers once (all of them are in the JSON), then the cost tables
    assert text.lstrip().startswith("accuracy lenet5-digits on ideal (100 images")
    assert text.count("top-1 agreement, integer vs float") == 1
    assert "mismatch: " not in text and text.index("per-layer mismatch") < text.index("energy breakdown")
    assert len(overall) > 10  # the full set, in the JSON only


def test_unknown_quantizer_is_a_user_error(tmp_path, capsys):
    (tmp_path / "q.yaml").write_text(
        "name: q\nprecision: {quantizer: unifrom}\nlayers:\n  - {name: f, op: fc, in_channels: 4, out_channels: 2}\n"
    )
    code, _, err = run_cli(["simulate", "-n", str(tmp_path / "q.yaml"), "-a", "ideal"], capsys)
    assert code == 2 and "quantizer: unknown value 'unifrom' (did you mean 'uniform'?)" in err


def test_accuracy_with_other_quantizers(tmp_path, capsys):
    out = tmp_path / "d.json"
    code, _, err = run_cli(
        ["simulate", "-n", "lenet5-digits", "-a", "ideal", "--accuracy", "--bits", "4/4", "--quantizer", "dorefa",
         "--max-images", "60", "--json", str(out), "-q"],
        capsys,
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out.read_text())["accuracy"]["overall"]["accuracy_int"] > 0.8
    code, _, err = run_cli(
        ["simulate", "-n", "lenet5-digits", "-a", "ideal", "--accuracy", "--quantizer", "fp8"], capsys
    )
    assert code == 2 and "fp8 weights have no integer-only execution" in err and err.count("\n") == 1


def test_eyeriss_accuracy_uses_measured_sparsity(tmp_path, capsys):
    """With --accuracy the Eyeriss cost is driven by the activations the integer run produced."""
    out_acc, out_plain = tmp_path / "a.json", tmp_path / "p.json"
    args = ["simulate", "-n", "lenet5-digits", "-a", "eyeriss", "--bits", "8/8", "-q"]
    assert run_cli(args + ["--accuracy", "--max-images", "20", "--json", str(out_acc)], capsys)[0] == 0
    assert run_cli(args + ["--batch", "20", "--json", str(out_plain)], capsys)[0] == 0
    acc, plain = json.loads(out_acc.read_text()), json.loads(out_plain.read_text())
    assert acc["performance"]["totals"]["macs"] == plain["totals"]["macs"]
    assert acc["performance"]["totals"]["accesses"] != plain["totals"]["accesses"]
