"""``accelsim compare-dataflows --network alexnet``: the ISCA'16 RS / WS / OS / NLR energy comparison."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import JSON_HELP, check_outputs
from accelsim.workload import load_network


def register(apps: CliApps) -> None:
    @apps.root.command("compare-dataflows")
    def compare_dataflows_cmd(
        network: Annotated[
            str, typer.Option("--network", "-n", help="network name or YAML path")
        ] = "alexnet",
        batch: Annotated[int, typer.Option(help="batch size (the paper uses 16)")] = 16,
        all_layers: Annotated[bool, typer.Option("--all-layers", help="include fc/matmul layers")] = False,
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
    ) -> None:
        """Normalized energy of RS, WS, OS and NLR on 256 PEs with equal storage (Chen et al. ISCA'16)."""
        from accelsim.dataflow.eyeriss_baselines import LEVELS, compare_dataflows
        from accelsim.io.output import write_output

        check_outputs(**{"--json": json_path})
        rows = compare_dataflows(load_network(network), batch=batch, conv_only=not all_layers)
        rs = next(r for r in rows if r.dataflow == "RS")
        if json_path is not None:
            doc = [
                {"dataflow": r.dataflow, "energy_per_mac": r.energy_per_mac, "vs_rs": r.energy / rs.energy,
                 "per_mac_by_level": {k: v / r.macs for k, v in r.energy_by_level.items()}}
                for r in rows
            ]  # fmt: skip
            write_output(json_path, json.dumps(doc, indent=2), "--json")
            return
        table = Table(
            "dataflow", *LEVELS, "total", "× RS", box=box.SIMPLE_HEAD, pad_edge=False,
            title=f"{network} {'MAC' if all_layers else 'CONV'} layers, batch {batch}: normalized energy per "
            "MAC (ALU 1, RF 1, array 2, GLB 6, DRAM 200), 256 PEs, 256 KB storage",
        )  # fmt: skip
        for r in rows:
            table.add_row(
                r.dataflow,
                *[f"{r.energy_by_level[k] / r.macs:.3f}" for k in LEVELS],
                f"{r.energy_per_mac:.3f}",
                f"{r.energy / rs.energy:.2f}",
            )
        Console().print(table)
