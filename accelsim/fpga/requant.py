"""Fixed-point requantization by a shift: how a pipeline with wide activations (Chen et al. 2020's 16-bit
activations, hls4ml's ``ap_fixed`` casts) turns an accumulator into the next layer's activation without
FINN's ``2^O − 1`` thresholds per channel.

``y = clamp(⌊(acc + 2^(s−1)) / 2^s⌋, 0, 2^O − 1)``: round half up by the power-of-two scale ``2^−s``, ReLU,
saturate to ``O`` unsigned bits (``s = 0``: no rounding, ``y = clamp(acc, 0, 2^O − 1)``). This is the
quantized activation ``clamp(round(acc·2^−s), 0, 2^O − 1)`` of a uniform quantizer whose scale ratio is a
power of two; the hardware is the Verilog of tools/yosys_requant_luts.py, whose LUT cost
:func:`accelsim.fpga.finn_estimates.shift_requant_luts` prices. Reference: :mod:`accelsim.fpga.requant_ref`.

Where it is used: ``activation_impl: shift`` prices this unit in the streaming fabric's estimates. The
functional path does not run it: the executor requantizes with PTQ's scales, which are not powers of two,
so a network's codes under a shift requantizer would need power-of-two scales from the quantizer first.
"""

from __future__ import annotations

import numpy as np


def shift_requantize(acc: np.ndarray, shift: int, out_bits: int) -> np.ndarray:
    """The requantizer on integer accumulators (any shape), as int64 codes in ``[0, 2^out_bits − 1]``."""
    if shift < 0 or not 1 <= out_bits <= 32:
        raise ValueError(f"shift must be >= 0 and out_bits in 1..32, got shift={shift}, out_bits={out_bits}")
    a = np.asarray(acc, dtype=np.int64)
    rounded = (a + (1 << (shift - 1))) >> shift if shift else a  # arithmetic shift: floor division by 2^s
    return np.clip(rounded, 0, (1 << out_bits) - 1)
