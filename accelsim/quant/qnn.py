"""QNN (Hubara et al., 2017) quantizers, as written in RedBit (Santos et al., seed 001 §3.1).

Linear quantizer, seed 001 Eq. (1)::

    LinearQuant(x, b) = Clip(round(x · 2^(b−1)) / 2^(b−1), minV, maxV)

returned as a :class:`QTensor` with ``scale = 2^−(b−1)``, ``zero_point = 0`` and
``q = clamp(round_half_even(x · 2^(b−1)), minV·2^(b−1), maxV·2^(b−1))``. The default range
``[minV, maxV] = [−1, 1 − 2^−(b−1)]`` is the largest one whose codes fit a signed ``b``-bit integer; a wider
``max_v`` (e.g. the paper's symmetric ``maxV = 1``) is rejected because its top code ``2^(b−1)`` needs
``b + 1`` bits.

Binarization, seed 001 Eq. (2): ``q = sign(r) = +1 if r ≥ 0 else −1`` (note ``sign(0) = +1`` here, whereas
seed 000 Eq. (2) maps 0 to −1); returned with ``bits = 1``, ``scale = 1``.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.qtensor import QTensor, int_range


def qnn_binarize(x: np.ndarray) -> QTensor:
    """Seed 001 Eq. (2): +1 where ``x ≥ 0``, −1 elsewhere; ``scale = 1``, ``bits = 1``."""
    x = np.asarray(x, dtype=np.float64)
    return QTensor(q=np.where(x >= 0, 1, -1).astype(np.int64), scale=1.0, zero_point=0, bits=1, signed=True)


def qnn_linear_quant(
    x: np.ndarray, bits: int, min_v: float | None = None, max_v: float | None = None
) -> QTensor:
    """Seed 001 Eq. (1) linear quantizer (``bits == 1`` falls back to Eq. (2) binarization)."""
    if bits == 1:
        return qnn_binarize(x)
    qmin, qmax = int_range(bits, True)
    step = float(1 << (bits - 1))
    min_v = -1.0 if min_v is None else float(min_v)
    max_v = qmax / step if max_v is None else float(max_v)
    lo, hi = np.ceil(min_v * step), np.floor(max_v * step)
    if lo < qmin or hi > qmax or lo > hi:
        raise AccelsimInputError(
            "max_v",
            f"range [{min_v}, {max_v}] needs codes [{lo:.0f}, {hi:.0f}] outside int{bits} [{qmin}, {qmax}]",
        )
    q = np.clip(np.rint(np.asarray(x, dtype=np.float64) * step), lo, hi).astype(np.int64)
    return QTensor(q=q, scale=1.0 / step, zero_point=0, bits=int(bits), signed=True)
