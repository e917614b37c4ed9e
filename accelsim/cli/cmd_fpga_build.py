"""``accelsim fpga build``: the DNN2FPGA flow (seed 003) on a streaming preset — quantize a network with
shipped weights, check its accuracy, keep the sensitive layers wider when it is lost (the seed's
Algorithm 1), fold and simulate the result, and optionally write its Verilog. The flow's logic is
:mod:`accelsim.fpga.build`; this module parses options and prints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import JSON_HELP, check_outputs
from accelsim.cli.cmd_fpga import DeviceOption, FullBudgetOption, load_streaming_arch
from accelsim.errors import AccelsimInputError


def register(apps: CliApps) -> None:
    @apps.fpga.command("build")
    def build_cmd(
        network: Annotated[
            str, typer.Option("--network", "-n", help="network with shipped weights, e.g. dnn2fpga-digits")
        ],
        arch: Annotated[str, typer.Option("--arch", "-a", help="streaming preset name or YAML path")],
        device: DeviceOption = None,
        target_fps: Annotated[
            float | None,
            typer.Option(
                "--target-fps", help="FINN's SetFolding for this frame rate (default: max throughput)"
            ),
        ] = None,
        bits: Annotated[
            str | None,
            typer.Option(help="W/A bits every layer is quantized to first (default: the network's)"),
        ] = None,
        accuracy_budget: Annotated[
            float,
            typer.Option("--accuracy-budget", help="largest allowed top-1 drop, float − int (fraction)"),
        ] = 0.01,
        fallback_bits: Annotated[
            str | None,
            typer.Option(
                "--fallback-bits",
                help="W/A a sensitive layer is kept at (default 8/8; 16/16 when --bits is 8 or more)",
            ),
        ] = None,
        sensitivity: Annotated[
            str,
            typer.Option(
                help="sensitive layers: sqnr (measured per-layer output SQNR, widened one by one) or conv "
                "(Algorithm 1's rule: every convolution at once)"
            ),
        ] = "sqnr",
        seed: Annotated[
            int, typer.Option(help="seed of every random process (PTQ calibration sampling, QAT batch order)")
        ] = 0,
        qat: Annotated[
            int,
            typer.Option(
                "--qat",
                help="Algorithm 1's last step: quantization-aware training for this many Adam steps when the "
                "fallback still misses the budget (0 = off)",
            ),
        ] = 0,
        full_budget: FullBudgetOption = False,
        set_: Annotated[list[str], typer.Option("--set", help="override FIELD=VALUE")] = [],  # noqa: B006
        verilog: Annotated[
            str | None, typer.Option("--verilog", help="write the pipeline's Verilog into this directory")
        ] = None,
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
    ) -> None:
        """DNN2FPGA flow: quantize, check accuracy (fall back to wider sensitive layers), fold, simulate."""
        from accelsim.fpga.build import build
        from accelsim.functional.metrics import jsonable
        from accelsim.io.output import write_output
        from accelsim.workload import parse_bits

        to_stdout = check_outputs(**{"--json": json_path})
        write_verilog = None
        if verilog is not None:
            try:
                from accelsim.fpga.rtl import write_verilog
            except ImportError as exc:
                raise AccelsimInputError("--verilog", f"Verilog emission unavailable: {exc}") from None
            if Path(verilog).exists() and not Path(verilog).is_dir():
                raise AccelsimInputError("--verilog", f"{verilog} exists and is not a directory")
        model = load_streaming_arch(arch, device, set_, "fpga build")
        wa = parse_bits(bits, "--bits") if bits else None
        wide = parse_bits(fallback_bits, "--fallback-bits") if fallback_bits else None
        result = build(
            network, model, bits=wa, accuracy_budget=accuracy_budget, target_fps=target_fps,
            fallback_bits=wide, sensitivity=sensitivity, seed=seed,
            limits=(1, 1, 1, 1, 1) if full_budget else None, qat_steps=qat,
        )  # fmt: skip
        written: list[Path] = []
        if write_verilog is not None:
            written = list(write_verilog(result.qmodel, result.arch, Path(verilog)))
        doc = result.to_dict()
        doc["arch"] = arch
        if verilog is not None:
            doc["verilog"] = [str(p) for p in written]
        if json_path is not None:
            write_output(json_path, json.dumps(jsonable(doc), indent=2), "--json")
        if not to_stdout:
            _print(doc, network, arch)


def _print(doc: dict, network: str, arch: str) -> None:
    console = Console()
    table = Table(
        "layer", "op", "bits", "PE", "SIMD", "cycles/frame", "LUT", "BRAM18", "DSP",
        title=f"fpga build: {network} on {arch} ({doc['device']}), {doc['fold_mode']}",
    )  # fmt: skip
    for r in doc["layers"]:
        table.add_row(r["layer"], r["op"], r["bits"], str(r["pe"] or ""), str(r["simd"] or ""),
                      f"{r['cycles_per_frame']:,}", f"{r['lut']:,}", str(r["bram18"]),
                      str(r["dsp"]))  # fmt: skip
    console.print(table)
    acc, fb, size = doc["accuracy"], doc["fallback"], doc["model_size"]
    console.print(
        f"accuracy ({acc['images']} test images): float {acc['float']:.4f}, int {acc['int']:.4f} "
        f"(drop {acc['drop']:+.4f}, budget {acc['budget']:g}: {'met' if acc['budget_met'] else 'NOT met'})"
    )
    if fb["sensitivity"]:
        ranked = ", ".join(f"{r['layer']} {r['sqnr_db']:.3g} dB" for r in fb["sensitivity"])
        console.print(
            f"sensitivity (output SQNR with only that layer at {doc['bits']}, calibration images): {ranked}"
        )
    if len(fb["steps"]) > 1:
        for s in fb["steps"]:
            console.print(
                f"  step {s['step']}: {s['action']}: int {s['accuracy_int']:.4f} (drop {s['drop']:+.4f})"
            )
    if not acc["budget_met"]:
        console.print(
            f"[bold]accuracy budget NOT met[/bold] ({len(fb['widened'])} of {len(doc['layer_bits'])} layers "
            f"widened to {doc['fallback_bits']})"
            + (
                ""
                if any("quantization-aware" in st["action"] for st in doc["fallback"]["steps"])
                else ": Algorithm 1's last step, quantization-aware training, runs with --qat STEPS"
            )
        )
    bits = ", ".join(f"{k} {v}" for k, v in doc["layer_bits"].items())
    console.print(f"layer bits (W/A): {bits}")
    console.print(
        f"model size: {size['float_mb']:.4g} Mb float32 -> {size['quantized_mb']:.4g} Mb quantized "
        f"(x{size['ratio']:.3g} smaller; weights at their bits + 32-bit biases, Mb = 10^6 bits)"
    )
    used = ", ".join(f"{v:,}/{doc['budget'][k]:,} {k.upper()}" for k, v in doc["resources"].items() if v)
    console.print(
        f"{doc['frames_per_s']:.5g} frames/s (II {doc['initiation_interval_cycles']:,} cycles), latency "
        f"{doc['latency_s'] * 1e6:.4g} µs overlapped ({doc['latency_no_overlap_s'] * 1e6:.4g} µs FINN "
        f"no-overlap bound); {used} on {doc['device']} (FIFOs included)"
    )
    if doc.get("power_total_w"):
        parts = ", ".join(f"{k} {v:.3g}" for k, v in doc["power"].items() if v)
        console.print(f"power: {doc['power_total_w']:.3g} W ({parts}); {doc['power_note']}")
    else:
        console.print(f"power: {doc['power_note']}")
    if "verilog" in doc:
        console.print(f"verilog: {len(doc['verilog'])} files written")
