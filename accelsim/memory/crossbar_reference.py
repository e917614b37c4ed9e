"""Slow bit-level reference of the crossbar datapath (tests only, small shapes).

Written independently of :func:`accelsim.memory.crossbar.crossbar_gemm`: explicit loops over input
chunks, row tiles, weight slices and columns, one dot product per column read, the ADC transfer of
:func:`accelsim.memory.adc.quantize_reference`, the encodings applied per weight. Read noise and IR drop
are not covered (they need the kernel's random stream / float GEMM order); device programming uses the
same encoded levels passed in.
"""

from __future__ import annotations

import numpy as np

from accelsim.memory.adc import code_range, max_mode_step, quantize_reference
from accelsim.memory.crossbar import CrossbarConfig


def crossbar_gemm_reference(
    x_int: np.ndarray,
    w_int: np.ndarray,
    xbar: CrossbarConfig,
    w_bits: int,
    a_bits: int,
    w_signed: bool,
    a_signed: bool,
    dnl: np.ndarray | None = None,
) -> np.ndarray:
    """y [M×N] (float64) through the ideal-device crossbar with ADC range mode ``max``."""
    x = np.asarray(x_int, dtype=np.int64)
    w = np.asarray(w_int, dtype=np.int64)
    m, k = x.shape
    n = w.shape[1]
    cb, db = xbar.cell_bits, xbar.dac.bits
    lmax = 2**cb - 1
    n_chunks = -(-a_bits // db)
    n_slices = -(-w_bits // cb)
    signed_adc = xbar.adc_signed(a_signed)
    step = max_mode_step(xbar.worst_case_column(a_bits, a_signed), xbar.adc.bits, signed_adc)
    lo, hi = code_range(xbar.adc.bits, signed_adc)
    y = np.zeros((m, n), dtype=np.float64)
    for mi in range(m):
        # two's complement chunks of this input vector
        chunks = []
        for r in range(k):
            v = int(x[mi, r]) & ((1 << a_bits) - 1)
            cs = []
            for j in range(n_chunks):
                width = min(db, a_bits - j * db)
                c = (v >> (j * db)) & ((1 << width) - 1)
                if a_signed and j == n_chunks - 1 and c >= (1 << (width - 1)):
                    c -= 1 << width
                cs.append(c)
            chunks.append(cs)
        for ni in range(n):
            acc = 0.0
            for j in range(n_chunks):
                for t0 in range(0, k, xbar.rows):
                    rows = range(t0, min(k, t0 + xbar.rows))
                    for s in range(n_slices):
                        if xbar.encoding == "differential":
                            col = [
                                ((max(int(w[r, ni]), 0) >> (s * cb)) & lmax)
                                - ((max(-int(w[r, ni]), 0) >> (s * cb)) & lmax)
                                for r in rows
                            ]
                        else:
                            off = 2 ** (w_bits - 1) if w_signed else 0
                            col = [((int(w[r, ni]) + off) >> (s * cb)) & lmax for r in rows]
                        flipped = xbar.encoding == "flipped" and 2 * sum(col) > len(col) * lmax
                        if flipped:
                            col = [lmax - c for c in col]
                        analog = float(sum(chunks[r][j] * c for r, c in zip(rows, col, strict=True)))
                        adc = 0
                        if dnl is not None:
                            adc = ((s * n + ni) * xbar.devices_per_cell % xbar.cols) // xbar.cols_per_adc
                        d = float(
                            quantize_reference(
                                np.array([analog]),
                                step,
                                xbar.adc,
                                signed_adc,
                                None if dnl is None else dnl[t0 // xbar.rows, adc],
                            )[0]
                        )
                        if flipped:
                            d = lmax * sum(chunks[r][j] for r in rows) - d
                        acc += 2.0 ** (j * db) * 2.0 ** (s * cb) * d
            if xbar.encoding != "differential" and w_signed:
                acc -= 2 ** (w_bits - 1) * int(x[mi].sum())
            y[mi, ni] = acc
    del lo, hi
    return y
