"""Report models (pydantic), terminal tables (rich) and JSON/CSV export.

Units: ``cycles`` core clock cycles; ``latency_s`` seconds; ``energy_pj`` picojoules;
``utilization`` = MACs / (cycles · peak MACs per cycle) in [0, 1]; ``mapping_efficiency`` = average
fraction of the PE array holding useful work while computing, in [0, 1].
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr


class LayerReport(BaseModel):
    """Result for one layer (whole batch)."""

    name: str
    op: str
    w_bits: int
    a_bits: int
    macs: int
    cycles: int = Field(description="compute + stall cycles")
    compute_cycles: int
    stall_cycles: int = Field(description="cycles waiting for memory (DRAM bandwidth, contention)")
    latency_s: float
    energy_pj: float
    energy_breakdown_pj: dict[str, float]
    utilization: float
    mapping_efficiency: float
    peak_macs_per_cycle: float = Field(description="MACs per cycle the fabric could do at these bits")
    accesses: dict[str, float]
    mapping: dict[str, Any] = Field(default_factory=dict)
    mismatch: dict[str, float] | None = Field(None, description="functional mismatch metrics, when run")


class Totals(BaseModel):
    """Network totals (whole batch)."""

    macs: int
    cycles: int
    compute_cycles: int
    stall_cycles: int
    latency_s: float
    energy_pj: float
    energy_breakdown_pj: dict[str, float]
    utilization: float
    inferences_per_s: float
    inferences_per_j: float
    gops: float = Field(description="achieved giga-operations per second (1 MAC = 2 ops)")
    tops_per_w: float = Field(description="achieved tera-operations per joule (= TOPS/W)")
    power_w: float = Field(0.0, description="average power over the run: energy / latency")
    area_mm2: float | None = Field(
        None, description="area of the architecture's model (None where its fabric has no area model yet)"
    )
    area_breakdown_mm2: dict[str, float] = Field(default_factory=dict, description="area per component")
    accesses: dict[str, float]


class Report(BaseModel):
    """A simulation of one network on one architecture."""

    network: str
    arch: str
    fabric: str
    frequency_hz: float
    batch: int
    bits: str | None = Field(None, description="global W/A override, when given")
    technology: str = Field("", description="the technology every energy and area was priced at")
    calibration: str = Field(
        "", description="the preset's calibration: what it was fitted to, or physics only"
    )
    layers: list[LayerReport]
    totals: Totals
    mismatch: dict[str, float] | None = None
    pipeline: dict[str, Any] | None = Field(
        None,
        description="pipelined fabrics (streaming): initiation interval, frames/s, FINN's no-overlap "
        "latency bound, resources and the device budget",
    )
    transformer: dict[str, Any] | None = Field(
        None, description="transformer runs: phase, tokens/s, time to first token, J/token, KV-cache bytes"
    )
    _action_counts: dict[tuple, float] = PrivateAttr(default_factory=dict)

    def set_action_counts(self, actions: dict[tuple, float]) -> None:
        """Keep the run's summed action counts (not serialized: tuple keys; see :meth:`action_counts`)."""
        self._action_counts = dict(actions)

    def action_counts(self) -> dict[tuple, float]:
        """The run's summed action counts ``(component, action, args) -> count`` (empty for a report read
        back from JSON); :func:`accelsim.io.accelergy.write_accelergy` writes them for Accelergy."""
        return dict(self._action_counts)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def to_json(self, indent: int = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def _table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows of the per-layer table shared by :meth:`to_csv` and :meth:`to_dataframe`."""
        breakdown_keys = sorted({k for layer in self.layers for k in layer.energy_breakdown_pj})
        access_keys = sorted({k for layer in self.layers for k in layer.accesses})
        mismatch_keys = sorted({k for layer in self.layers for k in (layer.mismatch or {})})
        base = [
            "name", "op", "w_bits", "a_bits", "macs", "cycles", "compute_cycles", "stall_cycles",
            "latency_s", "energy_pj", "utilization", "mapping_efficiency", "peak_macs_per_cycle",
        ]  # fmt: skip
        header = base + [f"energy_{k}_pj" for k in breakdown_keys] + access_keys
        header += [f"mismatch_{k}" for k in mismatch_keys]
        rows = []
        for layer in self.layers:
            row = [getattr(layer, k) for k in base]
            row += [layer.energy_breakdown_pj.get(k, 0.0) for k in breakdown_keys]
            row += [layer.accesses.get(k, 0) for k in access_keys]
            row += [(layer.mismatch or {}).get(k, "") for k in mismatch_keys]
            rows.append(row)
        return header, rows

    def to_csv(self) -> str:
        """One row per layer; breakdown and access dicts flattened to ``energy_<k>_pj`` / ``<k>`` columns."""
        header, rows = self._table()
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header)
        writer.writerows(rows)
        return buf.getvalue()

    def to_dataframe(self):
        """pandas DataFrame, one row per layer, indexed by layer name; the columns of :meth:`to_csv`."""
        import pandas as pd

        header, rows = self._table()
        return pd.DataFrame(rows, columns=header).set_index("name")

    def summary(self) -> str:
        """One line: network, arch, batch, latency, energy, power, throughput, efficiency, utilization."""
        t = self.totals
        area = f", {t.area_mm2:.3g} mm²" if t.area_mm2 else ""
        tech = f", priced at {self.technology}" if self.technology else ""
        return (
            f"{self.network} on {self.arch} ({self.fabric}), batch {self.batch}: {_si(t.latency_s, 's')}, "
            f"{_si(t.energy_pj * 1e-12, 'J')}, {_si(t.power_w, 'W')}{area}, {t.gops:.4g} GOPS, "
            f"{t.tops_per_w:.4g} TOPS/W, utilization {_pct(t.utilization)}{tech}"
        )

    def __repr__(self) -> str:
        return f"<Report {self.summary()}; {len(self.layers)} layers>"

    def __str__(self) -> str:
        """The terminal rendering (per-layer table, breakdown, totals) as plain text, 100 columns."""
        from rich.console import Console

        console = Console(width=100, record=True, file=io.StringIO(), color_system=None)
        render_report(self, console)
        return console.export_text()

    def _repr_html_(self) -> str:
        """Notebook view: the summary line, totals and the per-layer essentials."""
        import html

        df = self.to_dataframe()[["op", "w_bits", "a_bits", "macs", "cycles", "stall_cycles", "latency_s",
                                  "energy_pj", "utilization"]]  # fmt: skip
        breakdown = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{_si(v * 1e-12, 'J')}</td></tr>"
            for k, v in sorted(self.totals.energy_breakdown_pj.items(), key=lambda kv: -kv[1])
        )
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>"
            f"<table><tr><th>component</th><th>energy</th></tr>{breakdown}</table>"
            + df.to_html(float_format=lambda v: f"{v:.4g}")
        )

    def write(self, json_path: str | Path | None = None, csv_path: str | Path | None = None) -> None:
        """Write JSON and/or CSV (``-``: standard output). Both targets are checked before either is
        written; each is a regular file written whole (:mod:`accelsim.io.output`)."""
        from accelsim.io.output import check_output, write_output

        check_output(json_path or None, "--json")
        check_output(csv_path or None, "--csv")
        if json_path:
            write_output(json_path, self.to_json(), "--json")
        if csv_path:
            write_output(csv_path, self.to_csv(), "--csv")


def _si(value: float, unit: str) -> str:
    """3 significant digits with an SI prefix: 1.15e-07 s -> '115 ns'."""
    if value == 0:
        return f"0 {unit}".strip()
    prefixes = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"),
                (1e-9, "n"), (1e-12, "p"))  # fmt: skip
    for factor, prefix in prefixes:
        if abs(value) >= factor:
            return f"{value / factor:.3g} {prefix}{unit}".strip()
    return f"{value / 1e-12:.3g} p{unit}".strip()


#: per-layer table columns; op and stall are shown on terminals of 100+ columns or with ``wide``
COLUMNS = ("layer", "op", "W/A", "MACs", "cycles", "stall", "latency", "energy", "util")
NARROW_DROPPED = ("op", "stall")


def _pct(value: float) -> str:
    """'97.4%', or significant digits for small shares: '0.0032%'."""
    return f"{value:.1%}" if value >= 0.001 or value == 0 else f"{value * 100:.2g}%"


def render_report(report: Report, console: Any = None, wide: bool = False) -> None:
    """Print the per-layer table, the energy breakdown and the totals with rich (fits 80 columns; op and
    stall columns from 100 columns on, or with ``wide``)."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"{report.network} on {report.arch} ({report.fabric}), batch {report.batch}")
    wide = wide or console.width >= 100
    columns = [c for c in COLUMNS if wide or c not in NARROW_DROPPED]
    for col in columns:
        table.add_column(col, justify="left" if col in ("layer", "op") else "right", no_wrap=True)
    for layer in report.layers:
        cells = {
            "layer": layer.name,
            "op": layer.op,
            "W/A": f"{layer.w_bits}/{layer.a_bits}",
            "MACs": _si(layer.macs, ""),
            "cycles": f"{layer.cycles:,}",
            "stall": f"{layer.stall_cycles:,}",
            "latency": _si(layer.latency_s, "s"),
            "energy": _si(layer.energy_pj * 1e-12, "J"),
            "util": _pct(layer.utilization),
        }
        table.add_row(*(cells[c] for c in columns))
    console.print(table)
    t = report.totals
    breakdown = Table(
        title="energy breakdown" + (f" (priced at {report.technology})" if report.technology else "")
    )
    breakdown.add_column("component")
    breakdown.add_column("energy", justify="right")
    breakdown.add_column("share", justify="right")
    for key, value in sorted(t.energy_breakdown_pj.items(), key=lambda kv: -kv[1]):
        share = value / t.energy_pj if t.energy_pj else 0.0
        breakdown.add_row(key, _si(value * 1e-12, "J"), f"{share:.1%}")
    console.print(breakdown)
    if report.calibration:
        console.print(f"[dim]{report.calibration}[/dim]")
    if report.pipeline:
        p = report.pipeline
        used = ", ".join(
            f"{v:,} {k.upper()}" for k, v in p.get("total_resources", p["resources"]).items() if v
        )
        fifo = ", ".join(f"{v:,} {k.upper()}" for k, v in p.get("fifo_resources", {}).items() if v)
        console.print(
            f"[bold]pipeline[/bold]: {p['frames_per_s']:.4g} frames/s (initiation interval "
            f"{p['initiation_interval_cycles']:,} cycles), latency {_si(p['latency_s'], 's')} overlapped, "
            f"{_si(p['latency_no_overlap_s'], 's')} FINN's no-overlap bound; {used} on {p['device']}"
            + (f" (FIFOs included: {fifo})" if fifo else "")
        )
        if p.get("power_w"):
            parts = ", ".join(f"{k} {v:.3g}" for k, v in p["power_w"].items() if v)
            console.print(
                f"  power {p['power_total_w']:.3g} W ({parts}; Vivado-report model, accelsim.fpga.power)"
            )
        if p.get("external_weight_bytes_per_frame"):
            console.print(
                f"  external weights: {_si(p['external_weight_bytes_per_frame'], 'B')}/frame from DRAM, "
                f"{p['dram_cycles_per_frame']:,} cycles/frame; compute alone "
                f"{p['compute_initiation_interval_cycles']:,}: {p['bound']}-bound"
            )
    if report.transformer:
        x = report.transformer
        ttft = x["time_to_first_token_s"]
        console.print(
            f"[bold]{x['model']} {x['phase']}[/bold], seq {x['seq_len']}, batch {x['batch']}, "
            f"KV {x['kv_bits']}-bit: {x['tokens_per_s']:.4g} tokens/s, {_si(x['j_per_token'], 'J')}/token"
            + (f", time to first token {_si(ttft, 's')}" if ttft is not None else "")
            + f", KV cache {_si(x['kv_cache_bytes'], 'B')} ({_si(x['kv_bytes_per_token'], 'B')}/token), "
            f"weights {_si(x['weight_bytes'], 'B')}"
        )
    area = f", area {t.area_mm2:.4g} mm²" if t.area_mm2 else ""
    console.print(
        f"[bold]total[/bold]: {_si(t.macs, 'MAC')}, {t.cycles:,} cycles ({t.stall_cycles:,} stall), "
        f"{_si(t.latency_s, 's')}, {_si(t.energy_pj * 1e-12, 'J')}, {_si(t.power_w, 'W')}{area}, utilization "
        f"{_pct(t.utilization)}, {t.inferences_per_s:.4g} inferences/s, {t.gops:.4g} GOPS, {t.tops_per_w:.4g} TOPS/W"
    )
    if report.mismatch:
        console.print("mismatch: " + ", ".join(f"{k} {v:.4g}" for k, v in report.mismatch.items()))
