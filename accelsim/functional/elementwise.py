"""Elementwise integer operations: fitting values to a bit width, and residual addition.

``fit_bits`` maps exact int64 values into a ``bits``-wide signed (two's complement) or unsigned range:
``saturate`` clamps to ``[lo, hi]``; ``wrap`` reduces modulo ``2^bits`` into ``[lo, hi]``. Every element that was
out of range counts as one overflow output and one overflow event.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional.intops import OVERFLOW_MODES, IntResult, _as_int


def bit_range(bits: int, signed: bool) -> tuple[int, int]:
    """[lo, hi] of a ``bits``-wide integer: signed [−2^(b−1), 2^(b−1) − 1], unsigned [0, 2^b − 1]."""
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def fit_bits(values: np.ndarray, bits: int, signed: bool = True, overflow: str = "saturate") -> IntResult:
    """Saturate or wrap int64 ``values`` into ``bits`` bits (1..63 unsigned, 1..64 signed)."""
    if overflow not in OVERFLOW_MODES:
        raise AccelsimInputError("overflow", f"unknown value {overflow!r}; allowed: saturate, wrap")
    top = 64 if signed else 63
    if not 1 <= int(bits) <= top:
        raise AccelsimInputError(
            "out_bits", f"must be 1..{top} for {'signed' if signed else 'unsigned'}, got {bits}"
        )
    v = np.asarray(values, dtype=np.int64)
    lo, hi = bit_range(int(bits), signed)
    bad = (v < lo) | (v > hi)
    n = int(np.count_nonzero(bad))
    if n == 0:
        return IntResult(v.copy(), 0, 0, "elementwise")
    if overflow == "saturate":
        out = np.clip(v, lo, hi)
    elif bits == 64:
        out = v.copy()
    else:
        m = np.uint64((1 << bits) - 1)
        u = v.view(np.uint64) & m  # value mod 2^bits in [0, 2^bits)
        out = u.astype(np.int64)
        if signed:
            out = np.where(out > hi, out - (1 << bits), out)
    return IntResult(out, n, n, "elementwise")


def int_add(
    a: np.ndarray,
    b: np.ndarray,
    out_bits: int | None = None,
    signed: bool = True,
    overflow: str = "saturate",
) -> IntResult:
    """Elementwise ``a + b`` (numpy broadcasting), exact in int64, then fitted to ``out_bits`` if given."""
    a = _as_int(a, "a")
    b = _as_int(b, "b")
    try:
        s = a.astype(np.int64) + b.astype(np.int64)
    except ValueError:
        raise AccelsimInputError("a, b", f"shapes {a.shape} and {b.shape} do not broadcast") from None
    if out_bits is None:
        return IntResult(s, 0, 0, "elementwise")
    return fit_bits(s, out_bits, signed, overflow)
