"""``accelsim fpga fold``: fold a network for a streaming (FINN-style) preset — FINN's SetFolding for a
target frame rate, or the resource-aware search for the highest frame rate that fits the device — print the
per-unit folding, cycles and resources, and optionally write a preset that simulates it."""

from __future__ import annotations

import json
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import JSON_HELP, check_outputs, parse_overrides
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.io.output import write_output

#: options the fpga commands share
DeviceOption = Annotated[str | None, typer.Option(help="FPGA board (overrides the preset's)")]
FullBudgetOption = Annotated[
    bool, typer.Option("--full-budget", help="use 100 % of every resource, not FINN's recommended limits")
]


def load_streaming_arch(arch: str, device: str | None, set_: list[str], command: str):
    """The streaming preset (or YAML) ``arch`` with ``--set`` overrides and ``--device``; any other fabric is a
    one-line input error naming ``command``."""
    from accelsim.fabrics.streaming import StreamingArch

    overrides = parse_overrides(set_)
    if device:
        overrides["device"] = device
    model = load_arch(arch, **overrides)
    if not isinstance(model, StreamingArch):
        raise AccelsimInputError(
            "--arch", f"{arch} is a {model.fabric} preset; {command} takes a streaming one"
        )
    return model


def register(apps: CliApps) -> None:
    @apps.fpga.command("fold")
    def fold(
        network: Annotated[str, typer.Option("--network", "-n", help="network name or YAML path")],
        arch: Annotated[str, typer.Option("--arch", "-a", help="streaming preset name or YAML path")],
        bits: Annotated[str | None, typer.Option(help="global W/A bits, e.g. 1/1")] = None,
        quantizer: Annotated[
            str | None, typer.Option(help="every layer's weight quantizer, e.g. log2 (weights as shifts)")
        ] = None,
        target_fps: Annotated[
            float | None, typer.Option("--target-fps", help="FINN's SetFolding for this frame rate")
        ] = None,
        device: DeviceOption = None,
        full_budget: FullBudgetOption = False,
        set_: Annotated[list[str], typer.Option("--set", help="override FIELD=VALUE")] = [],  # noqa: B006
        write: Annotated[
            str | None, typer.Option("--write", help="write a preset YAML with this folding")
        ] = None,
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
    ) -> None:
        """Fold a network: SetFolding for --target-fps, else the highest frame rate that fits the device."""
        from accelsim.fabrics.streaming import fold_network, folded_arch, folded_fields
        from accelsim.fpga.streaming import estimate
        from accelsim.simulate import resolve_network

        check_outputs(**{"--json": json_path, "--write": write})
        if target_fps is not None and target_fps <= 0:
            raise AccelsimInputError("--target-fps", "must be > 0")
        model = load_streaming_arch(arch, device, set_, "fpga fold")
        net = resolve_network(network, bits, None, quantizer=quantizer)
        from accelsim.simulate import check_quantizers

        check_quantizers(net)
        _, _, units = fold_network(net, model, target_fps, (1, 1, 1, 1, 1) if full_budget else None)
        extra = folded_fields(units)
        folding = extra.pop("folding")
        swg = extra.pop("swg_simd")
        folded = folded_arch(model, units)
        from accelsim.simulate import simulate

        report = simulate(net, folded)
        p = report.pipeline
        e = estimate(units, model.frequency_hz)
        doc = {
            "network": network, "arch": arch, "device": p["device"],
            "mode": f"SetFolding for {target_fps:g} frames/s" if target_fps else "max throughput within the budget"
            + ("" if full_budget else " (FINN's recommended limits)"),
            "frames_per_s": p["frames_per_s"], "initiation_interval_cycles": p["initiation_interval_cycles"],
            "latency_s": p["latency_s"], "latency_no_overlap_s": p["latency_no_overlap_s"],
            "resources": p["total_resources"], "budget": p["budget"],
            "units": [{"unit": n, "kind": type(u).__name__, "pe": getattr(u, "pe", None),
                       "simd": getattr(u, "simd", None), "cycles_per_frame": e.cycles[n]} for n, u in units],
            "folding": {k: list(v) for k, v in folding.items()}, "swg_simd": swg, **extra,
        }  # fmt: skip
        if write is not None:
            fields = {"fabric": "streaming", **folded.model_dump(mode="json", exclude_defaults=True)}
            fields["folding"] = {k: list(v) for k, v in folding.items()}
            fields["swg_simd"] = swg
            fields.update({k: v for k, v in extra.items() if v})
            fields["description"] = f"{model.name} folded for {network}: {doc['mode']}"
            write_output(write, yaml.safe_dump(fields, sort_keys=False), "--write")
        if json_path is not None:
            write_output(json_path, json.dumps(doc, indent=2), "--json")
            return
        table = Table(
            "unit", "kind", "PE", "SIMD", "cycles/frame", title=f"{network} on {arch}: {doc['mode']}"
        )
        for row in doc["units"]:
            table.add_row(row["unit"], row["kind"], str(row["pe"] or ""), str(row["simd"] or ""),
                          f"{row['cycles_per_frame']:,}")  # fmt: skip
        console = Console()
        console.print(table)
        used = ", ".join(
            f"{v:,}/{p['budget'][k]:,} {k.upper()}" for k, v in p["total_resources"].items() if v
        )
        console.print(
            f"{p['frames_per_s']:.5g} frames/s (II {p['initiation_interval_cycles']:,} cycles), latency "
            f"{p['latency_s'] * 1e6:.4g} µs overlapped ({p['latency_no_overlap_s'] * 1e6:.4g} µs no-overlap bound); "
            f"{used} on {p['device']} (FIFOs included)"
        )
        if write:
            console.print(f"wrote {write}: accelsim simulate -n {network} -a {write}")
