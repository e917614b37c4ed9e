"""``accelsim arch peak PRESET --bits W/A [--json [PATH|-]]``: peak GOPS, TOPS/W, TOPS/mm² of a preset."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import JSON_HELP, NO_CALIBRATION_HELP, check_outputs, parse_overrides
from accelsim.fabrics import load_arch
from accelsim.io.output import write_output
from accelsim.workload import parse_bits


def register(apps: CliApps) -> None:
    @apps.arch.command("peak")
    def arch_peak(
        name: Annotated[str, typer.Argument(help="preset name or YAML path")],
        bits: Annotated[str, typer.Option(help="W/A bits, e.g. 8/8")] = "8/8",
        set_: Annotated[list[str], typer.Option("--set", help="override FIELD=VALUE")] = [],  # noqa: B006
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
        no_calibration: Annotated[bool, typer.Option("--no-calibration", help=NO_CALIBRATION_HELP)] = False,
    ) -> None:
        """Peak throughput and efficiency of a preset at the given bits."""
        check_outputs(**{"--json": json_path})
        w_bits, a_bits = parse_bits(bits)
        arch = load_arch(name, calibrated=not no_calibration, **parse_overrides(set_))
        peak = arch.peak(w_bits, a_bits)
        doc = {"arch": name, **peak.model_dump(mode="json")}
        if arch.calibration is not None:
            doc["calibration"] = arch.calibration.describe()
            if arch.calibration.applied:  # the physics-only prediction beside the calibrated one
                physics = load_arch(name, calibrated=False, **parse_overrides(set_)).peak(w_bits, a_bits)
                for key in ("gops", "power_w", "tops_per_w", "area_mm2"):
                    doc[f"{key}_physics_only"] = getattr(physics, key)
        if json_path is not None:
            write_output(json_path, json.dumps(doc, indent=2), "--json")
            return
        table = Table("field", "value", title=f"{name} peak at {w_bits}/{a_bits}")
        for key, value in doc.items():
            table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
        Console().print(table)
