"""Power-of-two (log2) weights as shifts in LUTs: no multiplier, no DSP (LightNN, Ding et al. 2017; the
log PE of :mod:`accelsim.pe.logpe`, QUEST, Ueyoshi et al. ISSCC 2018).

A weight is ``w = (−1)^s · 2^e`` or zero: the weight memory stores its code (sign, exponent, zero flag) and
the product ``a·w`` is a barrel shift of the activation (an ``(e_max + 1)``-input multiplexer per bit, LUT
logic) followed by a conditional negation. The negation is done as two's-complement hardware does it —
invert, and add one — with every ``+1`` carry-in of a column collected into one per-column constant
(``n_neg[n]`` = the column's count of negative weights, known when the weights are loaded and folded into
the bias / the next thresholds)::

    y[m, n] = Σ_k nz[k,n] · ((a[m,k] << e[k,n]) XOR −s[k,n])  +  n_neg[n]
            = Σ_k nz[k,n] · (−1)^s[k,n] · a[m,k] · 2^e[k,n]                (since x XOR −1 = −x − 1)

This identity holds modulo ``2^B`` for any accumulator width ``B``, hence exactly in int64 when the true sum
fits. :func:`shift_add_gemm` equals the integer GEMM with the decoded weights and
:func:`accelsim.pe.logpe.logpe_gemm` / :func:`~accelsim.pe.logpe.logpe_gemm_fast` bit for bit
(tests/test_fpga_numerics.py). Codes come from integer weights (:func:`encode_pow2`) or from
:mod:`accelsim.quant.logquant` tensors (:func:`from_log_tensor`: ``|x| = scale·2^(step·(f − offset))`` is the
integer ``2^(step·(f − 1))`` times the layer scale ``scale·2^(step·(1 − offset))``; integer ``step`` only).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.logquant import LogTensor


@dataclass(frozen=True)
class Pow2Weights:
    """Codes of power-of-two weights: ``sign`` (1 = negative), ``exponent`` (≥ 0), ``nonzero`` (False = 0)."""

    sign: np.ndarray
    exponent: np.ndarray
    nonzero: np.ndarray

    def decode(self) -> np.ndarray:
        """Integer weights ``nz·(−1)^s·2^e`` (int64)."""
        mag = np.int64(1) << self.exponent.astype(np.int64)
        return np.where(self.nonzero, np.where(self.sign.astype(bool), -mag, mag), 0).astype(np.int64)

    @property
    def max_exponent(self) -> int:
        e = self.exponent[self.nonzero]
        return int(e.max()) if e.size else 0


def pow2_mask(w: np.ndarray) -> np.ndarray:
    """True where an integer weight is 0 or ±2^e (e ≥ 0)."""
    w = np.asarray(w)
    if w.dtype.kind not in "iu":
        return np.zeros(w.shape, dtype=bool)
    mag = np.abs(w.astype(np.int64))
    return (mag & (mag - 1)) == 0  # 0 and powers of two


def is_pow2(w: np.ndarray) -> bool:
    """Every weight is 0 or ±2^e."""
    return bool(np.all(pow2_mask(w)))


def encode_pow2(w: np.ndarray) -> Pow2Weights:
    """Codes of integer weights that are all 0 or ±2^e (anything else is an input error)."""
    w = np.asarray(w)
    if not is_pow2(w):
        raise AccelsimInputError("w", "log2-shift weights must be integers 0 or ±2^e")
    w = w.astype(np.int64)
    mag = np.abs(w)
    nz = mag > 0
    exp = np.zeros(w.shape, dtype=np.int64)
    m = mag[nz]
    e = np.zeros(m.shape, dtype=np.int64)
    while np.any(m > 1):  # exact integer log2 of a power of two
        big = m > 1
        e += big
        m = np.where(big, m >> 1, m)
    exp[nz] = e
    return Pow2Weights((w < 0).astype(np.int8), exp, nz)


def from_log_tensor(t: LogTensor) -> tuple[Pow2Weights, float]:
    """Codes and layer scale of a :mod:`accelsim.quant.logquant` tensor: value = scale' · decode(codes)."""
    step = float(t.step)
    if step != int(step) or step < 1:
        raise AccelsimInputError(
            "step", f"only integer exponent steps map to shifts, got {t.step} (gamma > 1?)"
        )
    f = t.field.astype(np.int64)
    nz = f > 0
    exp = np.where(nz, int(step) * (f - 1), 0).astype(np.int64)
    neg = (t.sign < 0).astype(np.int8)
    return Pow2Weights(neg, exp, nz), float(t.scale * 2.0 ** (step * (1 - t.offset)))


@numba.njit(cache=True)
def _shift_add(a, exponent, negmask, nzmask, ncorr):  # pragma: no cover - numba
    m, k = a.shape
    n = exponent.shape[1]
    out = np.empty((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            acc = ncorr[j]
            for kk in range(k):
                acc += ((a[i, kk] << exponent[kk, j]) ^ negmask[kk, j]) & nzmask[kk, j]
            out[i, j] = acc
    return out


def shift_add_gemm(a: np.ndarray, w: Pow2Weights) -> np.ndarray:
    """``a[M×K] · decode(w)[K×N]`` by shifts, XOR-negation and one per-column carry constant (module
    docstring); int64 [M×N], exact when every partial sum fits int64."""
    a = np.ascontiguousarray(a, dtype=np.int64)
    e = np.ascontiguousarray(w.exponent, dtype=np.int64)
    if a.ndim != 2 or e.ndim != 2 or a.shape[1] != e.shape[0]:
        raise AccelsimInputError("shape", f"need a[M×K] and weights [K×N], got {a.shape} and {e.shape}")
    if e.size and (e.min() < 0 or e.max() > 62):
        raise AccelsimInputError("exponent", "shifts must be in 0..62")
    nz = np.asarray(w.nonzero, dtype=bool)
    neg = np.asarray(w.sign).astype(bool) & nz
    negmask = np.ascontiguousarray(-neg.astype(np.int64))  # all ones where negative
    nzmask = np.ascontiguousarray(-nz.astype(np.int64))  # all ones where nonzero
    ncorr = np.ascontiguousarray(neg.sum(axis=0).astype(np.int64))
    return _shift_add(a, e, negmask, nzmask, ncorr)
