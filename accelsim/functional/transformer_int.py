"""Integer-only execution of the shipped tiny transformer (``tiny-transformer-digits``) and its mismatch
against the float model: PTQ, integer matmuls, integer requantization, I-BERT softmax / LayerNorm / GELU.

The model (tools/train_tiny_transformer.py; shapes in accelsim/workloads/tiny-transformer-digits.yaml):
16 tokens of 4 pixels, ``h = x·Wₑᵀ + bₑ + pos``; per block ``h += MHA(LN₁(h))`` and
``h += W₂·GELU(W₁·LN₂(h))``; then ``LN_f``, the mean over tokens and the classifier ``head``.

Three executions of one forward (:func:`forward` with a hook at every quantization point):

* **float**: the trained float32 parameters in float64 arithmetic (:func:`float_forward`);
* **fake-quant**: the same arithmetic on quantize→dequantize weights and activations (float softmax,
  LayerNorm and GELU): the quantization error alone (:func:`fake_forward`);
* **integer** (:func:`int_forward`): only integer operations at run time, every scale and multiplier
  fixed at compile time from the calibration.

PTQ (:func:`ptq_transformer`):

* weights: per output channel symmetric, ``s_w[j] = max_i |W[j, i]| / (2^(w−1) − 1)``,
  ``W_q = clip(round(W / s_w), ±(2^(w−1) − 1))``; LayerNorm gains likewise (one scale per element);
* activations: per tensor symmetric, ``s = max|t| / (2^(b−1) − 1)`` over the calibration inputs (minmax),
  ``q = clip(round(t / s), −2^(b−1), 2^(b−1) − 1)``; the input pixels are unsigned (``s = max/(2^b − 1)``);
  ``b = a_bits`` for every matmul operand and nonlinearity input, ``b = res_bits`` (default 16) for the
  residual stream and the logits, which are only added and normalised (I-BERT keeps these wide too);
* the output projection and ``fc2`` are requantized straight to the scale of the residual sum they feed;
  the softmax output has the fixed scale ``2^−a_bits`` (unsigned, clipped to ``2^a_bits − 1``);
* biases: ``b_q = round(b / (s_in·s_w[j]))`` added to the int64 accumulator; the position embedding is
  folded into the embedding's per-token bias; the attention scale ``1/√d_head`` into the softmax's input
  scale.

Integer execution (all int64; the matmuls are exact, :func:`accelsim.functional.intops.int_matmul` with a
32-bit saturating accumulator, whose overflows are counted in the per-layer ``stats``):

* matmul: ``acc = Σ q_x·q_w + b_q`` (scale ``s_x·s_w[j]``), requantized to the output scale ``s_y`` by
  :func:`accelsim.quant.requant.requantize` with the dyadic multiplier ``M[j] = s_x·s_w[j] / s_y``
  (``M0·2^−(31+n)``);
* scores: ``acc = q_Q·q_Kᵀ`` per head, passed unrequantized to ``int_softmax`` with scale
  ``s_Q·s_K/√d_head`` (I-BERT feeds the int32 scores to its softmax);
* context: ``acc = q_A·q_V`` (scale ``2^−a_bits·s_V``), requantized;
* residual: ``r = clip(requant(h, s_h/s_r) + q_o)`` (the branch already at ``s_r``);
* LayerNorm: ``int_layernorm(q_h << (24 − res_bits), frac_bits)`` (a left shift does not change the
  normalised value and gives ``int_sqrt`` 24-bit inputs), then the affine part ``n·g_q[j] + b_q[j]``
  (scale ``2^−frac_bits·s_g[j]``) requantized to ``a_bits``;
* GELU: ``int_gelu`` on the ``a_bits`` codes of ``fc1`` (scale ``s``), its output (scale ``s_out``)
  requantized to ``a_bits``;
* mean pool: ``Σ_t q_t`` requantized with ``M = s / (T·s_pool)``; head: matmul requantized to ``res_bits``.

The mismatch of the integer execution against float is therefore the quantization error plus the integer
nonlinearity and requantization error; no fabric datapath is simulated (the matmuls are exact products).
Metrics follow :mod:`accelsim.functional.metrics` (its docstring has the formulas).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.special import erf

from accelsim.errors import AccelsimInputError
from accelsim.functional.intops import int_matmul
from accelsim.functional.metrics import (
    accuracy,
    frac_bit_exact,
    max_err_lsb,
    rel_mse,
    sqnr_db,
    top1_agreement,
)
from accelsim.functional.nonlinear import int_gelu, int_layernorm, int_softmax
from accelsim.quant.requant import ROUNDINGS, quantize_multiplier, requantize

NETWORK = "tiny-transformer-digits"
DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "tiny_transformer_digits.npz"
HEADS = 2
PATCH = 2
LN_EPS = 1e-5
LN_INPUT_BITS = 24  # LayerNorm inputs are shifted left to this many bits before int_layernorm

Hook = Callable[[str, np.ndarray], np.ndarray]


# ---- the float model ----------------------------------------------------------------------------


@dataclass
class ShippedTransformer:
    """The shipped float model and its data (pixels scaled to [0, 1])."""

    params: dict[str, np.ndarray]
    test_x: np.ndarray  # [n, 8, 8] float64, pixel / 16
    test_y: np.ndarray  # [n] labels
    calib_x: np.ndarray  # [m, 8, 8] float64, pixel / 16
    float_test_acc: float  # measured by the training script (torch)


def load_shipped(path: str | Path = DATA_FILE) -> ShippedTransformer:
    """The parameters (float64), the test set and the calibration images of the shipped model."""
    with np.load(path) as d:
        data = {"test_x", "test_y", "calib_x", "float_test_acc"}
        params = {k: d[k].astype(np.float64) for k in d.files if k not in data}
        return ShippedTransformer(
            params, d["test_x"] / 16.0, d["test_y"].astype(np.int64), d["calib_x"] / 16.0,
            float(d["float_test_acc"]),
        )  # fmt: skip


def blocks_of(params: dict[str, np.ndarray]) -> int:
    """Number of encoder blocks (``b<i>.q.weight`` present)."""
    n = 0
    while f"b{n}.q.weight" in params:
        n += 1
    return n


def layer_names(blocks: int) -> list[str]:
    """The quantization points in execution order (the layer names of the workload YAML, plus 'input')."""
    names = ["input", "embed"]
    for b in range(blocks):
        p = f"b{b}."
        names += [p + n for n in ("norm1", "q", "k", "v", "scores", "softmax", "context", "o", "residual1",
                                  "norm2", "fc1", "gelu", "fc2", "residual2")]  # fmt: skip
    return names + ["norm_f", "pool", "head"]


def to_tokens(x: np.ndarray, tokens: int = 16) -> np.ndarray:
    """Images [n, 8, 8] or [n, 1, 8, 8] -> [n, 16, 4] tokens of 2×2 patches (row-major patches and pixels);
    [n, 16, 4] passes through. Other shapes are a one-line :class:`AccelsimInputError`."""
    x = np.asarray(x, np.float64)
    if x.ndim == 3 and x.shape[1:] == (tokens, PATCH * PATCH):
        return x
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    side = int(round(math.sqrt(tokens))) * PATCH
    if x.ndim != 3 or x.shape[1:] != (side, side) or x.shape[0] < 1:
        raise AccelsimInputError(
            "data", f"{NETWORK} takes images [n, {side}, {side}] (or [n, 1, {side}, {side}], or tokens "
            f"[n, {tokens}, {PATCH * PATCH}]), got shape {x.shape}",
        )  # fmt: skip
    n, g = x.shape[0], side // PATCH
    return x.reshape(n, g, PATCH, g, PATCH).transpose(0, 1, 3, 2, 4).reshape(n, tokens, PATCH * PATCH)


def _layernorm(h: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = h.mean(axis=-1, keepdims=True)
    var = ((h - mu) ** 2).mean(axis=-1, keepdims=True)
    return (h - mu) / np.sqrt(var + LN_EPS) * g + b


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def _softmax(s: np.ndarray) -> np.ndarray:
    e = np.exp(s - s.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def forward(
    params: dict[str, np.ndarray], tokens: np.ndarray, heads: int = HEADS, hook: Hook | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Float forward of the model (module docstring) on tokens [n, T, 4]: (logits [n, 10], every
    quantization point's tensor). ``hook(name, t)`` may replace the tensor at each point (fake quant)."""
    at = hook or (lambda _name, t: t)
    p = params
    out: dict[str, np.ndarray] = {}

    def put(name: str, t: np.ndarray) -> np.ndarray:
        out[name] = at(name, t)
        return out[name]

    x = put("input", tokens)
    h = put("embed", x @ p["embed.weight"].T + p["embed.bias"] + p["pos"])
    n, T, d = h.shape
    dh = d // heads
    for b in range(blocks_of(p)):
        pre = f"b{b}."

        def lin(name: str, t: np.ndarray, pre: str = pre) -> np.ndarray:
            return t @ p[pre + name + ".weight"].T + p[pre + name + ".bias"]

        x1 = put(pre + "norm1", _layernorm(h, p[pre + "norm1.weight"], p[pre + "norm1.bias"]))
        q, k, v = (put(pre + m, lin(m, x1)).reshape(n, T, heads, dh).transpose(0, 2, 1, 3) for m in "qkv")
        s = put(pre + "scores", q @ k.transpose(0, 1, 3, 2) / math.sqrt(dh))
        a = put(pre + "softmax", _softmax(s))
        c = put(pre + "context", (a @ v).transpose(0, 2, 1, 3).reshape(n, T, d))
        o = put(pre + "o", lin("o", c))
        h = put(pre + "residual1", h + o)
        x2 = put(pre + "norm2", _layernorm(h, p[pre + "norm2.weight"], p[pre + "norm2.bias"]))
        f1 = put(pre + "fc1", lin("fc1", x2))
        g = put(pre + "gelu", _gelu(f1))
        f2 = put(pre + "fc2", lin("fc2", g))
        h = put(pre + "residual2", h + f2)
    nf = put("norm_f", _layernorm(h, p["norm_f.weight"], p["norm_f.bias"]))
    pooled = put("pool", nf.mean(axis=1))
    logits = put("head", pooled @ p["head.weight"].T + p["head.bias"])
    return logits, out


