"""Plain reference for :mod:`accelsim.fpga.requant`: the quantized activation element by element in exact
rational arithmetic, ``clamp(round_half_up(acc / 2^s), 0, 2^O − 1)``."""

from __future__ import annotations

import math
from fractions import Fraction


def shift_requantize_ref(acc: list[int], shift: int, out_bits: int) -> list[int]:
    """One code per accumulator: round half up of ``acc·2^−shift``, then ReLU and saturation to ``out_bits``."""
    top = 2**out_bits - 1
    return [min(max(math.floor(Fraction(x, 2**shift) + Fraction(1, 2)) if shift else x, 0), top) for x in acc]
