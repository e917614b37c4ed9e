"""Compare an architecture against a baseline over a network suite: per-benchmark speedup and energy
reduction, and their geometric means (the Bit Fusion paper's Figs. 12-15 metric).

``speedup = baseline latency / arch latency`` (seconds, so different clocks compare fairly) and
``energy_ratio = baseline energy / arch energy``, both for the whole batch of each network, each side
simulated by :func:`accelsim.simulate.simulate`. ``baseline_bits`` optionally runs the baseline at one
global precision (the paper's Eyeriss baseline is 16-bit); by default both sides run each layer at its
own bits.

``baseline="bitfusion-paper-eyeriss"`` uses, instead of a simulated baseline, the Eyeriss numbers the
Bit Fusion paper itself compared against: the authors' per-layer table ``results/eyeriss_results.csv``
(github.com/hsharma35/bitfusion cf2d5c8, shipped as ``accelsim/data/bitfusion_eyeriss_results.csv``),
summed per benchmark and converted as their notebook does: cycles (16-bit, batch 16) at 500 MHz;
energy = (ALU + RF + Array + Buffer + 0.15·DRAM) × 3.2 pJ (shared/reference/bitfusion_config.md).
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.pricing import ModelTable, Technology, parse_tech
from accelsim.simulate import simulate
from accelsim.workload import Network, load_suite

PUBLISHED_EYERISS = "bitfusion-paper-eyeriss"
#: names ``compare --baseline`` accepts besides presets: published results, not simulated architectures
PSEUDO_BASELINES = {
    PUBLISHED_EYERISS: "compare baseline only: the Bit Fusion authors' Eyeriss table (cycles, energy) for suite "
    "bitfusion, not a simulated architecture",
}
EYERISS_TABLE = Path(__file__).parent / "data" / "bitfusion_eyeriss_results.csv"
EYERISS_CLOCK_HZ = 500e6
EYERISS_PJ_PER_UNIT = 16 * 0.2
EYERISS_DRAM_SCALE = 0.15
_BENCHMARKS = {
    "alexnet": "AlexNet", "svhn": "SVHN", "cifar10": "CIFAR10", "lenet-5": "LeNet-5", "vgg-7": "VGG-7",
    "resnet-18": "RESNET-18", "rnn": "RNN", "lstm": "LSTM",
}  # fmt: skip


def published_eyeriss_baseline() -> dict[str, tuple[int, float]]:
    """Per Bit Fusion benchmark: (Eyeriss cycles for the batch, energy in pJ) from the authors' table."""
    import csv

    totals: dict[str, tuple[int, float]] = {}
    with EYERISS_TABLE.open() as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for r in rows:
            units = (
                float(r["ALU"]) + float(r["RF"]) + float(r["Array"]) + float(r["Buffer"])
                + EYERISS_DRAM_SCALE * float(r["DRAM"])
            )  # fmt: skip
            cycles, energy = totals.get(r["Benchmark"], (0, 0.0))
            totals[r["Benchmark"]] = (cycles + int(r["time(ms)"]), energy + units * EYERISS_PJ_PER_UNIT)
    return totals


def _benchmark_of(network: str) -> str:
    key = network.removeprefix("bitfusion-").removesuffix("-wrpn")
    if key not in _BENCHMARKS:
        raise AccelsimInputError(
            "network",
            f"{network!r} is not a Bit Fusion benchmark; {PUBLISHED_EYERISS} covers suite bitfusion",
        )
    return _BENCHMARKS[key]


class CompareLayer(BaseModel):
    """One layer on both sides (layers paired by name; a layer missing on one side is left out)."""

    name: str
    arch_latency_s: float
    baseline_latency_s: float
    arch_energy_pj: float
    baseline_energy_pj: float
    speedup: float = Field(description="baseline latency / arch latency (inf when the arch takes no time)")


class CompareRow(BaseModel):
    """One benchmark: both sides' latency and energy and the ratios."""

    network: str
    arch_latency_s: float
    baseline_latency_s: float
    arch_energy_pj: float
    baseline_energy_pj: float
    speedup: float = Field(description="baseline latency / arch latency")
    energy_ratio: float = Field(description="baseline energy / arch energy (energy reduction)")
    arch_tops_per_w: float = Field(0.0, description="achieved TOPS/W of the arch on this network")
    baseline_tops_per_w: float | None = Field(None, description="achieved TOPS/W of the baseline")
    arch_utilization: float = Field(0.0, description="MACs / (cycles · peak MACs per cycle) of the arch")
    baseline_utilization: float | None = Field(None, description="None for a published (table) baseline")
    layers: list[CompareLayer] | None = Field(None, description="per layer, when asked (per_layer=True)")


