"""Integer nonlinear kernels of integer-only transformers (I-BERT), numba: softmax, LayerNorm (with an
integer square root), GELU and the exponential they rest on. Bit-exact against
:mod:`accelsim.functional.nonlinear_ref` (its docstring states every formula); tests/test_nonlinear.py
checks that on random inputs and measures the error against float.

Every function takes int64 arrays (``x = q·scale``) and returns int64 codes with the output scale.
"""

from __future__ import annotations

import math

import numba
import numpy as np

EXP_A, EXP_B, EXP_C = 0.3585, 1.353, 0.344
ERF_A, ERF_B = -0.2888, -1.769


def exp_constants(scale: float) -> tuple[int, int, int, float]:
    """(q_ln2, q_b, q_c, output scale a·S²) of ``int_exp`` for input scale ``scale``."""
    q_ln2 = math.floor(math.log(2) / scale)
    if q_ln2 < 1:
        raise ValueError(f"input scale {scale} is coarser than ln 2: int_exp needs S < 0.693")
    return (
        q_ln2,
        math.floor(EXP_B / scale),
        math.floor(EXP_C / (EXP_A * scale * scale)),
        EXP_A * scale * scale,
    )


def gelu_constants(scale: float) -> tuple[int, int, int, float]:
    """(q_b, q_c, q_one, output scale) of ``int_gelu`` for input scale ``scale``."""
    s = scale / math.sqrt(2.0)
    q_b = math.floor(ERF_B / s)
    q_c = math.floor(1.0 / (ERF_A * s * s))
    s_erf = ERF_A * s * s
    q_one = math.floor(1.0 / s_erf)
    return q_b, q_c, q_one, scale * s_erf / 2


@numba.njit(cache=True)
def _exp_row(q, q_ln2, q_b, q_c, out):  # pragma: no cover - numba
    for i in range(q.shape[0]):
        z = (-q[i]) // q_ln2
        q_p = q[i] + z * q_ln2
        v = (q_p + q_b) * (q_p + q_b) + q_c
        out[i] = v >> z if z < 63 else 0


@numba.njit(cache=True)
def _softmax_rows(q, q_ln2, q_b, q_c, out_bits, out):  # pragma: no cover - numba
    n, c = q.shape
    e = np.empty(c, np.int64)
    for r in range(n):
        m = q[r, 0]
        for i in range(1, c):
            if q[r, i] > m:
                m = q[r, i]
        total = 0
        for i in range(c):
            z = (m - q[r, i]) // q_ln2
            q_p = q[r, i] - m + z * q_ln2
            v = (q_p + q_b) * (q_p + q_b) + q_c
            e[i] = v >> z if z < 63 else 0
            total += e[i]
        for i in range(c):
            out[r, i] = (e[i] << out_bits) // total


@numba.njit(cache=True)
def _isqrt(n):  # pragma: no cover - numba
    if n < 2:
        return n
    bits = 0
    t = n
    while t > 0:
        bits += 1
        t >>= 1
    x = np.int64(1) << ((bits + 1) // 2)
    while True:
        y = (x + n // x) // 2
        if y >= x:
            return x
        x = y


@numba.njit(cache=True)
def _sqrt_all(n, out):  # pragma: no cover - numba
    for i in range(n.shape[0]):
        out[i] = _isqrt(n[i])


@numba.njit(cache=True)
def _layernorm_rows(q, frac_bits, out):  # pragma: no cover - numba
    n, c = q.shape
    for r in range(n):
        s = 0
        for i in range(c):
            s += q[r, i]
        mu = s // c
        v = 0
        for i in range(c):
            d = q[r, i] - mu
            v += d * d
        sigma = _isqrt(v // c)
        for i in range(c):
            out[r, i] = 0 if sigma == 0 else ((q[r, i] - mu) << frac_bits) // sigma


@numba.njit(cache=True)
def _gelu_all(q, q_b, q_c, q_one, out):  # pragma: no cover - numba
    for i in range(q.shape[0]):
        a = q[i] if q[i] >= 0 else -q[i]
        sgn = 1 if q[i] > 0 else (-1 if q[i] < 0 else 0)
        clipped = a if a < -q_b else -q_b
        q_erf = sgn * ((clipped + q_b) * (clipped + q_b) + q_c)
        out[i] = q[i] * (q_erf + q_one)


def _int64(q) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(q, dtype=np.int64))


def int_exp(q, scale: float) -> tuple[np.ndarray, float]:
    """exp of ``q·scale`` for ``q ≤ 0``: (codes, output scale a·S²)."""
    q = _int64(q)
    if q.size and q.max() > 0:
        raise ValueError("int_exp takes q <= 0 (subtract the maximum first)")
    q_ln2, q_b, q_c, s_out = exp_constants(scale)
    out = np.empty(q.size, np.int64)
    _exp_row(q.ravel(), q_ln2, q_b, q_c, out)
    return out.reshape(q.shape), s_out


def int_softmax(q, scale: float, out_bits: int = 8) -> tuple[np.ndarray, float]:
    """Softmax over the last axis of ``q·scale``: (codes, 2^−out_bits)."""
    q = _int64(q)
    q_ln2, q_b, q_c, _ = exp_constants(scale)
    rows = q.reshape(-1, q.shape[-1])
    out = np.empty_like(rows)
    _softmax_rows(rows, q_ln2, q_b, q_c, out_bits, out)
    return out.reshape(q.shape), 2.0**-out_bits


def int_sqrt(n) -> np.ndarray:
    """⌊√n⌋ of non-negative int64 values."""
    n = _int64(n)
    if n.size and n.min() < 0:
        raise ValueError("int_sqrt of a negative number")
    out = np.empty(n.size, np.int64)
    _sqrt_all(n.ravel(), out)
    return out.reshape(n.shape)


def int_layernorm(q, frac_bits: int = 7) -> tuple[np.ndarray, float]:
    """LayerNorm (without gain and bias) over the last axis: (codes, 2^−frac_bits)."""
    q = _int64(q)
    rows = q.reshape(-1, q.shape[-1])
    out = np.empty_like(rows)
    _layernorm_rows(rows, frac_bits, out)
    return out.reshape(q.shape), 2.0**-frac_bits


def int_gelu(q, scale: float) -> tuple[np.ndarray, float]:
    """GELU of ``q·scale``: (codes, output scale)."""
    q = _int64(q)
    q_b, q_c, q_one, s_out = gelu_constants(scale)
    out = np.empty(q.size, np.int64)
    _gelu_all(q.ravel(), q_b, q_c, q_one, out)
    return out.reshape(q.shape), s_out
