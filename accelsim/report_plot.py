"""Per-layer latency and energy of a :class:`accelsim.report.Report` as a figure (matplotlib).

Two panels sharing the layer axis: latency per layer (bars, compute and stall stacked), and energy per
layer stacked by component of the report's breakdown. PNG, SVG or PDF, chosen by the file suffix."""

from __future__ import annotations

from pathlib import Path

from accelsim.report import Report

SUFFIXES = (".png", ".svg", ".pdf")


def plot_report(report: Report, path: str | Path) -> None:
    """Draw ``report`` to ``path`` (suffix .png, .svg or .pdf)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [x.name for x in report.layers]
    idx = range(len(names))
    f_hz = report.frequency_hz
    compute_us = [x.compute_cycles / f_hz * 1e6 for x in report.layers]
    stall_us = [x.stall_cycles / f_hz * 1e6 for x in report.layers]
    width = max(6.0, 0.28 * len(names) + 2)
    fig, (ax_t, ax_e) = plt.subplots(2, 1, figsize=(width, 6.5), dpi=110, sharex=True)
    ax_t.bar(idx, compute_us, label="compute", color="C0")
    ax_t.bar(idx, stall_us, bottom=compute_us, label="stall (memory)", color="C3")
    ax_t.set_ylabel("latency (µs)")
    ax_t.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax_t.set_title(
        f"{report.network} on {report.arch} ({report.fabric}), batch {report.batch}: "
        f"{report.totals.latency_s * 1e3:.4g} ms, {report.totals.energy_pj * 1e-6:.4g} µJ",
        fontsize=10,
    )
    components = sorted(
        report.totals.energy_breakdown_pj, key=lambda k: -report.totals.energy_breakdown_pj[k]
    )
    bottom = [0.0] * len(names)
    for i, comp in enumerate(components):
        vals = [x.energy_breakdown_pj.get(comp, 0.0) * 1e-6 for x in report.layers]
        ax_e.bar(idx, vals, bottom=bottom, label=comp, color=f"C{i % 10}")
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax_e.set_ylabel("energy (µJ)")
    ax_e.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    ax_e.set_xticks(list(idx))
    ax_e.set_xticklabels(names, rotation=70, ha="right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


__all__ = ["SUFFIXES", "plot_report"]
