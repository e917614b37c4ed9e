"""Binary weights and activations: BWN / XNOR-Net (Rastegari et al., 2016), seed 001 §3.2.

``W ≈ α·B`` with ``B = sign(W)`` (seed 001 Eq. 2: +1 where ``W ≥ 0``) and the optimal L1 scale
(seed 001 Eq. 3)::

    α* = Wᵀ sign(W) / n = (1/n)·Σ|W_i| = ‖W‖_1 / n,     n = c × w × h (one filter)

so ``α`` is per filter (per slice along ``axis``, 0 = output channel by default; ``axis=None`` gives one
layer-wide α). XNOR-Net additionally binarizes activations with ``sign`` and, as in RedBit, no activation
scale. Returned as ``bits = 1`` signed :class:`QTensor` (codes ±1, ``real = α·q``).
"""

from __future__ import annotations

import numpy as np

from accelsim.quant.qtensor import QTensor, normalize_axis


def sign_pm1(x: np.ndarray) -> np.ndarray:
    """+1 where ``x ≥ 0`` else −1 (seed 001 Eq. 2), as int64."""
    return np.where(np.asarray(x) >= 0, 1, -1).astype(np.int64)


def bwn_weights(w: np.ndarray, axis: int | None = 0) -> QTensor:
    """BWN / XNOR-Net weights: ``q = sign(W)``, ``α = mean|W|`` per filter along ``axis``."""
    w = np.asarray(w, dtype=np.float64)
    axis = normalize_axis(axis, w.ndim) if w.ndim else None
    if axis is None:
        alpha: float | np.ndarray = float(np.mean(np.abs(w)))
    else:
        alpha = np.mean(np.abs(w), axis=tuple(i for i in range(w.ndim) if i != axis))
    return QTensor(q=sign_pm1(w), scale=alpha, zero_point=0, bits=1, signed=True, axis=axis)


def xnor_activations(x: np.ndarray) -> QTensor:
    """XNOR-Net activations: ``q = sign(x)``, ``scale = 1``."""
    return QTensor(q=sign_pm1(x), scale=1.0, zero_point=0, bits=1, signed=True)
