"""docs/fpga.md's fold table states what its seven `accelsim fpga fold` commands print: each row is rerun (the
commands of the ```sh block that follows the table, in order) and every figure compared at the table's
rounding. The docs-command test only checks that they exit 0, which let the table go stale once."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from accelsim.cli.app import main

DOC = Path(__file__).resolve().parent.parent / "docs" / "fpga.md"


def _table_and_commands() -> list[tuple[str, str]]:
    text = DOC.read_text()
    start = text.index("| design | frames/s | cycles/frame | resources |")
    lines = text[start:].splitlines()[2:]  # below the header and its separator
    rows = lines[: next(i for i, line in enumerate(lines) if not line.startswith("|"))]
    block = re.search(r"```sh\n(.*?)```", text[start:], re.S).group(1)
    commands = [line for line in block.splitlines() if line.startswith("accelsim fpga fold")]
    assert len(rows) == len(commands) == 7
    return list(zip(rows, commands, strict=True))


def _number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.mark.parametrize(("row", "command"), _table_and_commands(), ids=[f"row{i}" for i in range(7)])
def test_fold_table_row_is_what_its_command_prints(row, command, tmp_path, capsys):
    out = tmp_path / "fold.json"
    try:
        main([*shlex.split(command)[1:], "--json", str(out)])
    except SystemExit as exc:
        assert exc.code in (0, None), capsys.readouterr().err
    doc = json.loads(out.read_text())
    _, fps, cycles, resources = (c.strip() for c in row.strip("|").split("|"))
    decimals = len(fps.split(".")[1]) if "." in fps else 0
    assert round(doc["frames_per_s"], decimals) == _number(fps)
    assert doc["initiation_interval_cycles"] == _number(cycles.split()[0])
    for value, name in re.findall(r"([\d,]+) (LUT|RAMB18|DSP)", resources):
        key = {"LUT": "lut", "RAMB18": "bram18", "DSP": "dsp"}[name]
        assert doc["resources"][key] == _number(value), name
