"""Ternary weights: TWN (Li et al., 2016) and TTQ (Zhu et al., 2017), seed 001 §3.4.

TWN, seed 001 Eq. (4): ``W^t_i = +1 if W_i > Δ; 0 if |W_i| ≤ Δ; −1 if W_i < −Δ`` with the TWN paper's
approximate optimum ``Δ = 0.7·E(|W|)`` and ``α = mean of |W_i| over {i : |W_i| > Δ}`` (layer-wise, or per
slice along ``axis``). Returned as a 2-bit restricted signed :class:`QTensor` (codes −1, 0, +1;
``real = α·q``). A slice with no weight above Δ has all-zero codes and gets ``α = 1`` (any α decodes it to 0).

TTQ: the same ternarization with threshold ``Δ = t·max|W|`` (TTQ's ``t`` hyper-parameter, default 0.05) and
two trained scales: ``real = +W_p`` for code +1, ``−W_n`` for −1, 0 for 0. ``W_p``, ``W_n`` (> 0) are given (they
are learned in training). Returned as a :class:`CodebookTensor` with table ``[−W_n, 0, W_p]`` and
``codes = ternary + 1``.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.qtensor import CodebookTensor, QTensor, channel_shape, normalize_axis


def ternarize(w: np.ndarray, delta: float | np.ndarray) -> np.ndarray:
    """Seed 001 Eq. (4) with threshold ``delta`` (broadcastable): +1 / 0 / −1 as int64."""
    w = np.asarray(w, dtype=np.float64)
    return np.where(w > delta, 1, np.where(w < -delta, -1, 0)).astype(np.int64)


def twn_weights(w: np.ndarray, delta_factor: float = 0.7, axis: int | None = None) -> QTensor:
    """TWN: ``Δ = delta_factor·mean|W|``, ``α = mean(|W_i| : |W_i| > Δ)``, codes in {−1, 0, +1}."""
    w = np.asarray(w, dtype=np.float64)
    axis = normalize_axis(axis, w.ndim)
    other = None if axis is None else tuple(i for i in range(w.ndim) if i != axis)
    a = np.abs(w)
    delta = delta_factor * np.mean(a, axis=other)
    delta_b = np.reshape(delta, channel_shape(w.ndim, axis)) if axis is not None else delta
    t = ternarize(w, delta_b)
    above = t != 0
    cnt = np.sum(above, axis=other)
    alpha = np.divide(
        np.sum(np.where(above, a, 0.0), axis=other), cnt, out=np.ones_like(delta), where=cnt > 0
    )
    alpha_out = alpha if axis is not None else float(alpha)
    meta = {"delta": delta}
    return QTensor(
        q=t, scale=alpha_out, zero_point=0, bits=2, signed=True, axis=axis, restricted=True, meta=meta
    )


def ttq_weights(w: np.ndarray, wp: float, wn: float, t: float = 0.05) -> CodebookTensor:
    """TTQ: ternarize at ``Δ = t·max|W|``, decode with the trained scales ``W_p`` (positive) and ``W_n``."""
    if wp <= 0 or wn <= 0:
        raise AccelsimInputError("wp/wn", f"TTQ scales must be > 0, got wp={wp}, wn={wn}")
    if not 0 <= t < 1:
        raise AccelsimInputError("t", f"TTQ threshold factor must be in [0, 1), got {t}")
    w = np.asarray(w, dtype=np.float64)
    delta = t * float(np.max(np.abs(w))) if w.size else 0.0
    codes = ternarize(w, delta) + 1
    return CodebookTensor(codes=codes, codebook=np.array([-wn, 0.0, wp]), bits=2, meta={"delta": delta})
