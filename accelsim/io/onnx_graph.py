"""The ONNX importer's graph state, shared by :mod:`accelsim.io.onnx` and :mod:`accelsim.io.onnx_attention`
(one module both import, so neither imports the other's internals: no import cycle)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional.ptq import LayerQ, TensorQ


@dataclass
class _Tensor:
    """What the importer knows about one graph tensor."""

    layer: str  # producing layer name ('input' = network input)
    shape: tuple[int, ...]
    q: TensorQ | None = None  # set when the tensor holds quantized codes / has QDQ parameters
    codes: bool = False  # the tensor carries integer codes (QOperator) rather than real values
    flat: bool = False
    rhs_t: bool = False  # a (N, K, C) tensor seen transposed as (N, C, K): only a MatMul's right operand
    # attention (accelsim.io.onnx_attention): the IR holds (N, L, H·X); ``view`` names the ONNX axes as
    # 'n', 'l', 'h', 'x' (e.g. ('n', 'h', 'l', 'x') after Reshape + Transpose), ``heads`` = H
    view: tuple[str, ...] | None = None
    heads: int = 0
    pre: tuple = ()  # elementwise ops (scale, mask) waiting for the Softmax that reads this tensor


@dataclass
class _Const:
    value: np.ndarray
    q: tuple[np.ndarray, np.ndarray, int | None] | None = None  # (scale, zero_point, axis) of DQ'd codes
    codes: np.ndarray | None = None


@dataclass
class _Builder:
    name: str
    layers: list[dict] = field(default_factory=list)
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    biases: dict[str, np.ndarray] = field(default_factory=dict)
    lq: dict[str, LayerQ] = field(default_factory=dict)
    consumers: dict[str, int] = field(default_factory=dict)
    consumer_ops: dict[str, list[str]] = field(default_factory=dict)
    graph_outputs: set[str] = field(default_factory=set)
    readers: dict[str, list] = field(default_factory=dict)  # tensor -> the nodes reading it
    skip: set[str] = field(default_factory=set)  # first outputs of nodes consumed by a matched pattern
    sfu: dict[str, dict] = field(default_factory=dict)  # parameters of softmax/layernorm/gelu layers
    names: dict[str, dict] = field(default_factory=dict)  # layer -> its ONNX tensor names (onnx_attention)


def _err(node, msg: str) -> AccelsimInputError:
    return AccelsimInputError("onnx", f"node {node.name or node.output[0]!r} ({node.op_type}): {msg}")


def _const(name: str, consts: dict[str, _Const], node) -> _Const:
    if name not in consts:
        raise _err(node, f"input {name!r} must be a constant initializer")
    return consts[name]


def _tensor(name: str, tensors: dict[str, _Tensor], node) -> _Tensor:
    if name not in tensors:
        raise _err(node, f"input {name!r} is not produced by a supported node")
    return tensors[name]


def _layer_name(node, b: _Builder) -> str:
    base = node.name or node.output[0]
    names = {la["name"] for la in b.layers}
    name = base if base != "input" else "input_"
    i = 1
    while name in names:
        name = f"{base}_{i}"
        i += 1
    return name