def float_forward(params: dict[str, np.ndarray], tokens: np.ndarray, heads: int = HEADS):
    """:func:`forward` without quantization."""
    return forward(params, tokens, heads)


# ---- PTQ ----------------------------------------------------------------------------------------


def _matrices(blocks: int) -> list[str]:
    """Weight matrices (``<name>.weight`` is [out, in])."""
    return (
        ["embed"]
        + [f"b{b}.{m}" for b in range(blocks) for m in ("q", "k", "v", "o", "fc1", "fc2")]
        + ["head"]
    )


def _norms(blocks: int) -> list[str]:
    """LayerNorms (``<name>.weight`` is the gain)."""
    return [f"b{b}.{m}" for b in range(blocks) for m in ("norm1", "norm2")] + ["norm_f"]


def quantize_per_channel(w: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric per-output-channel (axis 0) quantization: (int64 codes, scales ``max|w_j|/(2^(b−1)−1)``);
    an all-zero channel gets scale 1."""
    qmax = (1 << (bits - 1)) - 1
    flat = w.reshape(w.shape[0], -1)
    amax = np.abs(flat).max(axis=1)
    scale = np.where(amax > 0, amax / max(qmax, 1), 1.0)
    shape = (-1,) + (1,) * (w.ndim - 1)
    codes = np.clip(np.rint(w / scale.reshape(shape)), -qmax, qmax).astype(np.int64)
    return codes, scale


@dataclass
class QuantizedTransformer:
    """A PTQ'd tiny transformer: float parameters, integer weights, activation scales (module docstring)."""

    params: dict[str, np.ndarray]
    w_bits: int
    a_bits: int
    res_bits: int
    frac_bits: int
    heads: int
    rounding: str
    weights: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)  # codes, scales
    scales: dict[str, float] = field(default_factory=dict)  # activation scale per point
    blocks: int = 0

    def point(self, name: str) -> tuple[int, bool]:
        """(bits, signed) of a quantization point."""
        if name == "input":
            return self.a_bits, False
        if name == "softmax" or name.endswith(".softmax"):
            return self.a_bits, False
        if name.endswith(".scores"):
            return 32, True
        if name == "embed" or name == "head" or name.split(".")[-1] in ("o", "residual1", "fc2", "residual2"):
            return self.res_bits, True
        return self.a_bits, True

    def names(self) -> list[str]:
        return layer_names(self.blocks)


