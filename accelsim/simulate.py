"""The orchestrator: ``simulate(network, arch) -> Report``.

This is the one place that ties the parts together: it resolves names to a :class:`Network` and an
architecture, asks the architecture's fabric plug-in for each layer's closed-form result
(:class:`accelsim.fabrics.LayerResult`), and assembles the :class:`accelsim.report.Report`.
"""

from __future__ import annotations

import operator
import warnings
from collections.abc import Iterable
from pathlib import Path

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import LayerResult, get_fabric, get_fabric_hook, load_arch
from accelsim.pricing import EnergyTable, LayerCost, ModelTable, Technology, parse_tech
from accelsim.pricing.price import price
from accelsim.report import LayerReport, Report, Totals
from accelsim.workload import (
    Layer,
    Network,
    coerce_batch,
    coerce_bits,
    implausible_sizes,
    load_network,
)


class SizeWarning(UserWarning):
    """A workload size no real network has (probably a typo); the simulation still runs."""


def resolve_network(
    network: Network | str | Path,
    bits: str | tuple[int, int] | None,
    batch: int | None,
    seq_len: int | None = None,
    phase: str | None = None,
    quantizer: str | None = None,
):
    """The network to simulate: loaded (a transformer model of :mod:`accelsim.transformers` built at
    ``seq_len`` and ``phase``), at the global ``bits`` ('W/A' or 'W4A8KV4'), ``batch`` and weight
    ``quantizer`` (every layer's) when given.
    Wrong types are a one-line :class:`AccelsimInputError`; implausible sizes a :class:`SizeWarning`."""
    from accelsim import transformers

    if not isinstance(network, Network | str | Path):
        raise AccelsimInputError(
            "network", f"expected a Network, a name or a YAML path, got {type(network).__name__}"
        )
    if isinstance(network, str) and network in transformers.MODELS:
        net = transformers.build(network, seq_len=seq_len, phase=phase or "prefill")  # type: ignore[arg-type]
    elif seq_len is not None or phase is not None:
        raise AccelsimInputError(
            "--seq-len" if seq_len is not None else "--phase",
            f"applies to the transformer models: {', '.join(transformers.available_models())}",
        )
    else:
        net = network if isinstance(network, Network) else load_network(network)
    kv = None
    if isinstance(bits, str):
        from accelsim.workload import parse_bits_kv

        w, a, kv = parse_bits_kv(bits)
        wa: tuple[int, int] | None = (w, a)
    else:
        wa = coerce_bits(bits)
    if wa is not None:
        net = net.with_bits(*wa, kv_bits=kv)
    b = coerce_batch(batch)
    if b is not None:
        net = net.with_batch(b)
    if quantizer is not None:
        net = net.with_quantizer(quantizer)
    for message in implausible_sizes(net):
        warnings.warn(message, SizeWarning, stacklevel=3)
    return net


