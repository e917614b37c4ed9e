"""Envision PE (Moons et al., ISSCC 2017): DVAFS subword-parallel 16×16-bit multiplier.

The 16-bit multiplier is built from a 4×4 grid of 4×4-bit sub-multipliers (nibble i of the activation
times nibble j of the weight, shifted by 4(i+j)). DVAFS reconfigures it by precision mode
(``mode = 4, 8, 16`` bits; an operand pair runs in the smallest mode ≥ max(w_bits, a_bits), allowed
widths 1–16, sign-extended):

* 16-bit: 1 product per cycle using all 16 sub-multipliers;
* 8-bit: 2 subword products per cycle, each on a 2×2 block of sub-multipliers on the diagonal: 8/16 used;
* 4-bit: 4 subword products per cycle, each on one diagonal sub-multiplier: **4/16 = 25 % used**, the
  published under-utilization; :func:`idle_share` reports ``1 − used/16`` (75 % at 4 bits).

Timing: ``products = 16/mode`` per MAC unit per cycle; Envision has a 16×16 array of MAC units
(256 at 16-bit), so at 200 MHz and 4b/4b: 256·4·2·200e6 = 0.41 TOPS (structural, no calibration).

Energy: one constant, the energy of one active 4×4 sub-multiplier-cycle including its share of the
chip (SRAM, control), calibrated on 4.3 TOPS/W at 4b/4b: ``E_SUB = 2 ops / 4.3e12 / (1 MAC per active
sub-multiplier)`` = 0.4651 pJ. **Check**: 16b/16b uses 16 sub-multipliers per MAC, so the model predicts
4.3/16 = 0.27 TOPS/W against the published low end of Envision's range, 0.26 TOPS/W. DVAFS voltage and
frequency scaling at low precision is not modeled (it is what lifts the published high end to 10 TOPS/W).
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.pe.common import check_operand, check_width, sliced_gemm, slices

SUB_MULTS = 16
ALLOWED_BITS = tuple(range(1, 17))
E_SUB_MULT_PJ = 2.0 / 4.3e12 * 1e12
"""Energy per active 4×4 sub-multiplier-cycle (chip share): calibrated on 4.3 TOPS/W at 4b/4b."""


def mode_bits(w_bits: int, a_bits: int) -> int:
    check_width("w_bits", w_bits, ALLOWED_BITS, "Envision")
    check_width("a_bits", a_bits, ALLOWED_BITS, "Envision")
    width = max(w_bits, a_bits)
    return 4 if width <= 4 else 8 if width <= 8 else 16


def unit_pass(w_bits: int, a_bits: int) -> tuple[int, int]:
    """(products, cycles) per MAC unit: 16/mode subword products in one cycle."""
    return 16 // mode_bits(w_bits, a_bits), 1


def sub_mults_used(w_bits: int, a_bits: int) -> int:
    """Sub-multipliers busy per cycle: products·(mode/4)²."""
    mode = mode_bits(w_bits, a_bits)
    return (16 // mode) * (mode // 4) ** 2


def idle_share(w_bits: int, a_bits: int) -> float:
    """Fraction of the 16 sub-multipliers idle in this mode (0.75 at 4 bits, 0.5 at 8, 0 at 16)."""
    return 1.0 - sub_mults_used(w_bits, a_bits) / SUB_MULTS


@numba.njit(cache=True)
def envision_reference(a, w, mode, a_signed, w_signed, usage):
    """GEMM through the subword multiplier: per cycle ``16/mode`` products, product p on the diagonal
    block of sub-multipliers [p·mode/4, (p+1)·mode/4)²; ``usage[0]`` counts sub-multiplier activations,
    ``usage[1]`` cycles."""
    m, k = a.shape
    n = w.shape[1]
    nib = mode // 4
    per_cycle = 16 // mode
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            acc = np.int64(0)
            for k0 in range(0, k, per_cycle):
                usage[1] += 1
                for p in range(k0, min(k, k0 + per_cycle)):
                    av = a[i, p]
                    wv = w[p, j]
                    for si in range(nib):
                        an = av >> (4 * si)
                        if not (a_signed and si == nib - 1):
                            an &= 15
                        for sj in range(nib):
                            wn = wv >> (4 * sj)
                            if not (w_signed and sj == nib - 1):
                                wn &= 15
                            acc += (an * wn) << (4 * (si + sj))
                            usage[0] += 1
            out[i, j] = acc
    return out


def envision_gemm(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False):
    """A[M×K]·W[K×N] through subword multipliers; returns (result, measured idle share of sub-multipliers)."""
    mode = mode_bits(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    usage = np.zeros(2, dtype=np.int64)
    out = envision_reference(a, w, mode, a_signed, w_signed, usage)
    idle = 1.0 - usage[0] / (SUB_MULTS * usage[1]) if usage[1] else 0.0
    return out, float(idle)


def envision_gemm_fast(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False):
    """BLAS form of :func:`envision_gemm`: one exact GEMM per (activation nibble, weight nibble) pair of the
    mode's sign-extended operands, shifted by ``4(i+j)``; the idle share in closed form from the counts the
    reference accumulates: ``used = M·N·K·(mode/4)²``, ``cycles = M·N·⌈K / (16/mode)⌉``,
    ``idle = 1 − used / (16·cycles)``."""
    mode = mode_bits(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    m, k = a.shape
    n = w.shape[1]
    out = sliced_gemm(a, w, slices(a, mode, 4), slices(w, mode, 4))
    cycles = m * n * (-(-k // (16 // mode)))
    used = m * n * k * (mode // 4) ** 2
    idle = 1.0 - used / (SUB_MULTS * cycles) if cycles else 0.0
    return out, float(idle)
