"""Whole layers through a precision-scalable PE's decomposition: the ``functional_layer`` of every
precision-scalable fabric (contract: :func:`accelsim.fabrics.registry.get_functional_layer`).

A MAC layer becomes GEMMs ``A[M×Kr]·W[Kr×N]``:

* conv2d / depthwise / grouped: im2col per group (:func:`im2col_group`, stride, dilation, zero padding;
  columns in (c, r, s) order, the KCRS weight order), ``M = N·P·Q``, ``Kr = C/G·R·S``, ``N = K/G``;
* fc: ``x[N, C]·wᵀ`` (a 4-D input ``[N, C, H, W]`` is a 1×1 conv over the H×W positions);
* matmul: ``x[..., C]·w[C, K]``.

Each GEMM is computed by the fabric's kernel (``gemm(a, w, a_signed, w_signed) -> (y, counts)``), which
slices the operands into bit-planes / bricks / subwords exactly as the PE does.

**Operand encoding.** The executor passes zero-point-free integers ``x − z_x`` and ``w − z_w``. When an
operand does not fit the layer's width with its declared signedness it is tried with the other
signedness (every PE here has a signed and an unsigned mode), and otherwise re-centred by an offset
``o`` (and, for evenly spaced values such as ±1 or DoReFa's odd integers, a step ``g``) so that
``x = g·x' − o`` with ``x'`` unsigned ``bits`` wide (the codes and zero point the hardware actually sees;
padding then holds the code of real zero). The exact result is recovered by zero-point folding::

    Σ (g_a·a' − o_a)(g_w·w' − o_w) = g_a·g_w·A'·W' − o_a·g_w·Σ_k w' − o_w·g_a·Σ_k a' + Kr·o_a·o_w

with the correction sums in int64 (they are what the bias-folding adder of the chip does). An operand
whose value span exceeds ``2^bits`` cannot be run and raises :class:`AccelsimInputError`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from accelsim.errors import AccelsimInputError
from accelsim.pe.common import operand_range
from accelsim.workload import Layer, Precision

Gemm = Callable[[np.ndarray, np.ndarray, bool, bool], tuple[np.ndarray, dict[str, float]]]


def im2col_group(x: np.ndarray, layer: Layer, g: int, fill: int = 0) -> np.ndarray:
    """Patch matrix [N·P·Q × (C/G)·R·S] of group ``g`` of NCHW ``x`` (padding filled with ``fill``)."""
    cg = layer.C // layer.groups
    xg = x[:, g * cg : (g + 1) * cg]
    pt, pb, pl, pr = layer.padding
    if any(layer.padding):
        xg = np.pad(xg, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    dh, dw = layer.dilation
    er, es = dh * (layer.R - 1) + 1, dw * (layer.S - 1) + 1
    sh, sw = layer.stride
    v = sliding_window_view(xg, (er, es), axis=(2, 3))[
        :, :, : layer.P * sh : sh, : layer.Q * sw : sw, ::dh, ::dw
    ]
    n = x.shape[0]
    return np.ascontiguousarray(v.transpose(0, 2, 3, 1, 4, 5)).reshape(n * layer.P * layer.Q, -1)


def encode_operand(
    x: np.ndarray, bits: int, signed: bool, field: str, layer: Layer
) -> tuple[np.ndarray, int, int, bool]:
    """``(x', step, offset, signed')`` with ``x = step·x' − offset`` and ``x'`` in the ``bits``-wide range.

    Tried in order: as is (declared signedness, then the other); re-centred ``x' = x − min`` (offset =
    −min); re-centred on a grid ``x' = (x − min)/g`` with ``g`` the gcd of the differences (±1 binary
    weights in 1 bit, DoReFa's odd integers ``2u − n`` as their b-bit codes ``u``).
    """
    if x.size == 0:
        return x, 1, 0, signed
    lo_x, hi_x = int(x.min()), int(x.max())
    for s in (signed, not signed):
        lo, hi = operand_range(bits, s)
        if lo <= lo_x and hi_x <= hi:
            return x, 1, 0, s
    top = (1 << bits) - 1
    if hi_x - lo_x <= top:
        return x - lo_x, 1, -lo_x, False
    step = int(np.gcd.reduce((x - lo_x).ravel()))
    if step > 1 and (hi_x - lo_x) // step <= top:
        return (x - lo_x) // step, step, -lo_x, False
    raise AccelsimInputError(
        field,
        f"layer {layer.name!r}: values span [{lo_x}, {hi_x}], more than {bits} bits can hold "
        f"(at most {1 << bits} evenly spaced values)",
    )


def folded_gemm(
    a: np.ndarray, w: np.ndarray, precision: Precision, layer: Layer, gemm: Gemm, encode_w: bool = True
) -> tuple[np.ndarray, dict[str, float]]:
    """Exact ``a·w`` (int64) through ``gemm`` after encoding the operands (zero-point folding)::

        Σ (g_a·a' − o_a)(g_w·w' − o_w) = g_a·g_w·A'·W' − o_a·g_w·Σ_k w' − o_w·g_a·Σ_k a' + Kr·o_a·o_w

    ``encode_w=False`` passes the weights as they are (log-coded weights are not ``w_bits`` integers)."""
    a_enc, ga, oa, a_s = encode_operand(a, precision.a_bits, precision.a_signed, "a_bits", layer)
    if encode_w:
        w_enc, gw, ow, w_s = encode_operand(w, precision.w_bits, precision.w_signed, "w_bits", layer)
    else:
        w_enc, gw, ow, w_s = w, 1, 0, precision.w_signed
    y, counts = gemm(a_enc, w_enc, a_s, w_s)
    y = np.asarray(y, dtype=np.int64)
    if ga * gw != 1:
        y = y * np.int64(ga * gw)
    if oa:
        y = y - np.int64(oa * gw) * w_enc.sum(axis=0, dtype=np.int64)[None, :]
    if ow:
        y = y - np.int64(ow * ga) * a_enc.sum(axis=1, dtype=np.int64)[:, None]
    if oa and ow:
        y = y + np.int64(a.shape[1]) * np.int64(oa) * np.int64(ow)
    counts = dict(counts)
    counts["a_offset"] = float(oa)
    counts["w_offset"] = float(ow)
    if ga * gw != 1:
        counts["operand_step"] = float(max(ga, gw))
    return y, counts


def _add(total: dict[str, float], part: dict[str, float]) -> None:
    for k, v in part.items():
        if k in ("a_offset", "w_offset", "operand_step"):
            total[k] = max(total.get(k, 0.0), abs(v))
        else:
            total[k] = total.get(k, 0.0) + v


def run_layer_gemms(
    x_int: np.ndarray,
    w_int: np.ndarray,
    layer: Layer,
    precision: Precision,
    gemm: Gemm,
    encode_w: bool = True,
) -> tuple[np.ndarray, dict[str, object]]:
    """The layer's int64 accumulators (executor layouts), summed kernel counts and accumulator stats."""
    y, stats = _run_layer_gemms(x_int, w_int, layer, precision, gemm, encode_w)
    return y, {
        **stats,
        **accumulator_stats(y, precision, str(getattr(gemm, "__module__", "pe")).rsplit(".", 1)[-1]),
    }