def simulate(
    network: Network | str | Path,
    arch: ArchitectureBase | str | Path,
    bits: str | tuple[int, int] | None = None,
    batch: int | None = None,
    progress: bool = False,
    technology: Technology | str | None = None,
    table: EnergyTable | None = None,
    seq_len: int | None = None,
    phase: str | None = None,
    quantizer: str | None = None,
) -> Report:
    """Simulate every layer of ``network`` on ``arch``.

    ``bits`` ('W/A' or a tuple) overrides every layer's weight/activation precision; ``batch`` overrides
    the batch size. ``progress`` shows a rich progress bar (used by the CLI). Energies and area are priced
    by ``table`` (e.g. a user's Accelergy ERT/ART, :mod:`accelsim.pricing.accelergy`), else by the
    architecture's own estimators at ``technology`` (``"28,0.9"`` or a :class:`Technology`; default: the
    preset's native technology). ``seq_len`` and ``phase`` ('prefill' or 'decode') build a transformer
    model of :mod:`accelsim.transformers` (``network`` = its name). ``quantizer`` sets every layer's weight
    quantizer (a name of :mod:`accelsim.quant`; fabrics that build their datapath from it, such as the
    streaming fabric's log2 shifts, price it).
    """
    net = resolve_network(network, bits, batch, seq_len, phase, quantizer)
    check_quantizers(net)
    if not isinstance(arch, ArchitectureBase | str | Path):
        raise AccelsimInputError(
            "arch", f"expected an architecture, a preset name or a YAML path, got {type(arch).__name__}"
        )
    arch_model = arch if isinstance(arch, ArchitectureBase) else load_arch(arch)
    fabric = get_fabric(arch_model.fabric)
    prepare = get_fabric_hook(arch_model.fabric, "prepare_arch")
    if prepare is not None:  # e.g. a streaming preset that folds itself for this network
        arch_model = prepare(net, arch_model)
    if table is None:
        tech = parse_tech(technology) if isinstance(technology, str) else technology
        table = ModelTable(arch_model, tech)

    layer_reports: list[LayerReport] = []
    costs: list[LayerCost] = []
    results: list[LayerResult] = []
    by_name = _name_sensitive(arch_model)
    seen: dict[tuple, tuple[LayerResult, LayerCost, dict]] = {}
    precision_keys: dict[int, tuple] = {}
    for layer in _progress(net.layers, progress, f"simulating {net.name}"):
        precision = net.precision_of(layer)
        pkey = precision_keys.get(id(precision))
        if pkey is None:
            pkey = precision_keys[id(precision)] = (precision, tuple(precision.model_dump().values()))
        key = _evaluation_key(layer, pkey[1], by_name)
        hit = seen.get(key)
        if hit is None:
            result = fabric.evaluate_layer(layer, precision, arch_model)
            hit = seen[key] = (result, LayerCost.of(layer.macs, result, table), result.mapping.as_dict())
        result, cost, mapping = hit
        costs.append(cost)
        results.append(result)
        layer_reports.append(
            _layer_report(layer.name, layer.op, precision, result, cost, arch_model, mapping)
        )

    total = LayerCost.total(costs)
    report = Report(
        network=net.name,
        arch=arch_model.name,
        fabric=arch_model.fabric,
        frequency_hz=arch_model.frequency_hz,
        batch=net.batch,
        bits=None if bits is None else net.precision.label(),
        technology=table.describe(),
        calibration="" if arch_model.calibration is None else arch_model.calibration.describe(),
        layers=layer_reports,
        totals=_totals(total, net.batch, arch_model, table),
    )
    timing = get_fabric_hook(arch_model.fabric, "network_timing")
    if timing is not None:  # layers that run concurrently (a pipeline): the network's cycles are its own
        report.pipeline = timing(results, arch_model, net.batch, layers=net.layers)
        network_actions = report.pipeline.pop("actions", None)  # what the whole pipeline did (FPGA power)
        if network_actions:
            total = total + LayerCost(
                energy_breakdown_pj=price(network_actions, table), actions=network_actions
            )
            report.totals = _totals(total, net.batch, arch_model, table)
        report.totals = _retimed(report.totals, report.pipeline["cycles"], net.batch, arch_model)
    report.set_action_counts(total.actions)
    if net.transformer is not None:
        report.transformer = transformer_summary(net, report)
    return report


def transformer_summary(net: Network, report: Report) -> dict:
    """Tokens/s, time to first token, J/token and the KV cache of a transformer run: prefill processes
    ``batch·seq_len`` tokens and its latency is the time to the first token; decode makes one token per
    sequence (tokens/s = batch / latency)."""
    from accelsim.transformers import kv_bytes_per_token, kv_cache_bytes

    t = net.transformer or {}
    kv = net.precision.kv
    tokens = t["batch"] * (t["seq_len"] if t["phase"] == "prefill" else 1)
    latency = report.totals.latency_s
    energy_j = report.totals.energy_pj * 1e-12
    return {
        "model": t["model"],
        "phase": t["phase"],
        "seq_len": t["seq_len"],
        "batch": t["batch"],
        "kv_bits": kv,
        "tokens": tokens,
        "tokens_per_s": tokens / latency if latency else 0.0,
        "time_to_first_token_s": latency if t["phase"] == "prefill" else None,
        "j_per_token": energy_j / tokens,
        "kv_cache_bytes": kv_cache_bytes(net, kv),
        "kv_bytes_per_token": kv_bytes_per_token(net, kv),
        "weight_bytes": sum(x.param_elems * net.precision_of(x).w_bits / 8 for x in net.layers),
    }


_LAYER_FIELDS = tuple(f for f in Layer.model_fields if f not in ("name", "precision", "inputs"))
_layer_values = operator.attrgetter(*_LAYER_FIELDS)


def _name_sensitive(arch: ArchitectureBase) -> bool:
    """Whether a fabric's result can depend on a layer's name: the architecture has a non-empty
    ``*_per_layer`` mapping (e.g. Eyeriss's measured sparsity per layer, keyed by layer name) or a non-empty
    field its class lists in ``NAME_KEYED_FIELDS``."""
    keyed = getattr(type(arch), "NAME_KEYED_FIELDS", ())  # e.g. a streaming preset's folding per layer
    return any(
        (name.endswith("_per_layer") or name in keyed)
        and isinstance(getattr(arch, name), dict | list)
        and getattr(arch, name)
        for name in type(arch).model_fields
    )


