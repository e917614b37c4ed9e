"""Fake (simulated, float) versus real (integer-only) quantization of one fc or conv2d layer.

Both paths share the same quantized operands (seed 002 §IV-A, Fig. 6):

* ``x_q``: asymmetric unsigned ``a_bits`` (min/max); ``w_q``: symmetric signed ``w_bits``, per tensor or per
  output channel; output parameters ``(S_y, z_y)``: asymmetric unsigned ``out_bits`` from the min/max of the
  fake output (or ``out_range``).
* **fake**: ``y = deq(x_q)·deq(w_q)ᵀ + b`` in float64, then ``q_fake = clamp(round_half_even(y/S_y) + z_y)``.
* **real**: ``acc = gemm_int_folded(q_x, z_x, q_w, z_w, b_q)`` with ``b_q = round(b/(S_w S_x))``, then
  ``q_real = requantize(acc, M0, n, z_y)`` with ``(M0, n) = quantize_multiplier(S_w S_x / S_y)``.

A conv2d (groups = 1) is run as the GEMM of its im2col matrix: rows are output pixels, columns
``(c, r, s)``; padding uses the input zero point ``z_x`` (the code of real 0), so both paths see the same
padded tensor. :func:`mismatch` reports ``max |q_real − q_fake|`` in output LSBs and the fraction of
bit-exact outputs. Differences come from the bias rounding, the ``mult_bits``-bit multiplier and gemmlowp's
double rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.folding import gemm_int_folded, quantize_bias
from accelsim.quant.qtensor import QTensor
from accelsim.quant.requant import Rounding, quantize_multiplier, requantize
from accelsim.quant.uniform import compute_qparams, quantize, quantize_with


@dataclass(frozen=True)
class Mismatch:
    """Integer mismatch between two code arrays of the same output format."""

    max_abs_diff_lsb: int
    fraction_bit_exact: float
    count: int


def mismatch(q_a: np.ndarray, q_b: np.ndarray) -> Mismatch:
    """``max |q_a − q_b|`` (LSBs) and the fraction of equal codes."""
    d = np.abs(np.asarray(q_a, dtype=np.int64) - np.asarray(q_b, dtype=np.int64))
    n = int(d.size)
    return Mismatch(int(d.max()) if n else 0, float(np.mean(d == 0)) if n else 1.0, n)


@dataclass(frozen=True)
class LayerQuantResult:
    """Outputs of both paths (codes of the same output format), the float output and their mismatch."""

    q_fake: np.ndarray
    q_real: np.ndarray
    y_float: np.ndarray
    scale_y: float
    zero_point_y: int
    x_q: QTensor
    w_q: QTensor
    mismatch: Mismatch


def im2col(
    x: np.ndarray, kernel: tuple[int, int], stride: int = 1, padding: int = 0, pad_value: float = 0
) -> np.ndarray:
    """``x [N, C, H, W]`` → ``[N·P·Q, C·R·S]`` patches (rows n-major, then p, q; columns c, r, s)."""
    n, c, h, w = x.shape
    r, s = kernel
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)), constant_values=pad_value)
    p = (h + 2 * padding - r) // stride + 1
    q = (w + 2 * padding - s) // stride + 1
    if p < 1 or q < 1:
        raise AccelsimInputError("kernel", "kernel larger than the padded input")
    win = np.lib.stride_tricks.sliding_window_view(xp, (r, s), axis=(2, 3))[:, :, ::stride, ::stride]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n * p * q, c * r * s)


def gemm_fake_vs_real(
    xq: QTensor,
    wq: QTensor,
    bias: np.ndarray | None = None,
    *,
    out_bits: int = 8,
    rounding: Rounding = "gemmlowp",
    mult_bits: int = 31,
    out_range: tuple[float, float] | None = None,
) -> LayerQuantResult:
    """Both paths for quantized operands ``xq [M, K]`` and ``wq [N, K]`` (per-tensor x, any w granularity)."""
    n_out = wq.q.shape[0]
    b = np.zeros(n_out) if bias is None else np.asarray(bias, dtype=np.float64)
    sw = np.broadcast_to(np.asarray(wq.scale, dtype=np.float64), (n_out,))
    bq = quantize_bias(b, sw, xq.scale)
    y = xq.dequantize() @ wq.dequantize().T + b
    lo, hi = (float(y.min()), float(y.max())) if out_range is None else out_range
    sy, zy = compute_qparams(lo, hi, out_bits, "asymmetric", signed=False)
    sy, zy = float(sy), int(zy)
    q_fake = quantize_with(y, sy, zy, out_bits, signed=False).q
    acc = gemm_int_folded(xq.q, int(xq.zero_point), wq.q, wq.zero_point, bq)
    m0, n = quantize_multiplier(sw * float(xq.scale) / sy, mult_bits)
    q_real = requantize(
        acc, m0, n, zy, out_bits, signed=False, rounding=rounding, mult_bits=mult_bits, axis=1
    )
    return LayerQuantResult(q_fake, q_real, y, sy, zy, xq, wq, mismatch(q_real, q_fake))


def fc_fake_vs_real(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    w_bits: int = 8,
    a_bits: int = 8,
    out_bits: int = 8,
    per_channel: bool = False,
    rounding: Rounding = "gemmlowp",
    mult_bits: int = 31,
    out_range: tuple[float, float] | None = None,
) -> LayerQuantResult:
    """fc layer ``x [M, K] · w [N, K]ᵀ + b`` both ways, with the mismatch (module docstring)."""
    xq = quantize(np.asarray(x, dtype=np.float64), a_bits, "asymmetric")
    wq = quantize(np.asarray(w, dtype=np.float64), w_bits, "symmetric", axis=0 if per_channel else None)
    return gemm_fake_vs_real(
        xq, wq, bias, out_bits=out_bits, rounding=rounding, mult_bits=mult_bits, out_range=out_range
    )


def conv2d_fake_vs_real(
    x: np.ndarray,
    w: np.ndarray,
    bias: np.ndarray | None = None,
    *,
    stride: int = 1,
    padding: int = 0,
    w_bits: int = 8,
    a_bits: int = 8,
    out_bits: int = 8,
    per_channel: bool = False,
    rounding: Rounding = "gemmlowp",
    mult_bits: int = 31,
    out_range: tuple[float, float] | None = None,
) -> LayerQuantResult:
    """conv2d (groups = 1) of ``x [N, C, H, W]`` with ``w [K, C, R, S]``; outputs reshaped to [N, K, P, Q]."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim != 4 or w.ndim != 4 or x.shape[1] != w.shape[1]:
        raise AccelsimInputError("shape", "conv2d needs x [N, C, H, W] and w [K, C, R, S] with equal C")
    xq = quantize(x, a_bits, "asymmetric")
    wq = quantize(w, w_bits, "symmetric", axis=0 if per_channel else None)
    cols = im2col(xq.q, (w.shape[2], w.shape[3]), stride, padding, pad_value=int(xq.zero_point))
    xq_cols = QTensor(cols, xq.scale, xq.zero_point, xq.bits, xq.signed)
    wq_mat = QTensor(wq.q.reshape(w.shape[0], -1), wq.scale, wq.zero_point, wq.bits, wq.signed, wq.axis)
    r = gemm_fake_vs_real(
        xq_cols, wq_mat, bias, out_bits=out_bits, rounding=rounding, mult_bits=mult_bits, out_range=out_range
    )
    n, k = x.shape[0], w.shape[0]
    p = (x.shape[2] + 2 * padding - w.shape[2]) // stride + 1
    q = (x.shape[3] + 2 * padding - w.shape[3]) // stride + 1

    def to_nkpq(a: np.ndarray) -> np.ndarray:
        return a.reshape(n, p, q, k).transpose(0, 3, 1, 2)

    return LayerQuantResult(
        to_nkpq(r.q_fake),
        to_nkpq(r.q_real),
        to_nkpq(r.y_float),
        r.scale_y,
        r.zero_point_y,
        xq,
        wq,
        r.mismatch,
    )
