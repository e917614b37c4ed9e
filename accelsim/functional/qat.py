"""Quantization-aware training (QAT) of a small chain CNN in numpy: fine-tune float weights with the forward
pass quantized, so that post-training quantization at the same widths then loses less (the last step of
DNN2FPGA's Algorithm 1, seed 003; ``accelsim fpga build --qat``).

Network: a chain of ``conv2d`` (any stride and padding, groups 1), max ``pool`` and ``fc`` layers (a flatten
before the first fc), each with its ``activation`` (none / relu); the last layer's output is the logits.

Forward, per MAC layer at its precision (``w_bits``, ``a_bits``) — the same scheme as
:func:`accelsim.functional.ptq.ptq`:

* weights: symmetric per output channel, ``s = max|w| / (2^(w_bits−1) − 1)``, ``ŵ = round(w/s)·s``;
* input activations: asymmetric per tensor over ``[lo, hi]``, ``s = (hi − lo)/(2^a_bits − 1)``,
  ``x̂ = (clip(round((x − lo)/s), 0, 2^a_bits − 1))·s + lo``, with ``[lo, hi]`` an exponential moving average
  (momentum 0.9) of each batch's min and max (the network input starts at its known range [0, 1]);
* the bias stays float (PTQ stores it in the 32-bit accumulator).

Backward: the straight-through estimator (Bengio et al. 2013; the seed's §4.2): the rounding passes the
gradient unchanged, clipping stops it outside ``[lo, hi]``; convolution by im2col. Loss: softmax
cross-entropy; optimizer: Adam (Kingma & Ba 2015; lr 1e-3, β 0.9/0.999). Deterministic for a ``seed``
(the batch order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.pe.functional import im2col_group
from accelsim.workload import Network


def _col2im(cols: np.ndarray, shape: tuple[int, ...], k: int, stride: int, pad, p: int, q: int) -> np.ndarray:
    """The adjoint of :func:`accelsim.pe.functional.im2col_group` (one group, undilated): [N·P·Q, C·k·k]
    patch gradients summed back onto the [N, C, H, W] input."""
    pt, pb, pl, pr = pad
    n, c, h, w = shape
    grad = np.zeros((n, c, h + pt + pb, w + pl + pr), cols.dtype)
    cols = cols.reshape(n, p, q, c, k, k).transpose(0, 3, 4, 5, 1, 2)
    for i in range(k):
        for j in range(k):
            grad[:, :, i : i + stride * p : stride, j : j + stride * q : stride] += cols[:, :, i, j]
    return grad[:, :, pt : pt + h, pl : pl + w]


def _fake_quant_weights(w: np.ndarray, bits: int) -> np.ndarray:
    if bits < 2:
        raise AccelsimInputError("bits", f"QAT needs weights of at least 2 bits, got {bits}")
    axes = tuple(range(1, w.ndim))
    s = np.max(np.abs(w), axis=axes, keepdims=True) / (2 ** (bits - 1) - 1)
    s = np.where(s > 0, s, 1.0)
    return np.round(w / s) * s


def _fake_quant_act(x: np.ndarray, lo: float, hi: float, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(x̂, pass mask of the straight-through estimator)."""
    s = (hi - lo) / (2**bits - 1) if hi > lo else 1.0
    q = np.round((x - lo) / s)
    inside = (q >= 0) & (q <= 2**bits - 1)
    return np.clip(q, 0, 2**bits - 1) * s + lo, inside


@dataclass
class _Adam:
    lr: float = 1e-3
    b1: float = 0.9
    b2: float = 0.999
    t: int = 0

    def __post_init__(self) -> None:
        self.m: dict[str, np.ndarray] = {}
        self.v: dict[str, np.ndarray] = {}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        for k, g in grads.items():
            m = self.m[k] = self.b1 * self.m.get(k, 0.0) + (1 - self.b1) * g
            v = self.v[k] = self.b2 * self.v.get(k, 0.0) + (1 - self.b2) * g * g
            mh, vh = m / (1 - self.b1**self.t), v / (1 - self.b2**self.t)
            params[k] -= self.lr * mh / (np.sqrt(vh) + 1e-8)


def _check_chain(net: Network) -> None:
    for la in net.layers:
        if (
            la.op not in ("conv2d", "fc", "pool")
            or (la.op == "pool" and la.pool_type != "max")
            or la.groups != 1
        ):
            raise AccelsimInputError(
                f"layers.{la.name}", "QAT covers chains of conv2d (groups 1), max pool and fc layers"
            )
        if la.activation not in ("none", "relu"):
            raise AccelsimInputError(f"layers.{la.name}.activation", "QAT covers none and relu")