class CompareTable(BaseModel):
    """Per-benchmark rows plus geometric means."""

    suite: str
    baseline_suite: str | None = Field(None, description="suite the baseline ran on, when not ``suite``")
    arch: str
    baseline: str
    baseline_bits: str | None
    arch_technology: str = Field("", description="the technology the arch's energies were priced at")
    arch_area_mm2: float | None = Field(None, description="the arch's area at that technology")
    baseline_area_mm2: float | None = Field(None, description="the baseline's area at its technology")
    baseline_resized: str | None = Field(None, description="how --iso-area resized the baseline's array")
    baseline_technology: str = Field("", description="the technology of the baseline's energies")
    rows: list[CompareRow]
    geomean_speedup: float
    geomean_energy_ratio: float


def area_mm2(arch: ArchitectureBase, tech: Technology | None = None) -> float | None:
    """The architecture's total area at ``tech`` (its own technology when None); None without a model."""
    areas = ModelTable(arch, tech).areas_mm2()
    return float(sum(areas.values())) if areas else None


def iso_area_baseline(
    baseline: ArchitectureBase, target_mm2: float, tech: Technology | None = None
) -> ArchitectureBase:
    """``baseline`` with its compute array resized (:meth:`ArchitectureBase.scale_array`: the array fields
    scaled together, rounded) so that its area at ``tech`` is the closest it can get to ``target_mm2``;
    buffers and everything else unchanged. A target below the baseline with a one-PE array is an error."""
    if area_mm2(baseline, tech) is None:
        raise AccelsimInputError("--iso-area", f"{baseline.name} has no area model to resize")

    def area_at(f: float) -> tuple[float, ArchitectureBase]:
        scaled = baseline.scale_array(f)
        return float(area_mm2(scaled, tech)), scaled  # type: ignore[arg-type]

    floor, _ = area_at(1e-9)
    if target_mm2 < floor:
        raise AccelsimInputError(
            "--iso-area",
            f"{baseline.name}'s buffers alone take {floor:.3g} mm² > the target {target_mm2:.3g} mm²",
        )
    lo, hi = math.log(1e-6), math.log(1e6)
    for _ in range(80):  # bisection on log(factor): the area grows with the array
        mid = 0.5 * (lo + hi)
        if area_at(math.exp(mid))[0] < target_mm2:
            lo = mid
        else:
            hi = mid
    candidates = [area_at(math.exp(lo)), area_at(math.exp(hi))]
    return min(candidates, key=lambda c: abs(c[0] - target_mm2))[1]


def _resized(before: ArchitectureBase, after: ArchitectureBase, tech: Technology | None) -> str:
    fields = ", ".join(f"{f} {getattr(before, f)}→{getattr(after, f)}" for f in before.ARRAY_FIELDS)
    return f"{fields} ({area_mm2(before, tech):.4g} → {area_mm2(after, tech):.4g} mm²)"


