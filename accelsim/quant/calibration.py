"""Range calibration: choose the clipping range [α, β] that :func:`accelsim.quant.uniform.quantize` uses.

Methods (Gholami et al., seed 002 §III-C/D):

* ``minmax``: ``α = min r``, ``β = max r`` (symmetric schemes then use ``max(|α|, |β|)``).
* ``percentile``: the p-th / (100 − p)-th percentiles instead of the extremes ([168] in seed 002), with
  numpy's linear interpolation between order statistics.
* ``mse``: grid search over clip ratios ``c ∈ {1/n, 2/n, …, 1}`` of the min/max range, keeping the ``c`` that
  minimises ``mean((fake_quantize(r; cα, cβ) − r)^2)`` (seed 002 §III-D, "minimizing MSE"); the smallest
  ``c`` wins a tie.
* ``kl``: TensorRT entropy calibration (Migacz, "8-bit inference with TensorRT", GTC 2017; seed 002 §III-C
  [172]): histogram of |r| in ``num_bins`` bins over [0, max|r|]; for every candidate end bin
  ``i ≥ n_q`` the reference distribution P is ``hist[:i]`` with the outlier mass ``Σ hist[i:]`` added to its
  last bin, the candidate Q merges ``hist[:i]`` into ``n_q`` groups (the last group takes the remainder) and
  spreads each group's mass evenly over the group's non-empty bins; empty-bin zeros are smoothed with
  ε = 1e-4 (mass taken from the non-zero bins); the threshold is the upper edge of bin ``i`` minimising
  KL(P‖Q). ``n_q = 2^(b−1)`` for a signed target and ``2^b`` for an unsigned one. Symmetric only:
  the result is ``[−T, T]`` (signed) or ``[0, T]`` (unsigned).

Large tensors can be sub-sampled with ``sample_size`` and ``seed`` (without replacement, numpy
``default_rng(seed)``); same seed, same range.

This module imports nothing else of accelsim except :mod:`accelsim.errors`.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.quant.qtensor import normalize_axis
from accelsim.quant.uniform import Scheme, compute_qparams, quantize_with, reduce_range

METHODS: tuple[str, ...] = ("minmax", "percentile", "mse", "kl")


def _slices(x: np.ndarray, axis: int | None) -> list[np.ndarray]:
    if axis is None:
        return [x.ravel()]
    return [np.take(x, i, axis=axis).ravel() for i in range(x.shape[axis])]


def subsample(x: np.ndarray, sample_size: int | None, seed: int = 0) -> np.ndarray:
    """At most ``sample_size`` elements of ``x`` (flattened), drawn without replacement with ``seed``."""
    flat = np.asarray(x, dtype=np.float64).ravel()
    if sample_size is None or flat.size <= sample_size:
        return flat
    return np.random.default_rng(seed).choice(flat, size=int(sample_size), replace=False)


def minmax_range(x: np.ndarray, axis: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of ``x``, per slice along ``axis`` when given."""
    return reduce_range(x, normalize_axis(axis, np.ndim(x)))