def _run_layer_gemms(
    x_int: np.ndarray,
    w_int: np.ndarray,
    layer: Layer,
    precision: Precision,
    gemm: Gemm,
    encode_w: bool = True,
) -> tuple[np.ndarray, dict[str, float]]:
    """The layer's int64 accumulators (executor layouts) and summed kernel counts."""
    x = np.asarray(x_int, dtype=np.int64)
    w = np.asarray(w_int, dtype=np.int64)
    stats: dict[str, float] = {"gemms": 0.0}
    if layer.op in ("conv2d", "depthwise_conv2d"):
        n = x.shape[0]
        G = layer.groups
        kg = layer.K // G
        y = np.empty((n * layer.P * layer.Q, layer.K), dtype=np.int64)
        wk = w.reshape(layer.K, -1)
        for g in range(G):
            a = im2col_group(x, layer, g)
            yg, c = folded_gemm(
                a, np.ascontiguousarray(wk[g * kg : (g + 1) * kg].T), precision, layer, gemm, encode_w
            )
            y[:, g * kg : (g + 1) * kg] = yg
            _add(stats, c)
            stats["gemms"] += 1
        return y.reshape(n, layer.P, layer.Q, layer.K).transpose(0, 3, 1, 2).copy(), stats
    if layer.op == "fc":
        if x.ndim == 4:  # fc over H×W positions: a 1×1 convolution
            n, c, h, wd = x.shape
            a = x.transpose(0, 2, 3, 1).reshape(-1, c)
            y, cnt = folded_gemm(a, np.ascontiguousarray(w.T), precision, layer, gemm, encode_w)
            _add(stats, cnt)
            stats["gemms"] += 1
            return y.reshape(n, h, wd, -1).transpose(0, 3, 1, 2).copy(), stats
        y, cnt = folded_gemm(
            x.reshape(x.shape[0], -1), np.ascontiguousarray(w.T), precision, layer, gemm, encode_w
        )
        _add(stats, cnt)
        stats["gemms"] += 1
        return y, stats
    if layer.op == "matmul":
        lead = x.shape[:-1]
        y, cnt = folded_gemm(x.reshape(-1, x.shape[-1]), w, precision, layer, gemm, encode_w)
        _add(stats, cnt)
        stats["gemms"] += 1
        return y.reshape(*lead, -1), stats
    raise AccelsimInputError("op", f"layer {layer.name!r}: {layer.op!r} has no MACs for a PE datapath")


def accumulator_stats(y: np.ndarray, precision: Precision, fabric: str) -> dict[str, object]:
    """What the executor's exact kernels also report: outputs outside the layer's ``acc_bits`` (counted;
    the PE datapaths accumulate in int64 and do not clip), and the path taken."""
    lo, hi = operand_range(precision.acc_bits, True)
    over = int(np.count_nonzero((y < lo) | (y > hi)))
    return {"overflow_outputs": over, "overflow_events": over, "path": f"{fabric} datapath"}


def check_layer_widths(check: Callable[[], object], layer: Layer) -> None:
    """Run a PE width check; re-raise its error naming the layer."""
    try:
        check()
    except AccelsimInputError as exc:
        raise AccelsimInputError(exc.field, f"layer {layer.name!r}: {exc.message}") from None
