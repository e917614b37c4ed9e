"""Quantized tensor containers.

:class:`QTensor` is the uniform (affine) container used by every integer path of accelsim
(DESIGN.md "Numerics")::

    real = scale · (q − zero_point)

``q`` is an integer ndarray, ``scale`` and ``zero_point`` are scalars or per-channel 1-D arrays laid along
``axis``. The integer range follows ``bits``/``signed``/``restricted``:

* unsigned: ``[0, 2^b − 1]``;
* signed, full range: ``[−2^(b−1), 2^(b−1) − 1]``;
* signed, restricted (symmetric) range: ``[−(2^(b−1) − 1), 2^(b−1) − 1]``;
* signed with ``bits == 1`` is the binary format of BNN/XNOR-Net: the stored bit encodes ``q ∈ {−1, +1}``
  (``qmin = −1``, ``qmax = +1``, ``q = 0`` is not a code).

:class:`CodebookTensor` holds non-affine formats (k-means codebook, TTQ's two scales): integer codes into a
table of real values; :meth:`CodebookTensor.dequantize` is a table look-up.

Gholami et al. (seed 002, §III-B Eq. 2–3) write ``Q(r) = Int(r/S) − Z`` and ``r̃ = S·(Q + Z)``: their ``Z``
is the negative of our ``zero_point``.

This module imports nothing else of accelsim except :mod:`accelsim.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import AccelsimInputError


def int_range(bits: int, signed: bool, restricted: bool = False) -> tuple[int, int]:
    """(qmin, qmax) of a ``bits``-wide integer; see the module docstring for the four cases."""
    if not isinstance(bits, int | np.integer) or not 1 <= int(bits) <= 32:
        raise AccelsimInputError("bits", f"must be an integer 1..32, got {bits!r}")
    bits = int(bits)
    if not signed:
        return 0, (1 << bits) - 1
    if bits == 1:
        return -1, 1
    hi = (1 << (bits - 1)) - 1
    return (-hi if restricted else -hi - 1), hi


def channel_shape(ndim: int, axis: int | None) -> tuple[int, ...]:
    """Shape that broadcasts a per-channel 1-D array along ``axis`` of an ``ndim``-D tensor."""
    if axis is None:
        return ()
    shape = [1] * ndim
    shape[axis] = -1
    return tuple(shape)


def normalize_axis(axis: int | None, ndim: int) -> int | None:
    """Return ``axis`` as a non-negative index, checking it against ``ndim``."""
    if axis is None:
        return None
    if not -ndim <= axis < ndim:
        raise AccelsimInputError(
            "axis", f"must be in [{-ndim}, {ndim - 1}] for a {ndim}-D tensor, got {axis}"
        )
    return axis % ndim


def broadcast_param(p: float | np.ndarray, ndim: int, axis: int | None) -> np.ndarray:
    """A scalar or per-channel parameter reshaped to broadcast against an ``ndim``-D tensor."""
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim == 0 or axis is None:
        return arr
    return arr.reshape(channel_shape(ndim, axis))


@dataclass(frozen=True)
class QTensor:
    """An affine-quantized tensor: ``real = scale · (q − zero_point)``.

    ``zero_point`` is an integer (or integer array) for every quantizer except DoReFa weights, whose
    ``2·quant_k(·) − 1`` levels put the zero point at the half-integer ``(2^k − 1)/2`` (documented there).
    """

    q: np.ndarray
    scale: float | np.ndarray
    zero_point: float | np.ndarray = 0
    bits: int = 8
    signed: bool = True
    axis: int | None = None
    restricted: bool = False
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def qmin(self) -> int:
        """Smallest integer code of the format."""
        return int_range(self.bits, self.signed, self.restricted)[0]

    @property
    def qmax(self) -> int:
        """Largest integer code of the format."""
        return int_range(self.bits, self.signed, self.restricted)[1]

    @property
    def per_channel(self) -> bool:
        """True when scale/zero_point vary along ``axis``."""
        return self.axis is not None and np.ndim(self.scale) > 0

    def scale_b(self) -> np.ndarray:
        """``scale`` broadcastable against ``q``."""
        return broadcast_param(self.scale, self.q.ndim, self.axis)

    def zero_point_b(self) -> np.ndarray:
        """``zero_point`` broadcastable against ``q``."""
        return broadcast_param(self.zero_point, self.q.ndim, self.axis)

    def dequantize(self) -> np.ndarray:
        """``scale · (q − zero_point)`` as float64."""
        return self.scale_b() * (self.q.astype(np.float64) - self.zero_point_b())

    def check(self) -> QTensor:
        """Raise if any code lies outside [qmin, qmax] (or is 0 in the binary ±1 format); return self."""
        q = self.q
        if q.size and (q.min() < self.qmin or q.max() > self.qmax):
            raise ValueError(f"codes outside [{self.qmin}, {self.qmax}]")
        if self.signed and self.bits == 1 and np.any(q == 0):
            raise ValueError("binary (bits=1, signed) codes must be ±1")
        return self


@dataclass(frozen=True)
class CodebookTensor:
    """A tensor stored as integer ``codes`` into a table of real values.

    ``codebook`` is 1-D (one table for the tensor) or 2-D ``[channels, entries]`` with one table per slice
    along ``axis``. ``dequantize() = codebook[codes]`` (per channel when 2-D).
    """

    codes: np.ndarray
    codebook: np.ndarray
    bits: int
    axis: int | None = None
    meta: dict = field(default_factory=dict, compare=False)

    def dequantize(self) -> np.ndarray:
        """Look every code up in its table."""
        cb = np.asarray(self.codebook, dtype=np.float64)
        if cb.ndim == 1:
            return cb[self.codes]
        axis = self.axis if self.axis is not None else 0
        codes = np.moveaxis(self.codes, axis, 0)
        rows = np.arange(codes.shape[0]).reshape((-1,) + (1,) * (codes.ndim - 1))
        return np.moveaxis(cb[rows, codes], 0, axis)
