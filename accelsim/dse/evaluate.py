"""Evaluate one design point: build its architecture, cost its network, return flat metrics.

Metrics (per network, whole batch): ``latency_s``, ``latency_cycles``, ``energy_pj``, ``power_w`` (average,
energy / latency), ``edp_pj_s`` (energy·delay), ``area_mm2`` (NaN when the fabric models no area),
``utilization``, ``macs``. Costs come from :class:`accelsim.cost.CostModel` (the same closed forms as
``simulate``), over every layer of the network.

A pipelined fabric (one with a ``network_timing`` hook: streaming) is timed as ``simulate`` times it:
``latency_s`` is the overlapped latency of the batch, plus ``frames_per_s``, ``initiation_interval_s``
(1 / frames per s), the design's resources ``lut``, ``bram18``, ``uram``, ``dsp``, ``ff`` (FIFOs included)
and ``fits_device`` (a design over the device's budget is stored as infeasible, not raised); its
``energy_pj`` / ``power_w`` / ``edp_pj_s`` price the pipeline's network-level actions (FPGA power over the
run, external weights read from DRAM) with the cost stage, as ``simulate`` does.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

from accelsim.cost import CostModel
from accelsim.dse.spec import DesignPoint
from accelsim.fabrics import get_fabric, get_fabric_hook, load_arch
from accelsim.workload import Network, load_network, parse_bits


@lru_cache(maxsize=32)
def _network(name: str, batch: int | None) -> Network:
    net = load_network(name)
    return net.with_batch(batch) if batch else net


def evaluate_point(point: DesignPoint) -> dict[str, Any]:
    """Metrics of one point (pure function of the point; safe to run in any process)."""
    arch = load_arch(point.base, **dict(point.overrides))
    net = _network(point.network, point.batch)
    if get_fabric_hook(arch.fabric, "network_timing") is not None:
        return _pipeline_metrics(point, arch, net)
    cm = CostModel(arch)
    global_bits = parse_bits(point.bits) if point.bits else None
    layer_bits = {name: parse_bits(b) for name, b in point.layer_bits}
    policy = []
    for layer in net.layers:
        if layer.name in layer_bits:
            policy.append(layer_bits[layer.name])
        elif global_bits is not None:
            policy.append(global_bits)
        else:
            p = net.precision_of(layer)
            policy.append((p.w_bits, p.a_bits))
    total = cm.network_cost(net, policy, mac_layers_only=False)
    first_bits = policy[0] if policy else (8, 8)
    area = cm.area_mm2(*first_bits)
    latency = total.latency_s
    macs = sum(x.macs for x in net.layers)
    peak_cycles = sum(c.latency_cycles * c.peak_macs_per_cycle for c in total.layers)
    metrics = {
        "latency_s": latency,
        "latency_cycles": total.latency_cycles,
        "energy_pj": total.energy_pj,
        "power_w": total.energy_pj * 1e-12 / latency if latency else math.nan,
        "edp_pj_s": total.energy_pj * latency,
        "area_mm2": area,
        "utilization": macs / peak_cycles if peak_cycles else 0.0,
        "macs": macs,
    }
    if point.accuracy is not None:
        metrics.update(_accuracy_metrics(point, arch, global_bits))
    return metrics


def _pipeline_metrics(point: DesignPoint, arch, net: Network) -> dict[str, Any]:
    """A pipelined fabric's point (module docstring)."""
    if point.bits:
        w, a = parse_bits(point.bits)
        net = net.with_bits(w, a, keep_layer_overrides=True)
    fabric = get_fabric(arch.fabric)
    prepare = get_fabric_hook(arch.fabric, "prepare_arch")
    if prepare is not None:
        arch = prepare(net, arch)
    results = [fabric.evaluate_layer(layer, net.precision_of(layer), arch) for layer in net.layers]
    p = get_fabric_hook(arch.fabric, "network_timing")(
        results, arch, net.batch, check_fit=False, layers=net.layers
    )
    from accelsim.pricing import ModelTable
    from accelsim.pricing.price import price

    latency = arch.cycles_to_s(p["cycles"])
    macs = sum(x.macs for x in net.layers)
    energy = sum(price(p.get("actions", {}), ModelTable(arch)).values())  # the pipeline's FPGA power, DRAM
    metrics: dict[str, Any] = {
        "latency_s": latency,
        "latency_cycles": p["cycles"],
        "frames_per_s": p["frames_per_s"],
        "initiation_interval_s": 1 / p["frames_per_s"],
        "energy_pj": energy if energy else math.nan,
        "power_w": energy * 1e-12 / latency if energy and latency else math.nan,
        "edp_pj_s": energy * latency if energy else math.nan,
        "area_mm2": math.nan,
        "macs": macs,
        "fits_device": bool(p["fits"]),
        **{k: int(v) for k, v in p["total_resources"].items()},
    }
    if point.accuracy is not None:
        metrics.update(_accuracy_metrics(point, arch, parse_bits(point.bits) if point.bits else None))
    return metrics


def _accuracy_metrics(point: DesignPoint, arch, global_bits) -> dict[str, Any]:
    """Functional run through the point's datapath: mismatch = 1 − top-1 agreement of the integer
    execution with the float network; also accuracy (when the network ships labels) and output SQNR."""
    from accelsim.accuracy import accuracy_report

    max_images, seed, method = point.accuracy  # type: ignore[misc]
    result = accuracy_report(
        point.network, arch, bits=global_bits, seed=seed, method=method, max_images=max_images
    )
    overall = result["accuracy"]["overall"]
    out = {
        "mismatch": 1.0 - float(overall["top1_agreement_int_vs_float"]),
        "output_sqnr_db": _float(overall["output_sqnr_db_int_vs_float"]),
    }
    if "accuracy_int" in overall:
        out["accuracy_int"] = float(overall["accuracy_int"])
        out["accuracy_float"] = float(overall["accuracy_float"])
    return out


def _float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def evaluate_chunk(points: list[DesignPoint]) -> list[tuple[str, dict[str, Any]]]:
    """Evaluate several points in one task (amortises scheduling overhead in process/Dask runners)."""
    return [(p.key, evaluate_point(p)) for p in points]
