"""Codebook (k-means) quantization, Gong et al. (2014) / Han et al. (2015), seed 000 §3.3 Eq. (5)–(6).

Codebook (Eq. 5): ``min_c Σ_i Σ_j ‖w_i − c_j‖²`` over ``k = 2^bits`` centroids, solved by Lloyd's algorithm
in one dimension, started from k-means++ seeding drawn with ``numpy.random.default_rng(seed)`` (same seed,
same codebook). Encoding (Eq. 6): ``w_q = CB(argmin_j ‖w − c_j‖²)``; the codebook is kept sorted, so the
assignment is a search over the midpoints between consecutive centroids, and a value exactly on a midpoint
takes the lower centroid. An empty cluster keeps its previous centroid. When ``x`` has at most ``k``
distinct values the codebook is those values (padded with the largest) and reconstruction is exact.
Iteration stops when no assignment changes or after ``max_iter`` rounds.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.qtensor import CodebookTensor


def assign(x: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest sorted centroid (midpoint ties go to the lower one), as int64."""
    mids = (centroids[1:] + centroids[:-1]) / 2.0
    return np.searchsorted(mids, x, side="left").astype(np.int64)


def _kmeanspp(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    cents = [x[rng.integers(x.size)]]
    d2 = (x - cents[0]) ** 2
    for _ in range(1, k):
        total = d2.sum()
        idx = rng.integers(x.size) if total == 0 else rng.choice(x.size, p=d2 / total)
        cents.append(x[idx])
        d2 = np.minimum(d2, (x - x[idx]) ** 2)
    return np.sort(np.asarray(cents))


def kmeans_1d(x: np.ndarray, k: int, seed: int = 0, max_iter: int = 100) -> np.ndarray:
    """Sorted length-``k`` codebook of 1-D k-means on ``x`` (see module docstring)."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.size == 0:
        raise AccelsimInputError("x", "cannot build a codebook for an empty tensor")
    uniq = np.unique(x)
    if uniq.size <= k:
        return np.concatenate([uniq, np.full(k - uniq.size, uniq[-1])])
    cents = _kmeanspp(x, k, np.random.default_rng(seed))
    labels = assign(x, cents)
    for _ in range(max_iter):
        sums = np.bincount(labels, weights=x, minlength=k)
        cnts = np.bincount(labels, minlength=k)
        cents = np.sort(np.where(cnts > 0, sums / np.maximum(cnts, 1), cents))
        new = assign(x, cents)
        if np.array_equal(new, labels):
            break
        labels = new
    return cents


def kmeans_quantize(x: np.ndarray, bits: int, seed: int = 0, max_iter: int = 100) -> CodebookTensor:
    """Codebook quantization with ``k = 2^bits`` centroids: codes (int64) + sorted codebook."""
    if not 1 <= bits <= 16:
        raise AccelsimInputError("bits", f"kmeans codebook needs bits in 1..16, got {bits}")
    x = np.asarray(x, dtype=np.float64)
    cb = kmeans_1d(x, 1 << bits, seed, max_iter)
    return CodebookTensor(codes=assign(x, cb), codebook=cb, bits=int(bits))
