"""Fake (simulated, float) versus real (integer-only) quantization of one fully connected / GEMM layer.

Both paths share the same quantized operands (seed 002 §IV-A, Fig. 6):

* ``x_q``: asymmetric unsigned ``a_bits`` (min/max); ``w_q``: symmetric signed ``w_bits``, per tensor or per
  output channel; output parameters ``(S_y, z_y)``: asymmetric unsigned ``out_bits`` from the min/max of the
  fake output (or given).
* **fake**: ``y = deq(x_q)·deq(w_q)ᵀ + b`` in float64, then ``q_fake = clamp(round_half_even(y/S_y) + z_y)``.
* **real**: ``acc = gemm_int_folded(q_x, z_x, q_w, z_w, b_q)`` with ``b_q = round(b/(S_w S_x))``, then
  ``q_real = requantize(acc, M0, n, z_y)`` with ``(M0, n) = quantize_multiplier(S_w S_x / S_y)``.

:func:`mismatch` reports ``max |q_real − q_fake|`` in output LSBs and the fraction of bit-exact outputs.
Differences come from the bias rounding, the ``mult_bits``-bit multiplier and gemmlowp's double rounding.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
class FcQuantResult:
    """Outputs of both paths (codes of the same output format) and their mismatch."""

    q_fake: np.ndarray
    q_real: np.ndarray
    y_float: np.ndarray
    scale_y: float
    zero_point_y: int
    x_q: QTensor
    w_q: QTensor
    mismatch: Mismatch


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
) -> FcQuantResult:
    """Run one fc layer ``x [M, K] · w [N, K]ᵀ + b`` both ways and measure the mismatch (module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n_out = w.shape[0]
    b = np.zeros(n_out) if bias is None else np.asarray(bias, dtype=np.float64)
    xq = quantize(x, a_bits, "asymmetric")
    wq = quantize(w, w_bits, "symmetric", axis=0 if per_channel else None)
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
    return FcQuantResult(q_fake, q_real, y, sy, zy, xq, wq, mismatch(q_real, q_fake))
