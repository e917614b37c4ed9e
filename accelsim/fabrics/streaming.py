"""``streaming``: a layer-pipelined FPGA accelerator in FINN's style — one folded engine per layer, every
engine running at once (issue 15; estimators :mod:`accelsim.fpga`).

Per layer (FINN's units and their exact cycle and resource estimates, :mod:`accelsim.fpga.finn_estimates`):

* ``conv2d`` (groups 1): a sliding-window generator (on the padded input) feeding an MVAU of
  ``MW = k_h·k_w·C``, ``MH = K`` over ``P·Q`` input vectors, thresholds fused (the quantized activation);
* ``depthwise_conv2d``: a sliding-window generator feeding a VVAU;
* ``fc`` and weight ``matmul``: an MVAU (``in_h·in_w`` input vectors);
* ``pool``: FINN's units as its conversion picks them — StreamingMaxPool (max, kernel = stride, no
  padding), GlobalAccPool (a global average pool), else a depthwise sliding-window generator + FINN's Pool
  (an average pool, an overlapping or padded max pool); the last two folded by PE;
* ``add``: FINN's AddStreams (``Π numInputVectors · C/PE`` cycles, folded by PE); ``concat``: FINN's
  StreamingConcat (one output vector per pixel). FINN estimates no resources for pools, adds or concats;
* a tensor read by several layers: FINN's DuplicateStreams, a network-level unit (:func:`duplicate_streams`,
  in the pipeline model and FINN's latency bound; no resources) with the least PE that meets the interval;
* two-activation matmuls and KV caches have no streaming engine: an input error says so.

Folding: ``folding`` gives (PE, SIMD) per layer name (and ``swg_simd`` the generator's SIMD); otherwise
FINN's SetFolding rule (:mod:`accelsim.fpga.folding`) for ``target_fps`` at ``frequency_hz`` (per layer,
without the two-pass relaxation, which needs the whole network). A layer's result is its busy cycles for
the batch (``batch ×`` its slowest unit's cycles per frame).

The network (``network_timing`` hook, used by ``simulate``): all layers run concurrently, so a frame
leaves every ``II = max`` per-frame cycles (frames/s = clock / II); the batch takes the overlapped token
model's cycles (:mod:`accelsim.fpga.pipeline`: the first frame's latency, then one frame per II), reported
beside FINN's latency bound (Σ every unit's per-frame cycles: "very pessimistic, it assumes no overlap
between executions", FINN ``dataflow_performance.py``). The units' resources are summed and checked
against ``device`` (FINN's board tables, :mod:`accelsim.fpga.devices`): over budget is an input error
naming the resource. Energy: the design's power (:mod:`accelsim.fpga.power`: device static, the Zynq
processing system, and per used LUT, RAMB18 and DSP at the clock) over the run, reported as network-level
action counts (``fpga.<resource>.cycle``: resource × cycles) that the cost stage prices.

Weights in FINN's ``external`` mem_mode (``mem_mode``, or per layer ``layer_mem_mode``) stream from DRAM
every frame and take no weight memory on chip. All external units share ``dram.bandwidth_bytes_per_cycle``:
with their weights ``W`` bits per frame the DRAM needs ``D = ceil(W / 8 / bandwidth)`` cycles per frame, each
external unit gets a share of the bandwidth in proportion to its weights, so it takes ``max(its cycles, D)``
per frame, and ``II = max(compute II, D)`` (``bound`` says which).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field, PositiveInt, field_validator

from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.errors import AccelsimInputError
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.fpga.devices import DEVICES, device
from accelsim.fpga.finn_estimates import (
    AddStreams,
    DuplicateStreams,
    GlobalAccPool,
    Mvau,
    PeOverChannels,
    Pool,
    SlidingWindow2D,
    SlidingWindow2DRtl,
    StreamingConcat,
    Vvau,
)
from accelsim.fpga.folding import fold_unit, tie_depthwise_generator
from accelsim.fpga.pipeline import Stage, pipeline_timing, proportional_need, window_need
from accelsim.fpga.streaming import MaxPool, unit_resources
from accelsim.mappings import LayerMapping
from accelsim.workload import Layer, Precision


class StreamingArch(ArchitectureBase):
    """A FINN-style dataflow pipeline on an FPGA device."""

    fabric: Literal["streaming"] = "streaming"
    device: str = Field(description=f"FPGA board (FINN's tables): {', '.join(DEVICES)}")
    target_fps: float | None = Field(
        None, gt=0, description="SetFolding target (frames/s) for layers without an explicit folding"
    )
    folding: dict[str, tuple[PositiveInt, PositiveInt]] = Field(
        default_factory=dict,
        description="(PE, SIMD) per layer name (MVAU / VVAU; (PE, 1) for an add's AddStreams or a pool's Pool / GlobalAccPool)",
    )
    swg_simd: dict[str, PositiveInt] = Field(
        default_factory=dict, description="sliding-window generator SIMD per layer"
    )
    swg_impl: Literal["hls", "rtl"] = Field(
        "hls",
        description="FINN's sliding-window generator: the HLS one, or the RTL one (its parallel-window style "
        "emits a whole window per cycle)",
    )
    swg_parallel_window: list[str] = Field(
        default_factory=list, description="layers whose RTL generator runs parallel_window (swg_impl: rtl)"
    )
    mem_mode: Literal["internal_embedded", "internal_decoupled", "external"] = Field(
        "internal_decoupled", description="FINN weight memory mode"
    )
    layer_mem_mode: dict[str, Literal["internal_embedded", "internal_decoupled", "external"]] = Field(
        default_factory=dict, description="mem_mode per layer name (overrides mem_mode)"
    )
    activation_bits: int | None = Field(
        None,
        ge=1,
        le=16,
        description="bits of every thresholded stream (FINN's thresholds emit the activation the next layer "
        "reads); null = each layer's out_bits",
    )
    activation_impl: Literal["thresholds", "shift"] = Field(
        "thresholds",
        description="how MVAU/VVAU outputs become the next activation: FINN's fused thresholds, or a fixed-point "
        "shift requantizer (accelsim.fpga.requant; for wide activations, e.g. 16 bit, whose 2^bits - 1 thresholds "
        "per channel no design stores)",
    )
    ram_style: Literal["auto", "block", "distributed", "ultra"] = Field("auto", description="FINN ram_style")
    res_type: Literal["auto", "lut", "dsp"] = Field("auto", description="multipliers in LUTs or DSPs")
    layer_res_type: dict[str, Literal["auto", "lut", "dsp"]] = Field(
        default_factory=dict, description="res_type per layer name (overrides res_type)"
    )
    auto_fold: Literal["none", "max_throughput", "set_folding"] = Field(
        "none",
        description="fold for the network being simulated, when the preset gives no folding: the resource-aware "
        "search for the highest frame rate within FINN's limits, or FINN's SetFolding for target_fps over the "
        "whole network (two-pass relaxation); none = the preset's folding (or per-layer SetFolding for target_fps)",
    )
    search_rtl_mvau: bool = Field(
        False,
        description="let the folding search use FINN's RTL MVU (DSP packing); off by default because FINN "
        "estimates the RTL MVU's LUTs at 0, which favours it unduly",
    )
    layer_mvau_impl: dict[str, Literal["hls", "rtl"]] = Field(
        default_factory=dict,
        description="MVAU implementation per layer name: FINN's HLS MVAU (default) or its RTL MVU, which packs "
        "multiplies into DSPs (res_type dsp, operands of at most 8 bits; thresholds become a separate unit)",
    )
    mvau_wwidth_max: int = Field(36, ge=1, description="SetFolding's weight-stream width limit per PE")
    fifo_swg_exception: bool = Field(
        False,
        description="FINN's CapConvolutionFIFODepths (swg_exception): cap generator-to-MVAU FIFOs at one output "
        "row (off by default, as in FINN)",
    )
    fifo_ram_style: Literal["block", "distributed", "ultra", "auto"] = Field(
        "block",
        description="memory of FIFOs deeper than 256 (Vivado FIFOs; FINN's vivado_ram_style — 'auto' leaves it "
        "to Vivado and FINN then estimates no BRAM)",
    )

    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: per-layer settings keyed by layer name: simulate must not share results between same-shape layers
    NAME_KEYED_FIELDS: ClassVar[tuple[str, ...]] = (
        "folding",
        "swg_simd",
        "layer_mem_mode",
        "swg_parallel_window",
        "layer_res_type",
        "layer_mvau_impl",
    )

    @field_validator("device")
    @classmethod
    def _known_device(cls, v: str) -> str:
        if v not in DEVICES:
            raise ValueError(f"unknown device {v!r}; allowed: {', '.join(DEVICES)}")
        return v

    def target_cycles(self) -> int:
        """FINN: ``int(clock / target_fps)``; no target = fully folded (PE = SIMD = 1)."""
        return int(self.frequency_hz / self.target_fps) if self.target_fps else 0

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        raise AccelsimInputError("arch", "a streaming pipeline's peak depends on the network; simulate it")

    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """``fpga.<lut|bram18|dsp>.cycle``: one design-clock cycle of one used resource, its power per MHz
        times the clock over the clock (:mod:`accelsim.fpga.power`: ``c·f_MHz / f_Hz`` J = ``c·10⁶`` pJ);
        ``fpga.static`` / ``fpga.ps``: the device's static / processing-system power for one cycle."""
        if component.startswith("fpga.") and action == "cycle":
            from accelsim.fpga import power

            dev = device(self.device)
            key = component.removeprefix("fpga.")
            one = dict.fromkeys(("lut", "bram18", "dsp"), 1.0)  # one unit of each resource
            watts = power.power_breakdown_w(one, self.frequency_hz, dev.silicon, dev.budget()["lut"])
            if key in watts:
                return watts[key] / self.frequency_hz * 1e12
        return super().action_energy_pj(component, action, args)


