"""The DNN2FPGA flow (seed 003, Tourad & Eleuldj): quantize a trained network, check its accuracy, fall back
to wider layers where it is lost, and fold the result into a FINN-style streaming pipeline (issue 15, item 6;
CLI ``accelsim fpga build``, :mod:`accelsim.cli.cmd_fpga_build`).

The flow (the seed's Fig. 2 design flow, with accelsim's models standing in for the FPGA tools):

1. **Quantize** every layer (seed 003, "Quantization Approach"; Algorithm 1, first loop): post-training
   quantization of the network's shipped float weights with :func:`accelsim.functional.ptq.ptq`
   (symmetric per-channel weights, asymmetric activations calibrated by ``minmax`` on the shipped
   calibration images), at ``bits`` (default: the network's own precision).
2. **Evaluate the model accuracy** (Algorithm 1, "Evaluate the model accuracy"): top-1 accuracy of the
   integer-only execution (:func:`accelsim.functional.executor.run_integer`, through the streaming fabric's
   datapath, ``functional_layer``) against the float network's, on the shipped test images. The desired
   accuracy is ``float accuracy − accuracy_budget``.
3. **Fallback** (Algorithm 1, "IF the accuracy < desired accuracy": "Quantization for the non-sensitive
   layers [...] Skip the sensitive layers", which the paper leaves in floating point). An integer FPGA
   pipeline has no floating-point layer, so a skipped (sensitive) layer is kept *wider*: at
   ``fallback_bits`` (default 8/8, or 16/16 when the requested bits are already 8 or more — the integer
   stand-in for the paper's float layers). Which layers are sensitive (``sensitivity``):

   * ``"sqnr"`` (default, measured): each MAC layer alone at the requested bits, every other MAC layer at
     ``fallback_bits``; its sensitivity is the SQNR (dB) of the integer network's output (logits) against
     the float network's on the calibration images (training images, not the test set). Lowest SQNR =
     most sensitive. The layers are then kept wide one at a time, most sensitive first, and the accuracy is
     evaluated again after every step (the paper's second "Evaluate the model accuracy"), stopping at the
     first step that meets the budget — so only as many layers as needed are widened.
   * ``"conv"`` (the paper's literal rule: "the sensitive layers, which in our case is the convolutional
     layer"): every convolution kept wide in one step, then one evaluation.

   Algorithm 1's last step — quantization-aware training — runs when asked (``qat_steps``, CLI ``--qat``)
   and the budget is still missed: the float weights are fine-tuned with quantized forward passes at the
   final precisions (:mod:`accelsim.functional.qat`, on the shipped training split) and quantized again.
   If the budget is still missed the result says so (``budget_met`` False).
4. **Fold and simulate** the per-layer-precision network on the streaming preset
   (:func:`accelsim.fabrics.streaming.fold_network`: FINN's SetFolding for ``target_fps``, else the
   resource-aware max-throughput search within the device's budget), then
   :func:`accelsim.simulate.simulate` with that folding made explicit: frames/s, overlapped latency,
   FINN's no-overlap bound, resources (FIFOs included) against the device.

Per-layer precision: a MAC layer's ``(w_bits, a_bits)`` set by the flow; a pass-through layer (pool) takes
the widest ``a_bits`` of the layers reading it, so that a widened layer's input tensor is really widened
(PTQ quantizes a tensor to the widest ``a_bits`` of its readers); every layer's ``out_bits`` is that of the
tensor it writes (the network's ``out_bits`` at the output).

Model size (the paper's Table 2 "Memory"): float = 32 bits per weight and bias; quantized = ``w_bits`` per
weight plus 32 bits per bias (PTQ's integer bias lives in the 32-bit accumulator scale); scales and
requantization multipliers are not counted. Reported in Mb = 10⁶ bits.

Deterministic: PTQ and the sensitivity ranking take ``seed`` (calibration sampling); no other random
process runs. Power: :mod:`accelsim.fpga.power` (Vivado-report model: static, processing system and every
used resource at the clock), as ``simulate`` reports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.fabrics.streaming import StreamingArch, fold_network, folded_arch, layer_units
from accelsim.functional.executor import dequantize_outputs, float_execution, run_integer
from accelsim.functional.metrics import SHIPPED_WEIGHTS, accuracy, shipped_model, sqnr_db
from accelsim.functional.qmodel import QuantizedModel, consumers
from accelsim.report import Report
from accelsim.workload import Network, Precision

SENSITIVITY_RULES: tuple[str, ...] = ("sqnr", "conv")
BIAS_BITS = 32
FLOAT_BITS = 32
_EPS = 1e-12  # accuracies are k/n: a drop equal to the budget meets it despite float rounding
POWER_NOTE = (
    "on-chip power from accelsim.fpga.power (Vivado-report model: device static, processing system, every used "
    "LUT, RAMB18 and DSP at the clock): Vivado's estimate to within ~30 % on most UltraScale+ designs, a factor of "
    "2-5 on 7-series (docs/fpga.md)"
)


@dataclass
class AccuracyStep:
    """One accuracy evaluation of Algorithm 1: the layers kept wide so far and the integer model's score."""

    step: int
    action: str
    widened: list[str]
    accuracy_int: float
    drop: float
    met: bool


