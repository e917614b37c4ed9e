"""Row DAC of a compute-in-memory crossbar: input slicing (bit-serial streaming), non-linearity, cost.

An ``a_bits`` input streams through a ``bits``-bit DAC in ``ceil(a_bits / bits)`` chunks, least
significant first: ``x = Σ_j chunk_j · 2^(j·bits)``. Unsigned chunks are ``0..2^bits−1``; a signed input
(two's complement) makes the top chunk signed (``−2^(w−1)..2^(w−1)−1``, ``w`` its width), i.e. a negative
read voltage — the digital shift-add then reproduces the integer exactly.

Non-linearity: the applied level of a code ``c`` of full scale ``F = 2^bits − 1`` is
``c + inl_lsb · 4·(|c|/F)·(1 − |c|/F) · sign(c)`` (a bow, 0 at 0 and at full scale, peak ``inl_lsb`` LSB
at mid-scale). A 1-bit DAC (two levels) is therefore always linear.

Cost: ``energy_pj_per_conversion`` per row drive per chunk, scaled ∝ 2^bits / 2 from the 1-bit value
(ISAAC's 1-bit DAC: 4 mW for 8×128 DACs at 10 MHz ≈ 0.39 pJ per drive at 32 nm); area likewise.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from accelsim.errors import AccelsimInputError
from accelsim.workload import StrictModel


class DacConfig(StrictModel):
    """The row DACs of a crossbar (one per row)."""

    bits: int = Field(1, ge=1, le=16, description="DAC resolution; inputs wider than this stream in chunks")
    inl_lsb: float = Field(0.0, description="peak mid-scale non-linearity in LSB (0 = ideal)")
    energy_pj_1bit: float = Field(0.39, ge=0, description="energy per row drive of a 1-bit DAC in pJ")
    area_mm2_1bit: float = Field(1.66e-7, ge=0, description="area of one 1-bit DAC in mm² (ISAAC, 32 nm)")
    ref_technology_nm: float = Field(32.0, gt=0, description="node the energy/area figures refer to")

    def chunks(self, a_bits: int) -> int:
        """Number of input chunks streamed: ceil(a_bits / bits)."""
        return -(-a_bits // self.bits)

    def energy_pj_per_drive(self, technology_nm: float) -> float:
        """1-bit energy · 2^bits / 2 · node/ref_node."""
        return self.energy_pj_1bit * 2.0**self.bits / 2.0 * technology_nm / self.ref_technology_nm

    def area_mm2(self, technology_nm: float) -> float:
        return self.area_mm2_1bit * 2.0**self.bits / 2.0 * (technology_nm / self.ref_technology_nm) ** 2


def slice_inputs(x_int: np.ndarray, a_bits: int, a_signed: bool, dac_bits: int) -> list[np.ndarray]:
    """Split integers into DAC chunks (LSB first) with x = Σ chunk_j·2^(j·dac_bits); top chunk signed if
    ``a_signed``. Raises AccelsimInputError when a value is outside the a_bits range."""
    x = np.asarray(x_int)
    lo, hi = (-(2 ** (a_bits - 1)), 2 ** (a_bits - 1) - 1) if a_signed else (0, 2**a_bits - 1)
    if x.size and (x.min() < lo or x.max() > hi):
        raise AccelsimInputError(
            "x_int",
            f"inputs outside the {a_bits}-bit {'signed' if a_signed else 'unsigned'} range [{lo}, {hi}]",
        )
    n = -(-a_bits // dac_bits)
    work = np.int16 if a_bits <= 14 else np.int64
    u = x.astype(work) & work((1 << a_bits) - 1)  # two's-complement bit pattern
    out = []
    for j in range(n):
        width = min(dac_bits, a_bits - j * dac_bits)
        c = (u >> work(j * dac_bits)) & work((1 << width) - 1)
        if a_signed and j == n - 1:
            c = c - ((c >> work(width - 1)) << work(width))  # top chunk is signed
        out.append(c)
    return out


def apply_dac_nonlinearity(chunk: np.ndarray, dac_bits: int, inl_lsb: float) -> np.ndarray:
    """Applied level of each code (float32): c + inl·4·(|c|/F)(1−|c|/F)·sign(c), F = 2^bits − 1."""
    c = chunk.astype(np.float32)
    if inl_lsb == 0 or dac_bits == 1:
        return c
    f = float(2**dac_bits - 1)
    a = np.abs(c) / f
    return (c + np.float32(inl_lsb) * 4.0 * a * (1.0 - a) * np.sign(c)).astype(np.float32)
