"""PACT (Choi et al., 2018), seed 000 §4.1.5 Eq. (13).

``â = clip(a, 0, α)``; ``a_q = round(â · (2^k − 1)/α) · α/(2^k − 1)`` (round half to even).
Returned as an unsigned ``k``-bit :class:`QTensor` with ``scale = α/(2^k − 1)``, ``zero_point = 0``. ``α`` is
the learned clipping level (given here).
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.qtensor import QTensor


def pact(a: np.ndarray, alpha: float, bits: int) -> QTensor:
    """PACT activation quantizer with clipping level ``alpha`` > 0."""
    if not alpha > 0:
        raise AccelsimInputError("alpha", f"PACT clipping level must be > 0, got {alpha}")
    n = (1 << bits) - 1
    clipped = np.clip(np.asarray(a, dtype=np.float64), 0.0, alpha)
    q = np.rint(clipped * n / alpha).astype(np.int64)
    return QTensor(q=q, scale=alpha / n, zero_point=0, bits=int(bits), signed=False)
