"""Compare an architecture against a baseline over a network suite: per-benchmark speedup and energy
reduction, and their geometric means (the Bit Fusion paper's Figs. 12-15 metric).

``speedup = baseline latency / arch latency`` (seconds, so different clocks compare fairly) and
``energy_ratio = baseline energy / arch energy``, both for the whole batch of each network, each side
simulated by :func:`accelsim.simulate.simulate`. ``baseline_bits`` optionally runs the baseline at one
global precision (the paper's Eyeriss baseline is 16-bit); by default both sides run each layer at its
own bits.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

from accelsim.arch.base import ArchitectureBase
from accelsim.fabrics import load_arch
from accelsim.simulate import simulate
from accelsim.workload import Network, load_suite


class CompareRow(BaseModel):
    """One benchmark: both sides' latency and energy and the ratios."""

    network: str
    arch_latency_s: float
    baseline_latency_s: float
    arch_energy_pj: float
    baseline_energy_pj: float
    speedup: float = Field(description="baseline latency / arch latency")
    energy_ratio: float = Field(description="baseline energy / arch energy (energy reduction)")


class CompareTable(BaseModel):
    """Per-benchmark rows plus geometric means."""

    suite: str
    arch: str
    baseline: str
    baseline_bits: str | None
    rows: list[CompareRow]
    geomean_speedup: float
    geomean_energy_ratio: float


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def compare_suite(
    suite: str | list[Network],
    arch: ArchitectureBase | str | Path,
    baseline: ArchitectureBase | str | Path,
    baseline_bits: str | None = None,
) -> CompareTable:
    """Simulate every network of ``suite`` (a suite name or a list of networks) on both architectures."""
    networks = load_suite(suite) if isinstance(suite, str) else list(suite)
    arch_model = arch if isinstance(arch, ArchitectureBase) else load_arch(arch)
    base_model = baseline if isinstance(baseline, ArchitectureBase) else load_arch(baseline)
    rows = []
    for net in networks:
        ours = simulate(net, arch_model).totals
        theirs = simulate(net, base_model, bits=baseline_bits).totals
        rows.append(
            CompareRow(
                network=net.name,
                arch_latency_s=ours.latency_s,
                baseline_latency_s=theirs.latency_s,
                arch_energy_pj=ours.energy_pj,
                baseline_energy_pj=theirs.energy_pj,
                speedup=theirs.latency_s / ours.latency_s,
                energy_ratio=theirs.energy_pj / ours.energy_pj,
            )
        )
    return CompareTable(
        suite=suite if isinstance(suite, str) else "custom",
        arch=arch_model.name,
        baseline=base_model.name,
        baseline_bits=baseline_bits,
        rows=rows,
        geomean_speedup=_geomean([r.speedup for r in rows]),
        geomean_energy_ratio=_geomean([r.energy_ratio for r in rows]),
    )
