"""Core commands: simulate, net list/show, arch list/show/schema."""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.fabrics import arch_json_schema, available_presets, load_arch
from accelsim.report import Report, _si, render_report
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
        if not key.strip():
            raise AccelsimInputError("--set", f"expected FIELD=VALUE with a field name, got {item!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def _write_json(path: str, doc: object) -> None:
    from accelsim.io.output import write_output

    write_output(path, json.dumps(doc, indent=2), "--json")


JSON_HELP = "write JSON to PATH, or to standard output with - (or --json alone)"


def check_outputs(**targets: str | None) -> bool:
    """Check every output target before any work (one-line errors, nothing written). Returns True when one
    of them is standard output, so that the terminal tables stay off stdout."""
    from accelsim.errors import AccelsimInputError
    from accelsim.io.output import STDOUT, check_output

    to_stdout = [f for f, v in targets.items() if v == STDOUT]
    if len(to_stdout) > 1:
        raise AccelsimInputError(
            to_stdout[1], f"only one output may go to standard output ({', '.join(to_stdout)})"
        )
    for field, value in targets.items():
        check_output(value, field)
    return bool(to_stdout)


#: the overall mismatch numbers shown on the terminal (all of them are in the JSON)
KEY_MISMATCH = (
    ("top1_agreement_int_vs_float", "top-1 agreement, integer vs float"),
    ("top1_agreement_fabric_vs_ideal", "top-1 agreement, this datapath vs ideal integer"),
    ("output_sqnr_db_int_vs_float", "output SQNR, integer vs float (dB)"),
    ("output_frac_bit_exact_fabric_vs_ideal", "outputs bit-exact, datapath vs ideal integer"),
    ("output_max_err_lsb_int_vs_fake", "max output error vs fake-quant (LSB)"),
    ("output_max_abs_err_int_vs_float", "max |logit error|, integer vs float"),
    ("output_mean_abs_err_int_vs_float", "mean |logit error|, integer vs float"),
)


def explain_accuracy_loss(result: dict) -> str | None:
    """One line saying why the datapath loses accuracy, from the per-layer stats its functional model
    reports: ADC resolution below what an exact column sum needs (crossbars), accumulator overflow
    (systolic/PE arrays), or another lossy step; None when every layer is bit-exact with ideal integers."""
    rows = result["accuracy"]["layers"]
    mac_rows = [r for r in rows if r.get("stats")]
    adc = [r for r in mac_rows if r["stats"].get("lossless") is False and "adc_bits_needed" in r["stats"]]
    overflow = [r for r in mac_rows if r["stats"].get("overflow_outputs", 0) > 0]
    inexact = [r for r in rows if r.get("fabric_vs_ideal", {}).get("frac_bit_exact", 1.0) < 1.0]
    overall = result["accuracy"]["overall"]
    effect = ""
    if "accuracy_float" in overall and "accuracy_int" in overall:
        effect = f": accuracy {overall['accuracy_float']:.3g} (float) -> {overall['accuracy_int']:.3g}"
    if adc:
        bits = min(r["stats"].get("adc_bits", 0) for r in adc)
        needed = max(r["stats"]["adc_bits_needed"] for r in adc)
        have = f"{bits}-bit ADC" if bits else "the ADC"
        return (f"why: {have} < the {needed} bits an exact column sum needs, so {len(adc)} of {len(mac_rows)} MAC "
                f"layers lose the low-order bits of every partial sum{effect}")  # fmt: skip
    if overflow:
        n = sum(r["stats"]["overflow_outputs"] for r in overflow)
        return f"why: the accumulators overflow in {len(overflow)} layers ({n:,} outputs){effect}"
    if inexact:
        names = ", ".join(r["name"] for r in inexact[:3]) + ("..." if len(inexact) > 3 else "")
        return f"why: the datapath is lossy (noise, clipping) in {len(inexact)} layers ({names}){effect}"
    return None


def render_accuracy(result: dict) -> None:
    """Accuracy first, then the key mismatch numbers once, the reason when the datapath is lossy, and the
    per-layer mismatch (every number is in the JSON)."""
    console = Console()
    o = result["accuracy"]["overall"]
    head = f"[bold]accuracy[/bold] {result['network']} on {result['arch']} ({o.get('images', '?')} images"
    head += f", weights {result['weights']}, PTQ {result['method']})"
    if "accuracy_int" in o:
        how = "integer-only" if result.get("note") else "through the datapath"
        head += (f": {o['accuracy_int']:.4g} {how} (float {o.get('accuracy_float', float('nan')):.4g}, "
                 f"fake-quant {o.get('accuracy_fake', float('nan')):.4g})")  # fmt: skip
    console.print(head)
    if result.get("note"):
        console.print(result["note"])
    table = Table("mismatch", "value", box=box.SIMPLE_HEAD, pad_edge=False)
    for key, label in KEY_MISMATCH:
        if key in o:
            v = o[key]
            table.add_row(label, f"{v:.4g}" if isinstance(v, float) else str(v))
    console.print(table)
    why = explain_accuracy_loss(result)
    if why:
        console.print(why)
    rows = result["accuracy"]["layers"]
    through_fabric = any("fabric_vs_ideal" in r for r in rows)
    cols = ["layer", "bits", "SQNR dB", "max err LSB", "exact vs fake"]
    if through_fabric:
        cols += ["exact vs ideal", "max err vs ideal"]
    layers = Table(*cols, title="per-layer mismatch (integer vs float / fake-quant / ideal integer)",
                   box=box.SIMPLE_HEAD, pad_edge=False)  # fmt: skip
    for row in rows:
        iv, ik = row["int_vs_float"], row["int_vs_fake"]
        sq = iv["sqnr_db"]
        cells = [row["name"], row["bits"], f"{sq:.1f}" if isinstance(sq, float) else str(sq),
                 f"{ik['max_err_lsb']:g}", f"{ik['frac_bit_exact']:.1%}"]  # fmt: skip
        if through_fabric:
            fv = row.get("fabric_vs_ideal", {})
            cells += [f"{fv['frac_bit_exact']:.1%}" if fv else "", f"{fv['max_err_lsb']:g}" if fv else ""]
        layers.add_row(*cells)
    console.print(layers)


_OP_SHORT = {"conv2d": "conv", "depthwise_conv2d": "dwconv", "activation": "act", "matmul": "mm"}


def _shape(chw: list[int]) -> str:
    """C×H×W, written C×H² when square and C when 1×1."""
    c, h, w = chw
    if h == w == 1:
        return str(c)
    if w == 1:
        return f"{c}×{h}"
    return f"{c}×{h}²" if h == w else f"{c}×{h}×{w}"


NO_CALIBRATION_HELP = (
    "physics only: leave out the preset's calibration block (constants fitted to published figures)"
)
TECH_HELP = (
    "re-price at NODE[,VOLTAGE] (nm, V), e.g. 45 or 28,0.9: every on-chip energy and area scaled from the "
    "preset's own technology (Stillmaker & Baas 2017)"
)


def register(apps: CliApps) -> None:
    @apps.root.command("simulate")
    def simulate_cmd(
        network: Annotated[
            str | None, typer.Option("--network", "-n", help="network name or YAML path")
        ] = None,
        arch: Annotated[str | None, typer.Option("--arch", "-a", help="preset name or YAML path")] = None,
        bits: Annotated[
            str | None, typer.Option(help="global W/A bits, e.g. 4/8, or W4A8KV4 with a KV-cache width")
        ] = None,
        batch: Annotated[
            int | None,
            typer.Option(help="batch size (with --accuracy: of the cost side; default all images)"),
        ] = None,
        set_: Annotated[list[str], typer.Option("--set", help="architecture override FIELD=VALUE")] = [],  # noqa: B006
        onnx: Annotated[
            Path | None, typer.Option("--onnx", help="import the network from an ONNX file")
        ] = None,
        accuracy: Annotated[
            bool, typer.Option("--accuracy", help="also run numbers through the datapath")
        ] = False,
        data: Annotated[Path | None, typer.Option(help="inputs (.npz/.npy) for --accuracy")] = None,
        labels: Annotated[Path | None, typer.Option(help="labels (.npz/.npy) for --accuracy")] = None,
        calib: Annotated[Path | None, typer.Option(help="calibration inputs for PTQ (.npz/.npy)")] = None,
        ptq_method: Annotated[str, typer.Option(help="calibration: minmax, percentile, mse, kl")] = "minmax",
        keep_first_last_bits: Annotated[
            int | None, typer.Option(help="run the first and last MAC layers at these bits")
        ] = None,
        max_images: Annotated[
            int | None, typer.Option(help="--accuracy: use at most this many images")
        ] = None,
        quantizer: Annotated[
            str,
            typer.Option(
                help="weight quantizer (uniform, qnn, dorefa, bwn, twn, ttq, log2, ...): with --accuracy the PTQ's; "
                "otherwise every layer's, for fabrics that build their datapath from it (e.g. streaming: log2 "
                "weights as shifts)"
            ),
        ] = "uniform",
        act_quantizer: Annotated[
            str, typer.Option(help="--accuracy: activation quantizer: uniform or pact")
        ] = "uniform",
        seed: Annotated[int, typer.Option(help="seed for random weights/inputs and device noise")] = 0,
        scalesim_topology: Annotated[
            Path | None, typer.Option("--scalesim-topology", help="SCALE-Sim topology CSV")
        ] = None,
        scalesim_config: Annotated[
            Path | None, typer.Option("--scalesim-config", help="SCALE-Sim .cfg")
        ] = None,
        scalesim_input_type: Annotated[
            str, typer.Option(help="SCALE-Sim topology kind: conv or gemm")
        ] = "conv",
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
        csv_path: Annotated[
            str | None, typer.Option("--csv", help="write per-layer rows as CSV to PATH (- stdout)")
        ] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no table on the terminal")] = False,
        plot: Annotated[
            str | None,
            typer.Option("--plot", help="per-layer latency and energy breakdown figure (.png/.svg/.pdf)"),
        ] = None,
        wide: Annotated[bool, typer.Option("--wide", help="every per-layer column (op, stall)")] = False,
        tech: Annotated[str | None, typer.Option("--tech", help=TECH_HELP)] = None,
        seq_len: Annotated[
            int | None,
            typer.Option(
                "--seq-len", help="transformer models: tokens (prefill) or KV-cache length (decode)"
            ),
        ] = None,
        phase: Annotated[
            str | None, typer.Option("--phase", help="transformer models: prefill or decode")
        ] = None,
        ert: Annotated[
            Path | None, typer.Option("--ert", help="price with this Accelergy ERT (energy per action, pJ)")
        ] = None,
        art: Annotated[
            Path | None, typer.Option("--art", help="with --ert: areas from this Accelergy ART")
        ] = None,
        no_calibration: Annotated[bool, typer.Option("--no-calibration", help=NO_CALIBRATION_HELP)] = False,
        accelergy: Annotated[
            str | None,
            typer.Option(
                "--accelergy", help="write ERT.yaml, ART.yaml, action_counts.yaml of the run into DIR"
            ),
        ] = None,
    ) -> None:
        """Simulate a network on an architecture and print the per-layer report.

        The network comes from --network, --onnx, or a SCALE-Sim topology (--scalesim-topology with
        --scalesim-config, which also defines the array). --accuracy runs the numbers through the
        architecture's datapath and reports mismatch and accuracy next to latency and energy.
        """
        from accelsim.errors import AccelsimInputError
        from accelsim.pricing import parse_tech

        technology = parse_tech(tech)
        table = None
        if art is not None and ert is None:
            raise AccelsimInputError("--art", "needs --ert (the energies) too")
        if ert is not None:
            if technology is not None:
                raise AccelsimInputError(
                    "--tech", "give --tech or --ert, not both (an ERT fixes its own technology)"
                )
            from accelsim.io.accelergy import accelergy_table

            table = accelergy_table(ert, art)
        if accelergy is not None and (accuracy or scalesim_topology is not None):
            raise AccelsimInputError(
                "--accelergy", "applies to a plain simulation (no --accuracy, no SCALE-Sim mode)"
            )
        if check_outputs(**{"--json": json_path, "--csv": csv_path}):
            quiet = True  # standard output carries the JSON/CSV: no table there
        if plot is not None:
            from accelsim.io.output import check_output
            from accelsim.report_plot import SUFFIXES

            if Path(plot).suffix.lower() not in SUFFIXES:
                raise AccelsimInputError("--plot", f"expected a {'/'.join(SUFFIXES)} path, got {plot}")
            check_output(plot, "--plot", stdout_ok=False)

        def finish(report: Report) -> None:
            if plot is not None:
                from accelsim.io.output import write_with
                from accelsim.report_plot import plot_report

                write_with(plot, "--plot", lambda tmp: plot_report(report, tmp))

        if scalesim_topology is not None or scalesim_config is not None:
            if scalesim_topology is None or scalesim_config is None:
                raise AccelsimInputError(
                    "--scalesim-topology", "needs both --scalesim-topology and --scalesim-config"
                )
            if network or onnx or arch or accuracy or tech:
                raise AccelsimInputError(
                    "--scalesim-topology",
                    "the SCALE-Sim mode takes its network and array from its two files only",
                )
            from accelsim.io.scalesim_mode import simulate_scalesim

            report = simulate_scalesim(scalesim_topology, scalesim_config, input_type=scalesim_input_type)
            report.write(json_path, csv_path)
            finish(report)
            if not quiet:
                render_report(report, wide=wide)
            return
        if (network is None) == (onnx is None):
            raise AccelsimInputError(
                "--network", "give exactly one of --network NAME, --onnx FILE, --scalesim-topology"
            )
        if arch is None:
            raise AccelsimInputError("--arch", "missing; see 'accelsim arch list'")
        arch_model = load_arch(arch, calibrated=not no_calibration, **parse_overrides(set_))
        source = str(onnx) if onnx is not None else network
        if accuracy:
            if technology is not None:
                raise AccelsimInputError(
                    "--tech", "re-pricing applies to the cost side; run it without --accuracy"
                )
            from accelsim.accuracy import accuracy_report

            with (
                Console(stderr=True).status(
                    f"running the images through {arch_model.name}'s datapath (PTQ, integer execution, cost)",
                    spinner="dots",
                )
                if not quiet
                else nullcontext()
            ):
                result = accuracy_report(
                    source, arch_model, data=data, labels=labels, bits=bits, seed=seed, method=ptq_method,
                    keep_first_last_bits=keep_first_last_bits, calib=calib, max_images=max_images,
                    quantizer=quantizer, act_quantizer=act_quantizer, batch=batch,
                )  # fmt: skip
            report = Report.model_validate(result["performance"])
            if csv_path:
                report.write(csv_path=csv_path)
            if json_path:
                _write_json(json_path, result)
            finish(report)
            if not quiet:
                render_accuracy(result)
                render_report(report.model_copy(update={"mismatch": None}), wide=wide)
            return
        accuracy_only = {"--data": data, "--labels": labels, "--calib": calib, "--max-images": max_images,
                         "--keep-first-last-bits": keep_first_last_bits}  # fmt: skip
        given = [k for k, v in accuracy_only.items() if v is not None]
        given += [k for k, v, d in (("--act-quantizer", act_quantizer, "uniform"),
                  ("--ptq-method", ptq_method, "minmax")) if v != d]  # fmt: skip
        if given:
            raise AccelsimInputError(given[0], "only applies with --accuracy")
        if onnx is not None:
            from accelsim.io.onnx import load_onnx

            net = load_onnx(onnx).network
        else:
            net = network
        report = simulate(
            net, arch_model, bits=bits, batch=batch, progress=not quiet, technology=technology, table=table,
            seq_len=seq_len, phase=phase, quantizer=None if quantizer == "uniform" else quantizer,
        )  # fmt: skip
        if accelergy is not None:
            from accelsim.io.accelergy import write_accelergy
            from accelsim.pricing import ModelTable

            used = table if table is not None else ModelTable(arch_model, technology)
            paths = write_accelergy(accelergy, report.action_counts(), used)
            typer.echo(f"wrote {', '.join(str(p) for p in paths)}", err=True)
        report.write(json_path, csv_path)
        finish(report)
        if not quiet:
            render_report(report, wide=wide)

    @apps.net.command("list")
    def net_list() -> None:
        """List the shipped networks with their MACs per image."""
        console = Console()
        wide = console.width >= 110  # the description only when it fits next to the numbers
        table = Table(title="networks")
        for col in ("network", "layers", "MACs/image", "params") + (("description",) if wide else ()):
            table.add_column(
                col, no_wrap=True, overflow="ellipsis", justify="left" if col[0] in "nd" else "right"
            )
        for name in available_networks():
            net = load_network(name)
            row = [name, str(len(net.layers)), f"{net.total_macs / net.batch:,.0f}", f"{net.total_params:,}"]
            table.add_row(*row, *([net.description] if wide else []))
        from accelsim import transformers

        for name in transformers.available_models():  # built at --seq-len/--phase (default prefill)
            net = transformers.build(name)
            row = [name, str(len(net.layers)), f"{net.total_macs:,.0f}", f"{net.total_params:,}"]
            table.add_row(*row, *([net.description] if wide else []))
        console.print(table)
        from accelsim.workload import network_aliases

        aliases = network_aliases()
        if aliases:
            console.print("aliases: " + ", ".join(f"{a} = {n}" for a, n in sorted(aliases.items())))

    @apps.net.command("show")
    def net_show(
        name: Annotated[str, typer.Argument(help="network name or YAML path")],
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
        wide: Annotated[
            bool, typer.Option("--wide", help="every column in full (needs ~130 columns)")
        ] = False,
        seq_len: Annotated[
            int | None, typer.Option("--seq-len", help="transformer models: sequence length")
        ] = None,
        phase: Annotated[
            str | None, typer.Option("--phase", help="transformer models: prefill or decode")
        ] = None,
        bits: Annotated[
            str | None, typer.Option(help="transformer models: W/A or W4A8KV4 for the byte counts")
        ] = None,
    ) -> None:
        """Per-layer shapes, MACs, parameters and bits of a network (transformer models: also parameter
        bytes, KV-cache bytes per token and the MACs of the phase)."""
        from accelsim.simulate import resolve_network

        check_outputs(**{"--json": json_path})
        net = resolve_network(name, bits, None, seq_len, phase)
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
        summary = None
        if net.transformer is not None:
            from accelsim.transformers import kv_bytes_per_token

            kv = net.precision.kv
            summary = {
                "phase": net.transformer["phase"], "seq_len": net.transformer["seq_len"],
                "param_bytes": sum(x.param_elems * net.precision_of(x).w_bits / 8 for x in net.layers),
                "kv_bytes_per_token": kv_bytes_per_token(net, kv), "kv_bits": kv, "macs": net.total_macs,
            }  # fmt: skip
        if json_path is not None:
            doc = {"name": net.name, "description": net.description, "source": net.source,
                   "layers": rows, "total_macs": net.total_macs, "total_params": net.total_params}  # fmt: skip
            if summary is not None:
                doc["transformer"] = summary
            _write_json(json_path, doc)
            return
        console = Console()
        if wide:
            table = Table("layer", "op", "in C×H×W", "out K×P×Q", "kernel", "stride", "groups", "MACs", "params",
                          "W/A", title=f"{net.name}: {net.description}")  # fmt: skip
            for r in rows:
                table.add_row(r["name"], r["op"], "×".join(map(str, r["input"])), "×".join(map(str, r["output"])),
                              "×".join(map(str, r["kernel"])), "×".join(map(str, r["stride"])), str(r["groups"]),
                              f"{r['macs']:,}", f"{r['params']:,}", f"{r['w_bits']}/{r['a_bits']}")  # fmt: skip
            console = Console(width=max(console.width, 160))
        else:  # fits 80 columns: compact shapes (C×H², kernel/stride), SI counts, groups next to the op
            table = Table("layer", "op", "in", "out", "k/s", "MACs", "params", "W/A", box=box.SIMPLE_HEAD,
                          title=f"{net.name}: {net.description}", pad_edge=False)  # fmt: skip
            table.columns[0].overflow = "fold"  # long layer names wrap, never cut
            for r in rows:
                op = _OP_SHORT.get(r["op"], r["op"]) + (f"/g{r['groups']}" if r["groups"] > 1 else "")
                k = r["kernel"][0] if r["kernel"][0] == r["kernel"][1] else "×".join(map(str, r["kernel"]))
                st = r["stride"][0] if r["stride"][0] == r["stride"][1] else "×".join(map(str, r["stride"]))
                ks = f"{k}/{st}" if r["op"] in ("conv2d", "depthwise_conv2d", "pool") else ""
                table.add_row(r["name"], op, _shape(r["input"]), _shape(r["output"]), ks,
                              _si(r["macs"], ""), _si(r["params"], ""), f"{r['w_bits']}/{r['a_bits']}")  # fmt: skip
        console.print(table)
        console.print(f"total_macs: {net.total_macs:,}   total_params: {net.total_params:,}")
        if summary is not None:
            console.print(
                f"{summary['phase']} at sequence length {summary['seq_len']}: {_si(summary['macs'], 'MAC')}; "
                f"parameters {_si(summary['param_bytes'], 'B')}; KV cache {_si(summary['kv_bytes_per_token'], 'B')}"
                f" per token at {summary['kv_bits']} bits"
            )

    @apps.arch.command("list")
    def arch_list() -> None:
        """List the architecture presets, and the pseudo-baselines compare accepts (published tables)."""
        from accelsim.compare import PSEUDO_BASELINES

        console = Console()
        table = Table("preset", "fabric", "clock", "description", title="architecture presets",
                      box=box.SIMPLE_HEAD, pad_edge=False)  # fmt: skip
        for name in available_presets():
            a = load_arch(name)
            table.add_row(name, a.fabric, f"{a.frequency_hz / 1e6:g} MHz", a.description)
        for name, description in PSEUDO_BASELINES.items():
            table.add_row(name, "(table)", "", description)
        console.print(table)

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
