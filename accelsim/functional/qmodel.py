"""The quantized model IR shared by PTQ (:mod:`accelsim.functional.ptq`, which builds it) and the executor
(:mod:`accelsim.functional.executor`, which runs it): per-tensor quantization (:class:`TensorQ`), per-layer
integer weights, bias and requantization (:class:`LayerQ`), the whole model (:class:`QuantizedModel`),
and the graph helpers both need. Kept apart so that PTQ can run the executor (float calibration) without
an import cycle."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.quant.qtensor import int_range
from accelsim.workload import Layer, Network

MULT_BITS = 31


@dataclass
class TensorQ:
    """Quantization of one activation tensor: ``real = scale·(q − zero_point)``, ``bits``-bit codes."""

    scale: float
    zero_point: int
    bits: int
    signed: bool = False

    @property
    def qmin(self) -> int:
        return int_range(self.bits, self.signed)[0]

    @property
    def qmax(self) -> int:
        return int_range(self.bits, self.signed)[1]

    def quantize(self, x: np.ndarray, float32: bool = False) -> np.ndarray:
        """``clamp(round_half_even(x / scale) + z)``; ``float32=True`` divides in float32 (onnxruntime)."""
        if float32:
            v = np.rint(np.asarray(x, np.float32) / np.float32(self.scale)).astype(np.float64)
        else:
            v = np.rint(np.asarray(x, np.float64) / self.scale)
        return np.clip(v + self.zero_point, self.qmin, self.qmax).astype(np.int64)

    def dequantize(self, q: np.ndarray) -> np.ndarray:
        return self.scale * (np.asarray(q, np.float64) - self.zero_point)


@dataclass
class LayerQ:
    """Integer parameters of one layer after PTQ (or read from a quantized ONNX graph)."""

    name: str
    inputs: list[TensorQ]
    output: TensorQ | None  # None: the layer outputs its raw accumulator (ConvInteger / MatMulInteger)
    w_bits: int = 8
    a_bits: int = 8
    w_q: np.ndarray | None = None  # integer weight codes, layout of the float weights
    w_scale: np.ndarray | None = None  # (K,) per output channel (a per-tensor scale is repeated)
    w_zero_point: np.ndarray | None = None  # (K,) integers
    bias_q: np.ndarray | None = None  # (K,) int64 in the accumulator scale s_x·s_w[k]
    multiplier: np.ndarray | None = None  # (K,) real M[k] (MAC) or (n_inputs,) s_i/s_y (add/concat)
    m0: np.ndarray | None = None  # dyadic integer multipliers
    shift: np.ndarray | None = None  # dyadic right shifts
    extra: dict = field(default_factory=dict)


@dataclass
class QuantizedModel:
    """A :class:`Network` with float weights/biases and (after PTQ) the integer parameters of every layer.

    ``weights[name]``: conv KCRS, fc (K, C), matmul (C, K); ``biases[name]``: (K,). ``requant``: ``dyadic``
    (integer multiply + rounding shift, gemmlowp) or ``onnx`` (float32 ``acc·(s_x·s_w/s_y)`` rounded half to
    even, onnxruntime's CPU semantics, used for imported quantized ONNX graphs). ``rounding`` of the dyadic
    requantization: ``gemmlowp`` (TFLite, two roundings) or ``half_even`` (one exact rounding), see
    :func:`accelsim.quant.requant.requantize`.
    """

    network: Network
    weights: dict[str, np.ndarray]
    biases: dict[str, np.ndarray] = field(default_factory=dict)
    input_q: TensorQ | None = None
    layers: dict[str, LayerQ] = field(default_factory=dict)
    requant: str = "dyadic"
    rounding: str = "gemmlowp"
    source: str = ""

    @property
    def quantized(self) -> bool:
        return self.input_q is not None and bool(self.layers)


def producers(network: Network | list[Layer]) -> dict[str, list[str]]:
    """Names each layer reads (``'input'`` = the network input), resolving ``inputs=None``; ``network`` may be
    a network or its layers."""
    out: dict[str, list[str]] = {}
    prev = "input"
    for layer in network.layers if isinstance(network, Network) else network:
        out[layer.name] = list(layer.inputs) if layer.inputs else [prev]
        prev = layer.name
    return out


def consumers(network: Network | list[Layer]) -> dict[str, list[str]]:
    """Layers reading each tensor (``'input'`` included); ``network`` may be a network or its layers."""
    cons: dict[str, list[str]] = {"input": []}
    for layer in network.layers if isinstance(network, Network) else network:
        cons.setdefault(layer.name, [])
    for name, srcs in producers(network).items():
        for s in srcs:
            cons[s].append(name)
    return cons


def rhs_shape(layer: Layer) -> tuple[int, int]:
    """Per-image shape of the right operand tensor of a two-activation matmul with ``G`` groups.

    Not transposed: ``(C/G, K)``, group g = columns ``g·K/G … (g+1)·K/G − 1`` (e.g. V in P·V);
    ``rhs_transposed``: ``(K/G, C)``, group g = columns ``g·C/G …`` used transposed (e.g. K in Q·Kᵀ).
    With G = 1 these are ``(C, K)`` and ``(K, C)``.
    """
    G = layer.groups
    return (layer.K // G, layer.C) if layer.rhs_transposed else (layer.C // G, layer.K)


__all__ = ["MULT_BITS", "LayerQ", "QuantizedModel", "TensorQ", "consumers", "producers", "rhs_shape"]
