"""Design-space exploration: sweep specs, runners (serial, processes, Dask), the SQLite result store and
Pareto fronts. See docs/dse.md."""

from accelsim.dse.pareto import pareto_mask, pareto_rows, plot_front
from accelsim.dse.runners import SweepOutcome, run_sweep
from accelsim.dse.spec import DesignPoint, SweepSpec, expand, load_spec
from accelsim.dse.store import ResultStore

__all__ = [
    "DesignPoint", "ResultStore", "SweepOutcome", "SweepSpec", "expand", "load_spec", "pareto_mask",
    "pareto_rows", "plot_front", "run_sweep",
]  # fmt: skip
