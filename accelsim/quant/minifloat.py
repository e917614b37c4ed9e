"""Low-precision floating point ("minifloat"), default FP8 (1, 5, 2) of Wang et al. (2018), seed 000 §3.2 Table 1.

Format ``(1, e, m)`` with bias ``2^(e−1) − 1`` (15 for FP8 (1,5,2), IEEE-754 style, the top 8 bits of an IEEE
half)::

    E = 0:           x = (−1)^s · 2^(1−bias) · (M / 2^m)          (subnormals, and ±0)
    0 < E < 2^e − 1: x = (−1)^s · 2^(E−bias) · (1 + M / 2^m)      (normals)
    E = 2^e − 1:     reserved (M = 0: ±inf, M ≠ 0: NaN), never produced from a finite input

Encoding rounds to nearest with ties to even (even mantissa code); it **saturates**: a finite value (or ±inf)
beyond the largest finite magnitude ``(2 − 2^−m)·2^(2^e − 2 − bias)`` (57344 for (1,5,2)) encodes as that
magnitude; NaN encodes as the NaN code with all mantissa bits set. An optional ``scale`` divides the input
before encoding and multiplies on decoding (``real = scale·decode(code)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimInputError


@dataclass(frozen=True)
class MinifloatFormat:
    """Bit allocation (1 sign, ``exp_bits``, ``man_bits``) and bias of a minifloat."""

    exp_bits: int = 5
    man_bits: int = 2

    @property
    def bias(self) -> int:
        """IEEE-style exponent bias ``2^(e−1) − 1``."""
        return (1 << (self.exp_bits - 1)) - 1

    @property
    def bits(self) -> int:
        """Total width ``1 + e + m``."""
        return 1 + self.exp_bits + self.man_bits

    @property
    def emin(self) -> int:
        """Exponent of the smallest normal (and of the subnormals' scale)."""
        return 1 - self.bias

    @property
    def max_finite(self) -> float:
        """Largest finite magnitude ``(2 − 2^−m)·2^(2^e − 2 − bias)``."""
        return (2.0 - 2.0**-self.man_bits) * 2.0 ** ((1 << self.exp_bits) - 2 - self.bias)


FP8_E5M2 = MinifloatFormat(5, 2)


@dataclass(frozen=True)
class MinifloatTensor:
    """Minifloat codes (int64 holding the ``1 + e + m`` bit patterns) with their format and scale."""

    codes: np.ndarray
    fmt: MinifloatFormat = FP8_E5M2
    scale: float = 1.0

    def dequantize(self) -> np.ndarray:
        """``scale · decode(codes)``."""
        return self.scale * decode(self.codes, self.fmt)


def decode(codes: np.ndarray, fmt: MinifloatFormat = FP8_E5M2) -> np.ndarray:
    """Value of each code (formulas in the module docstring)."""
    c = np.asarray(codes, dtype=np.int64)
    m = fmt.man_bits
    sign = np.where((c >> (fmt.bits - 1)) & 1, -1.0, 1.0)
    e = (c >> m) & ((1 << fmt.exp_bits) - 1)
    man = (c & ((1 << m) - 1)).astype(np.float64)
    emax_field = (1 << fmt.exp_bits) - 1
    normal = np.ldexp(1.0 + man / (1 << m), (e - fmt.bias).astype(np.int64))
    sub = np.ldexp(man / (1 << m), fmt.emin)
    val = np.where(e == 0, sub, normal)
    val = np.where(e == emax_field, np.where(man == 0, np.inf, np.nan), val)
    return sign * val


def encode(x: np.ndarray, fmt: MinifloatFormat = FP8_E5M2) -> np.ndarray:
    """Round-to-nearest-even, saturating encoding of ``x`` into ``fmt`` codes (int64)."""
    if fmt.man_bits < 1 or fmt.exp_bits < 2:
        raise AccelsimInputError("format", "minifloat needs exp_bits >= 2 and man_bits >= 1")
    x = np.asarray(x, dtype=np.float64)
    m = fmt.man_bits
    nan = np.isnan(x)
    a = np.where(nan, 0.0, np.minimum(np.abs(x), fmt.max_finite))
    _, ex = np.frexp(a)  # a = frac·2^ex, frac in [0.5, 1)
    e = np.maximum(ex - 1, fmt.emin)  # binade exponent (subnormals share emin)
    n = np.rint(np.ldexp(a, -(e - m)))  # exact scaling by a power of two, then RNE
    v = np.minimum(np.ldexp(n, e - m), fmt.max_finite)
    # pack v (exactly representable) into fields
    _, ev = np.frexp(v)
    ev = ev - 1
    is_sub = (v == 0) | (ev < fmt.emin)
    field_e = np.where(is_sub, 0, ev + fmt.bias)
    man = np.where(is_sub, np.ldexp(v, -(fmt.emin - m)), np.ldexp(v, -(ev - m)) - (1 << m))
    code = (field_e.astype(np.int64) << m) | man.astype(np.int64)
    code = np.where(np.signbit(x) & ~nan, code | (1 << (fmt.bits - 1)), code)
    nan_code = (((1 << fmt.exp_bits) - 1) << m) | ((1 << m) - 1)
    return np.where(nan, nan_code, code).astype(np.int64)


def fp8_quantize(x: np.ndarray, scale: float = 1.0, fmt: MinifloatFormat = FP8_E5M2) -> MinifloatTensor:
    """FP8 (1,5,2) (or ``fmt``) quantization of ``x / scale``."""
    if not scale > 0:
        raise AccelsimInputError("scale", f"must be > 0, got {scale}")
    return MinifloatTensor(encode(np.asarray(x, dtype=np.float64) / scale, fmt), fmt, float(scale))