@dataclass
class BuildResult:
    """Everything ``accelsim fpga build`` reports; ``network``/``arch`` simulate to ``report``."""

    network: Network  # per-layer precisions
    qmodel: QuantizedModel
    arch: StreamingArch  # explicit folding (target_fps None)
    report: Report
    fold_mode: str
    accuracy_float: float
    accuracy_int: float
    images: int
    budget: float
    base_bits: tuple[int, int]
    fallback_bits: tuple[int, int]
    sensitivity_rule: str
    sensitivity: list[dict[str, Any]] = field(default_factory=list)  # ranked, most sensitive first
    steps: list[AccuracyStep] = field(default_factory=list)
    widened: list[str] = field(default_factory=list)
    budget_met: bool = True
    size_float_bits: int = 0
    size_quant_bits: int = 0
    seed: int = 0
    qat_steps: int = 0

    @property
    def layer_bits(self) -> dict[str, tuple[int, int]]:
        """(w_bits, a_bits) of every MAC layer."""
        return {la.name: _wa(self.network.precision_of(la)) for la in self.network.layers if la.has_macs}

    def rows(self) -> list[dict[str, Any]]:
        """Per layer: bits, the core unit's PE/SIMD, cycles per frame (its slowest unit) and the summed
        LUT/BRAM18/DSP of its units, from the simulated report."""
        out = []
        for lr in self.report.layers:
            units = lr.mapping.get("units", [])
            core = units[-1] if units else {}
            layer = next(x for x in self.network.layers if x.name == lr.name)
            out.append({
                "layer": lr.name, "op": lr.op,
                "bits": f"{lr.w_bits}/{lr.a_bits}" if layer.has_macs else "",
                "pe": core.get("pe"), "simd": core.get("simd"),
                "cycles_per_frame": int(lr.accesses.get("cycles_per_frame", 0)),
                "lut": sum(int(u["lut"]) for u in units), "bram18": sum(int(u["bram18"]) for u in units),
                "dsp": sum(int(u["dsp"]) for u in units),
                "units": [{k: u[k] for k in ("unit", "kind", "pe", "simd", "cycles_per_frame")}
                          for u in units],
            })  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        p = self.report.pipeline or {}
        return {
            "network": self.network.name,
            "arch": self.arch.name,
            "device": p.get("device"),
            "fold_mode": self.fold_mode,
            "seed": self.seed,
            "bits": f"{self.base_bits[0]}/{self.base_bits[1]}",
            "fallback_bits": f"{self.fallback_bits[0]}/{self.fallback_bits[1]}",
            "layer_bits": {k: f"{w}/{a}" for k, (w, a) in self.layer_bits.items()},
            "accuracy": {
                "images": self.images,
                "float": self.accuracy_float,
                "int": self.accuracy_int,
                "drop": self.accuracy_float - self.accuracy_int,
                "budget": self.budget,
                "budget_met": self.budget_met,
            },  # fmt: skip
            "fallback": {
                "rule": self.sensitivity_rule,
                "sensitivity": self.sensitivity,
                "steps": [s.__dict__ for s in self.steps],
                "widened": self.widened,
                "qat_steps": self.qat_steps,
            },
            "model_size": {
                "float_bits": self.size_float_bits,
                "quantized_bits": self.size_quant_bits,
                "float_mb": self.size_float_bits / 1e6,
                "quantized_mb": self.size_quant_bits / 1e6,
                "ratio": self.size_float_bits / self.size_quant_bits if self.size_quant_bits else None,
                "unit": "Mb = 1e6 bits; weights at their bits + 32-bit biases (float: 32 bits each)",
            },  # fmt: skip
            "frames_per_s": p.get("frames_per_s"),
            "initiation_interval_cycles": p.get("initiation_interval_cycles"),
            "latency_s": p.get("latency_s"),
            "latency_no_overlap_s": p.get("latency_no_overlap_s"),
            "resources": p.get("total_resources"),
            "budget": p.get("budget"),
            "power": p.get("power_w"),
            "power_total_w": p.get("power_total_w"),
            "power_note": POWER_NOTE,
            "folding": {k: list(v) for k, v in self.arch.folding.items()},
            "swg_simd": dict(self.arch.swg_simd),
            "layers": self.rows(),
        }


