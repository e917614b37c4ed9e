"""The orchestrator: ``simulate(network, arch) -> Report``.

This is the one place that ties the parts together: it resolves names to a :class:`Network` and an
architecture, asks the architecture's fabric plug-in for each layer's closed-form result
(:class:`accelsim.fabrics.LayerResult`), and assembles the :class:`accelsim.report.Report`.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import LayerResult, get_fabric, load_arch
from accelsim.report import LayerReport, Report, Totals
from accelsim.workload import Network, coerce_batch, coerce_bits, implausible_sizes, load_network


class SizeWarning(UserWarning):
    """A workload size no real network has (probably a typo); the simulation still runs."""


def resolve_network(network: Network | str | Path, bits: str | tuple[int, int] | None, batch: int | None):
    """The network to simulate: loaded, at the global ``bits`` and ``batch`` when given. Wrong types are a
    one-line :class:`AccelsimInputError`; implausible sizes a :class:`SizeWarning`."""
    if not isinstance(network, Network | str | Path):
        raise AccelsimInputError(
            "network", f"expected a Network, a name or a YAML path, got {type(network).__name__}"
        )
    net = network if isinstance(network, Network) else load_network(network)
    wa = coerce_bits(bits)
    if wa is not None:
        net = net.with_bits(*wa)
    b = coerce_batch(batch)
    if b is not None:
        net = net.with_batch(b)
    for message in implausible_sizes(net):
        warnings.warn(message, SizeWarning, stacklevel=3)
    return net


def simulate(
    network: Network | str | Path,
    arch: ArchitectureBase | str | Path,
    bits: str | tuple[int, int] | None = None,
    batch: int | None = None,
    progress: bool = False,
) -> Report:
    """Simulate every layer of ``network`` on ``arch``.

    ``bits`` ('W/A' or a tuple) overrides every layer's weight/activation precision; ``batch`` overrides
    the batch size. ``progress`` shows a rich progress bar (used by the CLI).
    """
    net = resolve_network(network, bits, batch)
    check_quantizers(net)
    if not isinstance(arch, ArchitectureBase | str | Path):
        raise AccelsimInputError(
            "arch", f"expected an architecture, a preset name or a YAML path, got {type(arch).__name__}"
        )
    arch_model = arch if isinstance(arch, ArchitectureBase) else load_arch(arch)
    fabric = get_fabric(arch_model.fabric)

    layer_reports: list[LayerReport] = []
    for layer in _progress(net.layers, progress, f"simulating {net.name}"):
        precision = net.precision_of(layer)
        result = fabric.evaluate_layer(layer, precision, arch_model)
        layer_reports.append(_layer_report(layer.name, layer.op, layer.macs, precision, result, arch_model))

    return Report(
        network=net.name,
        arch=arch_model.name,
        fabric=arch_model.fabric,
        frequency_hz=arch_model.frequency_hz,
        batch=net.batch,
        bits=None if bits is None else "{}/{}".format(*coerce_bits(bits)),
        layers=layer_reports,
        totals=_totals(
            layer_reports,
            net.batch,
            arch_model,
            model_area_mm2(arch_model, net.precision.w_bits, net.precision.a_bits),
        ),
    )


def check_quantizers(net: Network) -> None:
    """Every precision must name a quantizer of :mod:`accelsim.quant` (workload cannot import quant)."""
    from accelsim.errors import unknown_choice
    from accelsim.quant import available_quantizers

    known = set(available_quantizers())
    for layer in net.layers:
        name = net.precision_of(layer).quantizer
        if name not in known:
            raise unknown_choice(f"layers.{layer.name}.precision.quantizer", name, known)


def _layer_report(name, op, macs, precision, result: LayerResult, arch: ArchitectureBase) -> LayerReport:
    cycles = result.cycles
    if cycles < 0 or result.compute_cycles < 0 or result.stall_cycles < 0:
        raise RuntimeError(f"fabric returned negative cycles for layer {name}")
    peak = result.peak_macs_per_cycle
    return LayerReport(
        name=name,
        op=op,
        w_bits=precision.w_bits,
        a_bits=precision.a_bits,
        macs=macs,
        cycles=cycles,
        compute_cycles=result.compute_cycles,
        stall_cycles=result.stall_cycles,
        latency_s=arch.cycles_to_s(cycles),
        energy_pj=result.energy_pj,
        energy_breakdown_pj=result.energy_breakdown_pj,
        utilization=macs / (cycles * peak) if cycles and peak else 0.0,
        mapping_efficiency=result.mapping_efficiency,
        peak_macs_per_cycle=peak,
        accesses=result.accesses,
        mapping=result.mapping,
    )


def model_area_mm2(arch: ArchitectureBase, w_bits: int, a_bits: int) -> float | None:
    """The area the architecture's model gives (its peak figures), or None where the fabric has none."""
    try:
        return arch.peak(w_bits, a_bits).area_mm2
    except AccelsimInputError:
        return None


def _totals(
    layers: list[LayerReport], batch: int, arch: ArchitectureBase, area_mm2: float | None = None
) -> Totals:
    breakdown: dict[str, float] = {}
    accesses: dict[str, float] = {}
    for layer in layers:
        for k, v in layer.energy_breakdown_pj.items():
            breakdown[k] = breakdown.get(k, 0.0) + v
        for k, v in layer.accesses.items():
            accesses[k] = accesses.get(k, 0) + v
    macs = sum(x.macs for x in layers)
    cycles = sum(x.cycles for x in layers)
    energy = sum(x.energy_pj for x in layers)
    latency = arch.cycles_to_s(cycles)
    peak_mac_cycles = sum(x.cycles * x.peak_macs_per_cycle for x in layers)
    return Totals(
        macs=macs,
        cycles=cycles,
        compute_cycles=sum(x.compute_cycles for x in layers),
        stall_cycles=sum(x.stall_cycles for x in layers),
        latency_s=latency,
        energy_pj=energy,
        energy_breakdown_pj=breakdown,
        utilization=macs / peak_mac_cycles if peak_mac_cycles else 0.0,
        inferences_per_s=batch / latency if latency else 0.0,
        inferences_per_j=batch / (energy * 1e-12) if energy else 0.0,
        gops=2 * macs / latency / 1e9 if latency else 0.0,
        tops_per_w=2 * macs / (energy * 1e-12) / 1e12 if energy else 0.0,
        power_w=energy * 1e-12 / latency if latency else 0.0,
        area_mm2=area_mm2,
        accesses=accesses,
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
