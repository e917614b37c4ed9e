"""Build the typer application and run it with one-line user errors (exit 2)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass

import typer

from accelsim.errors import AccelsimInputError


@dataclass(frozen=True)
class CliApps:
    """The command groups a ``cmd_*`` module may add commands to."""

    root: typer.Typer
    net: typer.Typer
    arch: typer.Typer


def build_app() -> typer.Typer:
    root = typer.Typer(
        help="accelsim: cycle-level simulator of DNN accelerators for quantized networks.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    net = typer.Typer(help="Networks shipped with accelsim.", no_args_is_help=True)
    arch = typer.Typer(help="Architecture presets.", no_args_is_help=True)
    root.add_typer(net, name="net")
    root.add_typer(arch, name="arch")
    apps = CliApps(root, net, arch)
    package = importlib.import_module("accelsim.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"accelsim.cli.{info.name}").register(apps)
    return root


def fail(message: str) -> None:
    """Print a one-line error to stderr and exit 2."""
    print(f"accelsim: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main(argv: list[str] | None = None) -> None:
    app = build_app()
    try:
        app(args=argv, standalone_mode=True)
    except AccelsimInputError as exc:
        fail(str(exc))