def _wa(p: Precision) -> tuple[int, int]:
    return int(p.w_bits), int(p.a_bits)


def with_layer_bits(net: Network, mac_bits: dict[str, tuple[int, int]]) -> Network:
    """``net`` with per-layer precisions: MAC layers at ``mac_bits``; a pass-through layer's ``a_bits`` =
    the widest of its readers'; every ``out_bits`` = the bits of the tensor the layer writes (module
    docstring)."""
    cons = consumers(net)
    a_bits: dict[str, int] = {}
    for layer in reversed(net.layers):
        if layer.name in mac_bits:
            a_bits[layer.name] = mac_bits[layer.name][1]
        else:
            readers = [a_bits[r] for r in cons.get(layer.name, []) if r in a_bits]
            a_bits[layer.name] = max(readers) if readers else int(net.precision_of(layer).a_bits)
    layers = []
    for layer in net.layers:
        p = net.precision_of(layer)
        readers = [a_bits[r] for r in cons.get(layer.name, [])]
        upd: dict[str, int] = {
            "a_bits": a_bits[layer.name],
            "out_bits": max(readers) if readers else p.out_bits,
        }
        if layer.name in mac_bits:
            upd["w_bits"] = mac_bits[layer.name][0]
        layers.append(layer.model_copy(update={"precision": p.model_copy(update=upd)}))
    return net.model_copy(update={"layers": layers})


def model_size_bits(net: Network, mac_bits: dict[str, tuple[int, int]] | None = None) -> int:
    """Weights at their bits (``FLOAT_BITS`` when ``mac_bits`` is None) plus ``BIAS_BITS`` per bias (one per
    output channel of a MAC layer with weights)."""
    total = 0
    for layer in net.layers:
        if not layer.has_macs or layer.weights_are_activations:
            continue
        w = FLOAT_BITS if mac_bits is None else mac_bits[layer.name][0]
        total += layer.param_elems * w + layer.K * BIAS_BITS
    return total


def _check_mappable(net: Network, arch: StreamingArch) -> None:
    """Every layer has a streaming engine (else the fabric's one-line error naming the layer)."""
    free = arch.model_copy(
        update={"folding": {}, "swg_simd": {}, "swg_parallel_window": [], "target_fps": None}
    )
    for layer in net.layers:
        layer_units(layer, net.precision_of(layer), free)