@dataclass
class StreamingMapping(LayerMapping):
    """The units one layer became, each with its folding, cycles per frame and FINN resources."""

    units: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "streaming"


def _fold(unit: Any, name: str, arch: StreamingArch) -> Any:
    """A unit folded by ``folding[name]`` ([PE, SIMD]; [PE, 1] for a unit folded by PE alone — AddStreams,
    Pool, GlobalAccPool), else by SetFolding for ``target_fps``, else fully folded."""
    explicit = arch.folding.get(name)
    if explicit is not None:
        pe, simd = explicit
        fields = {"pe": pe, "simd": simd} if hasattr(unit, "simd") else {"pe": pe}
        if "simd" not in fields and simd != 1:
            raise AccelsimInputError(
                f"folding.{name}", f"{type(unit).__name__} folds by PE only: SIMD must be 1"
            )
        try:
            return replace(unit, **fields)
        except ValueError as exc:  # PE/SIMD not dividing the layer's dimensions
            raise AccelsimInputError(f"folding.{name}", str(exc)) from None
    target = arch.target_cycles()
    return fold_unit(unit, target, arch.mvau_wwidth_max) if target else unit


def dsp_block(arch: StreamingArch) -> str:
    """The device's DSP slice as FINN names it: DSP48E1 on 7-series, DSP48E2 on UltraScale+."""
    from accelsim.fpga.power import family

    return "DSP48E1" if family(device(arch.device).silicon) == "7series" else "DSP48E2"