def _evaluation_key(layer: Layer, precision: tuple, by_name: bool) -> tuple:
    """Everything a fabric's result depends on: the layer's fields but its name (unless ``by_name``) and
    its producers (only whether it reads the network input, which the array fabrics map im2col), and
    its precision (as a tuple of its values). Layers repeated in a network (transformer blocks, ResNet stages) are evaluated once
    per simulation."""
    values = _layer_values(layer)
    reads = None if layer.inputs is None else layer.inputs == ["input"]
    return (layer.name if by_name else None, reads, values, precision)


def check_quantizers(net: Network) -> None:
    """Every precision must name a quantizer of :mod:`accelsim.quant` (workload cannot import quant)."""
    from accelsim.errors import unknown_choice
    from accelsim.quant import available_quantizers

    known = set(available_quantizers())
    for layer in net.layers:
        name = net.precision_of(layer).quantizer
        if name not in known:
            raise unknown_choice(f"layers.{layer.name}.precision.quantizer", name, known)


def _layer_report(
    name, op, precision, result: LayerResult, cost: LayerCost, arch, mapping: dict
) -> LayerReport:
    cycles = result.cycles
    if cycles < 0 or result.compute_cycles < 0 or result.stall_cycles < 0:
        raise RuntimeError(f"fabric returned negative cycles for layer {name}")
    return LayerReport(
        name=name,
        op=op,
        w_bits=precision.w_bits,
        a_bits=precision.a_bits,
        macs=cost.macs,
        cycles=cycles,
        compute_cycles=result.compute_cycles,
        stall_cycles=result.stall_cycles,
        latency_s=arch.cycles_to_s(cycles),
        energy_pj=cost.energy_pj,
        energy_breakdown_pj=dict(cost.energy_breakdown_pj),
        utilization=cost.utilization,
        mapping_efficiency=result.mapping_efficiency,
        peak_macs_per_cycle=result.peak_macs_per_cycle,
        accesses=result.accesses,
        mapping=mapping,
    )


def model_area_mm2(arch: ArchitectureBase, w_bits: int, a_bits: int) -> float | None:
    """The area the architecture's model gives (its peak figures), or None where the fabric has none."""
    try:
        return arch.peak(w_bits, a_bits).area_mm2
    except AccelsimInputError:
        return None


def area_mm2(table: EnergyTable) -> float | None:
    """Total area of the priced components (mm²), None when the table has no area model."""
    areas = table.areas_mm2()
    return float(sum(areas.values())) if areas else None


def _totals(total: LayerCost, batch: int, arch: ArchitectureBase, table: EnergyTable) -> Totals:
    """Network totals from the summed :class:`LayerCost` (the one additive result)."""
    energy = total.energy_pj
    latency = arch.cycles_to_s(total.cycles)
    macs = total.macs
    return Totals(
        macs=macs,
        cycles=total.cycles,
        compute_cycles=total.compute_cycles,
        stall_cycles=total.stall_cycles,
        latency_s=latency,
        energy_pj=energy,
        energy_breakdown_pj=dict(total.energy_breakdown_pj),
        utilization=total.utilization,
        inferences_per_s=batch / latency if latency else 0.0,
        inferences_per_j=batch / (energy * 1e-12) if energy else 0.0,
        gops=2 * macs / latency / 1e9 if latency else 0.0,
        tops_per_w=2 * macs / (energy * 1e-12) / 1e12 if energy else 0.0,
        power_w=energy * 1e-12 / latency if latency else 0.0,
        area_mm2=area_mm2(table),
        area_breakdown_mm2=table.areas_mm2(),
        accesses=dict(total.accesses),
    )


def _retimed(t: Totals, cycles: int, batch: int, arch: ArchitectureBase) -> Totals:
    """Totals of a pipelined fabric: its own network cycles (layers overlap), the rates derived again."""
    latency = arch.cycles_to_s(cycles)
    energy = t.energy_pj
    return t.model_copy(
        update={
            "cycles": cycles,
            "compute_cycles": cycles,
            "stall_cycles": 0,
            "latency_s": latency,
            "inferences_per_s": batch / latency if latency else 0.0,
            "gops": 2 * t.macs / latency / 1e9 if latency else 0.0,
            "power_w": energy * 1e-12 / latency if latency else 0.0,
        }
    )


def _progress(items: list, enabled: bool, label: str) -> Iterable:
    """Layers with a transient progress bar: a spinner and the elapsed time keep moving while a first run
    compiles its kernels (numba), so a long first layer does not look like a hang."""
    if not enabled:
        return items
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TimeElapsedColumn

    def walk() -> Iterable:
        with Progress(SpinnerColumn(), "[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), transient=True) as bar:  # fmt: skip
            task = bar.add_task(label, total=len(items))
            for item in items:
                yield item
                bar.advance(task)

    return walk()


__all__ = ["SizeWarning", "check_quantizers", "resolve_network", "simulate"]
