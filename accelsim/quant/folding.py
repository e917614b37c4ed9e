"""Zero-point folding, bias quantization and batch-norm folding for integer GEMM / conv layers.

Zero-point folding (Jacob et al., CVPR 2018 §2.3, Eq. 7–8; seed 002 §III-C "cross terms … absorbed in the
bias"). For a GEMM ``y[m, n] = Σ_k x[m, k]·w[n, k]`` on affine operands ``x = S_x(q_x − z_x)``,
``w = S_w[n](q_w − z_w[n])``::

    acc[m, n] = Σ_k (q_x − z_x)(q_w − z_w)
              = Σ_k q_x q_w  −  z_x·Σ_k q_w[n, k]  −  z_w[n]·Σ_k q_x[m, k]  +  K·z_x·z_w[n]  (+ b_q[n])

The weight-only terms ``b_q[n] − z_x·Σ_k q_w[n,k] + K·z_x·z_w[n]`` are constants folded into the bias /
accumulator initial value (:func:`fold_zero_points`); ``z_w[n]·Σ_k q_x[m,k]`` is the only run-time
correction (zero when weights are symmetric). Per-channel ``z_w`` and ``S_w`` are along the output axis n.

Bias quantization (Jacob 2018 §2.4): ``b_q = round_half_even(b / (S_w·S_x))`` with zero point 0, int32.

Batch-norm folding (Jacob 2018 §3.2; seed 002 §IV-A [151])::

    σ = sqrt(var + ε),   W' = W · γ/σ  (per output channel),   b' = β + γ·(b − μ)/σ   (b = 0 without bias)
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.qtensor import channel_shape

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def _zw_vector(zw: int | np.ndarray, n: int) -> np.ndarray:
    z = np.asarray(zw, dtype=np.int64)
    return np.broadcast_to(z, (n,)) if z.ndim == 0 else z.reshape(n)


def gemm_int_reference(xq: np.ndarray, zx: int, wq: np.ndarray, zw: int | np.ndarray) -> np.ndarray:
    """Direct int64 reference ``Σ_k (q_x − z_x)(q_w − z_w)``: ``xq`` is [M, K], ``wq`` is [N, K]."""
    xq = np.asarray(xq, dtype=np.int64)
    wq = np.asarray(wq, dtype=np.int64)
    z = _zw_vector(zw, wq.shape[0])
    return (xq - int(zx)) @ (wq - z[:, None]).T


def fold_zero_points(
    wq: np.ndarray, zw: int | np.ndarray, zx: int, bias_q: np.ndarray | None = None
) -> np.ndarray:
    """Per-output constant ``b_q[n] − z_x·Σ_k q_w[n,k] + K·z_x·z_w[n]`` (int64, shape [N])."""
    wq = np.asarray(wq, dtype=np.int64)
    n, k = wq.shape
    z = _zw_vector(zw, n)
    const = -int(zx) * wq.sum(axis=1) + k * int(zx) * z
    if bias_q is not None:
        const = const + np.asarray(bias_q, dtype=np.int64).reshape(n)
    return const


def gemm_int_folded(
    xq: np.ndarray, zx: int, wq: np.ndarray, zw: int | np.ndarray, bias_q: np.ndarray | None = None
) -> np.ndarray:
    """Integer GEMM with folded zero points: ``q_x·q_wᵀ + const[n] − z_w[n]·Σ_k q_x[m,k]`` (int64 [M, N])."""
    xq = np.asarray(xq, dtype=np.int64)
    wq = np.asarray(wq, dtype=np.int64)
    z = _zw_vector(zw, wq.shape[0])
    acc = xq @ wq.T + fold_zero_points(wq, z, zx, bias_q)[None, :]
    return acc - np.outer(xq.sum(axis=1), z)


def quantize_bias(bias: np.ndarray, scale_w: float | np.ndarray, scale_x: float) -> np.ndarray:
    """``b_q = round_half_even(b / (S_w·S_x))`` as int64, checked to fit int32."""
    b = np.asarray(bias, dtype=np.float64)
    bq = np.rint(b / (np.asarray(scale_w, dtype=np.float64) * float(scale_x)))
    if bq.size and (bq.min() < INT32_MIN or bq.max() > INT32_MAX):
        raise AccelsimInputError("bias", "quantized bias does not fit int32")
    return bq.astype(np.int64)


def fold_batchnorm(
    w: np.ndarray,
    b: np.ndarray | None,
    gamma: np.ndarray,
    beta: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    eps: float = 1e-5,
    axis: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Fold a batch norm that follows a conv/fc layer into its weights and bias (output channels on ``axis``)."""
    w = np.asarray(w, dtype=np.float64)
    gamma, beta, mean, var = (np.asarray(a, dtype=np.float64) for a in (gamma, beta, mean, var))
    if np.any(var + eps <= 0):
        raise AccelsimInputError("var", "var + eps must be > 0")
    sigma = np.sqrt(var + eps)
    k = w.shape[axis]
    for name, a in (("gamma", gamma), ("beta", beta), ("mean", mean), ("var", var)):
        if a.shape != (k,):
            raise AccelsimInputError(name, f"must have shape ({k},) to match the output channels")
    b0 = np.zeros(k) if b is None else np.asarray(b, dtype=np.float64)
    w_f = w * (gamma / sigma).reshape(channel_shape(w.ndim, axis))
    b_f = beta + gamma * (b0 - mean) / sigma
    return w_f, b_f
