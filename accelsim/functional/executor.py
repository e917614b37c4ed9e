"""Whole-network execution of a :class:`~accelsim.functional.ptq.QuantizedModel` three ways.

Every execution walks ``network.layers`` in order; a layer reads the tensors named by ``inputs`` (``None`` =
the previous layer, ``'input'`` = the network input). fc layers read their producer flattened in NCHW
(C, H, W) order; ``activation`` (relu / relu6) is applied to the layer output.

* :func:`run_float` — float64 reference with the float weights.
* :func:`run_fake` — fake quantization (float simulation): the input is quantized and dequantized, weights
  are ``s_w·w_q``, biases ``s_x·s_w·b_q``; every layer computes in float64 on these values and its output
  is quantized to its output :class:`~accelsim.functional.ptq.TensorQ` with round-half-even
  (``q = clamp(rint(y / s_y) + z_y)``) and dequantized for the next layer.
* :func:`run_integer` — integer only, as integer hardware does it:

  - MAC layers: ``acc[k] = b_q[k] − z_x·Σ w'[k] + Σ x_q·w'`` with ``w' = w_q − z_w`` (zero-point folding:
    the input zero point goes into the bias; convolution padding is filled with ``z_x``, i.e. real 0),
    computed by the exact integer kernels (:func:`accelsim.functional.run_layer`, ``acc_bits``/``overflow``
    of the layer's precision) or, with ``arch``, by the fabric's ``functional_layer`` on ``x_q − z_x``;
  - requantization ``q_y = clamp(z_y + requant(acc, M0[k], n[k]))`` with dyadic multipliers
    (:func:`accelsim.quant.requant.requantize`, gemmlowp rounding) — or, for ``requant="onnx"`` models,
    onnxruntime's CPU rule ``clamp(rint(float32(acc)·float32(s_x·s_w/s_y)) + z_y)`` — then
    relu: ``max(q, z_y)``; relu6: ``min(max(q, z_y), z_y + rint(6/s_y))``;
  - add / concat: ``q_y = z_y + round_half_even(Σ_i (q_i − z_i)·M0_i·2^−(31+n_i))`` (one exact rounding of
    the dyadic sum); max pool on codes; average pool ``z + avgpool_half_even(q − z)``;
  - two-activation matmuls (``weights_are_activations``; grouped per head, right operand optionally
    transposed): :func:`act_mac_integer` — both operands are activation codes, zero points folded as row /
    column sums; TTQ layers: :func:`ttq_integer` — two 0/1 kernels and two dyadic multipliers; weight
    formats without an integer form (fp8, kmeans) raise :class:`~accelsim.errors.AccelsimInputError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from accelsim.errors import AccelsimInputError
from accelsim.functional.elementwise import fit_bits
from accelsim.functional.layer import run_layer
from accelsim.functional.pooling import int_pool2d
from accelsim.functional.qmodel import MULT_BITS, LayerQ, QuantizedModel, TensorQ, producers, rhs_shape
from accelsim.quant.folding import fold_zero_points
from accelsim.quant.requant import requantize, round_half_even_shift
from accelsim.workload import Layer, Precision


@dataclass
class Execution:
    """Outputs of one execution: ``tensors[name]`` (float, or integer codes for ``kind="integer"``)."""

    kind: str
    tensors: dict[str, np.ndarray]
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # fake: the integer codes of each output
    stats: dict[str, dict] = field(default_factory=dict)
    output_name: str = ""

    @property
    def output(self) -> np.ndarray:
        return self.tensors[self.output_name]


# ---- float building blocks -----------------------------------------------------------------------


def _windows(x: np.ndarray, layer: Layer, fill: float) -> np.ndarray:
    """(N, C, P, Q, R, S) view of the padded input under each window of ``layer``."""
    pt, pb, pl, pr = layer.padding
    if any(layer.padding):
        x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
    dh, dw = layer.dilation
    er, es = dh * (layer.R - 1) + 1, dw * (layer.S - 1) + 1
    v = sliding_window_view(x, (er, es), axis=(2, 3))
    sh, sw = layer.stride
    return v[:, :, : layer.P * sh : sh, : layer.Q * sw : sw, ::dh, ::dw]


def conv2d_float(x: np.ndarray, w: np.ndarray, layer: Layer) -> np.ndarray:
    """Grouped float convolution (cross-correlation), NCHW × KCRS, zero padding."""
    v = _windows(np.asarray(x, np.float64), layer, 0.0)
    N, C, P, Q, R, S = v.shape
    G = layer.groups
    Kg = layer.K // G
    vg = v.reshape(N, G, C // G, P, Q, R, S)
    wg = np.asarray(w, np.float64).reshape(G, Kg, C // G, R, S)
    out = np.einsum("ngcpqrs,gkcrs->ngkpq", vg, wg, optimize=True)
    return out.reshape(N, layer.K, P, Q)


def pool_float(x: np.ndarray, layer: Layer) -> np.ndarray:
    """Max (padding ignored) or average (padding counted as zeros, PyTorch's default) pooling."""
    if layer.pool_type == "max":
        return _windows(np.asarray(x, np.float64), layer, -np.inf).max(axis=(4, 5))
    return _windows(np.asarray(x, np.float64), layer, 0.0).mean(axis=(4, 5))


def _flat(x: np.ndarray, layer: Layer) -> np.ndarray:
    """fc input: (N, C) from (N, C, H, W) flattened in C, H, W order when the layer has in_h = in_w = 1."""
    if x.ndim == 4 and layer.H * layer.W == 1:
        x = x.reshape(x.shape[0], -1)
    return x


def _check_in(x: np.ndarray, layer: Layer) -> None:
    if layer.op in ("conv2d", "depthwise_conv2d", "pool"):
        want = (layer.C, layer.H, layer.W)
        if x.ndim != 4 or x.shape[1:] != want:
            raise AccelsimInputError("data", f"layer {layer.name!r} needs (N, {want}) input, got {x.shape}")
    elif layer.op == "fc":
        ok = (
            (x.ndim == 4 and layer.H * layer.W == 1 and int(np.prod(x.shape[1:])) == layer.C)
            or (x.ndim == 2 and x.shape[1] == layer.C)
            or (x.ndim == 4 and x.shape[1:] == (layer.C, layer.H, layer.W))
        )
        if not ok:
            raise AccelsimInputError(
                "data", f"layer {layer.name!r} needs {layer.C} input features, got {x.shape}"
            )


def _check_act(x: np.ndarray, r: np.ndarray, layer: Layer) -> None:
    want_x, want_r = (layer.H, layer.C), rhs_shape(layer)
    if x.ndim != 3 or x.shape[1:] != want_x:
        raise AccelsimInputError(
            "data", f"layer {layer.name!r} needs a (N, {want_x}) left operand, got {x.shape}"
        )
    if r.ndim != 3 or r.shape[1:] != want_r or r.shape[0] != x.shape[0]:
        raise AccelsimInputError(
            "data", f"layer {layer.name!r} needs a (N, {want_r}) right operand, got {r.shape}"
        )


def rhs_groups(r: np.ndarray, layer: Layer) -> np.ndarray:
    """Right operand tensor (N, :func:`~accelsim.functional.ptq.rhs_shape`) → (N, G, C/G, K/G) per group."""
    G = layer.groups
    n = r.shape[0]
    if layer.rhs_transposed:  # (N, K/G, C): group g = columns g·C/G…, used transposed
        return r.reshape(n, layer.K // G, G, layer.C // G).transpose(0, 2, 3, 1)
    return r.reshape(n, layer.C // G, G, layer.K // G).transpose(0, 2, 1, 3)  # (N, C/G, K)


def _lhs_groups(x: np.ndarray, layer: Layer) -> np.ndarray:
    """Left operand (N, M, C) → (N, G, M, C/G)."""
    G = layer.groups
    return x.reshape(x.shape[0], layer.H, G, layer.C // G).transpose(0, 2, 1, 3)


def _ungroup(y: np.ndarray, layer: Layer) -> np.ndarray:
    """(N, G, M, K/G) → (N, M, K), group g in columns g·K/G …"""
    return y.transpose(0, 2, 1, 3).reshape(y.shape[0], layer.H, layer.K)


def act_matmul_float(x: np.ndarray, r: np.ndarray, layer: Layer) -> np.ndarray:
    """Two-activation grouped matmul ``y[n, m, g·K/G + k] = Σ_c x[n, m, g·C/G + c]·R_g[n, c, k]``."""
    _check_act(x, r, layer)
    xg = _lhs_groups(np.asarray(x, np.float64), layer)
    return _ungroup(xg @ rhs_groups(np.asarray(r, np.float64), layer), layer)


def mac_float(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, layer: Layer) -> np.ndarray:
    """Float output of a MAC layer (before the activation); output-channel axis 1 (matmul: last)."""
    _check_in(x, layer)
    w = np.asarray(w, np.float64)
    if layer.op in ("conv2d", "depthwise_conv2d"):
        y = conv2d_float(x, w, layer)
        return y if b is None else y + np.asarray(b, np.float64).reshape(1, -1, 1, 1)
    if layer.op == "fc":
        x = _flat(x, layer)
        if x.ndim == 4:  # fc over H×W positions: a 1×1 convolution
            y = np.einsum("nchw,kc->nkhw", x, w, optimize=True)
            return y if b is None else y + np.asarray(b, np.float64).reshape(1, -1, 1, 1)
        y = x @ w.T
    else:
        y = np.asarray(x, np.float64) @ w
    return y if b is None else y + np.asarray(b, np.float64)


def activation_float(y: np.ndarray, act: str) -> np.ndarray:
    if act == "relu":
        return np.maximum(y, 0.0)
    if act == "relu6":
        return np.clip(y, 0.0, 6.0)
    return y


def _walk(
    model: QuantizedModel, x: object, fn: Callable[[Layer, list], object], feed: dict | None = None
) -> dict[str, object]:
    """Apply ``fn(layer, inputs)`` in order; inputs come from ``feed`` (teacher forcing) when given."""
    env: dict[str, object] = {"input": x}
    srcs = producers(model.network)
    for layer in model.network.layers:
        src = env if feed is None else feed
        env[layer.name] = fn(layer, [src[s] for s in srcs[layer.name]])
    return env


def _nchw(x: np.ndarray, model: QuantizedModel) -> np.ndarray:
    x = np.asarray(x)
    inp = model.network.input
    if inp is not None and (x.ndim != 4 or x.shape[1:] != (inp.channels, inp.height, inp.width)):
        first = model.network.layers[0].op
        if x.ndim == 3 and x.shape[1:] == (inp.height, inp.channels) and first == "matmul":
            return x
        if x.ndim == 2 and x.shape[1] == inp.channels and inp.height * inp.width == 1 and first == "fc":
            return x
        raise AccelsimInputError(
            "data",
            f"network {model.network.name!r} needs (N, {inp.channels}, {inp.height}, {inp.width}) "
            f"inputs, got {x.shape}",
        )
    return x


# ---- float reference -------------------------------------------------------------------------------


def _float_layer(model: QuantizedModel, layer: Layer, ins: list[np.ndarray]) -> np.ndarray:
    if layer.has_macs and layer.weights_are_activations:
        y = act_matmul_float(ins[0], ins[1], layer)
    elif layer.has_macs:
        y = mac_float(ins[0], model.weights[layer.name], model.biases.get(layer.name), layer)
    elif layer.op == "pool":
        _check_in(ins[0], layer)
        y = pool_float(ins[0], layer)
    elif layer.op == "add":
        y = ins[0] + ins[1]
    elif layer.op == "concat":
        y = np.concatenate(ins, axis=1)
    else:  # pragma: no cover - OpName is closed
        raise AccelsimInputError("op", f"unsupported op {layer.op!r}")
    return activation_float(y, layer.activation)


def run_float(model: QuantizedModel, x: np.ndarray) -> dict[str, np.ndarray]:
    """Float64 outputs of every layer (and ``'input'``) for float inputs ``x``."""
    x = _nchw(np.asarray(x, np.float64), model)
    return _walk(model, x, lambda layer, ins: _float_layer(model, layer, ins))  # type: ignore[return-value]


def float_execution(model: QuantizedModel, x: np.ndarray) -> Execution:
    t = run_float(model, x)
    return Execution("float", t, output_name=model.network.layers[-1].name)


# ---- fake quantization -----------------------------------------------------------------------------


def _need_q(model: QuantizedModel) -> None:
    if not model.quantized:
        raise AccelsimInputError("model", "not quantized: run ptq() first (or import a quantized ONNX graph)")


def fake_weights(lq: LayerQ, layer: Layer) -> tuple[np.ndarray, np.ndarray | None]:
    """Dequantized weights ``s_w·(w_q − z_w)`` (a non-integer or two-scale format: its own real values,
    ``extra["w_fake"]``) and bias ``s_x·s_w·b_q``."""
    b = None if lq.bias_q is None else lq.bias_q * (lq.inputs[0].scale * lq.w_scale)
    if lq.w_q is None or "ttq" in lq.extra:
        return np.asarray(lq.extra["w_fake"], np.float64), b
    axis = 1 if layer.op == "matmul" else 0
    shape = [1] * lq.w_q.ndim
    shape[axis] = -1
    w = (lq.w_q - lq.w_zero_point.reshape(shape)) * lq.w_scale.reshape(shape)
    return w, b


def run_fake(model: QuantizedModel, x: np.ndarray, feed: dict[str, np.ndarray] | None = None) -> Execution:
    """Fake-quantized execution: float arithmetic on quantized values, outputs rounded to their grids.

    ``feed`` (teacher forcing): every layer reads these real-valued tensors (e.g. the dequantized integer
    execution) instead of the fake execution's own, which isolates each layer's local mismatch.
    """
    _need_q(model)
    x = _nchw(np.asarray(x, np.float64), model)
    codes: dict[str, np.ndarray] = {}
    f32 = model.requant == "onnx"
    codes["input"] = model.input_q.quantize(x, float32=f32)

    def fn(layer: Layer, ins: list[np.ndarray]) -> np.ndarray:
        lq = model.layers[layer.name]
        if layer.has_macs and layer.weights_are_activations:
            y = activation_float(act_matmul_float(ins[0], ins[1], layer), layer.activation)
        elif layer.has_macs:
            w, b = fake_weights(lq, layer)
            y = activation_float(mac_float(ins[0], w, b, layer), layer.activation)
        elif layer.op == "pool":
            _check_in(ins[0], layer)
            y = pool_float(ins[0], layer)
        elif layer.op == "add":
            y = activation_float(ins[0] + ins[1], layer.activation)
        else:
            y = activation_float(np.concatenate(ins, axis=1), layer.activation)
        if lq.output is None:  # raw accumulator output: express it in accumulator units
            codes[layer.name] = np.rint(y / (lq.inputs[0].scale * _chan(lq.w_scale, y, layer))).astype(
                np.int64
            )
            return y
        q = lq.output.quantize(y)
        codes[layer.name] = q
        return lq.output.dequantize(q)

    t = _walk(model, model.input_q.dequantize(codes["input"]), fn, feed)
    return Execution("fake", t, codes, output_name=model.network.layers[-1].name)  # type: ignore[arg-type]


def _chan(v: np.ndarray, y: np.ndarray, layer: Layer) -> np.ndarray:
    """Per-output-channel vector broadcast against a layer output (channel axis 1, matmul: last)."""
    if layer.op == "matmul":
        return v.reshape((1,) * (y.ndim - 1) + (-1,))
    return v.reshape((1, -1) + (1,) * (y.ndim - 2))


# ---- integer only ----------------------------------------------------------------------------------


def layer_precision(model: QuantizedModel, layer: Layer) -> Precision:
    """The layer's precision with the PTQ bit widths (accumulator width/overflow from the Network)."""
    lq = model.layers[layer.name]
    return model.network.precision_of(layer).model_copy(update={"w_bits": lq.w_bits, "a_bits": lq.a_bits})


def _out_axis(layer: Layer, ndim: int) -> int:
    return ndim - 1 if layer.op == "matmul" else 1


def requant_mac(acc: np.ndarray, lq: LayerQ, layer: Layer, model: QuantizedModel) -> np.ndarray:
    """Accumulators → output codes (dyadic or onnxruntime rule, see module doc), then the activation."""
    out = lq.output
    axis = _out_axis(layer, acc.ndim)
    if model.requant == "onnx":
        f = np.float32
        sc = (f(lq.inputs[0].scale) * lq.w_scale.astype(f)) / f(out.scale)
        shape = [1] * acc.ndim
        shape[axis] = -1
        v = acc.astype(f) * sc.reshape(shape).astype(f)
        v = np.clip(v, f(out.qmin - out.zero_point), f(out.qmax - out.zero_point))
        q = np.rint(v).astype(np.int64) + out.zero_point
    else:
        q = requantize(
            np.clip(acc, -(1 << 31), (1 << 31) - 1),
            lq.m0,
            lq.shift,
            out.zero_point,
            out.bits,
            out.signed,
            axis=axis,
            mult_bits=MULT_BITS,
            rounding=model.rounding,
        )
    return activation_int(q, out, layer.activation)


def activation_int(q: np.ndarray, out: TensorQ, act: str) -> np.ndarray:
    if act == "relu":
        return np.maximum(q, out.zero_point)
    if act == "relu6":
        six = min(out.qmax, out.zero_point + int(np.rint(6.0 / out.scale)))
        return np.clip(q, out.zero_point, six)
    return q


def _weights_int(lq: LayerQ, layer: Layer) -> np.ndarray:
    """``w' = w_q − z_w`` in the kernel layout (conv KCRS, fc (K, C), matmul (C, K))."""
    axis = 1 if layer.op == "matmul" else 0
    shape = [1] * lq.w_q.ndim
    shape[axis] = -1
    return lq.w_q - lq.w_zero_point.reshape(shape).astype(np.int64)


def _no_integer(lq: LayerQ) -> None:
    if lq.w_q is None:
        raise AccelsimInputError(
            "quantizer",
            f"layer {lq.name!r}: {lq.extra.get('quantizer')} weights have no integer-only execution "
            f"({lq.extra.get('no_integer', 'no integer codes')}); use run_fake (fake quantization)",
        )


def mac_integer(
    model: QuantizedModel,
    layer: Layer,
    xq: np.ndarray,
    functional: Callable | None,
    arch,
    seed: int,
    w: np.ndarray | None = None,
    bias: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """Exact accumulators of a MAC layer (with bias) from input codes ``xq``; see the module doc.

    ``w``/``bias`` replace the layer's integer weights ``w_q − z_w`` and ``b_q`` (TTQ's two 0/1 halves)."""
    lq = model.layers[layer.name]
    _no_integer(lq)
    zx = lq.inputs[0].zero_point
    w = _weights_int(lq, layer) if w is None else w
    prec = layer_precision(model, layer)
    if bias is None:
        bias = np.zeros(layer.K, np.int64) if lq.bias_q is None else lq.bias_q.astype(np.int64)
    _check_in(xq, layer)
    if functional is not None:
        x0 = xq - zx
        if layer.op == "fc":
            x0 = _flat(x0, layer)
        run = layer if layer.batch == x0.shape[0] else layer.with_batch(int(x0.shape[0]))
        acc, stats = functional(x0, w, run, prec, arch, seed)
        acc = np.asarray(acc, np.int64)
        return acc + _chan(bias, acc, layer), dict(stats)
    w2d = w.T if layer.op == "matmul" else w.reshape(layer.K, -1)  # (K, reduction)
    folded = fold_zero_points(w2d, 0, zx, bias)  # b_q − z_x·Σ w' (w' already has z_w removed)
    run = layer
    if layer.op in ("conv2d", "depthwise_conv2d") and any(layer.padding) and zx != 0:
        pt, pb, pl, pr = layer.padding
        xq = np.pad(xq, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=zx)
        run = layer.model_copy(
            update={"padding": (0, 0, 0, 0), "in_h": layer.H + pt + pb, "in_w": layer.W + pl + pr}
        )
    r = run_layer(run, xq, w, prec, bias=folded, check_ranges=False)
    return r.out, {
        "overflow_outputs": r.overflow_outputs,
        "overflow_events": r.overflow_events,
        "path": r.path,
    }


def act_mac_integer(
    model: QuantizedModel, layer: Layer, xq: np.ndarray, rq: np.ndarray
) -> tuple[np.ndarray, dict]:
    """Exact accumulators of a two-activation matmul from the codes of both operands, zero points folded.

    Per group, with ``x`` (M × C/G) and ``r`` (C/G × K/G) codes and zero points ``z_x``, ``z_r``::

        Σ_c (x − z_x)(r − z_r) = Σ_c x·r − z_r·Σ_c x[m, c] − z_x·Σ_c r[c, k] + (C/G)·z_x·z_r

    ``Σ x·r`` is computed by the exact kernels (:func:`accelsim.functional.run_layer`, the layer's
    ``acc_bits``/``overflow``) on the raw unsigned codes; the three correction terms (a row sum, a column sum
    and a constant) are added in int64 and the total is fitted to ``acc_bits`` with the layer's overflow
    mode (:func:`accelsim.functional.fit_bits`; its events are counted with the kernel's).
    """
    lq = model.layers[layer.name]
    zx, zr = int(lq.inputs[0].zero_point), int(lq.inputs[1].zero_point)
    _check_act(xq, rq, layer)
    prec = layer_precision(model, layer)
    xq = np.asarray(xq, np.int64)
    rg = rhs_groups(np.asarray(rq, np.int64), layer)  # (N, G, Cg, Kg)
    operand = rg[:, 0] if layer.groups == 1 else rg
    r = run_layer(layer, xq, np.ascontiguousarray(operand), prec, check_ranges=False)
    raw = r.out  # (N, M, K)
    xg = _lhs_groups(xq, layer)  # (N, G, M, Cg)
    row = xg.sum(axis=3)[..., None]  # (N, G, M, 1)
    col = rg.sum(axis=2)[:, :, None, :]  # (N, G, 1, Kg)
    corr = _ungroup(-zr * row - zx * col + (layer.C // layer.groups) * zx * zr, layer)
    fit = fit_bits(raw + corr, prec.acc_bits, True, prec.overflow)
    return fit.out, {
        "overflow_outputs": r.overflow_outputs + fit.overflow_outputs,
        "overflow_events": r.overflow_events + fit.overflow_events,
        "path": r.path,
    }


def ttq_integer(
    model: QuantizedModel, layer: Layer, xq: np.ndarray, functional: Callable | None, arch, seed: int
) -> tuple[np.ndarray, dict]:
    """TTQ layer (weights ``W_p`` for code +1, ``−W_n`` for −1) with integer kernels only.

    Two exact accumulations with 0/1 weights: ``acc_p = b_q + Σ x·[t = +1]`` (bias in units ``s_x·W_p``) and
    ``acc_n = Σ x·[t = −1]`` (input zero point folded into both), then one exact rounding of the two dyadic
    products ``q = z_y + round_half_even(acc_p·M0_p·2^−(31+n_p) − acc_n·M0_n·2^−(31+n_n))`` with
    ``M_p = s_x·W_p/s_y``, ``M_n = s_x·W_n/s_y`` (the add-layer rescale), clamp, activation.
    """
    lq = model.layers[layer.name]
    if lq.output is None:
        raise AccelsimInputError(
            "out_bits", f"layer {layer.name!r}: TTQ needs a requantized output (<= 16 bits)"
        )
    t = lq.w_q
    zero = np.zeros(layer.K, np.int64)
    acc_p, st_p = mac_integer(model, layer, xq, functional, arch, seed, w=(t == 1).astype(np.int64))
    acc_n, st_n = mac_integer(
        model, layer, xq, functional, arch, seed, w=(t == -1).astype(np.int64), bias=zero
    )
    m0, n = lq.extra["ttq_m0"], lq.extra["ttq_shift"]
    y = _sum_rescaled(
        [(acc_p * np.int64(m0[0]), MULT_BITS + int(n[0])), (-acc_n * np.int64(m0[1]), MULT_BITS + int(n[1]))]
    )
    out = lq.output
    q = np.clip(y + out.zero_point, out.qmin, out.qmax)
    st = dict(st_p)  # counts of both kernel runs added; other entries (path, fabric stats) from acc_p's
    for k, v in st_n.items():
        if isinstance(v, int | np.integer) and isinstance(st.get(k), int | np.integer):
            st[k] = st[k] + v
    return activation_int(q, out, layer.activation), st


def _rescale(q: np.ndarray, t: TensorQ, m0: int, n: int) -> np.ndarray:
    """``(q − z)·M0`` aligned to a total shift of 31 + n (helper for add/concat)."""
    return (q - t.zero_point).astype(np.int64) * np.int64(m0), MULT_BITS + int(n)


def _sum_rescaled(parts: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """round_half_even(Σ p_i / 2^s_i), exact: align every term to the largest shift first."""
    smax = max(s for _, s in parts)
    total = None
    for p, s in parts:
        d = smax - s
        if d > 0 and np.abs(p).max(initial=0) >= (1 << (62 - d)):
            raise AccelsimInputError("scales", "operand scales differ too much for a 64-bit integer rescale")
        term = p << d
        total = term if total is None else total + term
    return round_half_even_shift(total, np.int64(smax))


def run_integer(
    model: QuantizedModel,
    x: np.ndarray,
    arch: object | None = None,
    seed: int = 0,
    x_is_codes: bool = False,
    functional: Callable | None = None,
) -> Execution:
    """Integer-only execution of float inputs ``x`` (or input codes when ``x_is_codes``).

    ``functional`` (a fabric's ``functional_layer``, contract in :func:`accelsim.fabrics.get_functional_layer`)
    routes MAC layers through that datapath and receives ``arch`` (the architecture model); None = the plain
    exact kernels. :func:`accelsim.accuracy.run_integer_on` resolves both from a preset name.
    """
    _need_q(model)
    arch_model = arch
    x = _nchw(np.asarray(x), model)
    xq = np.asarray(x, np.int64) if x_is_codes else model.input_q.quantize(x, float32=model.requant == "onnx")
    stats: dict[str, dict] = {}

    def fn(layer: Layer, ins: list[np.ndarray]) -> np.ndarray:
        lq = model.layers[layer.name]
        if layer.has_macs:
            if layer.weights_are_activations:
                acc, st = act_mac_integer(model, layer, ins[0], ins[1])
            elif "ttq" in lq.extra:
                q, st = ttq_integer(model, layer, ins[0], functional, arch_model, seed)
                stats[layer.name] = st
                return q
            else:
                acc, st = mac_integer(model, layer, ins[0], functional, arch_model, seed)
            stats[layer.name] = st
            if lq.output is None:
                return acc
            return requant_mac(acc, lq, layer, model)
        if layer.op == "pool":
            _check_in(ins[0], layer)
            t = lq.inputs[0]
            if lq.extra.get("qlinear_gap"):
                return qlinear_gap_onnx(ins[0], t, lq.output)
            kind = layer.pool_type or "max"
            src = ins[0] if kind == "max" else ins[0] - t.zero_point
            out = int_pool2d(
                src, (layer.R, layer.S), kind, layer.stride, layer.padding, layer.dilation, "half_even"
            )
            return out if kind == "max" else out + t.zero_point
        out_t = lq.output
        if model.requant == "onnx":
            if lq.extra.get("qlinear_add"):  # an explicit com.microsoft QLinearAdd: MLAS's fused kernel
                return qlinear_add(ins[0], lq.inputs[0], ins[1], lq.inputs[1], out_t)
            return add_onnx(ins, lq, layer.activation, concat=layer.op == "concat")
        if layer.op == "concat" and all(
            t.scale == out_t.scale and t.zero_point == out_t.zero_point for t in lq.inputs
        ):
            return activation_int(np.concatenate(ins, axis=1), out_t, layer.activation)
        scaled = [_rescale(q, t, m, n) for q, t, m, n in zip(ins, lq.inputs, lq.m0, lq.shift, strict=True)]
        if layer.op == "add":
            y = _sum_rescaled(scaled)
        else:
            y = np.concatenate([_sum_rescaled([p]) for p in scaled], axis=1)
        q = np.clip(y + out_t.zero_point, out_t.qmin, out_t.qmax)
        return activation_int(q, out_t, layer.activation)

    t = _walk(model, xq, fn)
    return Execution("integer", t, stats=stats, output_name=model.network.layers[-1].name)  # type: ignore[arg-type]


def add_onnx(ins: list[np.ndarray], lq: LayerQ, act: str, concat: bool = False) -> np.ndarray:
    """onnxruntime's unfused QDQ Add (Concat) in float32: ``v = Σ (q_i − z_i)·s_i`` (or the channel
    concatenation of the terms), activation, ``q = clamp(rint(v / s_y) + z_y)``
    (DequantizeLinear → Add/Concat → [Relu] → QuantizeLinear)."""
    f = np.float32
    terms = [(q - t.zero_point).astype(f) * f(t.scale) for q, t in zip(ins, lq.inputs, strict=True)]
    if concat:
        v = np.concatenate(terms, axis=1)
    else:
        v = terms[0]
        for term in terms[1:]:
            v = v + term
    v = activation_float(v, act).astype(f)
    out = lq.output
    r = np.rint(v / f(out.scale)).astype(np.int64)
    return np.clip(r + out.zero_point, out.qmin, out.qmax)


def _fma32(x, y, z) -> np.ndarray:
    """float32 fused multiply-add ``round32(x·y + z)``: the product of two float32 is exact in float64 and
    so is the sum whenever its operands span fewer than 53 bits (always here: codes below 2^16 times scale
    ratios above 2^−20), leaving the one rounding to float32 that the FMA instruction makes."""
    return (np.float64(x) * np.float64(y) + np.float64(z)).astype(np.float32)


def qlinear_add(
    qa: np.ndarray, ta: TensorQ, qb: np.ndarray, tb: TensorQ, out: TensorQ, scalar_a: bool = False
) -> np.ndarray:
    """onnxruntime's com.microsoft QLinearAdd on x86-64 (MLAS ``MlasQLinearAddKernelAvx2Helper``, the kernel
    of every CPU with AVX2 and FMA), on the raw codes: ``r_a = float32(s_a / s_c)``, ``r_b = float32(s_b /
    s_c)``, ``fixed = float32(z_c) − fma(r_a, z_a, r_b·z_b)``, ``v = fma(a, r_a, fma(b, r_b, fixed))``, then
    ``cvtps2dq`` (round half to even) and saturation to int16 and to the output type. This is not the
    unfused ``rint((DQ(a) + DQ(b)) / s_c) + z_c``, which differs by one on about 1 output in 200,000
    (measured against onnxruntime 1.32, random uint8/int8 grids and broadcasts: this formula 0 of 18.5
    million outputs, the unfused one 92). ``scalar_a``: input A is a single element, which onnxruntime
    passes to the kernel as its scalar B (operands swapped)."""
    if scalar_a:
        qa, ta, qb, tb = qb, tb, qa, ta
    f = np.float32
    ra, rb = f(f(ta.scale) / f(out.scale)), f(f(tb.scale) / f(out.scale))
    fixed = f(out.zero_point) - _fma32(ra, f(ta.zero_point), rb * f(tb.zero_point))
    a, b = np.asarray(qa, np.int64).astype(f), np.asarray(qb, np.int64).astype(f)
    r = np.rint(_fma32(a, ra, _fma32(b, rb, fixed)).astype(np.float64))
    r = np.where(np.abs(r) < 2.0**31, r, -(2.0**31))  # cvtps2dq: out of range → INT_MIN
    return np.clip(np.clip(r, -32768, 32767), out.qmin, out.qmax).astype(np.int64)


def qlinear_gap_onnx(q: np.ndarray, t: TensorQ, out: TensorQ) -> np.ndarray:
    """onnxruntime's com.microsoft QLinearGlobalAveragePool (MLAS, NCHW): ``acc = Σ_hw q − z_x·HW`` (int32),
    ``s = float32(s_x) / (float32(s_y)·float32(HW))``, then the requantization of MAC layers:
    ``clamp(rint(float32(acc)·s)) + z_y`` with the clamp to ``[qmin − z_y, qmax − z_y]`` in float first."""
    f = np.float32
    hw = q.shape[2] * q.shape[3]
    acc = q.sum(axis=(2, 3), keepdims=True).astype(np.int64) - t.zero_point * hw
    sc = f(t.scale) / (f(out.scale) * f(hw))
    v = np.clip(acc.astype(f) * sc, f(out.qmin - out.zero_point), f(out.qmax - out.zero_point))
    return np.rint(v).astype(np.int64) + out.zero_point


def dequantize_outputs(model: QuantizedModel, ex: Execution) -> dict[str, np.ndarray]:
    """Real values of an integer execution's tensors (``'input'`` included)."""
    out = {"input": model.input_q.dequantize(ex.tensors["input"])}
    for layer in model.network.layers:
        lq = model.layers[layer.name]
        q = ex.tensors[layer.name]
        if lq.output is None:
            out[layer.name] = q * lq.inputs[0].scale * _chan(lq.w_scale, q, layer)
        else:
            out[layer.name] = lq.output.dequantize(q)
    return out