def _mvau(name: str, arch: StreamingArch, **fields: Any) -> Mvau:
    block = dsp_block(arch)
    try:
        return Mvau(**{"dsp_block": block, **fields})
    except ValueError as exc:  # an RTL MVU on operands it cannot take
        raise AccelsimInputError(f"layer_mvau_impl.{name}", str(exc)) from None


def layer_units(layer: Layer, precision: Precision, arch: StreamingArch) -> list[tuple[str, Any]]:
    """The FINN units of one layer (module docstring), folded."""
    w, a = precision.w_bits, precision.a_bits
    name = layer.name
    mem_mode = arch.layer_mem_mode.get(name, arch.mem_mode)
    res_type = arch.layer_res_type.get(name, arch.res_type)
    weight_code = "log2" if precision.quantizer == "log2" else "int"  # power-of-two weights: shifts in LUTs
    common = dict(mem_mode=mem_mode, ram_style=arch.ram_style, res_type=res_type, weight_code=weight_code,
                  activation_impl=arch.activation_impl)  # fmt: skip
    mvau_impl = arch.layer_mvau_impl.get(name, "hls")
    rtl = {"impl": "rtl", "res_type": "dsp"} if mvau_impl == "rtl" else {}
    raw = precision.out_bits >= precision.acc_bits  # accumulators out: no thresholds (FINN noActivation)
    out_bits = arch.activation_bits if arch.activation_bits and not raw else precision.out_bits
    if layer.op in ("conv2d", "depthwise_conv2d"):
        swg = _window_generator(layer, a, arch, depthwise=layer.op == "depthwise_conv2d")
        if layer.op == "depthwise_conv2d":
            core = Vvau(channels=layer.C, kernel=(layer.R, layer.S), dim=(layer.P, layer.Q), pe=1, simd=1,
                        w_bits=w, a_bits=a, a_signed=precision.a_signed, out_bits=out_bits,
                        no_activation=raw, **common)  # fmt: skip
        else:
            if layer.groups != 1:
                raise AccelsimInputError(
                    f"layers.{name}", "grouped convolutions have no streaming engine yet"
                )
            core = _mvau(name, arch, mw=layer.R * layer.S * layer.C, mh=layer.K, pe=1, simd=1, w_bits=w, a_bits=a,
                         a_signed=precision.a_signed, out_bits=out_bits, no_activation=raw,
                         num_input_vectors=(1, layer.P, layer.Q), **{**common, **rtl})  # fmt: skip
        return _with_generator(layer, swg, _fold(core, name, arch), arch)
    if layer.op in ("fc", "matmul"):
        if layer.weights_are_activations or layer.kv_cache:
            raise AccelsimInputError(
                f"layers.{name}", "a matmul of two activations (or over a KV cache) has no streaming engine"
            )
        core = _mvau(name, arch, mw=layer.C, mh=layer.K, pe=1, simd=1, w_bits=w, a_bits=a, a_signed=precision.a_signed,
                     out_bits=out_bits, no_activation=raw, num_input_vectors=(1, layer.H * layer.W),
                     **{**common, **rtl})  # fmt: skip
        return [(name, _fold(core, name, arch))]
    if layer.op == "pool":
        return _pool_units(layer, a, arch)
    if layer.op == "add":
        return [
            (
                name,
                _fold(AddStreams(channels=layer.K, num_input_vectors=(1, layer.P, layer.Q)), name, arch),
            )
        ]
    if layer.op == "concat":
        return [(name, StreamingConcat(channels=layer.K, num_input_vectors=(1, layer.P, layer.Q)))]
    return [(name, _StreamUnit(layer.P * layer.Q * layer.K))]


def _with_generator(layer: Layer, swg: Any, core: Any, arch: StreamingArch) -> list[tuple[str, Any]]:
    """A layer's generator and core unit; under SetFolding (``target_fps``, no ``swg_simd`` of its own) the
    generator before a VVAU or Pool takes the op's PE, as FINN's SetFolding ties them."""
    if isinstance(core, Vvau | Pool) and arch.target_cycles() and layer.name not in arch.swg_simd:
        swg = tie_depthwise_generator(swg, core)
    return [(f"{layer.name}.swg", swg), (layer.name, core)]


