"""Build the typer application and run it with one-line user errors (exit 2)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import sys
import threading
import warnings
from dataclasses import dataclass

import typer
from typer.core import TyperGroup

from accelsim.errors import AccelsimInputError


@dataclass(frozen=True)
class CliApps:
    """The command groups a ``cmd_*`` module may add commands to."""

    root: typer.Typer
    net: typer.Typer
    arch: typer.Typer
    fpga: typer.Typer


class _RootGroup(TyperGroup):
    """The root command group: normalizes the whole argument list once (:func:`normalize_argv`)."""

    def parse_args(self, ctx, args):  # noqa: ANN001, ANN201 (click's signature)
        return super().parse_args(ctx, normalize_argv(list(args)))


def build_app() -> typer.Typer:
    root = typer.Typer(
        cls=_RootGroup,
        help="accelsim: cycle-level simulator of DNN accelerators for quantized networks.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @root.callback(invoke_without_command=True)
    def _root(
        ctx: typer.Context,
        version: bool = typer.Option(False, "--version", help="print the version and exit", is_eager=True),
    ) -> None:
        if version:
            from importlib.metadata import version as dist_version

            typer.echo(f"accelsim {dist_version('accelsim')}")
            raise typer.Exit()
        if ctx.invoked_subcommand is None:
            typer.echo(ctx.get_help())
            raise typer.Exit()

    net = typer.Typer(help="Networks shipped with accelsim.", no_args_is_help=True)
    arch = typer.Typer(help="Architecture presets.", no_args_is_help=True)
    fpga = typer.Typer(help="FPGA streaming pipelines (FINN style).", no_args_is_help=True)
    root.add_typer(net, name="net")
    root.add_typer(arch, name="arch")
    root.add_typer(fpga, name="fpga")
    apps = CliApps(root, net, arch, fpga)
    package = importlib.import_module("accelsim.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"accelsim.cli.{info.name}").register(apps)
    return root


def fail(message: str) -> None:
    """Print a one-line error to stderr and exit 2."""
    print(f"accelsim: error: {message}", file=sys.stderr)
    raise SystemExit(2)


#: options that take an optional value: given alone (last, or followed by another option), they mean "-"
OPTIONAL_VALUE_OPTIONS = ("--json",)


def normalize_argv(argv: list[str]) -> list[str]:
    """``--json`` alone means ``--json -`` (standard output) in every command."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        out.append(arg)
        if arg in OPTIONAL_VALUE_OPTIONS:
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            if nxt is None or (nxt.startswith("-") and nxt != "-"):
                out.append("-")
    return out


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    """User-facing warnings (accelsim's own) as one line on stderr; others as Python prints them."""
    if category.__module__.startswith("accelsim"):
        print(f"accelsim: warning: {message}", file=sys.stderr)
    else:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


class Interrupted(BaseException):
    """Ctrl-C, raised by our SIGINT handler (typer turns a KeyboardInterrupt into a silent exit 130)."""


def _on_sigint(signum, frame) -> None:  # noqa: ANN001
    raise Interrupted()


INTERRUPTED = (
    "accelsim: interrupted: no output file was written (files are written whole at the end); a sweep keeps "
    "every point already stored: run the same command again to resume"
)


def main(argv: list[str] | None = None) -> None:
    warnings.showwarning = _one_line_warning
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        app = build_app()  # imports every command module (and through them numba, the fabrics)
        app(args=argv, standalone_mode=True)
    except AccelsimInputError as exc:
        fail(str(exc))
    except (Interrupted, KeyboardInterrupt):
        print(INTERRUPTED, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        # Leave now: every output and store was closed by the finally blocks on the way here. A normal
        # interpreter exit would join the process pool's helper threads, which can still report the pipes
        # of the workers just terminated ("OSError: Bad file descriptor") after this line.
        os._exit(130)
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