def percentile_range(
    x: np.ndarray, percentile: float = 99.99, axis: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """((100 − p)-th percentile, p-th percentile) of ``x``, per slice along ``axis`` when given."""
    if not 50.0 < percentile <= 100.0:
        raise AccelsimInputError("percentile", f"must be in (50, 100], got {percentile}")
    x = np.asarray(x, dtype=np.float64)
    axis = normalize_axis(axis, x.ndim)
    lo = [np.percentile(s, 100.0 - percentile) for s in _slices(x, axis)]
    hi = [np.percentile(s, percentile) for s in _slices(x, axis)]
    if axis is None:
        return np.asarray(lo[0]), np.asarray(hi[0])
    return np.asarray(lo), np.asarray(hi)


def _quant_mse(
    x: np.ndarray, lo: float, hi: float, bits: int, scheme: Scheme, signed: bool, restricted: bool
):
    s, z = compute_qparams(lo, hi, bits, scheme, signed, restricted)
    return float(np.mean((quantize_with(x, s, z, bits, signed, restricted).dequantize() - x) ** 2))


def mse_range(
    x: np.ndarray,
    bits: int = 8,
    scheme: Scheme = "symmetric",
    signed: bool = True,
    restricted: bool = False,
    axis: int | None = None,
    num_candidates: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """MSE-optimal clipping by grid search over ratios c = k/num_candidates of the min/max range."""
    if num_candidates < 1:
        raise AccelsimInputError("num_candidates", f"must be >= 1, got {num_candidates}")
    x = np.asarray(x, dtype=np.float64)
    axis = normalize_axis(axis, x.ndim)
    los, his = [], []
    for s in _slices(x, axis):
        mn, mx = float(s.min()), float(s.max())
        best = (np.inf, mn, mx)
        for k in range(1, num_candidates + 1):
            c = k / num_candidates
            err = _quant_mse(s, c * mn, c * mx, bits, scheme, signed, restricted)
            if err < best[0]:
                best = (err, c * mn, c * mx)
        los.append(best[1])
        his.append(best[2])
    if axis is None:
        return np.asarray(los[0]), np.asarray(his[0])
    return np.asarray(los), np.asarray(his)


def _smooth(p: np.ndarray, eps: float = 1e-4) -> np.ndarray:
    """Give zero bins mass ``eps`` taken evenly from the non-zero bins (keeps the total)."""
    is_zero = p == 0
    n_zero = int(is_zero.sum())
    n_nonzero = p.size - n_zero
    if n_nonzero == 0 or n_zero == 0:
        return p.astype(np.float64)
    eps1 = eps * n_zero / n_nonzero
    return np.where(is_zero, eps, p - eps1).astype(np.float64)


def kl_threshold(hist: np.ndarray, edges: np.ndarray, num_quant_bins: int) -> float:
    """TensorRT entropy calibration on a histogram of |r| (algorithm in the module docstring)."""
    hist = np.asarray(hist, dtype=np.float64)
    nb = hist.size
    if nb <= num_quant_bins:
        return float(edges[-1])
    best_kl, best_i = np.inf, nb
    for i in range(num_quant_bins, nb + 1):
        sliced = hist[:i]
        p = sliced.copy()
        p[-1] += hist[i:].sum()
        nonzero = sliced != 0
        merged = i // num_quant_bins
        starts = np.arange(num_quant_bins) * merged
        sums = np.add.reduceat(sliced, starts)
        counts = np.add.reduceat(nonzero.astype(np.int64), starts)
        group = np.minimum(np.arange(i) // merged, num_quant_bins - 1)
        per_bin = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        q = np.where(nonzero, per_bin[group], 0.0)
        if p.sum() == 0 or q.sum() == 0:
            continue
        ps = _smooth(p / p.sum())
        qs = _smooth(q / q.sum())
        if np.any(qs <= 0) or np.any(ps < 0):
            continue
        mask = ps > 0
        kl = float(np.sum(ps[mask] * np.log(ps[mask] / qs[mask])))
        if kl < best_kl:
            best_kl, best_i = kl, i
    return float(edges[best_i])


def kl_range(
    x: np.ndarray, bits: int = 8, signed: bool = True, num_bins: int = 2048
) -> tuple[np.ndarray, np.ndarray]:
    """KL-divergence (TensorRT) symmetric range: ``(−T, T)`` if signed else ``(0, T)``."""
    a = np.abs(np.asarray(x, dtype=np.float64).ravel())
    amax = float(a.max()) if a.size else 0.0
    if amax == 0.0:
        return np.asarray(0.0), np.asarray(0.0)
    hist, edges = np.histogram(a, bins=num_bins, range=(0.0, amax))
    nq = 1 << (bits - 1) if signed else 1 << bits
    t = kl_threshold(hist, edges, nq)
    return np.asarray(-t if signed else 0.0), np.asarray(t)


def calibrate(
    x: np.ndarray,
    method: str = "minmax",
    bits: int = 8,
    scheme: Scheme = "symmetric",
    *,
    signed: bool | None = None,
    restricted: bool = False,
    axis: int | None = None,
    percentile: float = 99.99,
    num_candidates: int = 100,
    num_bins: int = 2048,
    sample_size: int | None = None,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Clipping range (lo, hi) of ``x`` by ``method`` ∈ {minmax, percentile, mse, kl}.

    Pass the result to ``quantize(x, bits, scheme, lo=lo, hi=hi, axis=axis)``.
    """
    if method not in METHODS:
        raise unknown_choice("method", str(method), METHODS)
    if signed is None:
        signed = scheme == "symmetric"
    x = np.asarray(x, dtype=np.float64)
    if sample_size is not None:
        if axis is not None:
            raise AccelsimInputError("sample_size", "sub-sampling is per-tensor only (axis must be None)")
        x = subsample(x, sample_size, seed)
    if method == "minmax":
        return minmax_range(x, axis)
    if method == "percentile":
        return percentile_range(x, percentile, axis)
    if method == "mse":
        return mse_range(x, bits, scheme, signed, restricted, axis, num_candidates)
    if axis is not None:
        raise AccelsimInputError("axis", "kl calibration is per-tensor only (axis must be None)")
    if scheme != "symmetric":
        raise AccelsimInputError("scheme", "kl calibration is symmetric only; allowed: symmetric")
    return kl_range(x, bits, signed, num_bins)
