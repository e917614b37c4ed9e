"""Accelergy interoperability (accelsim.io.accelergy): export a run's ERT/ART/action counts, price any
preset with a user's ERT/ART, round trip exactly."""

from __future__ import annotations

import pytest
import yaml
from cli_util import run_cli

from accelsim import simulate
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.io.accelergy import accelergy_table, read_ert, write_accelergy
from accelsim.pricing import ModelTable

PRESETS = ["tpu-v1", "eyeriss", "bitfusion", "isaac", "xnor-rram", "ideal", "unpu"]


@pytest.mark.parametrize("preset", PRESETS)
def test_round_trip_prices_identically(preset, tmp_path):
    """export → import → price: every layer's energy breakdown identical, areas equal."""
    arch = load_arch(preset)
    native = simulate("lenet5", arch)
    write_accelergy(tmp_path, native.action_counts(), ModelTable(arch))
    table = accelergy_table(tmp_path / "ERT.yaml", tmp_path / "ART.yaml")
    again = simulate("lenet5", arch, table=table)
    for a, b in zip(native.layers, again.layers, strict=True):
        assert a.energy_breakdown_pj == b.energy_breakdown_pj, a.name
        assert a.cycles == b.cycles
    assert again.totals.energy_pj == native.totals.energy_pj
    if native.totals.area_mm2 is None:
        assert again.totals.area_mm2 is None
    else:
        assert again.totals.area_mm2 == pytest.approx(native.totals.area_mm2, rel=1e-12)
    assert again.technology == "ERT ERT.yaml"


def test_files_have_accelergys_structure(tmp_path):
    arch = load_arch("tpu-v1")
    rep = simulate("lenet5", arch)
    write_accelergy(tmp_path, rep.action_counts(), ModelTable(arch))
    ert = yaml.safe_load((tmp_path / "ERT.yaml").read_text())["ERT"]
    art = yaml.safe_load((tmp_path / "ART.yaml").read_text())["ART"]
    counts = yaml.safe_load((tmp_path / "action_counts.yaml").read_text())["action_counts"]
    assert ert["version"] == art["version"] == counts["version"] == "0.4"
    names = {t["name"] for t in ert["tables"]}
    assert {"system.mac", "system.register", "system.sram.ifmap", "system.dram"} <= names
    mac_actions = next(t for t in ert["tables"] if t["name"] == "system.mac")["actions"]
    mac = next(a for a in mac_actions if a["name"] == "mac")
    assert mac["name"] == "mac" and set(mac["arguments"]) == {"w_bits", "a_bits", "acc_bits"}
    assert isinstance(mac["energy"], float)
    for t in counts["local"]:
        for a in t["action_counts"]:
            assert set(a) == {"name", "arguments", "counts"} and a["counts"] >= 0
    # the action counts priced by the ERT give the run's total energy
    price = {
        (t["name"], a["name"], str(a["arguments"])): a["energy"] for t in ert["tables"] for a in t["actions"]
    }
    total = sum(
        a["counts"] * price[(t["name"], a["name"], str(a["arguments"]))]
        for t in counts["local"]
        for a in t["action_counts"]
    )
    assert total == pytest.approx(rep.totals.energy_pj, rel=1e-12)


def test_a_users_ert_prices_with_its_own_numbers(tmp_path):
    """A hand-written ERT with one energy per action (arguments null = any widths)."""
    (tmp_path / "ERT.yaml").write_text(
        yaml.safe_dump(
            {
                "ERT": {
                    "version": 0.3,
                    "tables": [
                        {
                            "name": "system.mac",
                            "actions": [
                                {"name": "mac", "arguments": None, "energy": 1.0},
                                {"name": "add", "arguments": None, "energy": 0.5},
                            ],
                        },
                        {
                            "name": "sram.buffer",
                            "actions": [
                                {"name": "read", "arguments": None, "energy": 2.0},
                                {"name": "write", "arguments": {"bits": 8}, "energy": 3.0},
                            ],
                        },
                        {
                            "name": "system.dram",
                            "actions": [
                                {"name": "read", "arguments": None, "energy": 10.0},
                                {"name": "write", "arguments": None, "energy": 10.0},
                            ],
                        },
                    ],
                }
            }
        )  # fmt: skip
    )
    rep = simulate("lenet5", "ideal", table=accelergy_table(tmp_path / "ERT.yaml"))
    conv = next(x for x in rep.layers if x.op == "conv2d")
    assert conv.energy_breakdown_pj["mac"] == conv.macs * 1.0
    assert conv.energy_breakdown_pj["sram.buffer"] == 2 * conv.macs * 2.0 + conv.accesses["sram_writes"] * 3.0
    # an entry the run needs and the table lacks is named
    text = (tmp_path / "ERT.yaml").read_text().replace("name: add", "name: pe_cycle")
    (tmp_path / "ERT2.yaml").write_text(text)
    with pytest.raises(AccelsimInputError, match=r"ERT ERT2.yaml has no energy for mac.add\[8\]"):
        simulate("lenet5", "ideal", table=accelergy_table(tmp_path / "ERT2.yaml"))


@pytest.mark.parametrize(
    ("doc", "match"),
    [
        ({"ERTT": {}}, "top-level 'ERT:'"),
        ({"ERT": {"version": "0.4", "tables": {}}}, "must be a list"),
        ({"ERT": {"tables": [{"name": "system.flux.x", "actions": []}]}}, "unknown component class 'flux'"),
        (
            {"ERT": {"tables": [{"name": "sram.a", "actions": [{"name": "zap", "energy": 1}]}]}},
            "no action 'zap'",
        ),
        (
            {
                "ERT": {
                    "tables": [
                        {
                            "name": "sram.a",
                            "actions": [{"name": "read", "arguments": {"width": 8}, "energy": 1}],
                        }
                    ]
                }
            },
            r"expected \['bits'\]",
        ),  # fmt: skip
        (
            {"ERT": {"tables": [{"name": "dram", "actions": [{"name": "read", "energy": -1}]}]}},
            "must be a number >= 0",
        ),
        (
            {"ERT": {"tables": [{"name": "dram", "actions": [{"name": "read", "energy": "x"}]}]}},
            "must be a number",
        ),
    ],
)
def test_bad_ert_is_a_one_line_error(doc, match, tmp_path):
    path = tmp_path / "ERT.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(AccelsimInputError, match=match):
        read_ert(path)


def test_cli_export_then_price(tmp_path, capsys):
    out = tmp_path / "acc"
    code, _, err = run_cli(["simulate", "-n", "lenet5", "-a", "bitfusion", "--accelergy", out, "-q"], capsys)
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["ART.yaml", "ERT.yaml", "action_counts.yaml"]
    code, stdout, err = run_cli(
        [
            "simulate",
            "-n",
            "lenet5",
            "-a",
            "bitfusion",
            "--ert",
            out / "ERT.yaml",
            "--art",
            out / "ART.yaml",
            "--json",
            "-",
        ],
        capsys,  # fmt: skip
    )
    assert code == 0, err
    import json

    assert json.loads(stdout)["technology"] == "ERT ERT.yaml"
    (tmp_path / "bad.yaml").write_text("ERT: [")
    code, _, err = run_cli(
        ["simulate", "-n", "lenet5", "-a", "bitfusion", "--ert", tmp_path / "bad.yaml"], capsys
    )
    assert code == 2 and "--ert" in err and len(err.strip().splitlines()) == 1, err
