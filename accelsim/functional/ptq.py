"""Post-training quantization (PTQ) of a float network into integer weights, scales and requant multipliers.

Scheme (Jacob et al., CVPR 2018, "integer-arithmetic-only inference"; Gholami et al., seed 002 §III):

* **weights**: symmetric, signed, restricted range ``[−(2^(b−1) − 1), 2^(b−1) − 1]``, zero point 0, one scale
  per output channel (``per_channel=True``) or per tensor; range by ``weight_method`` (default ``minmax``;
  ``mse`` when ``method="mse"``), :func:`accelsim.quant.calibration.calibrate`.
* **activations** (every tensor between layers, and the network input): asymmetric, unsigned ``a_bits``
  codes, ``real = s·(q − z)``; the range comes from running the float network on the calibration data and
  calibrating each tensor with ``method`` (minmax, percentile, mse, kl). After ReLU the range starts at 0,
  so ``z = 0``. A tensor is quantized to the largest ``a_bits`` of the layers that read it; a network
  output to its layer's ``out_bits`` (above 16 bits a MAC layer's output stays the raw accumulator).
* **bias**: ``b_q = round_half_even(b / (s_x·s_w[k]))`` in the accumulator (the scale of ``Σ x_q·w_q``).
* **requantization** of a MAC layer: real multiplier ``M[k] = s_x·s_w[k] / s_y`` stored as a dyadic number
  ``(M0, n)`` (:func:`accelsim.quant.requant.quantize_multiplier`).
* pool and flatten keep their input's quantization; ``add`` and ``concat`` get their own calibrated output
  scale and rescale each operand with a dyadic multiplier ``s_i / s_y``.

``keep_first_last_bits=b`` runs the first and the last MAC layer at ``b``-bit weights and activations (the
common practice of keeping them at higher precision).

Other weight formats of :mod:`accelsim.quant` (``quantizer=``: qnn, dorefa, bwn/xnor, twn, ttq, log2, log4,
fp8, kmeans) are described at :func:`weight_format`; ``act_quantizer="pact"`` clips ReLU outputs to
``[0, α]``. A matmul of two activations (``weights_are_activations``) has no weights: its right operand's
grid plays the weight scale/zero point (per tensor) and ``M = s_x·s_r/s_y``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.functional.executor import run_float
from accelsim.functional.qmodel import (  # the quantized model IR (re-exported: it used to live here)
    MULT_BITS,
    LayerQ,
    QuantizedModel,
    TensorQ,
    consumers,
    producers,
)
from accelsim.quant.calibration import METHODS, calibrate
from accelsim.quant.folding import quantize_bias
from accelsim.quant.requant import quantize_multiplier
from accelsim.quant.uniform import compute_qparams
from accelsim.workload import Layer, Network, Precision

REQUANT_MODES: tuple[str, ...] = ("dyadic", "onnx")


def layer_bits(
    network: Network,
    w_bits: int | dict[str, int] | None,
    a_bits: int | dict[str, int] | None,
    keep_first_last_bits: int | None,
) -> dict[str, Precision]:
    """Effective precision of every layer: the Network's, overridden by ``w_bits``/``a_bits``."""
    macs = [la.name for la in network.layers if la.has_macs]
    out: dict[str, Precision] = {}
    for layer in network.layers:
        p = network.precision_of(layer)
        upd: dict = {}
        for key, val in (("w_bits", w_bits), ("a_bits", a_bits)):
            if isinstance(val, dict):
                if layer.name in val:
                    upd[key] = int(val[layer.name])
            elif val is not None:
                upd[key] = int(val)
        if keep_first_last_bits is not None and macs and layer.name in (macs[0], macs[-1]):
            upd["w_bits"] = upd["a_bits"] = int(keep_first_last_bits)
        p = p.model_copy(update=upd)
        if p.w_bits < 1 or p.a_bits < 2 or p.w_bits > 16 or p.a_bits > 16:
            raise AccelsimInputError(
                "bits",
                f"layer {layer.name!r}: PTQ supports 1..16-bit weights (1 bit: bwn/xnor/dorefa/qnn) and "
                f"2..16-bit activations, got {p.label()}",
            )
        out[layer.name] = p
    return out


