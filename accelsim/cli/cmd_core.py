"""Core commands: simulate, net list/show, arch list/show/schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.fabrics import arch_json_schema, available_presets, load_arch
from accelsim.report import render_report
from accelsim.simulate import simulate
from accelsim.workload import available_networks, load_network


def parse_overrides(items: list[str]) -> dict[str, object]:
    """``--set a.b=3`` items into a dict; values are parsed as YAML scalars (numbers, null, true)."""
    import yaml

    from accelsim.errors import AccelsimInputError

    out: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise AccelsimInputError("--set", f"expected FIELD=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def _check_output_paths(*paths: Path | None) -> None:
    from accelsim.errors import AccelsimInputError

    for path in paths:
        if path is not None and not path.resolve().parent.is_dir():
            raise AccelsimInputError("output", f"directory does not exist: {path.resolve().parent}")


def register(apps: CliApps) -> None:
    @apps.root.command("simulate")
    def simulate_cmd(
        network: Annotated[str, typer.Option("--network", "-n", help="network name or YAML path")],
        arch: Annotated[str, typer.Option("--arch", "-a", help="preset name or YAML path")],
        bits: Annotated[str | None, typer.Option(help="global W/A bits, e.g. 4/8")] = None,
        batch: Annotated[int | None, typer.Option(help="batch size")] = None,
        set_: Annotated[list[str], typer.Option("--set", help="architecture override FIELD=VALUE")] = [],  # noqa: B006
        json_path: Annotated[Path | None, typer.Option("--json", help="write the report as JSON")] = None,
        csv_path: Annotated[Path | None, typer.Option("--csv", help="write per-layer rows as CSV")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no table on the terminal")] = False,
    ) -> None:
        """Simulate a network on an architecture and print the per-layer report."""
        _check_output_paths(json_path, csv_path)
        arch_model = load_arch(arch, **parse_overrides(set_))
        report = simulate(network, arch_model, bits=bits, batch=batch, progress=not quiet)
        report.write(json_path, csv_path)
        if not quiet:
            render_report(report)

    @apps.net.command("list")
    def net_list() -> None:
        """List the shipped networks with their MACs per image."""
        table = Table("network", "layers", "MACs/image", "params", "description")
        for name in available_networks():
            net = load_network(name)
            table.add_row(name, str(len(net.layers)), f"{net.total_macs / net.batch:,.0f}",
                          f"{net.total_params:,}", net.description)  # fmt: skip
        Console().print(table)

    @apps.net.command("show")
    def net_show(
        name: Annotated[str, typer.Argument(help="network name or YAML path")],
        as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    ) -> None:
        """Per-layer shapes, MACs, parameters and bits of a network."""
        net = load_network(name)
        rows = []
        for layer in net.layers:
            p = net.precision_of(layer)
            rows.append({
                "name": layer.name, "op": layer.op, "batch": layer.batch,
                "input": [layer.C, layer.H, layer.W], "output": [layer.K, layer.P, layer.Q],
                "kernel": [layer.R, layer.S], "stride": list(layer.stride), "padding": list(layer.padding),
                "groups": layer.groups, "macs": layer.macs, "params": layer.weight_elems,
                "w_bits": p.w_bits, "a_bits": p.a_bits,
            })  # fmt: skip
        if as_json:
            doc = {"name": net.name, "description": net.description, "source": net.source,
                   "layers": rows, "total_macs": net.total_macs, "total_params": net.total_params}  # fmt: skip
            typer.echo(json.dumps(doc, indent=2))
            return
        table = Table("layer", "op", "in C×H×W", "out K×P×Q", "kernel", "stride", "groups", "MACs", "params",
                      "W/A", title=f"{net.name}: {net.description}")  # fmt: skip
        for r in rows:
            table.add_row(r["name"], r["op"], "×".join(map(str, r["input"])), "×".join(map(str, r["output"])),
                          "×".join(map(str, r["kernel"])), "×".join(map(str, r["stride"])), str(r["groups"]),
                          f"{r['macs']:,}", f"{r['params']:,}", f"{r['w_bits']}/{r['a_bits']}")  # fmt: skip
        console = Console()
        console.print(table)
        console.print(f"total_macs: {net.total_macs:,}   total_params: {net.total_params:,}")

    @apps.arch.command("list")
    def arch_list() -> None:
        """List the architecture presets."""
        table = Table("preset", "fabric", "clock", "description")
        for name in available_presets():
            a = load_arch(name)
            table.add_row(name, a.fabric, f"{a.frequency_hz / 1e6:g} MHz", a.description)
        Console().print(table)

    @apps.arch.command("show")
    def arch_show(
        name: Annotated[str, typer.Argument(help="preset name or YAML path")],
        set_: Annotated[list[str], typer.Option("--set", help="override FIELD=VALUE")] = [],  # noqa: B006
    ) -> None:
        """Print a preset (with overrides applied) as JSON."""
        typer.echo(json.dumps(load_arch(name, **parse_overrides(set_)).model_dump(mode="json"), indent=2))

    @apps.arch.command("schema")
    def arch_schema() -> None:
        """JSON schema of every architecture model, for editors."""
        typer.echo(json.dumps(arch_json_schema(), indent=2))