def _check_bits(value: int, name: str, lo: int = 2, hi: int = 16) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= int(value) <= hi:
        raise AccelsimInputError(name, f"must be an integer {lo}..{hi} for {NETWORK}, got {value!r}")
    return int(value)


def ptq_transformer(
    params: dict[str, np.ndarray],
    calib_tokens: np.ndarray,
    w_bits: int = 8,
    a_bits: int = 8,
    res_bits: int = 16,
    frac_bits: int = 10,
    heads: int = HEADS,
    rounding: str = "half_even",
    calib_images: int | None = None,
    seed: int = 0,
) -> QuantizedTransformer:
    """Post-training quantization (module docstring). ``calib_images``: calibrate on that many inputs drawn
    without replacement with ``seed`` (default: all of ``calib_tokens``)."""
    w_bits = _check_bits(w_bits, "w_bits")
    a_bits = _check_bits(a_bits, "a_bits", 3, 12)
    res_bits = _check_bits(res_bits, "res_bits", a_bits, LN_INPUT_BITS)
    frac_bits = _check_bits(frac_bits, "frac_bits", 1, 16)
    if rounding not in ROUNDINGS:
        raise AccelsimInputError("rounding", f"unknown value {rounding!r}; allowed: {', '.join(ROUNDINGS)}")
    cal = to_tokens(calib_tokens)
    if calib_images is not None:
        if not 1 <= calib_images <= cal.shape[0]:
            raise AccelsimInputError("calib_images", f"must be 1..{cal.shape[0]}, got {calib_images}")
        idx = np.sort(np.random.default_rng(seed).choice(cal.shape[0], calib_images, replace=False))
        cal = cal[idx]
    blocks = blocks_of(params)
    qm = QuantizedTransformer(
        dict(params), w_bits, a_bits, res_bits, frac_bits, heads, rounding, blocks=blocks
    )
    for m in _matrices(blocks):
        qm.weights[m] = quantize_per_channel(params[m + ".weight"], w_bits)
    for m in _norms(blocks):
        qm.weights[m] = quantize_per_channel(params[m + ".weight"].reshape(-1, 1), w_bits)
        qm.weights[m] = (qm.weights[m][0].reshape(-1), qm.weights[m][1])
    _, ref = forward(params, cal, heads)
    for name in qm.names():
        bits, signed = qm.point(name)
        amax = float(np.abs(ref[name]).max())
        levels = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
        qm.scales[name] = amax / levels if amax > 0 else 1.0
    for b in range(blocks):  # branches requantized straight to the residual sum's scale
        qm.scales[f"b{b}.o"] = qm.scales[f"b{b}.residual1"]
        qm.scales[f"b{b}.fc2"] = qm.scales[f"b{b}.residual2"]
        qm.scales[f"b{b}.softmax"] = 2.0**-a_bits
        dh = params[f"b{b}.q.weight"].shape[0] // heads
        qm.scales[f"b{b}.scores"] = qm.scales[f"b{b}.q"] * qm.scales[f"b{b}.k"] / math.sqrt(dh)
    return qm


