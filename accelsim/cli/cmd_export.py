"""``accelsim net export NAME --scalesim-topology OUT.csv``: hand a network to SCALE-Sim users."""

from __future__ import annotations

from typing import Annotated

import typer

from accelsim.cli.app import CliApps
from accelsim.workload import load_network


def register(apps: CliApps) -> None:
    @apps.net.command("export")
    def net_export(
        name: Annotated[str, typer.Argument(help="network name or YAML path")],
        scalesim_topology: Annotated[
            str, typer.Option("--scalesim-topology", help="CSV to write (- stdout)")
        ],
    ) -> None:
        """Write a network's MAC layers as a SCALE-Sim topology CSV (same output sizes and MACs)."""
        from accelsim.io.output import STDOUT, check_output
        from accelsim.io.scalesim import write_topology

        check_output(scalesim_topology, "--scalesim-topology")
        write_topology(load_network(name), scalesim_topology)
        if scalesim_topology != STDOUT:
            typer.echo(f"wrote {scalesim_topology}", err=True)
