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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.quant.calibration import METHODS, calibrate
from accelsim.quant.folding import quantize_bias
from accelsim.quant.qtensor import int_range
from accelsim.quant.requant import quantize_multiplier
from accelsim.quant.uniform import compute_qparams
from accelsim.workload import Layer, Network, Precision

REQUANT_MODES: tuple[str, ...] = ("dyadic", "onnx")
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


def producers(network: Network) -> dict[str, list[str]]:
    """Names each layer reads (``'input'`` = the network input), resolving ``inputs=None``."""
    out: dict[str, list[str]] = {}
    prev = "input"
    for layer in network.layers:
        out[layer.name] = list(layer.inputs) if layer.inputs else [prev]
        prev = layer.name
    return out


def consumers(network: Network) -> dict[str, list[str]]:
    """Layers reading each tensor (``'input'`` included)."""
    cons: dict[str, list[str]] = {"input": []}
    for layer in network.layers:
        cons.setdefault(layer.name, [])
    for name, srcs in producers(network).items():
        for s in srcs:
            cons[s].append(name)
    return cons


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
        if p.w_bits < 2 or p.a_bits < 2 or p.w_bits > 16 or p.a_bits > 16:
            raise AccelsimInputError(
                "bits", f"layer {layer.name!r}: PTQ supports 2..16-bit weights/activations, got {p.label()}"
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
) -> QuantizedModel:
    """Quantize ``network`` with float ``weights``/``biases`` using float ``calib_data`` (N, C, H, W).

    ``w_bits``/``a_bits``: one width for every layer, a ``{layer: bits}`` dict, or None (the Network's
    precisions). Returns a :class:`QuantizedModel` with every layer's :class:`LayerQ`.
    """
    from accelsim.functional.executor import run_float  # local: executor imports this module

    if method not in METHODS:
        raise unknown_choice("method", str(method), METHODS)
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

    tq: dict[str, TensorQ] = {"input": tensor_q(acts["input"], bits_of("input"), method, percentile, seed)}
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
            lq.output = tensor_q(acts[layer.name], min(bits, 16), method, percentile, seed)
        if layer.has_macs and layer.weights_are_activations:
            # both operands are activations: "weight" scale/zero point = the right operand's (per tensor)
            rhs = ins[1]
            lq.w_scale = np.full(layer.K, rhs.scale)
            lq.w_zero_point = np.full(layer.K, rhs.zero_point, np.int64)
            if lq.output is not None:
                set_multipliers(lq, ins[0].scale * lq.w_scale / lq.output.scale)
        elif layer.has_macs:
            w = np.asarray(weights[layer.name], np.float64)
            lq.w_q, lq.w_scale = quantize_weights(w, layer, p.w_bits, per_channel, wm)
            lq.w_zero_point = np.zeros_like(lq.w_q, shape=lq.w_scale.shape)
            acc_scale = ins[0].scale * lq.w_scale
            b = biases.get(layer.name)
            if b is not None:
                lq.bias_q = quantize_bias(b, lq.w_scale, ins[0].scale)
            if lq.output is not None:
                set_multipliers(lq, acc_scale / lq.output.scale)
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


def rhs_shape(layer: Layer) -> tuple[int, int]:
    """Per-image shape of the right operand tensor of a two-activation matmul with ``G`` groups.

    Not transposed: ``(C/G, K)``, group g = columns ``g·K/G … (g+1)·K/G − 1`` (e.g. V in P·V);
    ``rhs_transposed``: ``(K/G, C)``, group g = columns ``g·C/G …`` used transposed (e.g. K in Q·Kᵀ).
    With G = 1 these are ``(C, K)`` and ``(K, C)``.
    """
    G = layer.groups
    return (layer.K // G, layer.C) if layer.rhs_transposed else (layer.C // G, layer.K)


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
