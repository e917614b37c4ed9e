"""Shared pieces of the precision-scalable PE models: operand ranges, two's-complement slicing and an
exact integer GEMM on BLAS.

Slicing convention (every PE family uses it). A ``bits``-wide operand ``x`` (two's complement when
``signed``) is cut into chunks of ``chunk_bits`` from the least significant end::

    x = Σ_i coeff_i · chunk_i,   coeff_i = 2^(chunk_bits·i)

The low chunks are unsigned (``(x >> chunk_bits·i) & mask``); the top chunk is the arithmetic shift
``x >> chunk_bits·(n−1)``, i.e. signed when ``x`` is. For ``chunk_bits = 1`` the top (sign) plane is
``{−1, 0}``, which is the textbook "sign plane weighted −2^(b−1)".

Exact GEMM on BLAS (DESIGN.md, Numerics): ``Σ_k a_k·w_k`` is computed in float32 when
``K·max|a|·max|w| < 2^24``, in float64 when it is below ``2^53``, otherwise by a numba int64 kernel.
The bound is checked on the actual operand maxima, never assumed.
"""

from __future__ import annotations

from collections.abc import Iterable

import numba
import numpy as np

from accelsim.errors import AccelsimInputError

_F32_EXACT = 2**24
_F64_EXACT = 2**53


def operand_range(bits: int, signed: bool) -> tuple[int, int]:
    """Inclusive (lo, hi) of a ``bits``-wide integer: two's complement when ``signed``."""
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


def check_width(field: str, bits: int, allowed: Iterable[int], family: str) -> None:
    """Raise :class:`AccelsimInputError` naming the allowed widths when ``bits`` is not one of them."""
    allowed = sorted(set(allowed))
    if bits not in allowed:
        shown = _ranges(allowed)
        raise AccelsimInputError(field, f"{family} PE does not support {bits}-bit operands; allowed: {shown}")


def _ranges(values: list[int]) -> str:
    out: list[str] = []
    start = prev = values[0]
    for v in values[1:] + [None]:  # type: ignore[list-item]
        if v is not None and v == prev + 1:
            prev = v
            continue
        out.append(f"{start}" if start == prev else f"{start}-{prev}")
        if v is not None:
            start = prev = v
    return ", ".join(out)


def check_operand(name: str, x: np.ndarray, bits: int, signed: bool) -> None:
    """Raise when ``x`` holds values outside the ``bits``-wide (signed) range."""
    lo, hi = operand_range(bits, signed)
    if x.size and (int(x.min()) < lo or int(x.max()) > hi):
        kind = "signed" if signed else "unsigned"
        raise AccelsimInputError(name, f"values must fit {bits}-bit {kind} [{lo}, {hi}]")


def slices(x: np.ndarray, bits: int, chunk_bits: int) -> list[tuple[np.ndarray, int]]:
    """Two's-complement chunks of ``x`` (int64) with their coefficients, least significant first.

    ``Σ coeff·chunk == x`` exactly; the top chunk carries the sign (arithmetic shift).
    """
    n = -(-bits // chunk_bits)
    mask = (1 << chunk_bits) - 1
    out: list[tuple[np.ndarray, int]] = []
    x = x.astype(np.int64, copy=False)
    for i in range(n):
        shift = chunk_bits * i
        chunk = (x >> shift) if i == n - 1 else ((x >> shift) & mask)
        out.append((chunk, 1 << shift))
    return out


@numba.njit(cache=True)
def int64_gemm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Plain int64 GEMM [M×K]·[K×N] (the reference every PE kernel must equal; also the overflow-safe
    fallback of :func:`exact_gemm`)."""
    m, k = a.shape
    n = w.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for kk in range(k):
            av = a[i, kk]
            if av == 0:
                continue
            for j in range(n):
                out[i, j] += av * w[kk, j]
    return out


def exact_gemm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Exact integer GEMM: float32/float64 BLAS when the worst-case partial sum fits the mantissa."""
    k = a.shape[1]
    if a.size == 0 or w.size == 0:
        return np.zeros((a.shape[0], w.shape[1]), dtype=np.int64)
    bound = k * int(np.abs(a).max()) * int(np.abs(w).max())
    if bound < _F32_EXACT:
        return (a.astype(np.float32) @ w.astype(np.float32)).astype(np.int64)
    if bound < _F64_EXACT:
        return (a.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)
    return int64_gemm(np.ascontiguousarray(a, dtype=np.int64), np.ascontiguousarray(w, dtype=np.int64))


def sliced_gemm(
    a: np.ndarray,
    w: np.ndarray,
    a_slices: list[tuple[np.ndarray, int]],
    w_slices: list[tuple[np.ndarray, int]],
) -> np.ndarray:
    """Σ_ij coeff_i·coeff_j·(A_i · W_j): one exact GEMM per slice pair, shifted and added (int64).

    The W slices are laid side by side so each A slice meets all of them in one BLAS call
    (``A_i · [W_0 | W_1 | …]``, column block j = A_i·W_j); the bound check covers every pair.
    """
    m, k = a.shape
    n = w.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    if out.size == 0 or k == 0:
        return out
    amax = max(int(np.abs(c).max()) for c, _ in a_slices)
    wmax = max(int(np.abs(c).max()) for c, _ in w_slices)
    bound = k * amax * wmax
    if bound >= _F64_EXACT:
        for a_chunk, ca in a_slices:
            for w_chunk, cw in w_slices:
                out += (ca * cw) * exact_gemm(a_chunk, w_chunk)
        return out
    dtype = np.float32 if bound < _F32_EXACT else np.float64
    w_cat = np.concatenate([c.astype(dtype) for c, _ in w_slices], axis=1)
    for a_chunk, ca in a_slices:
        prod = a_chunk.astype(dtype) @ w_cat
        for j, (_, cw) in enumerate(w_slices):
            out += (ca * cw) * prod[:, j * n : (j + 1) * n].astype(np.int64)
    return out


def im2col(
    x: np.ndarray, kh: int, kw: int, stride: int | tuple[int, int], pad: int | tuple[int, int, int, int]
) -> tuple[np.ndarray, int, int]:
    """NCHW int tensor -> [N·P·Q × C·kh·kw] patch matrix (zero padding [top, bottom, left, right]), P, Q."""
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    pt, pb, pl, pr = (pad,) * 4 if isinstance(pad, int) else pad
    n, c, h, wd = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    p = (h + pt + pb - kh) // sh + 1
    q = (wd + pl + pr - kw) // sw + 1
    s = xp.strides
    view = np.lib.stride_tricks.as_strided(
        xp, (n, p, q, c, kh, kw), (s[0], s[2] * sh, s[3] * sw, s[1], s[2], s[3]), writeable=False
    )
    return view.reshape(n * p * q, c * kh * kw), p, q
