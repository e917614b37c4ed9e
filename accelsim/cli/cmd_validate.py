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
