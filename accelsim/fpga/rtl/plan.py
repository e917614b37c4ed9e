"""From a quantized model and a folded streaming architecture to the parameters of every RTL unit.

The units are exactly the stages of accelsim's token model (:func:`accelsim.fabrics.streaming.pipeline_stages`
of the layers' :func:`~accelsim.fabrics.streaming.evaluate_layer` results), in stream order, so that the RTL
and the model describe one pipeline: a sliding-window generator (``swg``) and an MVAU per convolution, an
MVAU per fully connected layer, a StreamingMaxPool (``pool``) per max pool. The numbers each unit needs
come from the :class:`~accelsim.functional.qmodel.QuantizedModel`: integer weights (``w_q − z_w``) in the
order the stream delivers the inputs (a window as kernel row, kernel column, channel; a flattened feature
map as row, column, channel, FINN's order), the bias with the input zero point folded in
(``b_q − z_x·Σ w'``), and thresholds equal to the layer's requantization + activation
(:func:`accelsim.fpga.thresholds.derive_thresholds` on :func:`accelsim.functional.executor.requant_mac`
itself, so bit-exact for the dyadic and the onnxruntime rules) on the accumulator's exact range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.fabrics.streaming import StreamingArch, evaluate_layer, is_streaming_maxpool, pipeline_stages
from accelsim.fpga.pipeline import Stage, max_occupancy_tokens, pipeline_timing, schedule
from accelsim.fpga.thresholds import derive_thresholds
from accelsim.functional.executor import layer_precision, requant_mac
from accelsim.functional.qmodel import QuantizedModel, TensorQ, producers

Pace = Literal["finn", "natural"]


@dataclass
class UnitPlan:
    """One RTL unit (one stage of the token model)."""

    name: str
    kind: Literal["mvau", "swg", "pool"]
    layer: str
    tokens: int  # output tokens per frame
    slots: list[int]  # cycles spent on each output token of a frame
    in_tokens: int  # input tokens per frame
    in_elems: int  # elements per input token
    in_q: TensorQ
    out_elems: int
    out_bits: int
    out_signed: bool
    # window units (swg, pool): the unpadded input H×W×C, the window, and the last input pixel each
    # output token needs (−1: none)
    hw: tuple[int, int] = (1, 1)
    channels: int = 1
    kernel: int = 1
    stride: int = 1
    pad: tuple[int, int] = (0, 0)  # top, left
    out_hw: tuple[int, int] = (1, 1)
    need: list[int] = field(default_factory=list)
    frame_input: bool = False  # reads the network input: one whole frame per stream beat
    # mvau
    mw: int = 0
    mh: int = 0
    pe: int = 1
    simd: int = 1
    ratio: int = 1  # input tokens per input vector (a flatten into a fully connected layer)
    weights: np.ndarray | None = None  # (MH, MW) int64, stream order
    w_bits: int = 1
    bias: np.ndarray | None = None  # (MH,) int64, input zero point folded in
    acc_bits: int = 32
    thresholds: np.ndarray | None = None  # (MH, T) ascending keys s_c·T[c, t]
    th_sign: np.ndarray | None = None  # (MH,) ±1
    out_bias: int = 0
    out_scale: int = 1
    fifo_depth: int = 2  # input FIFO depth in tokens (a multiple of ratio)


@dataclass
class PipelinePlan:
    name: str
    units: list[UnitPlan]
    stages: list[Stage]  # the model's stages (FINN's per-unit cycles)
    rtl_stages: list[Stage]  # the same with the RTL's cycles per token (= stages for pace "finn")
    input_q: TensorQ
    input_tokens: int  # tokens of the network input per frame (pixels; 1 for an MLP)
    input_elems: int
    output_layer: str
    pace: Pace
    timing: dict  # accelsim's network_timing for the same folding


def _signed_bits(lo: int, hi: int) -> int:
    """Two's-complement width holding every integer in [lo, hi]."""
    n = 1
    while not (-(1 << (n - 1)) <= lo and hi <= (1 << (n - 1)) - 1):
        n += 1
    return n


