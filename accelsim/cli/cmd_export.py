"""``accelsim net export NAME --scalesim-topology OUT.csv``: hand a network to SCALE-Sim users."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accelsim.cli.app import CliApps
from accelsim.errors import AccelsimInputError
from accelsim.workload import load_network


def register(apps: CliApps) -> None:
    @apps.net.command("export")
    def net_export(
        name: Annotated[str, typer.Argument(help="network name or YAML path")],
        scalesim_topology: Annotated[Path, typer.Option("--scalesim-topology", help="CSV to write")],
    ) -> None:
        """Write a network's MAC layers as a SCALE-Sim topology CSV (same output sizes and MACs)."""
        from accelsim.io.scalesim import write_topology

        if not scalesim_topology.resolve().parent.is_dir():
            raise AccelsimInputError(
                "--scalesim-topology", f"directory does not exist: {scalesim_topology.parent}"
            )
        write_topology(load_network(name), scalesim_topology)
        typer.echo(f"wrote {scalesim_topology}")
