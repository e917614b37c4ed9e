"""``accelsim arch peak PRESET --bits W/A [--json]``: peak GOPS, TOPS/W, TOPS/mm² of a preset."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import parse_overrides
from accelsim.fabrics import load_arch
from accelsim.workload import parse_bits


def register(apps: CliApps) -> None:
    @apps.arch.command("peak")
    def arch_peak(
        name: Annotated[str, typer.Argument(help="preset name or YAML path")],
        bits: Annotated[str, typer.Option(help="W/A bits, e.g. 8/8")] = "8/8",
        set_: Annotated[list[str], typer.Option("--set", help="override FIELD=VALUE")] = [],  # noqa: B006
        as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    ) -> None:
        """Peak throughput and efficiency of a preset at the given bits."""
        w_bits, a_bits = parse_bits(bits)
        peak = load_arch(name, **parse_overrides(set_)).peak(w_bits, a_bits)
        doc = {"arch": name, **peak.model_dump(mode="json")}
        if as_json:
            typer.echo(json.dumps(doc, indent=2))
            return
        table = Table("field", "value", title=f"{name} peak at {w_bits}/{a_bits}")
        for key, value in doc.items():
            table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
        Console().print(table)