class _Evaluator:
    """PTQ at a per-layer precision and the integer model's accuracy (through the streaming datapath)."""

    def __init__(self, net: Network, arch: StreamingArch, seed: int) -> None:
        from accelsim.accuracy import datapath

        self.net, self.arch, self.seed = net, arch, seed
        self.w, self.b, x, y, cal = shipped_model(net, seed)
        if x is None or y is None:
            raise AccelsimInputError(
                "--network",
                f"{net.name!r} has no shipped trained weights and test data; fpga build needs them "
                f"(networks with them: {', '.join(sorted(SHIPPED_WEIGHTS))})",
            )
        self.x, self.y, self.cal = np.asarray(x, np.float64), np.asarray(y), np.asarray(cal, np.float64)
        _, self.functional = datapath(arch)
        self._float_logits: dict[str, np.ndarray] = {}

    def quantize(self, mac_bits: dict[str, tuple[int, int]]) -> tuple[Network, QuantizedModel]:
        from accelsim.functional.ptq import ptq

        pnet = with_layer_bits(self.net, mac_bits)
        return pnet, ptq(pnet, self.w, self.cal, self.b, seed=self.seed)

    def retrain(self, mac_bits: dict[str, tuple[int, int]], steps: int) -> None:
        """Algorithm 1's last step: quantization-aware training of the float weights at ``mac_bits``
        (:func:`accelsim.functional.qat.qat_finetune` on the shipped training split); later
        :meth:`quantize` calls start from the retrained weights."""
        from accelsim.functional.metrics import shipped_training_data
        from accelsim.functional.qat import qat_finetune

        data = shipped_training_data(self.net)
        if data is None:
            raise AccelsimInputError("--qat", f"{self.net.name!r} ships no training data")
        pnet = with_layer_bits(self.net, mac_bits)
        self.w, self.b = qat_finetune(pnet, self.w, self.b, data[0], data[1], steps=steps, seed=self.seed)

    def logits(self, model: QuantizedModel, x: np.ndarray) -> np.ndarray:
        it = run_integer(model, x, arch=self.arch, seed=self.seed, functional=self.functional)
        return dequantize_outputs(model, it)[self.net.layers[-1].name]

    def float_logits(self, model: QuantizedModel, which: str) -> np.ndarray:
        if which not in self._float_logits:
            self._float_logits[which] = float_execution(model, self.x if which == "test" else self.cal).output
        return self._float_logits[which]

    def int_accuracy(self, model: QuantizedModel) -> float:
        return accuracy(self.logits(model, self.x), self.y)


def _default_fallback(base: tuple[int, int]) -> tuple[int, int]:
    return (16, 16) if min(base) >= 8 else (8, 8)


