"""Logarithmic formats: power-of-two (log2 / LNS) and radix-4 Log4, stored as sign + exponent codes.

Code layout (both formats): ``b`` bits = 1 sign bit (MSB, 1 = negative) + ``b − 1`` exponent-field bits
``f``; ``f = 0`` encodes zero, ``f ≥ 1`` encodes ``|x| = scale · 2^(step·(f − offset))``.

**log2** (seed 000 §4.1.4 Eq. 12, LNS with base factor γ; γ = 1 is plain power-of-two)::

    x_q = sign(x) · s · 2^(x̂/γ),   x̂ = clip(round(γ·log2(|x|/s)), 0, 2^(b−1) − 2)

``x̂ = f − 1`` (one exponent code is spent on zero, so ``x̂`` tops at ``2^(b−1) − 2`` rather than Eq. 12's
``2^(b−1) − 1``). Rounding is in the log domain (round half to even on ``γ·log2(|x|/s)``). Values with
``|x| < s/2`` (below the midpoint between 0 and the smallest level ``s``) become 0; Eq. 12 has no zero.
Default ``s``: the top level ``s·2^(x̂max/γ)`` is the power of two nearest (in log2) to ``max|x|``, so with
γ = 1 every level is a power of two (multiplication = shift).

**Log4** (Sun et al., 2020; seed 000 §3.2 Eq. 4), 4 bits = [sign, exponent] = [1, 3]::

    |w_q| = 4^(n−1)  if 4^(n−1) ≤ |w_c| ≤ (4^n + 4^(n−1))/2
            4^n      if (4^n + 4^(n−1))/2 < |w_c| ≤ 4^n,        n = −3 … 3

i.e. levels ``4^−3 … 4^3`` (field ``f = n + 4`` ∈ 1..7) with rounding at the *arithmetic* midpoint, a value
exactly on the midpoint going to the lower level. Outside Eq. 4's domain (documented choices): ``|w| > 4^3``
saturates to ``4^3``; ``|w| < 4^−3`` goes to 0 when ``|w| ≤ 4^−3/2`` (midpoint rule, tie low), else to
``4^−3``. ``sign(w_q) = sign(w_c)``. An optional ``scale`` divides the input first and multiplies the levels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimInputError


@dataclass(frozen=True)
class LogTensor:
    """Sign + exponent codes: ``|x| = scale·2^(step·(f − offset))`` for exponent field ``f ≥ 1``, 0 for f = 0."""

    codes: np.ndarray
    bits: int
    scale: float
    step: float
    offset: int

    @property
    def sign(self) -> np.ndarray:
        """−1, 0 or +1 per element."""
        f = self.field
        neg = (self.codes >> (self.bits - 1)) & 1
        return np.where(f == 0, 0, np.where(neg == 1, -1, 1)).astype(np.int64)

    @property
    def field(self) -> np.ndarray:
        """Exponent field (0 = zero)."""
        return self.codes & ((1 << (self.bits - 1)) - 1)

    def dequantize(self) -> np.ndarray:
        """``sign · scale · 2^(step·(f − offset))`` (0 where f = 0)."""
        f = self.field
        mag = self.scale * np.exp2(self.step * (f.astype(np.float64) - self.offset))
        return np.where(f == 0, 0.0, self.sign * mag)


def _pack(neg: np.ndarray, field: np.ndarray, bits: int) -> np.ndarray:
    neg = neg & (field > 0)  # one canonical zero code
    return ((neg.astype(np.int64) << (bits - 1)) | field.astype(np.int64)).astype(np.int64)


def log2_quantize(x: np.ndarray, bits: int = 4, scale: float | None = None, gamma: int = 1) -> LogTensor:
    """Power-of-two / LNS quantizer (seed 000 Eq. 12 with a zero code; see module docstring)."""
    if bits < 2:
        raise AccelsimInputError("bits", f"log2 needs bits >= 2 (sign + exponent), got {bits}")
    if gamma < 1:
        raise AccelsimInputError("gamma", f"must be >= 1, got {gamma}")
    x = np.asarray(x, dtype=np.float64)
    xhat_max = (1 << (bits - 1)) - 2
    a = np.abs(x)
    if scale is None:
        amax = float(a.max()) if a.size else 0.0
        top = 2.0 ** np.rint(np.log2(amax)) if amax > 0 else 1.0
        scale = float(top * 2.0 ** (-xhat_max / gamma))
    if not scale > 0:
        raise AccelsimInputError("scale", f"must be > 0, got {scale}")
    with np.errstate(divide="ignore"):
        xhat = np.rint(gamma * np.log2(np.where(a > 0, a / scale, 1.0)))
    xhat = np.clip(xhat, 0, xhat_max)
    field = np.where(a < scale / 2.0, 0, xhat + 1).astype(np.int64)
    return LogTensor(_pack(x < 0, field, bits), int(bits), float(scale), 1.0 / gamma, 1)


def log4_quantize(x: np.ndarray, scale: float = 1.0) -> LogTensor:
    """Radix-4 Log4 (seed 000 Eq. 4): 4-bit sign + 3-bit exponent, levels 4^−3..4^3 and zero."""
    if not scale > 0:
        raise AccelsimInputError("scale", f"must be > 0, got {scale}")
    x = np.asarray(x, dtype=np.float64)
    a = np.abs(x) / scale
    levels = np.concatenate(([0.0], 4.0 ** np.arange(-3, 4)))  # index = field
    mids = (levels[1:] + levels[:-1]) / 2.0
    field = np.searchsorted(mids, a, side="left").astype(np.int64)  # a == mid -> lower level
    return LogTensor(_pack(x < 0, field, 4), 4, float(scale), 2.0, 4)
