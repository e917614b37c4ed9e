"""Eyeriss run-length compression (RLC) of activations (Chen et al., JSSC 2017, Sec. IV-B).

Format: a stream of (run, level) pairs, ``run`` = number of zeros (5 bits, 0..31) before a 16-bit
``level``. A run longer than 31 zeros is cut: the 32nd zero is emitted as a pair (31, level 0). Three pairs
(3 × 21 = 63 bits) plus a 1-bit "last word" flag fill one 64-bit word. A stream that ends in zeros emits a
final pair (run, 0) for the trailing zeros.

Expected size for i.i.d. zeros of probability ``s`` (a Markov chain on the current run length 0..31):
``pairs per element = (1 − s) / (1 − s^32)``; trailing zeros add at most one pair.
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.errors import AccelsimInputError

RUN_BITS = 5
LEVEL_BITS = 16
PAIRS_PER_WORD = 3
WORD_BITS = 64
MAX_RUN = (1 << RUN_BITS) - 1


@numba.njit(cache=True)
def _rlc_pairs(flat: np.ndarray) -> int:
    pairs = 0
    run = 0
    for v in flat:
        if v != 0:
            pairs += 1
            run = 0
        elif run == MAX_RUN:
            pairs += 1  # (31, level 0)
            run = 0
        else:
            run += 1
    if run > 0:
        pairs += 1
    return pairs


def rlc_pairs(values: np.ndarray) -> int:
    """Number of (run, level) pairs of ``values`` flattened in C order."""
    arr = np.ascontiguousarray(np.asarray(values).ravel())
    if arr.dtype.kind not in "iub":
        raise AccelsimInputError("activations", f"RLC takes an integer array, got dtype {arr.dtype}")
    return int(_rlc_pairs(arr.astype(np.int64, copy=False)))


def rlc_compressed_bits(values: np.ndarray) -> int:
    """Compressed size in bits: ``ceil(pairs / 3)`` 64-bit words."""
    pairs = rlc_pairs(values)
    return -(-pairs // PAIRS_PER_WORD) * WORD_BITS


def rlc_encode(values: np.ndarray) -> list[tuple[int, int]]:
    """The (run, level) pairs themselves (reference for tests; Python loop, small arrays only)."""
    out: list[tuple[int, int]] = []
    run = 0
    for v in np.asarray(values).ravel().tolist():
        if v != 0:
            out.append((run, int(v)))
            run = 0
        elif run == MAX_RUN:
            out.append((MAX_RUN, 0))
            run = 0
        else:
            run += 1
    if run > 0:
        out.append((run - 1, 0))  # the last zero is the level
    return out


def rlc_decode(pairs: list[tuple[int, int]]) -> np.ndarray:
    """Inverse of :func:`rlc_encode`."""
    out: list[int] = []
    for run, level in pairs:
        out.extend([0] * run)
        out.append(level)
    return np.asarray(out, dtype=np.int64)


def expected_pairs_per_element(sparsity: float) -> float:
    """``(1 − s)/(1 − s^32)`` pairs per element for i.i.d. zeros with probability ``s`` (1/32 at s = 1)."""
    if not 0.0 <= sparsity <= 1.0:
        raise AccelsimInputError("activation_sparsity", f"must be in [0, 1], got {sparsity}")
    if sparsity >= 1.0:
        return 1.0 / (MAX_RUN + 1)
    return (1.0 - sparsity) / (1.0 - sparsity ** (MAX_RUN + 1))


def compression_ratio(sparsity: float, word_bits: int = 16) -> float:
    """Expected compressed / uncompressed size for ``word_bits`` elements at zero fraction ``sparsity``."""
    bits_per_elem = expected_pairs_per_element(sparsity) * WORD_BITS / PAIRS_PER_WORD
    return bits_per_elem / word_bits


def measured_compression_ratio(values: np.ndarray, word_bits: int = 16) -> float:
    """Compressed / uncompressed size of a real activation tensor."""
    size = np.asarray(values).size
    return rlc_compressed_bits(values) / (size * word_bits) if size else 1.0
