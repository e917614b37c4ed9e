"""UNPU PE (Lee et al., ISSCC 2018): lookup-table-based bit-serial PE (LBPE), fully variable 1–16-bit
weights, activations up to 16 bits.

Datapath (what :func:`unpu_reference` computes): for a group of ``G = 4`` activations along the
reduction, a LUT holds the 2^4 = 16 partial sums ``Σ_{t ∈ subset} a_t`` (precomputed once per group and
reused by every output and every weight bit). Each cycle, one bit of each of the 4 weights of a group
(one bit-plane) indexes the LUT; the fetched partial sum is shifted by the bit position and accumulated
(the sign plane of signed weights subtracts). A ``w_bits``-bit weight therefore takes ``w_bits`` cycles:
one LBPE lane = 4 lookups per cycle = 16 weight bits per cycle = ``16 / w_bits`` MACs per cycle.

Timing constants (REFERENCES.md UNPU row, 200 MHz):

* ``864`` LBPE lanes: calibrated on 345.6 GOPS at 16-bit weights (345.6e9 / 2 / 200e6 = 864 MACs per
  cycle = 864 lanes × 16/16);
* 1-bit weights: 16/w predicts 864·16 = 13,824 MACs/cycle = 5,530 GOPS, 25 % below the published 7,372.
  UNPU has a dedicated 1-bit mode; the model adds ``ONE_BIT_PASS = (64 MACs, 3 cycles)`` per lane
  (× 4/3 over 16/w), **fitted** to 7,372 GOPS — that figure is a calibration, not a validation.

Energy (per cycle, at the published efficiency point): ``E = E_LANE·lanes + E_MAC·MACs/cycle`` — the
lane term covers the LUT lookups, shifters and accumulators (busy every cycle whatever w is); the MAC
term covers activation fetch and LUT rebuilds, whose rate grows with throughput. Both constants are
**fitted** to the two published efficiencies (3.08 TOPS/W at 16-bit, 50.6 TOPS/W at 1-bit), so UNPU
energy has no independent validation point here (the 297 mW at 1.1 V row does not say at which width).
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.pe.common import check_operand, check_width, sliced_gemm, slices

GROUP = 4
"""Activations per LUT (16 entries)."""
ALLOWED_BITS = tuple(range(1, 17))
ONE_BIT_PASS = (64, 3)
"""(MACs, cycles) per lane in 1-bit weight mode: fitted to 7372 GOPS."""

# Energy constants (pJ at the efficiency point, 65 nm), solved from the two published efficiencies:
#   E(16b)/cycle = 345.6e9/3.08e12 W / 200e6 Hz = 561.0 pJ,   MACs/cycle = 864
#   E(1b)/cycle  = 7372e9/50.6e12 W / 200e6 Hz  = 728.5 pJ,   MACs/cycle = 18432
_E16 = 345.6e9 / 3.08e12 / 200e6 * 1e12
_E1 = 7372e9 / 50.6e12 / 200e6 * 1e12
E_MAC_PJ = (_E1 - _E16) / (18432 - 864)
E_LANE_PJ = (_E16 - 864 * E_MAC_PJ) / 864


def lane_pass(w_bits: int, a_bits: int) -> tuple[int, int]:
    """(MACs, cycles) per LBPE lane: 16 MACs in ``w_bits`` cycles; 1-bit mode 64 in 3."""
    check_width("w_bits", w_bits, ALLOWED_BITS, "UNPU")
    check_width("a_bits", a_bits, ALLOWED_BITS, "UNPU")
    if w_bits == 1:
        return ONE_BIT_PASS
    return 16, w_bits


def lane_energy_pj(macs_per_lane_cycle: float) -> float:
    """Energy of one lane-cycle at the efficiency point: E_LANE + E_MAC·(MACs per lane per cycle)."""
    return E_LANE_PJ + E_MAC_PJ * macs_per_lane_cycle


@numba.njit(cache=True)
def unpu_reference(a, w, w_bits, w_signed):
    """GEMM through LUTs: per activation group a 16-entry partial-sum table, indexed bit-serially by the
    weights' bit-planes."""
    m, k = a.shape
    n = w.shape[1]
    out = np.zeros((m, n), dtype=np.int64)
    lut = np.zeros(16, dtype=np.int64)
    for i in range(m):
        for g0 in range(0, k, GROUP):
            g1 = min(k, g0 + GROUP)
            for idx in range(16):  # build the LUT of this activation group
                s = np.int64(0)
                for t in range(g1 - g0):
                    if (idx >> t) & 1:
                        s += a[i, g0 + t]
                lut[idx] = s
            for j in range(n):
                acc = np.int64(0)
                for b in range(w_bits):  # one cycle per weight bit
                    idx = 0
                    for t in range(g1 - g0):
                        idx |= ((w[g0 + t, j] >> b) & 1) << t
                    v = lut[idx] << b
                    if w_signed and b == w_bits - 1:
                        acc -= v
                    else:
                        acc += v
                out[i, j] += acc
    return out


def _prep(a, w, w_bits, a_bits, w_signed, a_signed):
    lane_pass(w_bits, a_bits)
    a = np.ascontiguousarray(a, dtype=np.int64)
    w = np.ascontiguousarray(w, dtype=np.int64)
    check_operand("a", a, a_bits, a_signed)
    check_operand("w", w, w_bits, w_signed)
    return a, w


def unpu_gemm_reference(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False):
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed)
    return unpu_reference(a, w, w_bits, w_signed)


def unpu_gemm(a, w, w_bits: int, a_bits: int, w_signed: bool = True, a_signed: bool = False) -> np.ndarray:
    """Fast path: one exact GEMM per weight bit-plane (the LUT lookups of a plane summed), shift-added."""
    a, w = _prep(a, w, w_bits, a_bits, w_signed, a_signed)
    return sliced_gemm(a, w, [(a, 1)], slices(w, w_bits, 1))