def build(
    network: Network | str,
    arch: StreamingArch,
    bits: tuple[int, int] | None = None,
    accuracy_budget: float = 0.01,
    target_fps: float | None = None,
    fallback_bits: tuple[int, int] | None = None,
    sensitivity: str = "sqnr",
    seed: int = 0,
    limits: tuple[float, ...] | None = None,
    qat_steps: int = 0,
) -> BuildResult:
    """Run the DNN2FPGA flow (module docstring) for ``network`` (a zoo name with shipped weights, or a
    :class:`Network` of that name) on the streaming preset ``arch``.

    ``accuracy_budget``: the largest allowed top-1 drop (fraction, float − int) on the shipped test images.
    ``bits``: (W, A) of every MAC layer (default: the network's). ``fallback_bits``: the width a sensitive
    layer is kept at. ``sensitivity``: ``sqnr`` (measured, stepwise) or ``conv`` (Algorithm 1's rule).
    ``target_fps``: SetFolding target; None = the max-throughput search under the device budget × ``limits``.
    ``qat_steps``: > 0 runs Algorithm 1's last step when the fallback still misses the budget —
    quantization-aware training (that many Adam steps) at the final precisions, then PTQ again.
    """
    from accelsim.simulate import simulate
    from accelsim.workload import load_network

    if not isinstance(arch, StreamingArch):
        raise AccelsimInputError(
            "--arch", f"{arch.name} is a {arch.fabric} preset; fpga build takes a streaming one"
        )
    if qat_steps < 0:
        raise AccelsimInputError("--qat", f"must be >= 0 training steps, got {qat_steps}")
    if not 0 <= accuracy_budget <= 1:
        raise AccelsimInputError(
            "--accuracy-budget", f"must be in [0, 1] (a top-1 fraction), got {accuracy_budget:g}"
        )
    if target_fps is not None and target_fps <= 0:
        raise AccelsimInputError("--target-fps", f"must be > 0, got {target_fps:g}")
    if sensitivity not in SENSITIVITY_RULES:
        raise AccelsimInputError(
            "--sensitivity", f"unknown rule {sensitivity!r}; allowed: {', '.join(SENSITIVITY_RULES)}"
        )
    net = network if isinstance(network, Network) else load_network(network)
    net = net.with_batch(1) if net.batch != 1 else net
    base = bits if bits is not None else _wa(net.precision)
    wide = fallback_bits if fallback_bits is not None else _default_fallback(base)
    if wide[0] < base[0] or wide[1] < base[1]:
        raise AccelsimInputError(
            "--fallback-bits", f"{wide[0]}/{wide[1]} is narrower than --bits {base[0]}/{base[1]}"
        )
    _check_mappable(net, arch)
    ev = _Evaluator(net, arch, seed)
    macs = [la.name for la in net.layers if la.has_macs and not la.weights_are_activations]

    # 1-2: every layer at the requested bits, then the accuracy check
    bits_now = dict.fromkeys(macs, base)
    pnet, model = ev.quantize(bits_now)
    acc_float = accuracy(ev.float_logits(model, "test"), ev.y)
    acc_int = ev.int_accuracy(model)
    steps = [AccuracyStep(0, f"every layer at {base[0]}/{base[1]}", [], acc_int, acc_float - acc_int,
                          acc_float - acc_int <= accuracy_budget + _EPS)]  # fmt: skip
    ranking: list[dict[str, Any]] = []
    widened: list[str] = []
    # 3: Algorithm 1's fallback, the sensitive layers kept wide
    if not steps[-1].met and base != wide:
        if sensitivity == "conv":
            groups = [
                [la.name for la in net.layers if la.name in macs and la.op in ("conv2d", "depthwise_conv2d")]
            ]
            groups = [g for g in groups if g]
        else:
            ranking = _sqnr_ranking(ev, macs, base, wide)
            groups = [[r["layer"]] for r in ranking]
        for group in groups:
            widened += group
            bits_now.update(dict.fromkeys(group, wide))
            pnet, model = ev.quantize(bits_now)
            acc_int = ev.int_accuracy(model)
            drop = acc_float - acc_int
            what = ", ".join(group)
            steps.append(AccuracyStep(len(steps), f"{what} kept at {wide[0]}/{wide[1]}", list(widened),
                                      acc_int, drop, drop <= accuracy_budget + _EPS))  # fmt: skip
            if steps[-1].met:
                break
    # 3b: Algorithm 1's last step, quantization-aware training, when the budget is still missed
    if not steps[-1].met and qat_steps > 0:
        ev.retrain(bits_now, qat_steps)
        pnet, model = ev.quantize(bits_now)
        acc_int = ev.int_accuracy(model)
        drop = acc_float - acc_int
        steps.append(AccuracyStep(len(steps), f"quantization-aware training, {qat_steps} steps", list(widened),
                                  acc_int, drop, drop <= accuracy_budget + _EPS))  # fmt: skip

    # 4: fold and simulate the per-layer-precision network
    _, _, units = fold_network(pnet, arch, target_fps, limits)
    folded = folded_arch(arch, units)
    report = simulate(pnet, folded)
    mode = (
        f"SetFolding for {target_fps:g} frames/s"
        if target_fps
        else "max throughput within the device budget"
        + (" (FINN's recommended limits)" if limits is None else "")
    )
    return BuildResult(
        network=pnet, qmodel=model, arch=folded, report=report, fold_mode=mode, accuracy_float=acc_float,
        accuracy_int=acc_int, images=int(ev.x.shape[0]), budget=accuracy_budget, base_bits=base,
        fallback_bits=wide, sensitivity_rule=sensitivity, sensitivity=ranking, steps=steps, widened=widened,
        budget_met=steps[-1].met, size_float_bits=model_size_bits(net),
        size_quant_bits=model_size_bits(pnet, bits_now), seed=seed,
        qat_steps=qat_steps if any("quantization-aware" in st.action for st in steps) else 0,
    )  # fmt: skip


def _sqnr_ranking(
    ev: _Evaluator, macs: list[str], base: tuple[int, int], wide: tuple[int, int]
) -> list[dict[str, Any]]:
    """The measured sensitivity (module docstring): per MAC layer, the output SQNR (dB, int vs float, on the
    calibration images) with only that layer at ``base`` and the others at ``wide``; most sensitive (lowest
    SQNR) first, ties in layer order."""
    rows = []
    for i, name in enumerate(macs):
        bits = dict.fromkeys(macs, wide)
        bits[name] = base
        _, model = ev.quantize(bits)
        s = sqnr_db(ev.float_logits(model, "calib"), ev.logits(model, ev.cal))
        rows.append((s, i, name))
    rows.sort()
    return [{"layer": name, "sqnr_db": float(s)} for s, _, name in rows]


__all__ = [
    "POWER_NOTE",
    "SENSITIVITY_RULES",
    "AccuracyStep",
    "BuildResult",
    "build",
    "model_size_bits",
    "with_layer_bits",
]