class _ChainQAT:
    """The forward and backward passes of one chain network with fake quantization."""

    def __init__(self, net: Network, momentum: float = 0.9, quantize: bool = True) -> None:
        _check_chain(net)
        self.net, self.momentum, self.quantize = net, momentum, quantize
        self.ranges: dict[str, tuple[float, float]] = {}

    def forward(self, x: np.ndarray, params: dict[str, np.ndarray], train: bool):
        tape = []
        for la in self.net.layers:
            if la.op == "pool":
                n, c, h, w = x.shape
                k = la.R
                p, q = h // k, w // k
                win = x[:, :, : p * k, : q * k].reshape(n, c, p, k, q, k)
                out = win.max(axis=(3, 5))
                mask = win == out[:, :, :, None, :, None]
                tape.append(("pool", la, x.shape, mask, k))
                x = out
                continue
            p_ = self.net.precision_of(la)
            if la.op == "fc" and x.ndim > 2:
                tape.append(("flatten", la, x.shape))
                x = x.reshape(x.shape[0], -1)
            lo, hi = self.ranges.get(la.name, (float(x.min()), float(x.max())))
            if train:
                b_lo, b_hi = float(x.min()), float(x.max())
                lo, hi = (
                    (b_lo, b_hi)
                    if la.name not in self.ranges
                    else (
                        self.momentum * lo + (1 - self.momentum) * b_lo,
                        self.momentum * hi + (1 - self.momentum) * b_hi,
                    )
                )
                self.ranges[la.name] = (lo, hi)
            if self.quantize:
                xq, pass_x = _fake_quant_act(x, lo, hi, p_.a_bits)
                wq = _fake_quant_weights(params[f"{la.name}.weight"], p_.w_bits)
            else:  # the float network (tests check the passes against the executor and finite differences)
                xq, pass_x, wq = x, np.ones(x.shape, bool), params[f"{la.name}.weight"]
            b = params[f"{la.name}.bias"]
            if la.op == "conv2d":
                cols, pp, qq = im2col_group(xq, la, 0), la.P, la.Q
                y = cols @ wq.reshape(wq.shape[0], -1).T + b
                y = y.reshape(x.shape[0], pp, qq, -1).transpose(0, 3, 1, 2)
                tape.append(("conv", la, x.shape, cols, wq, pass_x, pp, qq))
            else:
                y = xq @ wq.T + b
                tape.append(("fc", la, xq, wq, pass_x))
            if la.activation == "relu":
                tape.append(("relu", la, y > 0))
                y = np.maximum(y, 0)
            x = y
        return x, tape

    def backward(self, grad: np.ndarray, tape) -> dict[str, np.ndarray]:
        grads: dict[str, np.ndarray] = {}
        for entry in reversed(tape):
            kind, la = entry[0], entry[1]
            if kind == "relu":
                grad = grad * entry[2]
            elif kind == "pool":
                _, _, shape, mask, k = entry
                n, c, h, w = shape
                g = np.zeros(shape, grad.dtype)
                p, q = h // k, w // k
                spread = mask * grad[:, :, :, None, :, None]
                g[:, :, : p * k, : q * k] = spread.reshape(n, c, p * k, q * k)
                grad = g
            elif kind == "flatten":
                grad = grad.reshape(entry[2])
            elif kind == "fc":
                _, _, xq, wq, pass_x = entry
                grads[f"{la.name}.weight"] = grad.T @ xq
                grads[f"{la.name}.bias"] = grad.sum(axis=0)
                grad = (grad @ wq) * pass_x
            else:  # conv
                _, _, shape, cols, wq, pass_x, pp, qq = entry
                g2 = grad.transpose(0, 2, 3, 1).reshape(-1, wq.shape[0])
                grads[f"{la.name}.weight"] = (g2.T @ cols).reshape(wq.shape)
                grads[f"{la.name}.bias"] = g2.sum(axis=0)
                gcols = g2 @ wq.reshape(wq.shape[0], -1)
                grad = _col2im(gcols, shape, la.R, la.stride[0], la.padding, pp, qq) * pass_x
        return grads


def qat_finetune(
    net: Network,
    weights: dict[str, np.ndarray],
    biases: dict[str, np.ndarray],
    train_x: np.ndarray,
    train_y: np.ndarray,
    steps: int = 600,
    batch: int = 128,
    lr: float = 1e-3,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Fine-tune float ``weights`` / ``biases`` (layer -> array) of ``net`` at its per-layer precisions with
    fake-quantized forward passes (module docstring) on ``train_x`` [N, C, H, W] (floats, the network's input
    scale) and integer labels ``train_y``. Returns new (weights, biases); the inputs are not changed."""
    if steps < 1 or batch < 1:
        raise AccelsimInputError("qat", "steps and batch must be >= 1")
    model = _ChainQAT(net)
    params = {f"{k}.weight": np.array(v, np.float64) for k, v in weights.items()}
    params |= {f"{k}.bias": np.array(v, np.float64) for k, v in biases.items()}
    opt = _Adam(lr)
    rng = np.random.default_rng(seed)
    x_all, y_all = np.asarray(train_x, np.float64), np.asarray(train_y)
    order = np.empty(0, np.int64)
    for _ in range(steps):
        if len(order) < batch:
            order = np.concatenate([order, rng.permutation(len(x_all))])
        idx, order = order[:batch], order[batch:]
        logits, tape = model.forward(x_all[idx], params, train=True)
        z = logits - logits.max(axis=1, keepdims=True)
        prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        prob[np.arange(len(idx)), y_all[idx]] -= 1.0
        opt.step(params, model.backward(prob / len(idx), tape))
    new_w = {k: params[f"{k}.weight"].astype(np.float32) for k in weights}
    new_b = {k: params[f"{k}.bias"].astype(np.float32) for k in biases}
    return new_w, new_b


def float_forward(net: Network, weights, biases, x: np.ndarray) -> np.ndarray:
    """The float network's logits through the same passes with quantization off."""
    params = {f"{k}.weight": np.asarray(v, np.float64) for k, v in weights.items()}
    params |= {f"{k}.bias": np.asarray(v, np.float64) for k, v in biases.items()}
    return _ChainQAT(net, quantize=False).forward(np.asarray(x, np.float64), params, train=False)[0]
