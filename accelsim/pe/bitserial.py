"""Bit-serial PEs: Stripes (activations serial), Loom (weights and activations serial), BISMO (sum of
shifted binary matrix products).

Timing (REFERENCES.md rows, the published scaling laws, one PE = the unit the fabric replicates):

* **Stripes** (Judd et al., MICRO 2016): a serial inner-product unit (SIP) takes ``LANES = 16`` weights in
  parallel (bit-parallel, up to 16 bits) and the 16 matching activations one bit per cycle, so it does
  16 MACs every ``a_bits`` cycles: ``macs_per_cycle = 16 / a_bits``; time ∝ ``a_bits/16`` relative to a
  16-bit bit-parallel unit with 16 multipliers (the published law).
* **Loom** (Sharify et al., DAC 2018): both operands serial. A Loom PE holds ``16×16`` one-bit AND lanes:
  convolutions take ``w_bits·a_bits`` cycles for 256 MACs (time ∝ ``p_w·p_a/256``); fully connected
  layers have no weight reuse, so the PE runs 16 bit-parallel activations against 16 bit-serial weights:
  16 MACs per ``w_bits`` cycles (time ∝ ``p_w/16``).
* **BISMO** (Umuroglu et al., FPL 2018): a dot-product unit (DPU) does a ``dk``-long binary AND-popcount
  per cycle; a ``w_bits×a_bits`` GEMM is ``w_bits·a_bits`` binary GEMMs: ``macs_per_cycle = dk/(w·a)``.

Energy and area per PE cycle (first principles from :mod:`accelsim.tech`, Horowitz 45 nm, no fitted
constant; the published rows give only the scaling laws above, which the tests check):

* Stripes SIP: 16 AND gates (free) + a 16-input adder tree of ``16+4``-bit adders (15 adds) + a 32-bit
  shift-accumulate;
* Loom PE: 256 AND gates + a popcount tree (255 adds averaging 5 bits) + a 32-bit shift-accumulate;
* BISMO DPU: ``dk`` AND gates + popcount (``dk−1`` adds averaging 5 bits) + a 32-bit accumulate.

Functional kernels compute through the real decomposition: bit-planes of two's-complement operands,
the sign plane weighted ``−2^(b−1)`` (see :mod:`accelsim.pe.common`). ``*_reference`` kernels (numba)
follow the PE cycle by cycle for one output at a time; ``*_gemm`` run each bit-plane product as an
exact BLAS GEMM.
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim import tech
from accelsim.pe.common import check_operand, check_width, sliced_gemm, slices

LANES = 16
"""Stripes SIP width and Loom PE side (16 weights × 16 activations)."""
MAX_BITS = 16
ALLOWED_BITS = tuple(range(1, MAX_BITS + 1))


def _check(w_bits: int, a_bits: int, family: str) -> None:
    check_width("w_bits", w_bits, ALLOWED_BITS, family)
    check_width("a_bits", a_bits, ALLOWED_BITS, family)


# ---- timing ---------------------------------------------------------------------------------------
def stripes_pass(w_bits: int, a_bits: int) -> tuple[int, int]:
    """(products per pass, cycles per pass) of a Stripes SIP: 16 MACs in ``a_bits`` cycles."""
    _check(w_bits, a_bits, "Stripes")
    return LANES, a_bits


def loom_pass(w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
    """Loom PE: conv 256 MACs in ``w·a`` cycles; fully connected 16 MACs in ``w`` cycles."""
    _check(w_bits, a_bits, "Loom")
    if fully_connected:
        return LANES, w_bits
    return LANES * LANES, w_bits * a_bits


def bismo_pass(w_bits: int, a_bits: int, dk: int) -> tuple[int, int]:
    """BISMO DPU: ``dk`` MACs in ``w·a`` cycles (one binary AND-popcount of length dk per cycle)."""
    _check(w_bits, a_bits, "BISMO")
    return dk, w_bits * a_bits


# ---- energy / area per PE cycle (45 nm, scaled to node) -------------------------------------------
def stripes_pe_energy_pj(node_nm: float = 45.0) -> float:
    """One SIP cycle: 15 adds of 20 bits (tree) + one 32-bit shift-accumulate."""
    return 15 * tech.int_add_energy_pj(20, node_nm) + tech.int_add_energy_pj(32, node_nm)


def stripes_pe_area_um2(node_nm: float = 45.0) -> float:
    return 15 * tech.int_add_area_um2(20, node_nm) + tech.int_add_area_um2(32, node_nm)


def popcount_pe_energy_pj(lanes: int, node_nm: float = 45.0) -> float:
    """Loom PE / BISMO DPU cycle: (lanes−1) adds of ~5 bits (popcount tree) + a 32-bit accumulate."""
    return (lanes - 1) * tech.int_add_energy_pj(5, node_nm) + tech.int_add_energy_pj(32, node_nm)


def popcount_pe_area_um2(lanes: int, node_nm: float = 45.0) -> float:
    return (lanes - 1) * tech.int_add_area_um2(5, node_nm) + tech.int_add_area_um2(32, node_nm)


# ---- functional kernels ---------------------------------------------------------------------------
@numba.njit(cache=True)
def _plane_coeff(b: int, bits: int, signed: bool) -> int:
    c = np.int64(1) << b
    if signed and b == bits - 1:
        return -c
    return c


@numba.njit(cache=True)
def stripes_reference(a, w, a_bits, a_signed):
    """Stripes SIP, cycle by cycle: at cycle b every lane ANDs activation bit b with its bit-parallel
    weight, the tree sums the 16 lanes, and the accumulator adds the sum shifted by b (sign plane
    subtracted)."""
    m, k = a.shape
    n = w.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            acc = np.int64(0)
            for k0 in range(0, k, LANES):
                k1 = min(k, k0 + LANES)
                for b in range(a_bits):  # one cycle per activation bit
                    tree = np.int64(0)
                    for kk in range(k0, k1):
                        if (a[i, kk] >> b) & 1:
                            tree += w[kk, j]
                    acc += tree * _plane_coeff(b, a_bits, a_signed)
            out[i, j] = acc
    return out


@numba.njit(cache=True)
def loom_reference(a, w, w_bits, a_bits, w_signed, a_signed):
    """Loom / BISMO bit-level: for each (weight bit, activation bit) pair a binary AND-popcount over the
    reduction, shifted by (bw + ba), sign planes negative."""
    m, k = a.shape
    n = w.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    for i in range(m):
        for j in range(n):
            acc = np.int64(0)
            for bw in range(w_bits):
                cw = _plane_coeff(bw, w_bits, w_signed)
                for ba in range(a_bits):
                    pop = np.int64(0)
                    for kk in range(k):
                        pop += ((a[i, kk] >> ba) & 1) & ((w[kk, j] >> bw) & 1)
                    acc += pop * cw * _plane_coeff(ba, a_bits, a_signed)
            out[i, j] = acc
    return out


def _prep(a, w, w_bits, a_bits, w_signed, a_signed, family):
    _check(w_bits, a_bits, family)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    return a, w


def stripes_gemm(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False) -> np.ndarray:
    """A[M×K]·W[K×N] as Stripes computes it: one exact GEMM per activation bit-plane, weights whole."""
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed, "Stripes")
    return sliced_gemm(a, w, slices(a, a_bits, 1), [(w, 1)])


def bismo_gemm(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False) -> np.ndarray:
    """BISMO: Σ over (weight plane, activation plane) of shifted binary matrix products (exact BLAS)."""
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed, "BISMO")
    return sliced_gemm(a, w, slices(a, a_bits, 1), slices(w, w_bits, 1))


def loom_gemm(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False) -> np.ndarray:
    """Loom: both operands serial, the same plane-pair decomposition as BISMO."""
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed, "Loom")
    return sliced_gemm(a, w, slices(a, a_bits, 1), slices(w, w_bits, 1))


def stripes_gemm_reference(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False):
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed, "Stripes")
    return stripes_reference(a, w, a_bits, a_signed)


def loom_gemm_reference(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False):
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed, "Loom")
    return loom_reference(a, w, w_bits, a_bits, w_signed, a_signed)
