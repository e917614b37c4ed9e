"""Uniform affine quantization: symmetric / asymmetric, signed / unsigned, per-tensor / per-channel.

Formulas (Gholami et al., seed 002 §III-B/C, written in accelsim's sign convention ``real = S·(q − z)``)::

    q = clamp(round_half_even(r / S) + z, qmin, qmax)          (Eq. 2 with Z → −z; clamping explicit)
    r̃ = S · (q − z)                                             (Eq. 3)

Scale and zero point from a clipping range [α, β] (seed 002 §III-C):

* ``asymmetric``: the range is first widened to contain 0 (so real 0 is exactly representable),
  ``S = (β − α) / (2^b − 1)`` (Eq. 4), ``z = clamp(qmin − round_half_even(α / S), qmin, qmax)``.
* ``symmetric``, signed, full range ``[−2^(b−1), 2^(b−1) − 1]``: ``S = 2·max(|α|, |β|) / (2^b − 1)``, ``z = 0``.
* ``symmetric``, signed, restricted range ``[−(2^(b−1) − 1), 2^(b−1) − 1]``: ``S = max(|α|, |β|) / (2^(b−1) − 1)``.
* ``symmetric``, unsigned (e.g. after ReLU): ``S = max(|α|, |β|) / (2^b − 1)``, ``z = 0``.

A zero-width range (an all-zero tensor or channel) gets ``S = 1`` so that every code dequantizes exactly.
Per-channel quantization (seed 002 §III-E "channelwise") computes one (S, z) per slice along ``axis``; it is
by construction per-tensor quantization applied to each slice.

This module imports nothing else of accelsim except :mod:`accelsim.errors`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from accelsim.errors import AccelsimInputError, unknown_choice
from accelsim.quant.qtensor import QTensor, broadcast_param, int_range, normalize_axis

Scheme = Literal["symmetric", "asymmetric"]
SCHEMES: tuple[str, ...] = ("symmetric", "asymmetric")


def reduce_range(x: np.ndarray, axis: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) of ``x`` over the whole tensor (``axis=None``) or per slice along ``axis``."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        raise AccelsimInputError("x", "cannot quantize an empty tensor")
    if axis is None:
        return np.asarray(x.min()), np.asarray(x.max())
    other = tuple(i for i in range(x.ndim) if i != axis)
    return x.min(axis=other), x.max(axis=other)


def compute_qparams(
    lo: float | np.ndarray,
    hi: float | np.ndarray,
    bits: int,
    scheme: Scheme = "symmetric",
    signed: bool = True,
    restricted: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Scale ``S`` and integer zero point ``z`` for the clipping range [lo, hi] (formulas in module doc)."""
    if scheme not in SCHEMES:
        raise unknown_choice("scheme", str(scheme), SCHEMES)
    qmin, qmax = int_range(bits, signed, restricted)
    if signed and bits == 1:
        raise AccelsimInputError(
            "bits", "signed uniform quantization needs bits >= 2 (use 'xnor'/'bwn' for ±1)"
        )
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    if np.any(lo > hi):
        raise AccelsimInputError("range", "lower clipping bound is above the upper one")
    if scheme == "symmetric":
        amax = np.maximum(np.abs(lo), np.abs(hi))
        if not signed:
            denom = float((1 << bits) - 1)
        elif restricted:
            denom = float((1 << (bits - 1)) - 1)
        else:
            denom = ((1 << bits) - 1) / 2.0
        scale = amax / denom
        zp = np.zeros_like(scale, dtype=np.int64)
    else:
        lo = np.minimum(lo, 0.0)
        hi = np.maximum(hi, 0.0)
        scale = (hi - lo) / float(qmax - qmin)
        safe = np.where(scale > 0, scale, 1.0)
        zp = np.clip(qmin - np.rint(lo / safe), qmin, qmax).astype(np.int64)
    scale = np.where(scale > 0, scale, 1.0)
    return scale, zp


def quantize_with(
    x: np.ndarray,
    scale: float | np.ndarray,
    zero_point: float | np.ndarray,
    bits: int,
    signed: bool = True,
    restricted: bool = False,
    axis: int | None = None,
) -> QTensor:
    """``q = clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`` with given parameters."""
    x = np.asarray(x, dtype=np.float64)
    axis = normalize_axis(axis, x.ndim)
    qmin, qmax = int_range(bits, signed, restricted)
    s = broadcast_param(scale, x.ndim, axis)
    z = broadcast_param(zero_point, x.ndim, axis)
    if np.any(s <= 0):
        raise AccelsimInputError("scale", "must be > 0")
    if np.any(z != np.rint(z)):
        raise AccelsimInputError("zero_point", "must be an integer (or integer array)")
    q = np.clip(np.rint(x / s) + z, qmin, qmax).astype(np.int64)
    scale_out = np.asarray(scale, dtype=np.float64)
    zp_out = np.asarray(zero_point).astype(np.int64)
    return QTensor(
        q=q,
        scale=scale_out if scale_out.ndim else float(scale_out),
        zero_point=zp_out if zp_out.ndim else int(zp_out),
        bits=int(bits),
        signed=signed,
        axis=axis if scale_out.ndim else None,
        restricted=restricted,
    )


def quantize(
    x: np.ndarray,
    bits: int = 8,
    scheme: Scheme = "symmetric",
    *,
    signed: bool | None = None,
    restricted: bool = False,
    axis: int | None = None,
    lo: float | np.ndarray | None = None,
    hi: float | np.ndarray | None = None,
) -> QTensor:
    """Uniform affine quantization of ``x`` (formulas in the module docstring).

    ``signed`` defaults to True for ``symmetric`` and False for ``asymmetric``. The clipping range is
    [lo, hi] when given (e.g. from :mod:`accelsim.quant.calibration`), else the min/max of ``x`` (per slice
    along ``axis`` when ``axis`` is set).
    """
    x = np.asarray(x, dtype=np.float64)
    axis = normalize_axis(axis, x.ndim)
    if signed is None:
        signed = scheme == "symmetric"
    if lo is None or hi is None:
        mn, mx = reduce_range(x, axis)
        lo = mn if lo is None else lo
        hi = mx if hi is None else hi
    scale, zp = compute_qparams(lo, hi, bits, scheme, signed, restricted)
    return quantize_with(x, scale, zp, bits, signed, restricted, axis)


def fake_quantize(x: np.ndarray, bits: int = 8, scheme: Scheme = "symmetric", **kwargs) -> np.ndarray:
    """Simulated quantization: ``dequantize(quantize(x, ...))`` as float64 (same arguments as quantize)."""
    return quantize(x, bits, scheme, **kwargs).dequantize()
