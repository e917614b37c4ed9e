"""``accelsim compare --network-suite bitfusion --arch bitfusion --baseline eyeriss``: per-benchmark and
geometric-mean speedup and energy reduction of one architecture over a baseline."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps


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
    ) -> None:
        """Speedup and energy reduction of ARCH over BASELINE on each network, and their geomeans."""
        from accelsim.cli.cmd_core import parse_overrides
        from accelsim.compare import compare_suite
        from accelsim.errors import AccelsimInputError
        from accelsim.fabrics import load_arch
        from accelsim.workload import load_network, parse_bits

        if (network_suite is None) == (not network):
            raise AccelsimInputError("--network-suite", "give exactly one of --network-suite or --network")
        if baseline_bits is not None:
            parse_bits(baseline_bits, "--baseline-bits")
        from accelsim.cli.cmd_core import check_outputs
        from accelsim.io.output import write_output

        to_stdout = check_outputs(**{"--json": json_path})
        suite = network_suite if network_suite is not None else [load_network(n) for n in network]
        arch_model = load_arch(arch, **parse_overrides(set_))
        from accelsim.compare import PUBLISHED_EYERISS

        if baseline == PUBLISHED_EYERISS:
            base_model = baseline
        else:
            base_model = load_arch(baseline, **parse_overrides(baseline_set))
        table = compare_suite(
            suite, arch_model, base_model, baseline_bits=baseline_bits, baseline_suite=baseline_network_suite
        )
        if json_path is not None:
            write_output(json_path, table.model_dump_json(indent=2), "--json")
        if to_stdout:
            return
        out = Table(
            "network", "arch latency", "baseline latency", "speedup", "energy reduction",
            title=f"{table.arch} vs {table.baseline} ({table.suite}"
            + (f"; baseline on {table.baseline_suite})" if table.baseline_suite else ")"),
        )  # fmt: skip
        for r in table.rows:
            out.add_row(r.network, f"{r.arch_latency_s * 1e3:.4g} ms", f"{r.baseline_latency_s * 1e3:.4g} ms",
                        f"{r.speedup:.3g}x", f"{r.energy_ratio:.3g}x")  # fmt: skip
        out.add_row("geomean", "", "", f"{table.geomean_speedup:.3g}x", f"{table.geomean_energy_ratio:.3g}x")
        Console().print(out)
