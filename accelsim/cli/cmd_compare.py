"""``accelsim compare --network-suite bitfusion --arch bitfusion --baseline eyeriss``: per-benchmark and
geometric-mean speedup and energy reduction of one architecture over a baseline."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import NO_CALIBRATION_HELP, TECH_HELP


def register(apps: CliApps) -> None:
    @apps.root.command("compare")
    def compare_cmd(
        arch: Annotated[str, typer.Option("--arch", "-a", help="preset name or YAML path")],
        baseline: Annotated[
            str,
            typer.Option(
                "--baseline",
                "-b",
                help="baseline preset, YAML path, or bitfusion-paper-eyeriss (authors' table)",
            ),
        ],
        network_suite: Annotated[
            str | None, typer.Option("--network-suite", help="suite name (accelsim/workloads/_suites.yaml)")
        ] = None,
        network: Annotated[
            list[str], typer.Option("--network", "-n", help="network(s) instead of a suite")
        ] = [],  # noqa: B006
        baseline_network_suite: Annotated[
            str | None,
            typer.Option(
                "--baseline-network-suite",
                help="run the baseline on this suite instead (paired by position), e.g. the paper's "
                "pairing --network-suite bitfusion-wrpn --baseline-network-suite bitfusion",
            ),
        ] = None,
        baseline_bits: Annotated[
            str | None, typer.Option(help="run the baseline at one global W/A, e.g. 16/16 (paper's Eyeriss)")
        ] = None,
        set_: Annotated[list[str], typer.Option("--set", help="arch override FIELD=VALUE")] = [],  # noqa: B006
        baseline_set: Annotated[
            list[str], typer.Option("--baseline-set", help="baseline override FIELD=VALUE")
        ] = [],  # noqa: B006
        json_path: Annotated[
            str | None,
            typer.Option("--json", help="write the table as JSON to PATH, or stdout with - / --json alone"),
        ] = None,
        per_layer: Annotated[
            bool, typer.Option("--per-layer", help="also a side-by-side table per network, layer by layer")
        ] = False,
        tech: Annotated[str | None, typer.Option("--tech", help=TECH_HELP)] = None,
        no_calibration: Annotated[
            bool, typer.Option("--no-calibration", help=NO_CALIBRATION_HELP + " (both sides)")
        ] = False,
        iso_area: Annotated[
            bool,
            typer.Option("--iso-area", help="resize the baseline's array to the arch's area (at --tech)"),
        ] = False,
    ) -> None:
        """Speedup and energy reduction of ARCH over BASELINE on each network, and their geomeans."""
        from accelsim.cli.cmd_core import parse_overrides
        from accelsim.compare import compare_suite
        from accelsim.errors import AccelsimInputError
        from accelsim.fabrics import load_arch
        from accelsim.pricing import parse_tech
        from accelsim.workload import load_network, parse_bits

        if (network_suite is None) == (not network):
            raise AccelsimInputError("--network-suite", "give exactly one of --network-suite or --network")
        if baseline_bits is not None:
            parse_bits(baseline_bits, "--baseline-bits")
        from accelsim.cli.cmd_core import check_outputs
        from accelsim.io.output import write_output

        to_stdout = check_outputs(**{"--json": json_path})
        suite = network_suite if network_suite is not None else [load_network(n) for n in network]
        arch_model = load_arch(arch, calibrated=not no_calibration, **parse_overrides(set_))
        from accelsim.compare import PUBLISHED_EYERISS

        if baseline == PUBLISHED_EYERISS:
            base_model = baseline
        else:
            base_model = load_arch(baseline, calibrated=not no_calibration, **parse_overrides(baseline_set))
        table = compare_suite(
            suite, arch_model, base_model, baseline_bits=baseline_bits, baseline_suite=baseline_network_suite,
            per_layer=per_layer, technology=parse_tech(tech), iso_area=iso_area,
        )  # fmt: skip
        if json_path is not None:
            write_output(json_path, table.model_dump_json(indent=2), "--json")
        if to_stdout:
            return
        render_compare(table, per_layer)


def _short_names(names: list[str]) -> tuple[list[str], str]:
    """Network names without their common 'xxx-' prefix (shown once in the title)."""
    prefix = os.path.commonprefix(names)
    prefix = prefix[: prefix.rfind("-") + 1] if "-" in prefix else ""
    if len(names) < 2 or not prefix:
        return names, ""
    return [n[len(prefix) :] for n in names], prefix


def _ms(seconds: float) -> str:
    from accelsim.report import _si

    return _si(seconds, "s")


def _x(ratio: float, a: float, b: float) -> str:
    return "—" if a == 0 and b == 0 else f"{ratio:.3g}x"


def _opt(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def render_compare(table, per_layer: bool = False) -> None:
    """The comparison as tables that fit 80 columns: per network latency, speedup, energy reduction,
    TOPS/W and utilization of both sides (arch / baseline); with ``per_layer``, one table per network."""
    from accelsim.report import _si

    console = Console()
    names, prefix = _short_names([r.network for r in table.rows])
    title = (
        f"{table.arch} vs {table.baseline} ({table.suite}"
        + (f"; baseline on {table.baseline_suite})" if table.baseline_suite else ")")
        + (f", networks {prefix}*" if prefix else "")
    )
    out = Table("network", "latency", "base", "speedup", "energy↓",
                "TOPS/W", "util", title=title, box=box.SIMPLE_HEAD, pad_edge=False)  # fmt: skip
    for name, r in zip(names, table.rows, strict=True):
        out.add_row(name, _ms(r.arch_latency_s), _ms(r.baseline_latency_s), f"{r.speedup:.3g}x",
                    f"{r.energy_ratio:.3g}x", f"{r.arch_tops_per_w:.2g}/{_opt(r.baseline_tops_per_w, '.2g')}",
                    f"{r.arch_utilization:.0%}/{_opt(r.baseline_utilization, '.0%')}")  # fmt: skip
    out.add_row(
        "geomean", "", "", f"{table.geomean_speedup:.3g}x", f"{table.geomean_energy_ratio:.3g}x", "", ""
    )
    console.print(out)
    console.print("TOPS/W and util: arch/baseline; energy↓: baseline energy / arch energy")
    console.print(
        f"priced at: {table.arch} {table.arch_technology}; {table.baseline} {table.baseline_technology}"
    )
    if table.baseline_resized:
        console.print(f"iso-area: {table.baseline} resized, {table.baseline_resized}")
    if not per_layer:
        return
    for name, r in zip(names, table.rows, strict=True):
        if not r.layers:
            console.print(f"{name}: no per-layer data for this baseline")
            continue
        lt = Table("layer", "latency", "base", "speedup", "energy", "base", title=f"{r.network} per layer",
                   box=box.SIMPLE_HEAD, pad_edge=False)  # fmt: skip
        for x in r.layers:
            lt.add_row(x.name, _ms(x.arch_latency_s), _ms(x.baseline_latency_s),
                       _x(x.speedup, x.arch_latency_s, x.baseline_latency_s),
                       _si(x.arch_energy_pj * 1e-12, "J"), _si(x.baseline_energy_pj * 1e-12, "J"))  # fmt: skip
        console.print(lt)
