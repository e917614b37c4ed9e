"""Binary (bipolar) layers as an FPGA computes them: XNOR and popcount on bit-packed operands (FINN's
``binaryXnorMode``; Umuroglu et al., FINN, FPGA 2017).

A ±1 value is one bit (1 ↔ +1, 0 ↔ −1). For K-long vectors a and w, ``a·w = 2·popcount(XNOR(a, w)) − K``;
the operands are packed 64 bits per word (the tail bits of the last word are masked out).
:func:`xnor_gemm` equals the int64 GEMM of the ±1 matrices exactly (tests/test_fpga_streaming.py).
"""

from __future__ import annotations

import numba
import numpy as np


def pack_bipolar(m: np.ndarray) -> np.ndarray:
    """[rows, K] of ±1 -> [rows, ⌈K/64⌉] uint64, bit k of word k//64 set for +1."""
    m = np.asarray(m)
    if m.size and not np.isin(m, (-1, 1)).all():
        raise ValueError("pack_bipolar takes ±1 values only")
    bits = (m > 0).astype(np.uint8)
    rows, k = bits.shape
    words = -(-k // 64)
    padded = np.zeros((rows, words * 64), np.uint8)
    padded[:, :k] = bits
    return (
        np.packbits(padded.reshape(rows, words, 64)[:, :, ::-1], axis=2, bitorder="big")
        .view(">u8")
        .reshape(rows, words)
        .astype(np.uint64)
    )


@numba.njit(cache=True)
def _popcount64(x):  # pragma: no cover - numba
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@numba.njit(cache=True)
def _xnor_gemm(a, w, k, out):  # pragma: no cover - numba
    words = a.shape[1]
    tail = k - (words - 1) * 64
    mask = np.uint64(0xFFFFFFFFFFFFFFFF) if tail == 64 else (np.uint64(1) << np.uint64(tail)) - np.uint64(1)
    for i in range(a.shape[0]):
        for j in range(w.shape[0]):
            c = 0
            for t in range(words):
                x = ~(a[i, t] ^ w[j, t])
                if t == words - 1:
                    x &= mask
                c += _popcount64(x)
            out[i, j] = 2 * c - k


def xnor_gemm(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``a[M×K] · w[K×N]`` of ±1 matrices by XNOR-popcount; int64 [M×N]."""
    a = np.asarray(a)
    w = np.asarray(w)
    k = a.shape[1]
    out = np.empty((a.shape[0], w.shape[1]), np.int64)
    if k == 0:
        out[:] = 0
        return out
    _xnor_gemm(pack_bipolar(a), pack_bipolar(w.T), k, out)
    return out
