"""Plain references for :mod:`accelsim.fpga.thresholds`: FINN's compare-and-count exactly as written in
``multithreshold`` (fastmachinelearning/qonnx ``src/qonnx/custom_op/general/multithreshold.py``: ``vm >=
thresholds``, ``count_nonzero``, ``out_scale · count + out_bias``), extended to descending channels
(``acc ≤ T``), and the threshold derivation by exhaustive scan of the accumulator range (small ranges)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def multithreshold_ref(
    acc: np.ndarray,
    values: np.ndarray,
    sign: np.ndarray,
    out_bias: int = 0,
    out_scale: int = 1,
    axis: int = 1,
) -> np.ndarray:
    """``out_bias + out_scale·#{t : acc ≥ T[c, t]}`` (``sign[c] = +1``) or ``#{t : acc ≤ T[c, t]}`` (−1)."""
    v = np.moveaxis(np.asarray(acc, dtype=np.int64), axis, -1)[..., None]  # (..., C, 1)
    t = np.asarray(values, dtype=np.int64)  # (C, T)
    up = np.asarray(sign)[:, None] > 0
    cmp = np.where(up, v >= t, v <= t)
    out = out_bias + out_scale * np.count_nonzero(cmp, axis=-1)
    return np.moveaxis(out.astype(np.int64), -1, axis)


def derive_thresholds_ref(
    fn: Callable[[np.ndarray], np.ndarray], sign: np.ndarray, qmin: int, qmax: int, acc_range: tuple[int, int]
) -> np.ndarray:
    """Uncompressed thresholds [C × (qmax − qmin)] by evaluating ``fn`` on every accumulator of ``acc_range``:
    ``T[c, t] = s_c·min{u : f_c(s_c·u) ≥ t}`` (``u_hi + 1`` if none)."""
    lo, hi = acc_range
    sign = np.where(np.asarray(sign) < 0, -1, 1).astype(np.int64)
    c = sign.shape[0]
    out = np.empty((c, qmax - qmin), dtype=np.int64)
    for ch in range(c):
        s = int(sign[ch])
        u = np.arange(lo, hi + 1, dtype=np.int64) if s > 0 else np.arange(-hi, -lo + 1, dtype=np.int64)
        acc = np.zeros((c, u.size), dtype=np.int64)
        acc[ch] = s * u
        codes = np.asarray(fn(acc))[ch]
        for j, t in enumerate(range(qmin + 1, qmax + 1)):
            hit = np.nonzero(codes >= t)[0]
            out[ch, j] = s * (u[hit[0]] if hit.size else u[-1] + 1)
    return out