def _qrange(bits: int, signed: bool) -> tuple[int, int]:
    return (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)


def fake_forward(qm: QuantizedTransformer, tokens: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The float forward on dequantized weights, each point quantize→dequantized at its scale."""
    params = dict(qm.params)
    for m, (codes, scale) in qm.weights.items():
        shape = (-1,) + (1,) * (codes.ndim - 1)
        params[m + ".weight"] = codes * scale.reshape(shape)

    def hook(name: str, t: np.ndarray) -> np.ndarray:
        if name.endswith(".scores"):  # an exact integer product: nothing to round
            return t
        bits, signed = qm.point(name)
        lo, hi = _qrange(bits, signed)
        s = qm.scales[name]
        return np.clip(np.rint(t / s), lo, hi) * s

    return forward(params, to_tokens(tokens), qm.heads, hook)


# ---- integer execution --------------------------------------------------------------------------


@dataclass
class IntExecution:
    """Codes of every point (int64; real value = code·scale), the per-layer stats, the logits."""

    codes: dict[str, np.ndarray]
    scales: dict[str, float]
    stats: dict[str, dict]

    def real(self, name: str) -> np.ndarray:
        return self.codes[name] * self.scales[name]

    @property
    def logits(self) -> np.ndarray:
        return self.real("head")


def _requant(qm: QuantizedTransformer, acc: np.ndarray, multiplier, name: str) -> np.ndarray:
    """``acc`` (int64) times ``multiplier`` (scalar or per last-axis channel) to the codes of ``name``."""
    bits, signed = qm.point(name)
    m0, n = quantize_multiplier(np.asarray(multiplier, np.float64))
    axis = None if np.ndim(multiplier) == 0 else acc.ndim - 1
    return requantize(acc, m0, n, 0, bits, signed, rounding=qm.rounding, axis=axis)  # type: ignore[arg-type]


def int_forward(qm: QuantizedTransformer, tokens: np.ndarray, acc_bits: int = 32) -> IntExecution:
    """The integer-only execution (module docstring) on float tokens (quantized at the input scale)."""
    S = qm.scales
    codes: dict[str, np.ndarray] = {}
    stats: dict[str, dict] = {}
    lo, hi = _qrange(*qm.point("input"))
    x = np.clip(np.rint(to_tokens(tokens) / S["input"]), lo, hi).astype(np.int64)
    codes["input"] = x

    def matmul(name: str, wkey: str, xq: np.ndarray, s_x: float, extra_bias=None) -> np.ndarray:
        wq, sw = qm.weights[wkey]
        bias = qm.params[wkey + ".bias"] if extra_bias is None else qm.params[wkey + ".bias"] + extra_bias
        b_q = np.rint(bias / (s_x * sw)).astype(np.int64)
        r = int_matmul(xq, wq.T, acc_bits=acc_bits)
        stats[name] = {"path": r.path, "overflow_outputs": r.overflow_outputs}
        codes[name] = _requant(qm, r.out + b_q, s_x * sw / S[name], name)
        return codes[name]

    def layernorm(name: str, hq: np.ndarray, s_h_name: str) -> np.ndarray:
        res_bits = qm.point(s_h_name)[0]
        n_q, s_n = int_layernorm(hq << (LN_INPUT_BITS - res_bits), qm.frac_bits)
        gq, sg = qm.weights[name]
        b_q = np.rint(qm.params[name + ".bias"] / (s_n * sg)).astype(np.int64)
        codes[name] = _requant(qm, n_q * gq + b_q, s_n * sg / S[name], name)
        return codes[name]

    def residual(name: str, skip_name: str, branch: np.ndarray) -> np.ndarray:
        skip = _requant(qm, codes[skip_name], S[skip_name] / S[name], name)
        lo, hi = _qrange(*qm.point(name))
        codes[name] = np.clip(skip + branch, lo, hi)
        return codes[name]

    h = matmul("embed", "embed", x, S["input"], extra_bias=qm.params["pos"])
    h_name = "embed"
    n, T, d = h.shape
    dh = d // qm.heads
    for b in range(qm.blocks):
        p = f"b{b}."
        x1 = layernorm(p + "norm1", h, h_name)
        q, k, v = (
            matmul(p + m, p + m, x1, S[p + "norm1"]).reshape(n, T, qm.heads, dh).transpose(0, 2, 1, 3)
            for m in "qkv"
        )
        r = int_matmul(q, k.transpose(0, 1, 3, 2), acc_bits=acc_bits)
        stats[p + "scores"] = {"path": r.path, "overflow_outputs": r.overflow_outputs}
        codes[p + "scores"] = r.out
        a, _ = int_softmax(r.out, S[p + "scores"], out_bits=qm.a_bits)
        codes[p + "softmax"] = a = np.minimum(a, (1 << qm.a_bits) - 1)
        r = int_matmul(a, v, acc_bits=acc_bits)
        stats[p + "context"] = {"path": r.path, "overflow_outputs": r.overflow_outputs}
        c = _requant(qm, r.out, S[p + "softmax"] * S[p + "v"] / S[p + "context"], p + "context")
        codes[p + "context"] = c = c.transpose(0, 2, 1, 3).reshape(n, T, d)
        o = matmul(p + "o", p + "o", c, S[p + "context"])
        h = residual(p + "residual1", h_name, o)
        x2 = layernorm(p + "norm2", h, p + "residual1")
        f1 = matmul(p + "fc1", p + "fc1", x2, S[p + "norm2"])
        g, s_g = int_gelu(f1, S[p + "fc1"])
        if s_g < 0:  # I-BERT's erf scale a·S² is negative (a < 0): flip codes and scale together
            g, s_g = -g, -s_g
        codes[p + "gelu"] = g = _requant(qm, g, s_g / S[p + "gelu"], p + "gelu")
        f2 = matmul(p + "fc2", p + "fc2", g, S[p + "gelu"])
        h = residual(p + "residual2", p + "residual1", f2)
        h_name = p + "residual2"
    nf = layernorm("norm_f", h, h_name)
    codes["pool"] = pooled = _requant(qm, nf.sum(axis=1), S["norm_f"] / (T * S["pool"]), "pool")
    matmul("head", "head", pooled, S["pool"])
    return IntExecution(codes, dict(S), stats)


# ---- mismatch -----------------------------------------------------------------------------------


def _bits_label(qm: QuantizedTransformer, name: str) -> str:
    key = name.split(".")[-1]
    if name in ("embed", "head") or key in ("q", "k", "v", "o", "fc1", "fc2"):
        return f"{qm.w_bits}/{qm.a_bits}"
    if key in ("scores", "context"):
        return f"{qm.a_bits}/{qm.a_bits}"
    return ""


_OPS = {"input": "input", "embed": "matmul", "norm1": "layernorm", "norm2": "layernorm", "norm_f": "layernorm",
        "scores": "matmul", "softmax": "softmax", "context": "matmul", "residual1": "add", "residual2": "add",
        "gelu": "gelu", "pool": "pool", "head": "fc"}  # fmt: skip


def compare_transformer(
    qm: QuantizedTransformer, tokens: np.ndarray, labels: np.ndarray | None = None, acc_bits: int = 32
) -> dict:
    """Per-layer and overall mismatch of the integer execution against float and fake-quant, in the shape
    of :func:`accelsim.functional.metrics.compare` (``overall``, ``layers``), plus the max and mean absolute
    logit error against float."""
    tokens = to_tokens(tokens)
    fl_logits, fl = forward(qm.params, tokens, qm.heads)
    fk_logits, fk = fake_forward(qm, tokens)
    it = int_forward(qm, tokens, acc_bits)
    layers = []
    same = total = 0
    for name in qm.names()[1:]:
        s = it.scales[name]
        q_int = it.codes[name]
        deq = it.real(name)
        f = fl[name]
        k = fk[name]
        q_fk = np.rint(k / s).astype(np.int64)
        same += int(np.sum(q_fk == q_int))
        total += q_int.size
        key = name.split(".")[-1]
        layers.append({
            "name": name,
            "op": _OPS.get(key, "matmul"),
            "bits": _bits_label(qm, name),
            "int_vs_fake": {
                "rel_mse": rel_mse(k, deq), "sqnr_db": sqnr_db(k, deq),
                "max_err_lsb": max_err_lsb(q_fk, q_int), "frac_bit_exact": frac_bit_exact(q_fk, q_int),
            },
            "int_vs_float": {
                "rel_mse": rel_mse(f, deq), "sqnr_db": sqnr_db(f, deq), "max_err_lsb": max_err_lsb(f, deq, s),
            },
            "fake_vs_float": {"sqnr_db": sqnr_db(f, k)},
            "stats": dict(it.stats.get(name, {})),
        })  # fmt: skip
    out_int = it.logits
    err = np.abs(out_int - fl_logits)
    q_fk_out = np.rint(fk_logits / it.scales["head"]).astype(np.int64)
    overall = {
        "images": int(tokens.shape[0]),
        "output_sqnr_db_int_vs_float": sqnr_db(fl_logits, out_int),
        "output_rel_mse_int_vs_float": rel_mse(fl_logits, out_int),
        "output_max_abs_err_int_vs_float": float(err.max()),
        "output_mean_abs_err_int_vs_float": float(err.mean()),
        "output_sqnr_db_fake_vs_float": sqnr_db(fl_logits, fk_logits),
        "output_max_err_lsb_int_vs_fake": max_err_lsb(q_fk_out, it.codes["head"]),
        "output_frac_bit_exact_int_vs_fake": frac_bit_exact(q_fk_out, it.codes["head"]),
        "all_layers_frac_bit_exact_int_vs_fake": same / total if total else 1.0,
        "top1_agreement_int_vs_float": top1_agreement(fl_logits, out_int),
        "top1_agreement_int_vs_fake": top1_agreement(fk_logits, out_int),
        "top1_agreement_fake_vs_float": top1_agreement(fl_logits, fk_logits),
    }
    if labels is not None:
        overall["accuracy_float"] = accuracy(fl_logits, labels)
        overall["accuracy_fake"] = accuracy(fk_logits, labels)
        overall["accuracy_int"] = accuracy(out_int, labels)
    return {"overall": overall, "layers": layers}
