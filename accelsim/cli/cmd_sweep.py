"""``accelsim sweep SPEC.yaml``: run a design-space sweep into a SQLite store, print and plot the front."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from accelsim.cli.app import CliApps
from accelsim.errors import AccelsimInputError


def register(apps: CliApps) -> None:
    @apps.root.command("sweep")
    def sweep_cmd(
        spec_path: Annotated[Path, typer.Argument(help="sweep YAML file")],
        store: Annotated[Path | None, typer.Option(help="SQLite store (default: ./<spec name>.db)")] = None,
        runner: Annotated[str, typer.Option(help="serial | processes | dask")] = "processes",
        workers: Annotated[int, typer.Option(help="local worker processes")] = 2,
        scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, tcp://host:port")] = None,
        csv_path: Annotated[
            str | None, typer.Option("--csv", help="export every point as CSV (- stdout)")
        ] = None,
        parquet_path: Annotated[Path | None, typer.Option("--parquet", help="export as Parquet")] = None,
        plot: Annotated[Path | None, typer.Option(help="Pareto plot, .png or .svg")] = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar and no table")] = False,
    ) -> None:
        """Evaluate every design point (resuming a killed sweep), then print the Pareto front."""
        from accelsim.dse import ResultStore, load_spec, pareto_rows, plot_front, run_sweep

        spec = load_spec(spec_path)
        if parquet_path is not None:
            try:
                import pyarrow  # noqa: F401
            except ImportError:
                raise AccelsimInputError(
                    "--parquet", "needs pyarrow: pip install 'accelsim[parquet]'"
                ) from None
        if plot is not None and plot.suffix.lower() not in (".png", ".svg"):
            raise AccelsimInputError("--plot", f"expected a .png or .svg path, got {plot.name}")
        from accelsim.io.output import check_output, write_output, write_with

        for field, out in (("--csv", csv_path), ("--parquet", parquet_path), ("--plot", plot)):
            check_output(out, field, stdout_ok=field == "--csv")
        store_path = store or Path.cwd() / f"{spec_path.stem}.db"
        outcome = run_sweep(spec, store_path, runner=runner, workers=workers, scheduler=scheduler,  # type: ignore[arg-type]
                            progress=not quiet)  # fmt: skip
        db = ResultStore(store_path)
        rows = db.rows(spec.name)
        if csv_path or parquet_path:
            df = db.dataframe(spec.name)
            if csv_path:
                write_output(csv_path, df.to_csv(index=False), "--csv")
            if parquet_path:
                write_with(parquet_path, "--parquet", lambda tmp: df.to_parquet(tmp, index=False))
        db.close()
        front = pareto_rows(rows, spec.objectives)
        if plot is not None:
            write_with(plot, "--plot", lambda tmp: plot_front(rows, spec.objectives, tmp, title=spec.name))
        if quiet:
            return
        console = Console()
        console.print(
            f"{spec.name}: {outcome.total} points ({outcome.skipped} already stored, {outcome.evaluated} evaluated "
            f"in {outcome.elapsed_s:.2f} s, {outcome.points_per_minute:,.0f} points/min) -> {store_path}"
        )
        axes = [a if a != "bits" else "bits" for a in spec.axes]
        table = Table(
            *(["network"] + axes + list(spec.objectives)), title=f"Pareto front ({len(front)} points)"
        )
        for r in front:
            table.add_row(
                r["network"], *[str(r.get(a, "")) for a in axes], *[f"{r[o]:.4g}" for o in spec.objectives]
            )
        console.print(table)
