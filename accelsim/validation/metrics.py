"""Compute a validation figure: one :class:`~accelsim.validation.records.Metric` on one architecture.

Quantities:

* ``peak`` (``arch.peak(w, a)``): any :class:`~accelsim.arch.base.PeakFigures` field — ``gops``, ``tops``
  (= gops/1e3), ``tops_per_w``, ``gops_per_w``, ``power_w``, ``area_mm2``, ``tops_per_mm2``,
  ``gops_per_mm2``, ``macs_per_cycle``;
* ``network`` (``simulate`` over the selected layers): ``frames_per_s`` (batch / latency),
  ``dram_accesses_per_mac`` (16-bit DRAM words per MAC), ``power_w`` / ``onchip_power_w`` (energy /
  latency, with or without DRAM), ``tops_per_w`` / ``onchip_tops_per_w`` (and ``gops_per_w`` forms), ``gops``, ``inferences_per_s``,
  ``inferences_per_j``; on a pipelined fabric (streaming) also ``pipeline_frames_per_s`` (clock / initiation
  interval), ``pipeline_gops`` (2 × the selected layers' MACs per frame × that rate), ``pipeline_latency_s``
  (the overlapped latency of one frame), ``pipeline_power_w`` (the FPGA's on-chip power at that rate,
  accelsim.fpga.power: static, processing system, resources at the clock; DRAM not included),
  ``pipeline_gops_per_w`` (their ratio) and the design's resources,
  FIFOs included: ``pipeline_lut``, ``pipeline_bram18`` (RAMB18 equivalents), ``pipeline_dsp``;
* ``compare`` (:func:`accelsim.compare.compare_suite`): ``geomean_speedup``, ``geomean_energy_ratio``.
"""

from __future__ import annotations

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError
from accelsim.validation.records import Metric
from accelsim.workload import parse_bits


def compute(metric: Metric, arch: ArchitectureBase, vary: dict[str, float] | None = None) -> float:
    """The figure ``metric`` describes, computed on ``arch`` (the metric's overrides applied here, then
    the dotted fields of ``vary``: a sensitivity study)."""
    if metric.overrides or metric.dense_layers or vary:
        data = arch.model_dump()
        data.update(metric.overrides)
        if metric.dense_layers:
            data["activation_sparsity_per_layer"] = dict.fromkeys(metric.dense_layers, 0.0)
        for dotted, value in (vary or {}).items():
            node = data
            *parents, last = dotted.split(".")
            for key in parents:
                node = node[key]
            node[last] = value
        arch = arch.model_validate(data)
    if metric.kind == "peak":
        return _peak(metric, arch)
    if metric.kind == "network":
        return _network(metric, arch)
    return _compare(metric, arch)


def _peak(metric: Metric, arch: ArchitectureBase) -> float:
    if metric.bits is None:
        raise AccelsimInputError("metric.bits", "a peak figure needs bits")
    fig = arch.peak(*parse_bits(metric.bits))
    derived = {
        "tops": fig.gops / 1e3,
        "gops_per_w": None if fig.tops_per_w is None else fig.tops_per_w * 1e3,
        "gops_per_mm2": None if fig.tops_per_mm2 is None else fig.tops_per_mm2 * 1e3,
    }
    value = derived[metric.quantity] if metric.quantity in derived else getattr(fig, metric.quantity, None)
    if value is None:
        raise AccelsimInputError("metric.quantity", f"{arch.name} peak has no {metric.quantity}")
    return float(value)


def _network(metric: Metric, arch: ArchitectureBase) -> float:
    from accelsim.simulate import simulate

    if metric.network is None:
        raise AccelsimInputError("metric.network", "a network figure needs a network")
    rep = simulate(metric.network, arch, bits=metric.bits, batch=metric.batch, quantizer=metric.quantizer)
    layers = [
        x for x in rep.layers
        if metric.layers == "all" or (metric.layers == "conv" and x.op == "conv2d") or (metric.layers == "mac" and x.macs)
    ]  # fmt: skip
    cycles = sum(x.cycles for x in layers)
    latency = cycles / arch.frequency_hz
    macs = sum(x.macs for x in layers)
    energy_pj = sum(x.energy_pj for x in layers)
    dram_pj = sum(x.energy_breakdown_pj.get("dram", 0.0) for x in layers)
    dram_bytes = sum(
        x.accesses.get("dram_read_bytes", 0) + x.accesses.get("dram_write_bytes", 0) for x in layers
    )
    q = metric.quantity
    e_j, chip_j = energy_pj * 1e-12, (energy_pj - dram_pj) * 1e-12
    # a pipelined fabric (streaming) prices its energy per network, not per layer: see pipeline_power_w
    nan = float("nan")
    values = {
        "frames_per_s": rep.batch / latency,
        "inferences_per_s": rep.batch / latency,
        "inferences_per_j": rep.batch / e_j if e_j else nan,
        "dram_accesses_per_mac": dram_bytes / 2 / macs,
        "power_w": e_j / latency,
        "onchip_power_w": chip_j / latency,
        "tops_per_w": 2 * macs / e_j / 1e12 if e_j else nan,
        "gops_per_w": 2 * macs / e_j / 1e9 if e_j else nan,
        "onchip_tops_per_w": 2 * macs / chip_j / 1e12 if chip_j else nan,
        "onchip_gops_per_w": 2 * macs / chip_j / 1e9 if chip_j else nan,
        "gops": 2 * macs / latency / 1e9,
    }
    if rep.pipeline:
        values["pipeline_frames_per_s"] = rep.pipeline["frames_per_s"]
        values["pipeline_latency_s"] = rep.pipeline["latency_s"]
        values["pipeline_gops"] = 2 * macs / rep.batch * rep.pipeline["frames_per_s"] / 1e9
        if rep.pipeline.get("power_total_w"):
            values["pipeline_power_w"] = rep.pipeline["power_total_w"]
            values["pipeline_gops_per_w"] = values["pipeline_gops"] / rep.pipeline["power_total_w"]
        for res in ("lut", "bram18", "dsp"):
            values[f"pipeline_{res}"] = float(rep.pipeline["total_resources"][res])
    if q not in values:
        raise AccelsimInputError(
            "metric.quantity", f"unknown network quantity {q!r}; allowed: {', '.join(values)}"
        )
    return float(values[q])


def _compare(metric: Metric, arch: ArchitectureBase) -> float:
    from accelsim.compare import PUBLISHED_EYERISS, compare_suite
    from accelsim.fabrics import load_arch

    if metric.suite is None or (metric.baseline is None) == (metric.arch is None):
        raise AccelsimInputError("metric.suite", "a compare figure needs a suite and one of arch or baseline")
    if metric.arch is not None:  # the record's preset is the baseline
        side, baseline = load_arch(metric.arch), arch
    else:
        side = arch
        baseline = metric.baseline if metric.baseline == PUBLISHED_EYERISS else load_arch(metric.baseline)
    table = compare_suite(
        metric.suite, side, baseline, baseline_bits=metric.baseline_bits, baseline_suite=metric.baseline_suite
    )
    if metric.quantity not in ("geomean_speedup", "geomean_energy_ratio"):
        raise AccelsimInputError("metric.quantity", f"unknown compare quantity {metric.quantity!r}")
    return float(getattr(table, metric.quantity))