def _label(arch: ArchitectureBase, tech: Technology | None) -> str:
    return (tech or Technology.of(arch)).label()


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def compare_suite(
    suite: str | list[Network],
    arch: ArchitectureBase | str | Path,
    baseline: ArchitectureBase | str | Path,
    baseline_bits: str | None = None,
    baseline_suite: str | list[Network] | None = None,
    per_layer: bool = False,
    technology: Technology | str | None = None,
    iso_area: bool = False,
) -> CompareTable:
    """Simulate every network of ``suite`` (a suite name or a list of networks) on both architectures
    (or, for ``baseline="bitfusion-paper-eyeriss"``, against the authors' Eyeriss table).

    ``baseline_suite`` runs the baseline on other graphs, paired with ``suite`` by position. The Bit
    Fusion paper's headline pairs Bit Fusion on the WRPN graphs (suite ``bitfusion-wrpn``) with an Eyeriss
    table computed on the plain graphs (suite ``bitfusion``; docs/precision-scalable.md).

    ``technology`` (``"45"``, ``"28,0.9"`` or a :class:`~accelsim.pricing.Technology`) prices both sides at
    that one technology (:mod:`accelsim.pricing.technology`); by default each side is priced at its own
    preset's technology. The table states the technology of each side. ``iso_area`` resizes the
    baseline's compute array (:func:`iso_area_baseline`) to the arch's area at that technology."""
    tech = parse_tech(technology) if isinstance(technology, str) else technology
    networks = load_suite(suite) if isinstance(suite, str) else list(suite)
    if baseline_suite is None:
        base_networks = networks
    else:
        base_networks = (
            load_suite(baseline_suite) if isinstance(baseline_suite, str) else list(baseline_suite)
        )
        if len(base_networks) != len(networks):
            raise AccelsimInputError(
                "baseline_suite", f"has {len(base_networks)} networks, the suite has {len(networks)}"
            )
    arch_model = arch if isinstance(arch, ArchitectureBase) else load_arch(arch)
    published = baseline == PUBLISHED_EYERISS
    if published and tech is not None:
        raise AccelsimInputError(
            "--tech", f"{PUBLISHED_EYERISS} is a published table (45 nm); it cannot be re-priced"
        )
    if published:
        table = published_eyeriss_baseline()
        base_name = PUBLISHED_EYERISS
    else:
        base_model = baseline if isinstance(baseline, ArchitectureBase) else load_arch(baseline)
        base_name = base_model.name
    arch_area = area_mm2(arch_model, tech)
    resized = None
    if iso_area:
        if published:
            raise AccelsimInputError(
                "--iso-area", f"{PUBLISHED_EYERISS} is a published table; it has no array"
            )
        if arch_area is None:
            raise AccelsimInputError("--iso-area", f"{arch_model.name} has no area model to match")
        before = base_model
        base_model = iso_area_baseline(base_model, arch_area, tech)
        resized = _resized(before, base_model, tech)
    rows = []
    for net, base_net in zip(networks, base_networks, strict=True):
        ours_report = simulate(net, arch_model, technology=tech)
        ours = ours_report.totals
        theirs_report = None
        if published:
            cycles, base_energy = table[_benchmark_of(base_net.name)]
            base_latency = cycles / EYERISS_CLOCK_HZ
            base_tops_w, base_util = 2 * base_net.total_macs / (base_energy * 1e-12) / 1e12, None
        else:
            theirs_report = simulate(base_net, base_model, bits=baseline_bits, technology=tech)
            theirs = theirs_report.totals
            base_latency, base_energy = theirs.latency_s, theirs.energy_pj
            base_tops_w, base_util = theirs.tops_per_w, theirs.utilization
        layers = None
        if per_layer and theirs_report is not None:
            by_name = {x.name: x for x in theirs_report.layers}
            layers = [
                CompareLayer(
                    name=a.name,
                    arch_latency_s=a.latency_s,
                    baseline_latency_s=by_name[a.name].latency_s,
                    arch_energy_pj=a.energy_pj,
                    baseline_energy_pj=by_name[a.name].energy_pj,
                    speedup=by_name[a.name].latency_s / a.latency_s if a.latency_s else float("inf"),
                )  # fmt: skip
                for a in ours_report.layers
                if a.name in by_name
            ]
        rows.append(
            CompareRow(
                network=net.name,
                arch_latency_s=ours.latency_s,
                baseline_latency_s=base_latency,
                arch_energy_pj=ours.energy_pj,
                baseline_energy_pj=base_energy,
                speedup=base_latency / ours.latency_s,
                energy_ratio=base_energy / ours.energy_pj,
                arch_tops_per_w=ours.tops_per_w,
                baseline_tops_per_w=base_tops_w,
                arch_utilization=ours.utilization,
                baseline_utilization=base_util,
                layers=layers,
            )
        )
    return CompareTable(
        suite=suite if isinstance(suite, str) else "custom",
        baseline_suite=None
        if baseline_suite is None
        else (baseline_suite if isinstance(baseline_suite, str) else "custom"),
        arch=arch_model.name,
        baseline=base_name,
        baseline_bits=baseline_bits,
        arch_technology=_label(arch_model, tech),
        arch_area_mm2=arch_area,
        baseline_area_mm2=None if published else area_mm2(base_model, tech),
        baseline_resized=resized,
        baseline_technology="45 nm (published table)" if published else _label(base_model, tech),
        rows=rows,
        geomean_speedup=_geomean([r.speedup for r in rows]),
        geomean_energy_ratio=_geomean([r.energy_ratio for r in rows]),
    )