def _window_generator(layer: Layer, a_bits: int, arch: StreamingArch, depthwise: bool):
    """The sliding-window generator of a convolution or pool layer (FINN's HLS or RTL one, ``swg_impl``) on
    the padded input, folded by ``swg_simd`` or SetFolding."""
    name = layer.name
    pt, pb, pl, pr = layer.padding
    ifm = (layer.H + pt + pb, layer.W + pl + pr)
    if ifm[0] != ifm[1] or layer.R != layer.S or layer.stride[0] != layer.stride[1]:
        raise AccelsimInputError(
            f"layers.{name}", "the streaming fabric models square inputs, kernels, strides"
        )
    simd = arch.swg_simd.get(name)
    geometry = (layer.C, ifm, (layer.P, layer.Q), (layer.R, layer.S), layer.stride, 1, a_bits, layer.dilation)
    if arch.swg_impl == "rtl":
        swg = SlidingWindow2DRtl(*geometry, depthwise=depthwise)
        explicit = {"simd": simd, "parallel_window": name in arch.swg_parallel_window} if simd else None
    else:
        swg = SlidingWindow2D(*geometry)
        explicit = {"simd": simd} if simd else None
    if explicit:
        try:
            return replace(swg, **explicit)
        except ValueError as exc:
            raise AccelsimInputError(f"swg_simd.{name}", str(exc)) from None
    return fold_unit(swg, arch.target_cycles()) if arch.target_cycles() else swg


def is_streaming_maxpool(layer: Layer) -> bool:
    """FINN's ``InferStreamingMaxPool`` condition: a max pool whose kernel equals its stride, without padding,
    over an input the kernel divides."""
    return (
        layer.op == "pool" and (layer.pool_type or "max") == "max" and not any(layer.padding)
        and layer.R == layer.stride[0] and layer.S == layer.stride[1] and layer.H % layer.R == 0
    )  # fmt: skip


def _pool_units(layer: Layer, a_bits: int, arch: StreamingArch) -> list[tuple[str, Any]]:
    """FINN's units of a pool layer, as its conversion chooses them (``convert_to_hw_layers.py`` at 39f0c9a):
    a max pool whose kernel equals its stride, without padding, over a divisible input: StreamingMaxPool
    (``InferStreamingMaxPool``); a global average pool (one output pixel): GlobalAccPool
    (``InferGlobalAccPoolLayer``); any other (an average pool, an overlapping or padded max pool):
    ``InferPool``'s Im2Col + Pool, a depthwise sliding-window generator and FINN's Pool unit."""
    name = layer.name
    if is_streaming_maxpool(layer):
        return [(name, MaxPool(layer.H, layer.R))]
    if (
        layer.pool_type == "avg"
        and not any(layer.padding)
        and layer.P == layer.Q == 1
        and (layer.R, layer.S) == (layer.H, layer.W)
    ):
        return [(name, _fold(GlobalAccPool(layer.C, (1, layer.H, layer.W)), name, arch))]
    swg = _window_generator(layer, a_bits, arch, depthwise=True)
    pool = Pool(channels=layer.C, kernel=(layer.R, layer.S), ofm_dim=(layer.P, layer.Q))
    return _with_generator(layer, swg, _fold(pool, name, arch), arch)


@dataclass(frozen=True)
class _StreamUnit:
    """Any other element-wise layer: one output element per cycle (assumed; FINN has no such unit here)."""

    elements: int

    def cycles(self) -> int:
        return self.elements


