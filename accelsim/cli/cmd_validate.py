"""``accelsim validate [PRESET ...]``: every preset's published figures — fit set and hold-out predictions —
against accelsim, with the physics-only value beside each calibrated one (:mod:`accelsim.validation`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.cli.cmd_core import JSON_HELP, check_outputs

DOC_BEGIN = "<!-- accelsim validate --markdown: begin (generated, do not edit) -->"
DOC_END = "<!-- accelsim validate --markdown: end -->"

STYLE = {"pass": "green", "fit": "cyan", "by construction": "cyan", "known miss": "yellow",
         "improved": "green", "MISS": "bold red", "BROKEN": "bold red"}  # fmt: skip


SHORT = {"by construction": "construct"}


def register(apps: CliApps) -> None:
    @apps.root.command("validate")
    def validate_cmd(
        presets: Annotated[list[str] | None, typer.Argument(help="presets (default: every preset)")] = None,
        json_path: Annotated[str | None, typer.Option("--json", help=JSON_HELP)] = None,
        markdown_out: Annotated[
            bool, typer.Option("--markdown", help="print the table of docs/validation.md instead")
        ] = False,
        sensitivity: Annotated[
            bool,
            typer.Option(
                "--sensitivity", help="vary each assumed parameter ±50 % and show the predictions move"
            ),
        ] = False,
        plot: Annotated[
            str | None, typer.Option("--plot", help="with --sensitivity: tornado plot (.png/.svg/.pdf)")
        ] = None,
        write_docs: Annotated[
            str | None,
            typer.Option(
                "--write-docs", help="replace the generated table in this Markdown file (docs/validation.md)"
            ),
        ] = None,
    ) -> None:
        """Run the validation records; exit 1 when a prediction regresses past its tolerance or a
        calibration no longer reproduces its figure."""
        from accelsim.errors import AccelsimInputError
        from accelsim.fabrics import available_presets
        from accelsim.io.output import write_output
        from accelsim.validation import markdown, validate

        for p in presets or []:
            if p not in available_presets():
                from accelsim.errors import unknown_choice

                raise unknown_choice("preset", p, available_presets())
        to_stdout = check_outputs(**{"--json": json_path})
        if plot is not None and not sensitivity:
            raise AccelsimInputError("--plot", "draws the --sensitivity study; add --sensitivity")
        if sensitivity:
            _sensitivity(presets or [], json_path, plot, to_stdout)
            return
        rows = validate(presets or None)
        if json_path is not None:
            write_output(json_path, json.dumps([r.as_dict() for r in rows], indent=2), "--json")
        if write_docs is not None:
            from pathlib import Path

            path = Path(write_docs)
            text = path.read_text() if path.exists() else ""
            if DOC_BEGIN not in text or DOC_END not in text:
                raise AccelsimInputError("--write-docs", f"{path} has no generated section ({DOC_BEGIN})")
            head, rest = text.split(DOC_BEGIN, 1)
            _, tail = rest.split(DOC_END, 1)
            write_output(
                str(path),
                f"{head}{DOC_BEGIN}\n{markdown(rows, presets or None)}{DOC_END}{tail}",
                "--write-docs",
            )
        if markdown_out:
            typer.echo(markdown(rows, presets or None), nl=False)
        elif not to_stdout:
            render(rows)
        if any(r.status in ("MISS", "BROKEN") for r in rows):
            raise typer.Exit(1)


def render(rows) -> None:
    """One table per preset (fits 80 columns): figure, published, accelsim, error, class and tolerance,
    status, physics-only value."""
    from accelsim.validation.records import load_record
    from accelsim.validation.run import _num

    console = Console()
    for preset in dict.fromkeys(r.preset for r in rows):
        table = Table("figure", "publ.", "accelsim", "err", "class", "status", "physics",
                      box=box.SIMPLE_HEAD, pad_edge=False, title_justify="left",
                      title=f"{preset} ({load_record(preset).label})")  # fmt: skip
        for col in table.columns:
            col.no_wrap = True
        table.columns[0].overflow = "ellipsis"
        table.columns[0].max_width = 16
        for r in (x for x in rows if x.preset == preset):
            klass = {"predicted": "pred", "calibrated": "calib", "definitional": "def"}[r.klass]
            table.add_row(r.id, _num(r.published), _num(r.accelsim), f"{r.error:+.0%}",
                          f"{klass}{r.tolerance * 100:g}%", f"[{STYLE[r.status]}]{SHORT.get(r.status, r.status)}[/]",
                          _num(r.physics_only))  # fmt: skip
        console.print(table)
    held = sorted({r.preset for r in rows if r.set == "holdout"})
    bad = [r for r in rows if r.status in ("MISS", "BROKEN")]
    console.print(
        f"{len(rows)} figures: {sum(r.klass == 'predicted' for r in rows)} predictions "
        f"({sum(r.status == 'pass' for r in rows)} within tolerance, "
        f"{sum(r.status == 'known miss' for r in rows)} known misses), "
        f"{sum(r.klass != 'predicted' for r in rows)} fitted or by construction; "
        f"{len(held)} presets with a hold-out prediction; {len(bad)} failing"
    )


def _sensitivity(presets: list[str], json_path: str | None, plot: str | None, to_stdout: bool) -> None:
    import dataclasses

    from accelsim.errors import AccelsimInputError
    from accelsim.io.output import check_output, write_output, write_with
    from accelsim.validation.records import load_record
    from accelsim.validation.sensitivity import sensitivity, tornado

    if not presets:
        raise AccelsimInputError(
            "--sensitivity", "name the presets to study, e.g. eyeriss systolic-vwa isaac"
        )
    for p in presets:
        if not load_record(p).assumptions:
            raise AccelsimInputError("--sensitivity", f"the record of {p} lists no assumed parameter")
    if plot is not None:
        from pathlib import Path

        from accelsim.report_plot import SUFFIXES

        if Path(plot).suffix.lower() not in SUFFIXES:
            raise AccelsimInputError("--plot", f"expected a {'/'.join(SUFFIXES)} path, got {plot}")
        check_output(plot, "--plot", stdout_ok=False)
    rows = [r for p in presets for r in sensitivity(p)]
    if json_path is not None:
        write_output(json_path, json.dumps([dataclasses.asdict(r) for r in rows], indent=2), "--json")
    if plot is not None:
        write_with(plot, "--plot", lambda tmp: tornado(rows, tmp))
    if to_stdout:
        return
    console = Console()
    for preset in presets:
        table = Table("figure", "assumed parameter", "value", "×0.5", "×1.5", box=box.SIMPLE_HEAD,
                      pad_edge=False, title=f"{preset}: predictions against assumed parameters ±50 %",
                      title_justify="left")  # fmt: skip
        for r in sorted((x for x in rows if x.preset == preset), key=lambda x: (x.figure, -x.span)):
            table.add_row(
                r.figure, r.parameter, f"{r.base_value:.4g}", f"{r.low_change:+.1%}", f"{r.high_change:+.1%}"
            )
        console.print(table)
