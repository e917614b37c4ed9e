"""DoReFa-Net (Zhou et al., 2016) quantizers, seed 000 §4.1.2 Eq. (8)–(9); seed 001 §3.3.

``quant_k(x) = round((2^k − 1)·x) / (2^k − 1)`` for ``x ∈ [0, 1]`` (round half to even).

* Weights, ``k ≥ 2`` (Eq. 8): ``w_q = 2·quant_k( tanh(w) / (2·max|tanh(w)|) + 1/2 ) − 1``. Returned as an
  unsigned ``k``-bit :class:`QTensor` with ``u = round((2^k − 1)·(tanh(w)/(2 max|tanh w|) + 1/2))``,
  ``scale = 2/(2^k − 1)`` and the **half-integer** zero point ``(2^k − 1)/2``, which reproduces
  ``w_q = 2u/(2^k − 1) − 1`` exactly. (``max`` is over the tensor, or per slice along ``axis``.)
* Weights, ``k = 1`` (Eq. 9): ``w_b = sign(w)·E(|w|)`` with ``sign(0) = −1`` (seed 000 Eq. 2); ``E`` is the
  layer mean (seed 000) or, with ``axis=0``, the mean per output channel (seed 001 §3.3).
* Activations (Eq. 8): ``a_q = quant_k(clip(a, 0, 1))``: unsigned ``k`` bits, ``scale = 1/(2^k − 1)``, ``z = 0``.
"""

from __future__ import annotations

import numpy as np

from accelsim.quant.qtensor import QTensor, channel_shape, normalize_axis


def _reduce_other(x: np.ndarray, axis: int | None, fn) -> np.ndarray:
    if axis is None:
        return np.asarray(fn(x))
    other = tuple(i for i in range(x.ndim) if i != axis)
    return fn(x, axis=other)


def dorefa_weights(w: np.ndarray, bits: int, axis: int | None = None) -> QTensor:
    """DoReFa weight quantizer (Eq. 8 for ``bits ≥ 2``, Eq. 9 for ``bits == 1``)."""
    w = np.asarray(w, dtype=np.float64)
    axis = normalize_axis(axis, w.ndim)
    if bits == 1:
        e = _reduce_other(np.abs(w), axis, np.mean)
        q = np.where(w > 0, 1, -1).astype(np.int64)
        return QTensor(q=q, scale=e if e.ndim else float(e), zero_point=0, bits=1, signed=True, axis=axis)
    n = (1 << bits) - 1
    t = np.tanh(w)
    m = _reduce_other(np.abs(t), axis, np.max)
    m = np.where(m > 0, m, 1.0)
    u = np.rint(n * (t / (2.0 * m.reshape(channel_shape(w.ndim, axis))) + 0.5)).astype(np.int64)
    return QTensor(q=u, scale=2.0 / n, zero_point=n / 2.0, bits=int(bits), signed=False)


def dorefa_activations(a: np.ndarray, bits: int) -> QTensor:
    """DoReFa activation quantizer ``quant_k(clip(a, 0, 1))`` (Eq. 8)."""
    n = (1 << bits) - 1
    q = np.rint(n * np.clip(np.asarray(a, dtype=np.float64), 0.0, 1.0)).astype(np.int64)
    return QTensor(q=q, scale=1.0 / n, zero_point=0, bits=int(bits), signed=False)