def _slots(cycles: int, tokens: int) -> list[int]:
    """The token model's cycles per token: ``⌊(j+1)·C/N⌋ − ⌊j·C/N⌋``."""
    return [(j + 1) * cycles // tokens - j * cycles // tokens for j in range(tokens)]


def _out_shape(model: QuantizedModel, name: str) -> tuple[int, int, int]:
    """(C, H, W) of a tensor (layer output or ``input``)."""
    if name == "input":
        i = model.network.input
        return (i.channels, i.height, i.width)
    layer = next(la for la in model.network.layers if la.name == name)
    if layer.op in ("conv2d", "pool"):
        return (layer.K, layer.P, layer.Q)
    return (layer.K, 1, 1)


def _mvau_numbers(model: QuantizedModel, layer, src_chw: tuple[int, int, int]) -> dict:
    """Weights in stream order, folded bias, thresholds and the accumulator width of one MAC layer."""
    lq = model.layers[layer.name]
    if lq.w_q is None or "ttq" in lq.extra:
        raise AccelsimInputError(f"layers.{layer.name}", "the RTL MVAU needs plain integer weight codes")
    w = np.asarray(lq.w_q, np.int64) - np.asarray(lq.w_zero_point, np.int64).reshape(
        (-1,) + (1,) * (lq.w_q.ndim - 1)
    )
    if layer.op == "conv2d":
        w2 = w.transpose(0, 2, 3, 1).reshape(layer.K, -1)  # KCRS -> K,(R,S,C)
    else:
        c, h, wd = src_chw
        w2 = w.reshape(layer.K, c, h, wd).transpose(0, 2, 3, 1).reshape(layer.K, -1) if h * wd > 1 else w
    xq = lq.inputs[0]
    b = np.zeros(layer.K, np.int64) if lq.bias_q is None else np.asarray(lq.bias_q, np.int64)
    bias = b - xq.zero_point * w2.sum(axis=1)
    lo = bias + np.minimum(w2 * xq.qmin, w2 * xq.qmax).sum(axis=1)
    hi = bias + np.maximum(w2 * xq.qmin, w2 * xq.qmax).sum(axis=1)
    lo_all, hi_all = int(lo.min()), int(hi.max())
    prec = layer_precision(model, layer)
    amax = (1 << (min(prec.acc_bits, 32) - 1)) - 1
    if lo_all < -amax - 1 or hi_all > amax:
        raise AccelsimInputError(
            f"layers.{layer.name}",
            f"accumulators may reach [{lo_all}, {hi_all}], beyond the {prec.acc_bits}-bit accumulator "
            "(the RTL MVAU does not model overflow)",
        )
    # room for the accumulator, its negation (descending channels) and thresholds one past the range
    acc_bits = _signed_bits(min(lo_all, -hi_all) - 2, max(hi_all, -lo_all) + 2)
    w_lo, w_hi = int(w2.min(initial=0)), int(w2.max(initial=0))
    out = {"weights": w2, "bias": bias, "acc_bits": acc_bits, "w_bits": _signed_bits(w_lo, w_hi)}
    if lq.output is None:
        out.update(thresholds=None, th_sign=None, out_bits=acc_bits, out_signed=True)
        return out
    mult = np.asarray(lq.multiplier if lq.multiplier is not None else np.ones(layer.K), np.float64)
    sign = np.where(np.broadcast_to(mult, (layer.K,)) < 0, -1, 1)
    flat = layer if layer.op == "fc" else layer.model_copy(update={"op": "fc"})

    def fn(acc: np.ndarray) -> np.ndarray:  # [C × n] accumulators -> codes, the executor's own rule
        return requant_mac(np.ascontiguousarray(acc.T), lq, flat, model).T

    th = derive_thresholds(fn, sign, lq.output.qmin, lq.output.qmax, (lo_all, hi_all))
    out.update(thresholds=th.keys(), th_sign=th.sign, out_bias=th.out_bias, out_scale=th.out_scale,
               out_bits=lq.output.bits, out_signed=lq.output.signed)  # fmt: skip
    return out


def build_plan(
    model: QuantizedModel, arch: StreamingArch, pace: Pace = "finn", frames: int = 2
) -> PipelinePlan:
    """Every unit's parameters (module docstring); FIFO depths from the token model's occupancies over
    ``frames`` frames (plus the token a unit holds while it works on it)."""
    from accelsim.fabrics.streaming import network_timing

    if not model.quantized:
        raise AccelsimInputError("model", "not quantized: run ptq() first")
    net = model.network
    srcs = producers(net)
    prev = "input"
    for layer in net.layers:
        if srcs[layer.name] != [prev]:
            raise AccelsimInputError(f"layers.{layer.name}", "the RTL pipeline takes a chain of layers")
        ok = (
            (layer.op == "conv2d" and layer.groups == 1 and layer.dilation == (1, 1))
            or layer.op == "fc"
            or is_streaming_maxpool(layer)  # the streaming fabric's StreamingMaxPool
        )
        if not ok:
            raise AccelsimInputError(
                f"layers.{layer.name}",
                f"no RTL unit for {layer.op!r} (conv2d groups 1 undilated, fc and a max pool whose kernel equals "
                "its stride, unpadded, are)",
            )
        prev = layer.name
    precs = {la.name: layer_precision(model, la) for la in net.layers}
    results = [evaluate_layer(la, precs[la.name], arch) for la in net.layers]
    stages = pipeline_stages(results)
    try:
        timing = network_timing(results, arch, max(frames, 2))
    except AccelsimInputError as exc:  # over the device's budget: the RTL is still emitted, the figures kept
        pt = pipeline_timing(stages, frames=2)
        timing = {"initiation_interval_cycles": max(s.cycles for s in stages),
                  "latency_cycles": pt.first_frame_cycles, "over_budget": str(exc)}  # fmt: skip
    unit_rows = [u for r in results for u in r.mapping.units]
    layer_of = {}
    for la, r in zip(net.layers, results, strict=True):
        for u in r.mapping.units:
            layer_of[u["unit"]] = la
    units: list[UnitPlan] = []
    rtl_stages: list[Stage] = []
    for i, (st, row) in enumerate(zip(stages, unit_rows, strict=True)):
        layer = layer_of[st.name]
        lq = model.layers[layer.name]
        xq = lq.inputs[0]
        src = srcs[layer.name][0]
        c_in, h_in, w_in = _out_shape(model, src)
        slots = _slots(st.cycles, st.tokens)
        if st.name.endswith(".swg") or layer.op == "pool":
            kind = "pool" if layer.op == "pool" else "swg"
            c = layer.C
            win = dict(hw=(layer.H, layer.W), channels=c, kernel=layer.R, stride=layer.stride[0],
                       pad=(layer.padding[0], layer.padding[2]), out_hw=(layer.P, layer.Q))  # fmt: skip
            if (
                (c_in, h_in, w_in) != (c, layer.H, layer.W)
                or layer.R != layer.S
                or layer.stride[0] != layer.stride[1]
            ):
                raise AccelsimInputError(f"layers.{layer.name}", "the RTL window units take square windows")
            need = [int(v) for v in st.need] if i > 0 else [h_in * w_in - 1] * st.tokens  # the whole frame
            if pace == "natural":
                per = layer.R * layer.S * c // int(row["simd"]) if kind == "swg" else 1
                slots = [per] * st.tokens
            if kind == "swg":
                out_elems, out_bits, out_signed = layer.R * layer.S * c, xq.bits, xq.signed
            else:
                out_elems, out_bits, out_signed = c, xq.bits, xq.signed
            u = UnitPlan(st.name, kind, layer.name, st.tokens, slots, h_in * w_in, c, xq, out_elems, out_bits,
                         out_signed, need=need, frame_input=i == 0, **win)  # fmt: skip
        else:
            pe, simd = int(row["pe"]), int(row["simd"])
            in_tokens = units[-1].tokens if units else 1
            in_elems = units[-1].out_elems if units else c_in * h_in * w_in
            mw = layer.R * layer.S * layer.C if layer.op == "conv2d" else layer.C
            ratio = max(1, in_tokens // st.tokens)
            if ratio * in_elems != mw or in_tokens != ratio * st.tokens:
                raise AccelsimInputError(
                    f"layers.{layer.name}",
                    f"the stream ({in_tokens} tokens of {in_elems}) does not make {st.tokens} vectors of {mw}",
                )
            nums = _mvau_numbers(model, layer, (c_in, h_in, w_in))
            u = UnitPlan(st.name, "mvau", layer.name, st.tokens, slots, in_tokens, in_elems, xq, layer.K,
                         nums.pop("out_bits"), nums.pop("out_signed"), mw=mw, mh=layer.K, pe=pe, simd=simd,
                         ratio=ratio, **nums)  # fmt: skip
        units.append(u)
        rtl_stages.append(Stage(st.name, st.tokens, sum(slots), st.need, st.eager, st.words_per_token,
                                st.width_bits))  # fmt: skip
    # FIFO in front of each MVAU: the model's maximum occupancy + the vector the MVAU works on
    starts, dones = schedule(rtl_stages, max(frames, 2))
    occ = max_occupancy_tokens(rtl_stages, starts, dones)
    for u, o in zip(units, occ, strict=True):
        if u.kind == "mvau":
            groups = -(-(o + u.ratio) // u.ratio) + 1
            u.fifo_depth = u.ratio * max(groups, 2)
    first = units[0]
    in_tokens = first.hw[0] * first.hw[1] if first.kind != "mvau" else 1
    in_elems = first.channels if first.kind != "mvau" else first.in_elems * first.ratio
    return PipelinePlan(net.name, units, stages, rtl_stages, model.input_q, in_tokens, in_elems,
                        net.layers[-1].name, pace, timing)  # fmt: skip


__all__ = ["Pace", "PipelinePlan", "UnitPlan", "build_plan"]
