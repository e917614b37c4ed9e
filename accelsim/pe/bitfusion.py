"""Bit Fusion PE (Sharma et al., ISCA 2018): a Fusion Unit of 16 BitBricks.

A BitBrick multiplies two 2-bit operands, each flagged signed (−2..1) or unsigned (0..3). A Fusion Unit
(FU) fuses its 16 bricks into

* 16 products per cycle at 2×2 bits, 4 at 4×4, 1 at 8×8, and mixed pairs (8×2: 4, 4×2: 8, 8×4: 2):
  ``products = (8/a_slot)·(8/w_slot)`` with slots 2/4/8 (``pmax = 8``, ``pmin = 2``); binary (1-bit)
  operands run in 2-bit slots, 3-bit in 4-bit slots, 5–7 bit in 8-bit slots (sign-extended);
* 16-bit operands by temporal iteration: each 16-bit operand is two 8-bit halves (low half unsigned, high
  half signed), one FU pass per half pair (2 passes for 16×8, 4 for 16×16), shift-added.

``products_per_fu`` is exactly the authors' simulator formula ``floor(pmax/max(a,pmin))·floor(pmax/max(w,pmin))``
for widths up to 8 (shared/reference/bitfusion_config.md). Allowed widths: 1–16.

Energy and area per FU (bf_e_conf, 45 nm, from bitfusion_config.md — the simulator's data, not fitted
to any speedup): core 235.104 pJ per non-stalled cycle for the 16×32 array = 0.4592 pJ per FU-cycle
(synthesis of a 4×4 array at 500 MHz scaled linearly); core area 0.888 mm² / 512 = 1734 µm² per FU.

Functional kernels: :func:`fusion_unit_reference` (numba) computes every product through its bricks and
the FU's shift-add tree, pass by pass, then accumulates; :func:`bitfusion_gemm` runs one exact BLAS GEMM
per (activation brick, weight brick) pair and shift-adds them (same algebra, fast).
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.pe.common import check_operand, check_width, sliced_gemm, slices

PMAX = 8
PMIN = 2
BRICKS_PER_FU = 16
ALLOWED_BITS = tuple(range(1, 17))
FU_ENERGY_PJ_PER_CYCLE_45NM = 235.104 / 512
FU_AREA_UM2_45NM = 0.888e6 / 512


def slot_bits(bits: int) -> int:
    """The fused slot an operand runs in: 2, 4, 8 or 16 (16 = two 8-bit halves over time)."""
    for slot in (2, 4, 8, 16):
        if bits <= slot:
            return slot
    raise AssertionError(bits)


def fu_pass(w_bits: int, a_bits: int) -> tuple[int, int]:
    """(products per FU per pass, cycles per pass): 16-bit operands iterate over two 8-bit halves."""
    check_width("w_bits", w_bits, ALLOWED_BITS, "Bit Fusion")
    check_width("a_bits", a_bits, ALLOWED_BITS, "Bit Fusion")
    ws, as_ = slot_bits(w_bits), slot_bits(a_bits)
    products = (PMAX // min(as_, PMAX)) * (PMAX // min(ws, PMAX))
    cycles = (as_ // PMAX if as_ > PMAX else 1) * (ws // PMAX if ws > PMAX else 1)
    return products, cycles


def bricks_in_use(w_bits: int, a_bits: int) -> int:
    """BitBricks busy per cycle: products × (a_slot/2)·(w_slot/2) of the (≤8-bit) halves; always 16."""
    products, _ = fu_pass(w_bits, a_bits)
    ws, as_ = min(slot_bits(w_bits), PMAX), min(slot_bits(a_bits), PMAX)
    return products * (ws // PMIN) * (as_ // PMIN)


@numba.njit(cache=True)
def _brick(x, i, n_bricks, signed):
    """Brick i (2 bits) of x: unsigned, except the top brick of a signed operand (arithmetic shift)."""
    if signed and i == n_bricks - 1:
        return x >> (2 * i)
    return (x >> (2 * i)) & 3


@numba.njit(cache=True)
def _fused_product(av, wv, a_slot, w_slot, a_signed, w_signed):
    """One fused product through BitBricks: halves over time (16-bit), bricks in space, shift-add tree."""
    nha = 2 if a_slot == 16 else 1
    nhw = 2 if w_slot == 16 else 1
    ba = min(a_slot, 8) // 2
    bw = min(w_slot, 8) // 2
    total = np.int64(0)
    for ha in range(nha):  # temporal iteration over 8-bit halves
        a_half = (av >> 8) if (nha == 2 and ha == 1) else (av & 0xFF if nha == 2 else av)
        a_half_signed = a_signed and ha == nha - 1
        for hw in range(nhw):
            w_half = (wv >> 8) if (nhw == 2 and hw == 1) else (wv & 0xFF if nhw == 2 else wv)
            w_half_signed = w_signed and hw == nhw - 1
            tree = np.int64(0)
            for i in range(ba):  # the FU's shift-add tree over its bricks
                ab = _brick(a_half, i, ba, a_half_signed)
                for j in range(bw):
                    wb = _brick(w_half, j, bw, w_half_signed)
                    tree += (ab * wb) << (2 * (i + j))
            total += tree << (8 * (ha + hw))
    return total


@numba.njit(cache=True)
def fusion_unit_reference(a, w, a_slot, w_slot, a_signed, w_signed, products):
    """GEMM through Fusion Units: each cycle an FU fuses ``products`` (a, w) pairs of the reduction,
    each product built from BitBricks, and adds them to the output's partial sum."""
    m, k = a.shape
    n = w.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            acc = np.int64(0)
            for k0 in range(0, k, products):
                fu_sum = np.int64(0)
                for kk in range(k0, min(k, k0 + products)):
                    fu_sum += _fused_product(a[i, kk], w[kk, j], a_slot, w_slot, a_signed, w_signed)
                acc += fu_sum
            out[i, j] = acc
    return out


def _prep(a, w, w_bits, a_bits, w_signed, a_signed):
    fu_pass(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    return a, w


def bitfusion_gemm_reference(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False):
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed)
    products, _ = fu_pass(w_bits, a_bits)
    return fusion_unit_reference(a, w, slot_bits(a_bits), slot_bits(w_bits), a_signed, w_signed, products)


def bitfusion_gemm(
    a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False
) -> np.ndarray:
    """A[M×K]·W[K×N] through BitBricks: Σ_ij 4^(i+j)·(A_brick_i · W_brick_j), one exact GEMM per pair.

    Operands are sign-extended to their slot (2/4/8/16 bits) and cut into 2-bit bricks, the top brick
    signed for signed operands; a 16-bit slot is simply 8 bricks (the two temporal halves).
    """
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed)
    return sliced_gemm(a, w, slices(a, slot_bits(a_bits), 2), slices(w, slot_bits(w_bits), 2))