def _act_range(x: np.ndarray, method: str, bits: int, percentile: float, seed: int) -> tuple[float, float]:
    x = np.asarray(x, np.float64)
    if method == "kl":
        # KL is symmetric-only in the calibration library: calibrate |x| mass on the unsigned side when
        # the tensor is non-negative, else the signed symmetric range.
        signed = bool(x.min() < 0)
        lo, hi = calibrate(x, "kl", bits, "symmetric", signed=signed, sample_size=200_000, seed=seed)
        return float(lo), float(hi)
    sample = 200_000 if x.size > 200_000 else None
    lo, hi = calibrate(
        x, method, bits, "asymmetric", signed=False, percentile=percentile, sample_size=sample, seed=seed
    )
    return float(lo), float(hi)


def tensor_q(x: np.ndarray, bits: int, method: str, percentile: float = 99.99, seed: int = 0) -> TensorQ:
    """Asymmetric unsigned quantization of an activation tensor from calibration samples ``x``."""
    lo, hi = _act_range(x, method, bits, percentile, seed)
    scale, zp = compute_qparams(lo, hi, bits, "asymmetric", signed=False)
    return TensorQ(float(scale), int(zp), int(bits), False)


def weight_axis(layer: Layer) -> int:
    """Output-channel axis of the float weights: 0 for conv (KCRS) and fc (K, C), 1 for matmul (C, K)."""
    return 1 if layer.op == "matmul" else 0