def _token_plan(layer: Layer, unit: Any, precision: Precision) -> dict[str, Any]:
    """How the overlapped pipeline model (:mod:`accelsim.fpga.pipeline`) sees a unit: output tokens (pixels)
    per frame, what each needs upstream (a window over the layer's input, or a proportional stream),
    whether it reads eagerly into its own line buffer, and its output stream (words per token, width)."""
    if isinstance(unit, SlidingWindow2DRtl) and unit.impl_style() == "parallel":
        k_eff = (layer.R - 1) * layer.dilation[0] + 1  # a whole window per word
        return {"tokens": layer.P * layer.Q, "eager": True, "words_per_token": unit.channels // unit.simd,
                "width_bits": unit.simd * unit.a_bits * unit.kernel[0] * unit.kernel[1],
                "window": [layer.H, layer.W, layer.padding[0], layer.padding[2], k_eff, layer.stride[0],
                           layer.P, layer.Q]}  # fmt: skip
    if isinstance(unit, SlidingWindow2D | SlidingWindow2DRtl):
        k_eff = (layer.R - 1) * layer.dilation[0] + 1
        return {"tokens": layer.P * layer.Q, "eager": True, "words_per_token": -(-unit.kernel[0] * unit.kernel[1]
                * unit.channels // unit.simd), "width_bits": unit.simd * unit.a_bits,
                "window": [layer.H, layer.W, layer.padding[0], layer.padding[2], k_eff, layer.stride[0],
                           layer.P, layer.Q]}  # fmt: skip
    if isinstance(unit, MaxPool):
        return {"tokens": layer.P * layer.Q, "eager": True, "words_per_token": 1,
                "width_bits": layer.C * precision.a_bits,
                "window": [layer.H, layer.W, layer.padding[0], layer.padding[2], layer.R, layer.stride[0],
                           layer.P, layer.Q]}  # fmt: skip
    if isinstance(unit, Mvau):
        bits = unit.acc_bits if unit.no_activation else unit.out_bits
        return {"tokens": int(math.prod(unit.num_input_vectors)), "eager": False,
                "words_per_token": unit.mh // unit.pe, "width_bits": unit.pe * bits}  # fmt: skip
    if isinstance(unit, Vvau):
        bits = unit.acc_bits if unit.no_activation else unit.out_bits
        return {"tokens": unit.dim[0] * unit.dim[1], "eager": False,
                "words_per_token": -(-unit.channels // unit.pe), "width_bits": unit.pe * bits}  # fmt: skip
    if isinstance(unit, AddStreams):
        return {"tokens": layer.P * layer.Q, "eager": False, "words_per_token": unit.channels // unit.pe,
                "width_bits": unit.pe * precision.out_bits}  # fmt: skip
    if isinstance(unit, Pool | GlobalAccPool):  # one output pixel per window (the whole input: global)
        # GlobalAccPool accumulates its input as it arrives (eager); Pool reads its generator's windows
        return {"tokens": layer.P * layer.Q, "eager": isinstance(unit, GlobalAccPool),
                "words_per_token": unit.channels // unit.pe, "width_bits": unit.pe * precision.a_bits}  # fmt: skip
    if isinstance(unit, StreamingConcat):  # a whole output vector per pixel
        return {"tokens": layer.P * layer.Q, "eager": False, "words_per_token": 1,
                "width_bits": unit.channels * precision.out_bits}  # fmt: skip
    return {"tokens": layer.P * layer.Q, "eager": False, "words_per_token": layer.K,
            "width_bits": precision.out_bits}  # fmt: skip


def external_weight_bits(unit: Any) -> int:
    """Weight bits an MVAU / VVAU in FINN's ``external`` mem_mode streams from DRAM every frame (FINN streams
    the whole weight tensor per frame: nothing of it is kept on chip)."""
    if isinstance(unit, Mvau) and unit.mem_mode == "external":
        return unit.mw * unit.mh * unit.w_bits
    if isinstance(unit, Vvau) and unit.mem_mode == "external":
        return unit.channels * unit.kernel[0] * unit.kernel[1] * unit.w_bits
    return 0


def dram_cycles_per_frame(external_bits: int, arch: StreamingArch) -> int:
    """Cycles the DRAM needs per frame for the external weights: ``ceil(bits / 8 / bandwidth)`` at
    ``dram.bandwidth_bytes_per_cycle`` (0 when nothing is external or the bandwidth is unlimited)."""
    bw = arch.dram.bandwidth_bytes_per_cycle
    if not external_bits or bw is None:
        return 0
    return math.ceil(external_bits / 8 / bw)


@register_fabric(StreamingArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: StreamingArch) -> LayerResult:
    units = layer_units(layer, precision, arch)
    per_frame = max(int(u.cycles()) for _, u in units)
    rows = []
    for uname, u in units:
        rows.append({"unit": uname, "kind": type(u).__name__, "pe": getattr(u, "pe", None),
                     "simd": getattr(u, "simd", None), "cycles_per_frame": int(u.cycles()), **unit_resources(u),
                     "tokens": _token_plan(layer, u, precision),
                     "external_weight_bits": external_weight_bits(u)})  # fmt: skip
    core = units[-1][1]
    peak = float(getattr(core, "pe", 0) * getattr(core, "simd", 0)) if isinstance(core, Mvau | Vvau) else 0.0
    return LayerResult(
        compute_cycles=per_frame * layer.batch,
        stall_cycles=0,
        actions={},
        accesses={
            "cycles_per_frame": per_frame,
            "unit_cycles_per_frame": sum(r["cycles_per_frame"] for r in rows),
            "external_weight_bits_per_frame": sum(r["external_weight_bits"] for r in rows),
        },
        peak_macs_per_cycle=peak,
        mapping_efficiency=1.0 if layer.has_macs else 0.0,
        mapping=StreamingMapping(rows),
    )


def pipeline_stages(
    results: list[LayerResult],
    layers: list[Layer] | None = None,
    external_min_cycles: int = 0,
    duplicates: dict[str, DuplicateStreams] | None = None,
) -> list[Stage]:
    """Every unit of every layer, in stream order, as a stage of the token model. With ``layers`` (the
    network's, aligned with ``results``) a layer's first unit reads the last unit of every layer it reads
    (``inputs``; the network input is no stage), so a residual add waits for both streams and the skip
    stream gets its own FIFO; a layer in ``duplicates`` (:func:`duplicate_streams`) ends in its
    DuplicateStreams stage, which its readers read. Without ``layers`` the units form a chain in layer
    order. A unit whose weights stream from DRAM (``external``) takes at least ``external_min_cycles`` per
    frame."""
    stages: list[Stage] = []
    last: dict[str, int] = {}  # layer name -> index of its last stage
    for li, r in enumerate(results):
        layer = layers[li] if layers is not None else None
        if layer is None or layer.inputs is None:
            first_srcs = [len(stages) - 1] if stages else []
        else:
            first_srcs = [last[n] for n in layer.inputs if n != "input"]
        for k, u in enumerate(getattr(r.mapping, "units", [])):
            plan = u["tokens"]
            n = int(plan["tokens"])
            srcs = first_srcs if k == 0 else [len(stages) - 1]
            win = plan.get("window")
            needs = []
            for src in srcs:
                up = stages[src].tokens
                needs.append(window_need(*win) if win and len(srcs) == 1 and up == win[0] * win[1]
                             else proportional_need(n, up))  # fmt: skip
            name = u["unit"]
            if layer is not None:  # a repeated layer's result carries the first one's unit names
                name = f"{layer.name}.swg" if name.endswith(".swg") else layer.name
            chain = layer is None or (len(srcs) == 1 and srcs[0] == len(stages) - 1)
            cycles = int(u["cycles_per_frame"])
            if u.get("external_weight_bits"):  # its weights arrive at its share of the DRAM bandwidth
                cycles = max(cycles, external_min_cycles)
            kind = {"SlidingWindow2D": "swg", "SlidingWindow2DRtl": "swg", "Mvau": "mvau"}.get(u["kind"], "")
            stages.append(Stage(name, n, cycles, needs[0] if needs else np.zeros(n, np.int64),
                                bool(plan["eager"]), int(plan["words_per_token"]), int(plan["width_bits"]),
                                None if chain else tuple(zip(srcs, needs, strict=True)), kind,
                                int(win[7]) if kind == "swg" and win else 0))  # fmt: skip
        if layer is not None and duplicates and layer.name in duplicates:
            dup, up = duplicates[layer.name], stages[-1]
            stages.append(Stage(f"{layer.name}.dup", up.tokens, dup.cycles(), proportional_need(up.tokens, up.tokens),
                                False, dup.channels // dup.pe, dup.pe * up.width_bits * up.words_per_token
                                // dup.channels))  # fmt: skip
        if layer is not None:
            last[layer.name] = len(stages) - 1
    return stages


def duplicate_streams(
    layers: list[Layer], results: list[LayerResult], ii: int, target: int = 0
) -> dict[str, DuplicateStreams]:
    """FINN's DuplicateStreams for every layer whose output more than one layer reads (``InsertDuplicateStreams``;
    a fork of the network input is not modelled). With a SetFolding ``target`` (cycles per frame) each is
    folded by FINN's rule (the least PE with cycles below it); otherwise it takes the least PE whose cycles fit
    the interval ``ii`` of the other units — the search's choice for a unit without resources — or PE = C when
    none does (then it sets the interval)."""
    from accelsim.functional.qmodel import consumers

    readers = consumers(layers)
    out = {}
    for layer, r in zip(layers, results, strict=True):
        units = getattr(r.mapping, "units", [])
        if len(readers[layer.name]) < 2 or not units:
            continue
        tokens = int(units[-1]["tokens"]["tokens"])
        dup = DuplicateStreams(
            channels=layer.K, num_input_vectors=(1, tokens), outputs=len(readers[layer.name])
        )
        out[layer.name] = fold_unit(dup, target or ii + 1)  # SetFolding's "met" is cycles < target
    return out


def network_timing(
    results: list[LayerResult],
    arch: StreamingArch,
    batch: int,
    check_fit: bool = True,
    layers: list[Layer] | None = None,
) -> dict[str, Any]:
    """The pipeline (module docstring): II, frames/s, FINN's no-overlap bound, the overlapped latency and
    the FIFOs sized on it (:mod:`accelsim.fpga.pipeline`), the batch's cycles, and the resources (units +
    FIFOs) checked against the device (``check_fit=False``: reported as ``fits`` instead of raised)."""
    from accelsim.fpga.devices import check_fit as fit_or_raise

    per_frame = [int(r.accesses.get("cycles_per_frame", 0)) for r in results]
    compute_ii = max(per_frame) if per_frame else 0
    external_bits = sum(int(r.accesses.get("external_weight_bits_per_frame", 0)) for r in results)
    dram_cycles = dram_cycles_per_frame(external_bits, arch)
    dups = (
        duplicate_streams(layers, results, max(compute_ii, dram_cycles), arch.target_cycles())
        if layers is not None
        else {}
    )
    compute_ii = max([compute_ii, *(d.cycles() for d in dups.values())])
    ii = max(compute_ii, dram_cycles)
    stages = pipeline_stages(results, layers, dram_cycles, dups)
    bound = sum(st.cycles for st in stages)  # every unit (external ones at the DRAM's pace), as FINN sums
    used: dict[str, int] = dict.fromkeys(("lut", "ff", "bram18", "uram", "dsp"), 0)
    for r in results:
        for u in getattr(r.mapping, "units", []):
            for k in used:
                used[k] += int(u[k])
    timing = pipeline_timing(
        stages,
        frames=min(batch, 2),
        ram_style=arch.fifo_ram_style,
        swg_exception=arch.fifo_swg_exception,
    )
    fifo = timing.resources()
    total = {k: v + fifo.get(k, 0) for k, v in used.items()}
    dev = device(arch.device)
    fits = True
    try:
        fit_or_raise(total, dev)
    except AccelsimInputError:
        if check_fit:
            raise
        fits = False
    done = timing.frame_done_cycles
    cycles = done[batch - 1] if batch <= len(done) else done[-1] + (batch - len(done)) * ii
    from accelsim.fpga import power

    watts = power.power_breakdown_w(total, arch.frequency_hz, dev.silicon, dev.budget()["lut"])
    # every used resource and the device are powered for the whole run (Vivado's vectorless model: the
    # default toggle rates do not depend on how busy a unit is); the cost stage prices these counts
    actions = {("fpga.lut", "cycle", ()): float(total["lut"] * cycles),
               ("fpga.bram18", "cycle", ()): float(total["bram18"] * cycles),
               ("fpga.dsp", "cycle", ()): float(total["dsp"] * cycles),
               ("fpga.static", "cycle", ()): float(cycles)}  # fmt: skip
    if watts["ps"]:
        actions[("fpga.ps", "cycle", ())] = float(cycles)
    if external_bits:  # the external weights, read from DRAM once per frame
        actions[("dram", "read", ())] = float(external_bits * batch)
    return {
        "cycles": cycles,
        "initiation_interval_cycles": ii,
        "compute_initiation_interval_cycles": compute_ii,
        "external_weight_bytes_per_frame": external_bits / 8,
        "dram_cycles_per_frame": dram_cycles,
        "bound": "dram" if dram_cycles > compute_ii else "compute",
        "frames_per_s": arch.frequency_hz / ii if ii else math.inf,
        "latency_s": timing.first_frame_cycles / arch.frequency_hz,
        "latency_cycles": timing.first_frame_cycles,
        "latency_no_overlap_s": bound / arch.frequency_hz,
        "duplicate_streams": [
            {"name": f"{n}.dup", "pe": d.pe, "outputs": d.outputs, "cycles_per_frame": d.cycles()}
            for n, d in dups.items()
        ],
        "resources": used,
        "fifo_resources": fifo,
        "total_resources": total,
        "fifos": [
            {
                "name": f.name,
                "occupancy_words": f.occupancy_words,
                "depth": f.adjusted_depth,
                "impl_style": f.impl_style,
                "width_bits": f.width_bits,
                "lut": f.lut(),
                "bram18": f.bram18(),
                "uram": f.uram(),
            }
            for f in timing.fifos
        ],  # fmt: skip
        "device": dev.name,
        "budget": dev.budget(),
        "fits": fits,
        "power_w": watts,
        "power_total_w": sum(watts.values()),
        "static_source": power.static_w(dev.silicon, dev.budget()["lut"])[1],
        "actions": {k: v for k, v in actions.items() if v},
    }


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: StreamingArch, seed: int = 0):
    """Numbers through the pipeline (registry contract), on the datapath FINN's units would use:

    * binary layer — every operand ±1, conv (unpadded) or FC: XNOR-popcount on bit-packed im2col rows
      (:func:`accelsim.fpga.xnor.xnor_gemm`), stats ``xnor_popcount_words`` (64-bit XNOR-popcounts);
    * power-of-two weights — every weight 0 or ±2^e (log2-quantized), conv / depthwise / FC: shift-and-add
      in LUTs (:func:`accelsim.fpga.logshift.shift_add_gemm`), stats ``shift_adds`` (nonzero products) and
      ``max_shift``; taken only when no partial sum can leave the ``acc_bits`` accumulator
      (``max|x| · Σ_k |w[k, n]| < 2^(acc_bits−1)``), so it equals the exact kernels bit for bit;
    * any other layer (or one that could overflow): the exact integer kernels (a multi-bit MVAU multiplies
      exactly), which model the accumulator's overflow.

    Stats always carry ``path``. ``seed`` is unused (no random process). The activation (FINN's thresholds,
    :mod:`accelsim.fpga.thresholds`) is applied by the executor's requantization, which the thresholds equal."""
    import numpy as np

    from accelsim.fpga.logshift import encode_pow2, is_pow2, shift_add_gemm
    from accelsim.fpga.xnor import xnor_gemm
    from accelsim.functional import run_layer
    from accelsim.pe.functional import im2col_group

    del seed
    x = np.asarray(x_int, dtype=np.int64)
    w = np.asarray(w_int, dtype=np.int64)
    n = x.shape[0] if x.ndim else 0
    bipolar = x.size and w.size and np.isin(x, (-1, 1)).all() and np.isin(w, (-1, 1)).all()
    fc_flat = layer.op == "fc" and x.ndim >= 2 and x.reshape(n, -1).shape[1] == layer.C
    if bipolar and (fc_flat or (layer.op == "conv2d" and layer.groups == 1 and not any(layer.padding))):
        a = x.reshape(n, -1) if layer.op == "fc" else im2col_group(x, layer, 0)
        y = xnor_gemm(a, w.reshape(layer.K, -1).T)
        words = a.shape[0] * layer.K * -(-a.shape[1] // 64)
        if layer.op == "conv2d":
            y = y.reshape(n, layer.P, layer.Q, layer.K).transpose(0, 3, 1, 2).copy()
        return y, {"xnor_popcount_words": float(words), "path": "xnor-popcount"}
    shiftable = layer.op in ("conv2d", "depthwise_conv2d") or fc_flat
    if shiftable and x.size and w.size and is_pow2(w):
        wk = w.reshape(layer.K, -1)  # (K, C/G·R·S): row k = output channel k
        worst = int(np.abs(x).max()) * int(np.abs(wk).sum(axis=1).max())
        if worst < 1 << (min(precision.acc_bits, 63) - 1):
            codes = encode_pow2(wk.T)
            stats = {"path": "log2-shift", "shift_adds": 0.0, "max_shift": float(codes.max_exponent),
                     "overflow_outputs": 0, "overflow_events": 0}  # fmt: skip
            if layer.op == "fc":
                a = x.reshape(n, -1)
                stats["shift_adds"] = float(a.shape[0] * codes.nonzero.sum())
                return shift_add_gemm(a, codes), stats
            g_n, kg = layer.groups, layer.K // layer.groups
            y = np.empty((n, layer.P, layer.Q, layer.K), dtype=np.int64)
            for g in range(g_n):
                a = im2col_group(x, layer, g)
                cg = encode_pow2(wk[g * kg : (g + 1) * kg].T)
                stats["shift_adds"] += float(a.shape[0] * cg.nonzero.sum())
                y[..., g * kg : (g + 1) * kg] = shift_add_gemm(a, cg).reshape(n, layer.P, layer.Q, kg)
            return y.transpose(0, 3, 1, 2).copy(), stats
    r = run_layer(layer, x, w, precision, check_ranges=False)
    return r.out, {
        "overflow_outputs": r.overflow_outputs,
        "overflow_events": r.overflow_events,
        "path": r.path,
    }


def fold_network(
    net, arch: StreamingArch, target_fps: float | None = None, limits: tuple[float, ...] | None = None
):
    """A folding for a whole network (issue 15, item 3): FINN's SetFolding for ``target_fps`` (with its
    two-pass relaxation over the whole pipeline), or, without a target, the resource-aware search of
    :func:`accelsim.fpga.folding_search.max_throughput_folding` under the device's budget × ``limits``
    (default FINN's DEFAULT_RES_LIMITS). When external weights make the DRAM the bottleneck
    (:func:`dram_cycles_per_frame` above the search's interval), the search's folding is replaced by
    SetFolding for the DRAM's interval: the same frame rate from fewer resources. Returns
    ``(folding, swg_simd, units)``: the preset fields and the folded units in stream order
    (:func:`folded_fields` gives the others)."""
    from accelsim.fpga.devices import DEFAULT_LIMITS
    from accelsim.fpga.folding import set_folding
    from accelsim.fpga.folding_search import max_throughput_folding

    free = arch.model_copy(
        update={"folding": {}, "swg_simd": {}, "swg_parallel_window": [], "target_fps": None}
    )
    units = [u for layer in net.layers for u in layer_units(layer, net.precision_of(layer), free)]
    foldable = [
        i
        for i, (_, u) in enumerate(units)
        if isinstance(u, Mvau | Vvau | SlidingWindow2D | SlidingWindow2DRtl | PeOverChannels)
    ]

    def set_fold(target: int) -> list[tuple[str, Any]]:
        folded = set_folding([units[i][1] for i in foldable], target, arch.mvau_wwidth_max)
        out = list(units)
        for i, f in zip(foldable, folded, strict=True):
            out[i] = (out[i][0], f)
        return out

    if target_fps is not None:
        units = set_fold(int(arch.frequency_hz / target_fps))
    else:
        searched = max_throughput_folding(
            units, device(arch.device), limits or DEFAULT_LIMITS, arch.search_rtl_mvau
        )
        dram = dram_cycles_per_frame(sum(external_weight_bits(u) for _, u in units), arch)
        units = searched.units
        if dram > searched.initiation_interval_cycles:
            units = set_fold(dram + 1)  # SetFolding's "met" is cycles < target
    fields = folded_fields(units)
    return fields["folding"], fields["swg_simd"], units


def prepare_arch(net, arch: StreamingArch) -> StreamingArch:
    """``simulate``'s hook: a preset with ``auto_fold`` and no folding of its own is folded for ``net``
    (:func:`fold_network`); any other preset is returned as it is."""
    if arch.auto_fold == "none" or arch.folding:
        return arch
    if arch.auto_fold == "set_folding" and not arch.target_fps:
        raise AccelsimInputError("auto_fold", "set_folding needs target_fps")
    target = arch.target_fps if arch.auto_fold == "set_folding" else None
    _, _, units = fold_network(net, arch, target)
    return folded_arch(arch, units).model_copy(update={"auto_fold": "none"})


def folded_arch(arch: StreamingArch, units: list[tuple[str, Any]]) -> StreamingArch:
    """``arch`` with the folding of ``units`` (:func:`folded_fields`) and no SetFolding target."""
    return arch.model_copy(update={**folded_fields(units), "target_fps": None})


def folded_fields(units: list[tuple[str, Any]]) -> dict[str, Any]:
    """The preset fields a folding of ``units`` sets: ``folding`` ([PE, SIMD] per MVAU / VVAU, [PE, 1] per
    PE-folded unit), ``swg_simd``, ``swg_parallel_window``, the layers whose multipliers the search put in
    DSPs (``layer_res_type``) and those on FINN's RTL MVU (``layer_mvau_impl``)."""
    folding = {n: (u.pe, u.simd) for n, u in units if isinstance(u, Mvau | Vvau)}
    folding.update({n: (u.pe, 1) for n, u in units if isinstance(u, PeOverChannels)})
    return {
        "folding": folding,
        "swg_simd": {
            n.removesuffix(".swg"): u.simd
            for n, u in units
            if isinstance(u, SlidingWindow2D | SlidingWindow2DRtl)
        },
        "swg_parallel_window": parallel_windows(units),
        "layer_res_type": {
            n: "dsp"
            for n, u in units
            if isinstance(u, Mvau | Vvau) and u.res_type == "dsp" and getattr(u, "impl", "hls") == "hls"
        },
        "layer_mvau_impl": {n: "rtl" for n, u in units if isinstance(u, Mvau) and u.impl == "rtl"},
    }


def parallel_windows(units: list[tuple[str, Any]]) -> list[str]:
    """Layers whose RTL sliding-window generator runs ``parallel_window`` (a 1×1 kernel's parallel style is
    implied, not listed)."""
    return [
        n.removesuffix(".swg") for n, u in units if isinstance(u, SlidingWindow2DRtl) and u.parallel_window
    ]
