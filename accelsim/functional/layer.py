"""Run one :class:`accelsim.workload.Layer` through the exact integer kernels.

Shapes, stride, padding, dilation and groups come from the layer; ``acc_bits`` and ``overflow`` from the
precision (the argument, else the layer's own, else the :class:`~accelsim.workload.Precision` defaults).
Operands are checked against the declared widths (``a_bits``/``a_signed`` for ``x``, ``w_bits``/``w_signed``
for ``w``) unless ``check_ranges=False``.

Operand layouts: conv2d / depthwise_conv2d: x (N, C, H, W), w (K, C/groups, R, S); fc: x (N, C) or
(N, C, 1, 1), w (K, C); matmul: x (N, M, C), w (C, K) or, when ``weights_are_activations``, (N, C, K);
(grouped: w (G, C/G, K/G), see :func:`_matmul`); pool: x only; add: the two addends as x and w (exact sum fitted to ``acc_bits`` with ``overflow``);
concat: x a sequence of NCHW tensors joined along C.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional.elementwise import bit_range, int_add
from accelsim.functional.intops import IntResult, int_conv2d, int_fc, int_matmul
from accelsim.functional.pooling import int_pool2d
from accelsim.workload import Layer, Precision


def _check_range(a: np.ndarray, bits: int, signed: bool, name: str) -> None:
    lo, hi = bit_range(bits, signed)
    if a.size and (int(a.min()) < lo or int(a.max()) > hi):
        kind = "signed" if signed else "unsigned"
        raise AccelsimInputError(
            name, f"values [{int(a.min())}, {int(a.max())}] outside the {bits}-bit {kind} range [{lo}, {hi}]"
        )


def _check_shape(a: np.ndarray, want: tuple[int | None, ...], name: str, layer: Layer) -> None:
    ok = a.ndim == len(want) and all(w is None or w == s for w, s in zip(want, a.shape, strict=True))
    if not ok:
        shown = tuple("N" if w is None else w for w in want)
        raise AccelsimInputError(name, f"layer {layer.name!r} expects shape {shown}, got {a.shape}")


def run_layer(
    layer: Layer,
    x: np.ndarray | Sequence[np.ndarray],
    w: np.ndarray | None = None,
    precision: Precision | None = None,
    bias: np.ndarray | None = None,
    path: str = "auto",
    check_ranges: bool = True,
) -> IntResult:
    """Exact integer output of ``layer`` for inputs ``x`` and weights ``w`` (layouts in the module doc)."""
    prec = precision or layer.precision or Precision()
    acc, ovf = prec.acc_bits, prec.overflow
    if layer.op == "concat":
        parts = [np.asarray(p) for p in x]  # type: ignore[union-attr]
        return IntResult(np.concatenate(parts, axis=1).astype(np.int64), 0, 0, "elementwise")
    x = np.asarray(x)
    if layer.op == "pool":
        _check_shape(x, (None, layer.C, layer.H, layer.W), "x", layer)
        out = int_pool2d(
            x, (layer.R, layer.S), layer.pool_type or "max", layer.stride, layer.padding, layer.dilation
        )
        return IntResult(out, 0, 0, "elementwise")
    if w is None:
        raise AccelsimInputError("w", f"layer {layer.name!r} ({layer.op}) needs a second operand")
    w = np.asarray(w)
    if check_ranges:
        _check_range(x, prec.a_bits, prec.a_signed, "x")
        _check_range(
            w,
            prec.a_bits if layer.op == "add" or layer.weights_are_activations else prec.w_bits,
            prec.a_signed if layer.op == "add" or layer.weights_are_activations else prec.w_signed,
            "w",
        )
    if layer.op == "add":
        return int_add(x, w, out_bits=acc, signed=True, overflow=ovf)
    if layer.op in ("conv2d", "depthwise_conv2d"):
        _check_shape(x, (None, layer.C, layer.H, layer.W), "x", layer)
        _check_shape(w, (layer.K, layer.C // layer.groups, layer.R, layer.S), "w", layer)
        return int_conv2d(
            x, w, layer.stride, layer.padding, layer.dilation, layer.groups, acc, ovf, bias=bias, path=path
        )
    if layer.op == "fc":
        if layer.H * layer.W > 1:  # the IR's fc over H×W positions = a 1×1 convolution
            _check_shape(x, (None, layer.C, layer.H, layer.W), "x", layer)
            _check_shape(w, (layer.K, layer.C), "w", layer)
            return int_conv2d(
                x, w.reshape(layer.K, layer.C, 1, 1), 1, 0, 1, 1, acc, ovf, bias=bias, path=path
            )
        x2 = x.reshape(x.shape[0], -1) if x.ndim == 4 else x
        _check_shape(x2, (None, layer.C), "x", layer)
        _check_shape(w, (layer.K, layer.C), "w", layer)
        return int_fc(x2, w, acc, ovf, bias=bias, path=path)
    if layer.op == "matmul":
        return _matmul(layer, x, w, acc, ovf, bias, path)
    raise AccelsimInputError("op", f"unsupported op {layer.op!r}")


def _matmul(
    layer: Layer, x: np.ndarray, w: np.ndarray, acc: int, ovf: str, bias: np.ndarray | None, path: str
) -> IntResult:
    """matmul layer: x (N, M, C); groups G split C and K: w (G, C/G, K/G) (or (C, K) when G = 1), with a
    leading N axis when ``weights_are_activations``. Output (N, M, K), group g in columns g·K/G …"""
    G, M, C, Kout = layer.groups, layer.H, layer.C, layer.K
    Cg, Kg = C // G, Kout // G
    _check_shape(x, (None, M, C), "x", layer)
    lead: tuple[int | None, ...] = (None,) if layer.weights_are_activations else ()
    if G == 1:
        _check_shape(w, lead + (C, Kout), "w", layer)
        return int_matmul(x, w, acc, ovf, bias=bias, path=path)
    if bias is not None:
        raise AccelsimInputError("bias", f"not supported for grouped matmul (layer {layer.name!r})")
    _check_shape(w, lead + (G, Cg, Kg), "w", layer)
    xg = x.reshape(x.shape[0], M, G, Cg).transpose(0, 2, 1, 3)  # (N, G, M, Cg)
    r = int_matmul(xg, w, acc, ovf, path=path)  # (N, G, M, Kg)
    r.out = r.out.transpose(0, 2, 1, 3).reshape(x.shape[0], M, Kout)
    return r