def quantize_weights(
    w: np.ndarray, layer: Layer, bits: int, per_channel: bool, method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric restricted-range weight codes and the (K,) scales (a per-tensor scale is repeated)."""
    axis = weight_axis(layer)
    K = w.shape[axis]
    lo, hi = calibrate(
        w, method, bits, "symmetric", signed=True, restricted=True, axis=axis if per_channel else None
    )
    scale, _ = compute_qparams(lo, hi, bits, "symmetric", signed=True, restricted=True)
    scale = np.broadcast_to(np.asarray(scale, np.float64), (K,)).copy()
    shape = [1] * w.ndim
    shape[axis] = K
    qmax = (1 << (bits - 1)) - 1
    q = np.clip(np.rint(np.asarray(w, np.float64) / scale.reshape(shape)), -qmax, qmax).astype(np.int64)
    return q, scale


# ---- weight formats (accelsim.quant registry names) --------------------------------------------------

INTEGER_FORMATS: tuple[str, ...] = (
    "uniform",
    "qnn",
    "dorefa",
    "pact",
    "bwn",
    "xnor",
    "twn",
    "ttq",
    "log2",
    "log4",
)
FAKE_ONLY_FORMATS: tuple[str, ...] = ("fp8", "kmeans")
ACT_QUANTIZERS: tuple[str, ...] = ("uniform", "pact")
LOG_MAX_EXP_RANGE = 16  # log2/log4 integer weights ±2^e: exponents used must span at most this


@dataclass
class WeightFormat:
    """Weights of one layer in a named format.

    ``w_fake``: the real values the format represents (fake quantization uses them). When the format is
    integer·scale, ``w_q`` are the integer operands of the kernels with ``w_fake = w_scale[k]·w_q`` per output
    channel (up to float rounding); ``ttq`` (two scales) also has ``ttq = (W_p, W_n)``; formats without an
    integer form (fp8, kmeans; log formats whose exponents span too much) have ``w_q = None`` and
    ``reason``. ``w_scale`` is always the (K,) grid of the integer bias ``b_q = rint(b / (s_x·s_w[k]))``.
    """

    name: str
    w_fake: np.ndarray
    w_scale: np.ndarray
    w_q: np.ndarray | None = None
    ttq: tuple[float, float] | None = None
    reason: str = ""
    stored_codes: np.ndarray | None = None


def _chan_reduce(a: np.ndarray, axis: int | None, fn) -> np.ndarray:
    if axis is None:
        return np.asarray(fn(a))
    return fn(a, axis=tuple(i for i in range(a.ndim) if i != axis))


def _per_k(v: float | np.ndarray, K: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(v, np.float64), (K,)).copy()


def _bcast(v: np.ndarray, w: np.ndarray, axis: int) -> np.ndarray:
    shape = [1] * w.ndim
    shape[axis] = -1
    return v.reshape(shape)


def _log_integer(t, K: int, bits_name: str) -> tuple[np.ndarray | None, np.ndarray, str]:
    """Power-of-two integer form of a :class:`~accelsim.quant.logquant.LogTensor` with integer exponents:
    ``real = sign·scale·2^(step·(f − offset))`` = ``sign·2^(e − e_min) · scale·2^e_min`` (products by shifts)."""
    f = t.field
    e = np.rint(t.step * (f.astype(np.float64) - t.offset)).astype(np.int64)
    used = e[f > 0]
    if used.size == 0:
        return np.zeros_like(f), _per_k(t.scale, K), ""
    e_min, e_max = int(used.min()), int(used.max())
    if e_max - e_min > LOG_MAX_EXP_RANGE:
        return (
            None,
            _per_k(t.scale * 2.0**e_min, K),
            (f"{bits_name} exponents in use span {e_max - e_min} > {LOG_MAX_EXP_RANGE} octaves"),
        )
    mag = np.where(f > 0, np.left_shift(np.int64(1), np.clip(e - e_min, 0, 62)), 0)
    return t.sign * mag, _per_k(t.scale * 2.0**e_min, K), ""


def weight_format(
    name: str, w: np.ndarray, layer: Layer, bits: int, per_channel: bool, method: str, seed: int = 0
) -> WeightFormat:
    """Quantize float weights ``w`` with the registered quantizer ``name`` (:func:`accelsim.quant.get_quantizer`).

    * ``uniform``: symmetric restricted range, per channel or tensor (:func:`quantize_weights`).
    * ``qnn``: fixed point ``clip(rint(w·2^(b−1)), −2^(b−1), 2^(b−1) − 1)·2^−(b−1)`` (seed 001 Eq. 1).
    * ``dorefa`` (and ``pact``, whose weights are DoReFa's): ``w_q = α·(2u/n − 1)``, ``n = 2^b − 1``, u the
      b-bit codes (seed 000 Eq. 8; half-integer zero point ``n/2``). DoReFa-trained weights live in [−1, 1];
      a float-trained network needs its magnitude back, so ``α = max|W|`` (per channel / tensor; documented
      choice). Integer form: the odd integers ``2u − n`` (b+1-bit signed) at scale ``α/n`` — the zero point
      ``n/2`` folded at twice the resolution. 1 bit: ``sign(W)·mean|W|`` (Eq. 9).
    * ``bwn`` / ``xnor`` (weights): ``±1·α``, ``α = mean|W|`` per filter (seed 001 Eq. 3); 1 bit.
    * ``twn``: ternary ``{−1, 0, 1}·α``, ``Δ = 0.7·mean|W|`` (seed 001 Eq. 4); 2 bits.
    * ``ttq``: ternary with ``W_p``/``W_n`` (least-squares values for the ternarization, per tensor); the
      integer path runs the +1 and −1 weights as two 0/1 kernels and combines them with two multipliers.
    * ``log2`` (γ = 1) and ``log4`` (scale: the top level 4³·s = max|W|): powers of two, so integer weights
      ``±2^(e − e_min)`` at scale ``s·2^e_min`` — multiplication by shifts (the QUEST/LightNN log PE of
      :mod:`accelsim.pe.logpe` computes the same products). Per tensor.
    * ``fp8`` (E5M2, scale 1) and ``kmeans`` (2^b-entry codebook, per tensor): not integer·scale — fake
      quantization only.
    """
    from accelsim.quant import get_quantizer

    spec = get_quantizer(name)
    w = np.asarray(w, np.float64)
    axis = weight_axis(layer)
    K = w.shape[axis]
    ax = axis if per_channel else None
    if name == "uniform":
        if bits < 2:
            raise AccelsimInputError(
                "w_bits", f"layer {layer.name!r}: uniform weights need >= 2 bits, got {bits}"
            )
        q, sc = quantize_weights(w, layer, bits, per_channel, method)
        return WeightFormat(name, q * _bcast(sc, w, axis), sc, q)
    if name == "qnn":
        t = spec.quantize_weights(w, bits)
        sc = _per_k(t.scale, K)
        return WeightFormat(name, t.dequantize(), sc, t.q.astype(np.int64))
    if name in ("dorefa", "pact"):
        t = spec.quantize_weights(w, bits, axis=ax)
        if bits == 1:
            sc = _per_k(t.scale, K)
            return WeightFormat(name, t.dequantize(), sc, t.q.astype(np.int64))
        n = (1 << bits) - 1
        alpha = _per_k(_chan_reduce(np.abs(w), ax, np.max), K)
        alpha = np.where(alpha > 0, alpha, 1.0)
        q = 2 * t.q.astype(np.int64) - n
        sc = alpha / n
        return WeightFormat(name, q * _bcast(sc, w, axis), sc, q, stored_codes=t.q.astype(np.int64))
    if name in ("bwn", "xnor", "twn"):
        t = spec.quantize_weights(w, bits, axis=ax)
        sc = _per_k(t.scale, K)
        return WeightFormat(name, t.q * _bcast(sc, w, axis), sc, t.q.astype(np.int64))
    if name == "ttq":
        t = spec.quantize_weights(w, bits)
        wn, wp = float(-t.codebook[0]), float(t.codebook[2])
        q = t.codes.astype(np.int64) - 1
        return WeightFormat(name, t.dequantize(), _per_k(wp, K), q, ttq=(wp, wn))
    if name in ("log2", "log4"):
        if name == "log2":
            t = spec.quantize_weights(w, bits)
        else:
            amax = float(np.abs(w).max()) if w.size else 0.0
            t = spec.quantize_weights(w, bits, scale=amax / 64.0 if amax > 0 else 1.0)
        q, sc, reason = _log_integer(t, K, name)
        return WeightFormat(name, t.dequantize(), sc, q, reason=reason)
    # fp8 / kmeans (and any other registered non-affine format): fake quantization only
    opts = {"seed": seed} if name == "kmeans" else {}
    t = spec.quantize_weights(w, bits, **opts)
    wf = t.dequantize()
    grid = _per_k(_chan_reduce(np.abs(wf), ax, np.max), K) / ((1 << (max(bits, 2) - 1)) - 1)
    return WeightFormat(
        name, wf, np.where(grid > 0, grid, 1.0), None, reason=f"{name} weights are not integer·scale"
    )


def set_multipliers(lq: LayerQ, real: np.ndarray) -> None:
    """Store the real multipliers and their dyadic (M0, n) form."""
    lq.multiplier = np.asarray(real, np.float64)
    m0, n = quantize_multiplier(lq.multiplier, MULT_BITS)
    lq.m0, lq.shift = np.atleast_1d(m0), np.atleast_1d(n)


def ptq(
    network: Network,
    weights: dict[str, np.ndarray],
    calib_data: np.ndarray,
    biases: dict[str, np.ndarray] | None = None,
    w_bits: int | dict[str, int] | None = None,
    a_bits: int | dict[str, int] | None = None,
    method: str = "minmax",
    per_channel: bool = True,
    keep_first_last_bits: int | None = None,
    weight_method: str | None = None,
    percentile: float = 99.99,
    seed: int = 0,
    quantizer: str | dict[str, str] = "uniform",
    act_quantizer: str = "uniform",
) -> QuantizedModel:
    """Quantize ``network`` with float ``weights``/``biases`` using float ``calib_data`` (N, C, H, W).

    ``w_bits``/``a_bits``: one width for every layer, a ``{layer: bits}`` dict, or None (the Network's
    precisions). ``quantizer``: the weight format (:func:`weight_format`; a registry name for every MAC
    layer, or a ``{layer: name}`` dict, others uniform); layers kept by ``keep_first_last_bits`` are uniform.
    ``act_quantizer``: ``uniform`` or ``pact`` (tensors produced by a ReLU/ReLU6 layer, and a non-negative
    network input, are clipped to ``[0, α]`` with ``α`` the ``method`` range's top, zero point 0).
    Returns a :class:`QuantizedModel` with every layer's :class:`LayerQ`.
    """
    from accelsim.quant import available_quantizers

    if method not in METHODS:
        raise unknown_choice("method", str(method), METHODS)
    if act_quantizer not in ACT_QUANTIZERS:
        raise unknown_choice("act_quantizer", str(act_quantizer), ACT_QUANTIZERS)
    names = set(quantizer.values()) if isinstance(quantizer, dict) else {quantizer}
    for qn in names:
        if qn not in available_quantizers():
            raise unknown_choice("quantizer", str(qn), available_quantizers())
    wm = weight_method or ("mse" if method == "mse" else "minmax")
    if wm not in ("minmax", "mse", "percentile"):
        raise unknown_choice("weight_method", wm, ("minmax", "mse", "percentile"))
    biases = dict(biases or {})
    model = QuantizedModel(network, dict(weights), biases)
    check_weights(model)
    prec = layer_bits(network, w_bits, a_bits, keep_first_last_bits)
    acts = run_float(model, calib_data)
    cons = consumers(network)

    def bits_of(tensor: str) -> int:
        readers = cons.get(tensor, [])
        if not readers:
            return prec[tensor].out_bits if tensor != "input" else prec[network.layers[0].name].a_bits
        return max(prec[r].a_bits for r in readers)

    macs = [la.name for la in network.layers if la.has_macs]
    kept = set(macs[:1] + macs[-1:]) if keep_first_last_bits is not None else set()
    acts_of = {la.name: la.activation for la in network.layers}

    def act_q(tensor: str, bits: int) -> TensorQ:
        x = acts[tensor]
        clipped = acts_of.get(tensor) in ("relu", "relu6") or (tensor == "input" and float(np.min(x)) >= 0)
        if act_quantizer == "pact" and clipped:
            hi = max(_act_range(x, method, bits, percentile, seed)[1], 1e-12)
            return TensorQ(hi / ((1 << bits) - 1), 0, int(bits), False)  # PACT: clip(x, 0, α), z = 0
        return tensor_q(x, bits, method, percentile, seed)

    tq: dict[str, TensorQ] = {"input": act_q("input", bits_of("input"))}
    model.input_q = tq["input"]
    srcs = producers(network)
    for layer in network.layers:
        ins = [tq[s] for s in srcs[layer.name]]
        p = prec[layer.name]
        lq = LayerQ(layer.name, ins, None, p.w_bits, p.a_bits)
        bits = bits_of(layer.name)
        if layer.op == "pool":
            lq.output = ins[0]
        elif bits > 16 and layer.has_macs and not cons.get(layer.name):
            lq.output = None  # out_bits > 16 at a network output: the raw accumulator is the output
        else:
            lq.output = act_q(layer.name, min(bits, 16))
        if layer.has_macs and layer.weights_are_activations:
            # both operands are activations: "weight" scale/zero point = the right operand's (per tensor)
            rhs = ins[1]
            lq.w_scale = np.full(layer.K, rhs.scale)
            lq.w_zero_point = np.full(layer.K, rhs.zero_point, np.int64)
            if lq.output is not None:
                set_multipliers(lq, ins[0].scale * lq.w_scale / lq.output.scale)
        elif layer.has_macs:
            w = np.asarray(weights[layer.name], np.float64)
            qname = quantizer.get(layer.name, "uniform") if isinstance(quantizer, dict) else quantizer
            if layer.name in kept:
                qname = "uniform"
            fmt = weight_format(qname, w, layer, p.w_bits, per_channel, wm, seed)
            lq.w_q, lq.w_scale = fmt.w_q, fmt.w_scale
            lq.w_zero_point = np.zeros(lq.w_scale.shape, np.int64)
            lq.extra["quantizer"] = qname
            if qname != "uniform":
                lq.extra["w_fake"] = fmt.w_fake
            if fmt.reason:
                lq.extra["no_integer"] = fmt.reason
            if fmt.stored_codes is not None:
                lq.extra["stored_codes"] = fmt.stored_codes
            acc_scale = ins[0].scale * lq.w_scale
            b = biases.get(layer.name)
            if b is not None:
                lq.bias_q = quantize_bias(b, lq.w_scale, ins[0].scale)
            if lq.output is not None:
                set_multipliers(lq, acc_scale / lq.output.scale)
                if fmt.ttq is not None:  # acc_p·s_x·W_p/s_y − acc_n·s_x·W_n/s_y: two dyadic multipliers
                    wp, wn = fmt.ttq
                    m0, n = quantize_multiplier(
                        np.array([wp, wn]) * ins[0].scale / lq.output.scale, MULT_BITS
                    )
                    lq.extra["ttq"] = (wp, wn)
                    lq.extra["ttq_m0"], lq.extra["ttq_shift"] = np.atleast_1d(m0), np.atleast_1d(n)
        elif layer.op in ("add", "concat"):
            set_multipliers(lq, np.array([t.scale / lq.output.scale for t in ins]))
        model.layers[layer.name] = lq
        tq[layer.name] = lq.output
    return model


def check_weights(model: QuantizedModel) -> None:
    """Every MAC layer has float weights of the layout :class:`QuantizedModel` documents."""
    for layer in model.network.layers:
        if not layer.has_macs:
            continue
        if layer.weights_are_activations:
            check_act_matmul(model.network, layer)
            if layer.name in model.biases:
                raise AccelsimInputError(
                    "biases", f"layer {layer.name!r} multiplies two activations: no bias"
                )
            continue
        if layer.name not in model.weights:
            raise AccelsimInputError("weights", f"missing weights for layer {layer.name!r}")
        w = np.asarray(model.weights[layer.name])
        want = expected_weight_shape(layer)
        if w.shape != want:
            raise AccelsimInputError("weights", f"layer {layer.name!r} needs shape {want}, got {w.shape}")
        b = model.biases.get(layer.name)
        if b is not None and np.shape(b) != (layer.K,):
            raise AccelsimInputError(
                "biases", f"layer {layer.name!r} needs shape ({layer.K},), got {np.shape(b)}"
            )


def check_act_matmul(network: Network, layer: Layer) -> None:
    """A two-activation matmul names exactly two producers (left [M×C], right operand)."""
    srcs = producers(network)[layer.name]
    if len(srcs) != 2:
        raise AccelsimInputError(
            "inputs", f"layer {layer.name!r} multiplies two activations and needs 2 inputs, got {srcs}"
        )


def expected_weight_shape(layer: Layer) -> tuple[int, ...]:
    if layer.op in ("conv2d", "depthwise_conv2d"):
        return (layer.K, layer.C // layer.groups, layer.R, layer.S)
    if layer.op == "fc":
        return (layer.K, layer.C)
    if layer.groups != 1:
        raise AccelsimInputError(
            "network", f"layer {layer.name!r}: grouped matmul is not executed numerically"
        )
    return (layer.C, layer.K)


def random_weights(network: Network, seed: int = 0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """He-normal random weights (std ``sqrt(2 / fan_in)``) and small random biases for every MAC layer."""
    rng = np.random.default_rng(seed)
    ws: dict[str, np.ndarray] = {}
    bs: dict[str, np.ndarray] = {}
    for layer in network.layers:
        if not layer.has_macs or layer.weights_are_activations:
            continue
        shape = expected_weight_shape(layer)
        fan_in = int(np.prod(shape)) // layer.K
        ws[layer.name] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
        bs[layer.name] = (0.01 * rng.standard_normal(layer.K)).astype(np.float32)
    return ws, bs
