"""BitBlade PE (Ryu et al., DAC 2019; REFERENCES.md row): 2×2-bit multipliers with bit-wise summation.

Like a Bit Fusion FU, a BitBlade PE has 16 2×2-bit multipliers and runs 16 / 4 / 1 products per cycle at
2 / 4 / 8-bit operands (mixed pairs as in Bit Fusion; 1-bit runs in a 2-bit slot, 3-bit in 4, 5–7 in 8;
allowed widths 1–8). The difference is *where the shifts happen*: Bit Fusion shift-adds the bricks of
each product, then sums products; BitBlade first sums, across the products of the cycle, all 2×2
partial products of the same significance (i, j) ("bit-wise summation") and shifts each of these sums
once — one shifter per significance instead of one per brick. :func:`bitblade_reference` follows that
order.

Calibration (REFERENCES.md: 1.42 TOPS and 44.1 TOPS/W at 2b/2b, 195 MHz at 1 V, 44 MHz at 0.6 V,
74 mW at 1 V, 7.8 mW at 0.6 V, 0.71 mm²):

* array: 14×16 PEs × 16 multipliers = 3,584 multipliers, the array size whose 2b/2b peak at 195 MHz is
  closest to 1.42 TOPS (1.398 TOPS): **calibration**;
* energy per 2×2 multiplier operation (whole chip, per MAC at 2b/2b), at 0.6 V: 2 ops / 44.1 TOPS/W =
  45.35 fJ: **calibration** on 44.1 TOPS/W; scaled by (V/0.6 V)² to other voltages;
* **checks**: power at 0.6 V / 44 MHz (model 7.15 mW vs 7.8 mW published, −8 %) and at 1 V / 195 MHz
  (model 88.0 mW vs 74 mW published, +19 %) — see tests/test_pe_presets.py.
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.pe.bitfusion import slot_bits
from accelsim.pe.common import check_operand, check_width, exact_gemm, slices

MULTS_PER_PE = 16
ALLOWED_BITS = tuple(range(1, 9))
E_MULT_OP_PJ_AT_REF = 2.0 / 44.1e12 * 1e12
"""Chip energy per 2×2 multiplier-op at REF_VDD_V (calibrated on 44.1 TOPS/W at 2b/2b)."""
REF_VDD_V = 0.6


def pe_pass(w_bits: int, a_bits: int) -> tuple[int, int]:
    """(products, cycles) per PE: (8/a_slot)·(8/w_slot) products in one cycle."""
    check_width("w_bits", w_bits, ALLOWED_BITS, "BitBlade")
    check_width("a_bits", a_bits, ALLOWED_BITS, "BitBlade")
    return (8 // slot_bits(a_bits)) * (8 // slot_bits(w_bits)), 1


def mult_energy_pj(vdd_v: float) -> float:
    """Energy of one 2×2 multiplier operation (chip total share) at ``vdd_v``: E_ref·(V/0.6)²."""
    return E_MULT_OP_PJ_AT_REF * (vdd_v / REF_VDD_V) ** 2


@numba.njit(cache=True)
def bitblade_reference(a, w, a_slot, w_slot, a_signed, w_signed, products):
    """Per cycle: ``products`` pairs; for each significance (i, j) sum the 2×2 products over the pairs,
    then shift that sum by 2(i+j) and add (bit-wise summation)."""
    m, k = a.shape
    n = w.shape[1]
    nba = a_slot // 2
    nbw = w_slot // 2
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            acc = np.int64(0)
            for k0 in range(0, k, products):
                k1 = min(k, k0 + products)
                for bi in range(nba):
                    for bj in range(nbw):
                        s = np.int64(0)
                        for kk in range(k0, k1):
                            av = a[i, kk] >> (2 * bi)
                            if not (a_signed and bi == nba - 1):
                                av &= 3
                            wv = w[kk, j] >> (2 * bj)
                            if not (w_signed and bj == nbw - 1):
                                wv &= 3
                            s += av * wv
                        acc += s << (2 * (bi + bj))
            out[i, j] = acc
    return out


def bitblade_gemm(
    a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False
) -> np.ndarray:
    """A[M×K]·W[K×N] through BitBlade PEs (numba; the fast BLAS form is :func:`bitfusion_gemm`'s)."""
    products, _ = pe_pass(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    return bitblade_reference(a, w, slot_bits(a_bits), slot_bits(w_bits), a_signed, w_signed, products)


def bitblade_gemm_fast(
    a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False
) -> np.ndarray:
    """BLAS form of :func:`bitblade_reference`'s order: for each significance ``s = i + j`` one exact GEMM
    of the side-by-side bricks ``[A_i …]·[W_j …]ᵀ`` over all pairs with ``i + j = s`` (the bit-wise
    summation of those 2×2 partial products), shifted once by ``2s``."""
    pe_pass(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    a_sl = slices(a, slot_bits(a_bits), 2)
    w_sl = slices(w, slot_bits(w_bits), 2)
    out = np.zeros((a.shape[0], w.shape[1]), dtype=np.int64)
    for s in range(len(a_sl) + len(w_sl) - 1):
        pairs = [(i, s - i) for i in range(len(a_sl)) if 0 <= s - i < len(w_sl)]
        big_a = np.concatenate([a_sl[i][0] for i, _ in pairs], axis=1)
        big_w = np.concatenate([w_sl[j][0] for _, j in pairs], axis=0)
        out += exact_gemm(big_a, big_w) << np.int64(2 * s)
    return out
