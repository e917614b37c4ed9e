"""FINN's Thresholding unit: a quantized activation as comparisons of the accumulator against a sorted list
of integer thresholds per channel (Umuroglu et al., FINN, FPGA 2017 §4.2; Blott et al., FINN-R, TRETS 2018).

**The unit** (FINN's ``MultiThreshold``, ``src/qonnx/custom_op/general/multithreshold.py`` in
fastmachinelearning/qonnx: "the number of thresholds x is greater than or equal to", ``cmp = vm >= thresholds``,
then ``out_scale · count + out_bias``)::

    code[c] = out_bias + out_scale · #{t : acc ≥ T[c, t]}            (channel c ascending, sign +1)
    code[c] = out_bias + out_scale · #{t : acc ≤ T[c, t]}            (channel c descending, sign −1)

i.e. ``#{t : s_c·acc ≥ s_c·T[c, t]}`` with ``s_c·T[c, ·]`` ascending. A descending channel is the comparator
form of a negative scale: FINN itself only absorbs *positive* scales into thresholds
(``AbsorbMulIntoMultiThreshold`` in ``src/finn/transformation/streamline/absorb.py``, Xilinx/finn: "TODO: need
to handle negative A values correctly") and moves the sign into the weights first
(``FactorOutMulSignMagnitude`` + ``Absorb1BitMulIntoMatMul``/``Conv``), which negates that channel's
accumulator: ``s_c·acc`` is exactly that accumulator, so both forms give the same codes.

**Derivation** from any activation quantizer ``f_c`` that is monotone in the accumulator (non-decreasing in
``s_c·acc``) on the accumulator range ``[lo, hi]`` with codes in ``[qmin, qmax]``::

    T[c, t] = s_c · min{u ∈ [u_lo, u_hi] : f_c(s_c·u) ≥ t}     (u_hi + 1 when no u qualifies),  t = qmin+1 … qmax
    out_bias = qmin,  out_scale = 1

(``[u_lo, u_hi] = [lo, hi]`` for ``s_c = +1`` and ``[−hi, −lo]`` for ``s_c = −1``.) Then for every
``acc ∈ [lo, hi]``: ``f_c(acc) ≥ t ⇔ s_c·acc ≥ s_c·T[c, t]`` by monotonicity, and
``f_c(acc) = qmin + #{t : f_c(acc) ≥ t}`` — the unit reproduces ``f_c`` **bit for bit**, with no assumption
on rounding ties. This is the threshold FINN's streamlining computes in closed form (real thresholds moved
through the preceding Mul/Add, ``T' = (T − B)/A``, then ``RoundAndClipThresholds``: ``ceil`` and clip to the
input range, ``src/finn/transformation/streamline/round_thresholds.py``); here it is found by a vectorized
bisection over the integers (≤ 34 evaluations of ``f`` on a [C × T] array), exact for every rounding mode.
Unreachable thresholds sit at ``u_hi + 1`` (one past the range; FINN clips to ``max``, which an accumulator
equal to ``max`` would wrongly pass). Thresholds every channel always passes (``u_lo``) are folded into
``out_bias`` and those none can pass are dropped, so e.g. a ReLU with zero point ``z`` keeps
``qmax − z`` thresholds, as FINN's unsigned activations do.

**Quantizers** (:func:`from_requant`, :func:`from_affine`):

* accelsim's integer requantization (:func:`accelsim.quant.requant.requantize`, the rule of
  ``accelsim.functional.executor.requant_mac``: any of ``gemmlowp`` / ``half_even`` / ``single_half_up``), then
  the activation on codes (``relu``: ``max(q, z)``; ``relu6``: ``clip(q, z, q6)``), each channel's accumulator
  sign-folded (``q = act(requantize(sat32(s_c·acc), M0_c, n_c, z))``; ``M0 ≥ 0`` there). All three roundings, the
  saturation and the clamp are non-decreasing in the accumulator, so the derivation applies;
* a float affine map — BatchNorm folded (:func:`fold_batchnorm`): ``y = a_c·acc + b_c``, then
  ``q = clamp(rint(y / s_y) + z)`` (round half even, :meth:`accelsim.functional.qmodel.TensorQ.quantize`) and
  the activation; ``a_c < 0`` (negative γ) gives a descending channel. IEEE float64 operations are
  monotone, so the thresholds reproduce the float64 evaluation bit for bit;
* a bipolar sign activation (BNN-PYNQ, :func:`bipolar_from_affine`): one threshold per channel,
  ``out_scale = 2``, ``out_bias = −1``.

Fast path :func:`multithreshold` (numba, a binary search per element); plain reference
:func:`accelsim.fpga.thresholds_ref.multithreshold_ref` (FINN's literal compare-and-count) beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numba
import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.quant.qtensor import int_range
from accelsim.quant.requant import Rounding, requantize

Activation = Literal["identity", "none", "relu", "relu6"]
INT32_RANGE = (-(1 << 31), (1 << 31) - 1)


@dataclass(frozen=True)
class Thresholds:
    """A Thresholding unit's parameters: ``values`` [C × T] int64 in the accumulator domain (ascending along T
    for ``sign = +1`` channels, descending for ``sign = −1``), ``sign`` [C] (±1), ``out_bias``, ``out_scale``
    and the accumulator range ``acc_range = (lo, hi)`` they are valid on."""

    values: np.ndarray
    sign: np.ndarray
    out_bias: int
    out_scale: int
    acc_range: tuple[int, int]

    @property
    def channels(self) -> int:
        return int(self.values.shape[0])

    @property
    def steps(self) -> int:
        """Thresholds per channel (FINN's ``B``; ``2^bits − 1`` for an unclipped ``bits``-bit activation)."""
        return int(self.values.shape[1])

    def keys(self) -> np.ndarray:
        """``s_c·T[c, ·]``: ascending rows, compared with ``s_c·acc``."""
        return self.values * self.sign[:, None]


@numba.njit(cache=True)
def _count_geq(keys, v, sign, out):  # pragma: no cover - numba
    """out[m, c] = #{t : sign[c]·v[m, c] ≥ keys[c, t]} by binary search in the ascending row keys[c]."""
    steps = keys.shape[1]
    for m in range(v.shape[0]):
        for c in range(v.shape[1]):
            x = sign[c] * v[m, c]
            lo = 0
            hi = steps
            while lo < hi:  # first t with keys[c, t] > x
                mid = (lo + hi) // 2
                if keys[c, mid] <= x:
                    lo = mid + 1
                else:
                    hi = mid
            out[m, c] = lo


def multithreshold(acc: np.ndarray, th: Thresholds, axis: int = 1) -> np.ndarray:
    """The Thresholding unit on integer accumulators, channels along ``axis``: ``out_bias + out_scale·#{t :
    s_c·acc ≥ s_c·T[c, t]}`` (module docstring); int64, the shape of ``acc``. Accumulators outside
    ``th.acc_range`` are an input error (the thresholds were derived on that range only)."""
    acc = np.asarray(acc)
    if acc.dtype.kind not in "iu":
        raise AccelsimInputError("acc", f"accumulators must be integers, got dtype {acc.dtype}")
    acc = acc.astype(np.int64)
    lo, hi = th.acc_range
    if acc.size and (int(acc.min()) < lo or int(acc.max()) > hi):
        raise AccelsimInputError(
            "acc",
            f"accumulators [{int(acc.min())}, {int(acc.max())}] outside the thresholds' range [{lo}, {hi}]",
        )
    if acc.ndim == 0 or acc.shape[axis] != th.channels:
        raise AccelsimInputError("acc", f"axis {axis} must hold the {th.channels} threshold channels")
    moved = np.moveaxis(acc, axis, -1)
    v = np.ascontiguousarray(moved.reshape(-1, th.channels))
    count = np.empty_like(v)
    _count_geq(np.ascontiguousarray(th.keys()), v, np.ascontiguousarray(th.sign, dtype=np.int64), count)
    out = th.out_bias + th.out_scale * count
    return np.moveaxis(out.reshape(moved.shape), -1, axis)


def _check_range(acc_range: tuple[int, int]) -> tuple[int, int]:
    lo, hi = int(acc_range[0]), int(acc_range[1])
    if lo > hi or lo < -(1 << 62) or hi > (1 << 62):
        raise AccelsimInputError("acc_range", f"need lo <= hi within ±2^62, got {acc_range}")
    return lo, hi


def derive_thresholds(
    fn: Callable[[np.ndarray], np.ndarray],
    sign: np.ndarray,
    qmin: int,
    qmax: int,
    acc_range: tuple[int, int],
    compress: bool = True,
) -> Thresholds:
    """Thresholds reproducing ``fn`` (module docstring: ``T[c, t] = s_c·min{u : f_c(s_c·u) ≥ t}``) by bisection.

    ``fn(acc)`` maps an int64 [C × n] array of accumulators (channel c on row c) to codes in ``[qmin, qmax]``
    and must be non-decreasing in ``sign[c]·acc`` on ``acc_range``. ``compress`` folds always-passed
    thresholds into ``out_bias`` and drops never-passed ones."""
    sign = np.where(np.asarray(sign, dtype=np.int64) < 0, -1, 1).astype(np.int64)
    lo, hi = _check_range(acc_range)
    c = sign.shape[0]
    targets = np.arange(qmin + 1, qmax + 1, dtype=np.int64)[None, :]
    u_lo = np.where(sign > 0, lo, -hi)[:, None] + np.zeros_like(targets)
    u_hi = np.where(sign > 0, hi, -lo)[:, None] + np.zeros_like(targets)
    left, right = u_lo.copy(), u_hi + 1  # answer in [left, right]; right = u_hi + 1 means "never"
    s = sign[:, None]
    while np.any(left < right):
        mid = (left + right) // 2  # < right, so within [u_lo, u_hi] wherever left < right
        mid = np.minimum(mid, u_hi)
        ok = np.asarray(fn(s * mid), dtype=np.int64) >= targets
        active = left < right
        right = np.where(active & ok, mid, right)
        left = np.where(active & ~ok, mid + 1, left)
    u = left.reshape(c, -1)
    bias = int(qmin)
    if compress and u.shape[1]:
        always = np.all(u == u_lo, axis=0)
        never = np.all(u == u_hi + 1, axis=0)
        n_always = int(np.argmin(always)) if not always.all() else u.shape[1]
        keep_end = u.shape[1] - (int(np.argmin(never[::-1])) if not never.all() else u.shape[1])
        keep_end = max(keep_end, n_always)
        bias += n_always
        u = u[:, n_always:keep_end]
    return Thresholds(np.ascontiguousarray(s * u), sign, bias, 1, (lo, hi))


def _activation(q: np.ndarray, activation: Activation, zero_point, relu6_code: int | None) -> np.ndarray:
    """``accelsim.functional.executor.activation_int`` on codes: relu ``max(q, z)``, relu6 ``clip(q, z, q6)``."""
    if activation == "relu":
        return np.maximum(q, zero_point)
    if activation == "relu6":
        if relu6_code is None:
            raise AccelsimInputError("relu6_code", "relu6 needs the code of 6.0 (min(qmax, z + rint(6/s)))")
        return np.clip(q, zero_point, relu6_code)
    if activation not in ("identity", "none"):
        raise AccelsimInputError("activation", f"must be identity (none), relu or relu6, got {activation!r}")
    return q


def _per_channel(v, c: int, name: str) -> np.ndarray:
    a = np.asarray(v)
    if a.ndim == 0:
        return np.full(c, a.item())
    if a.shape != (c,):
        raise AccelsimInputError(name, f"must be a scalar or have {c} channels, got shape {a.shape}")
    return a


def requant_codes(
    acc: np.ndarray,
    m0,
    shift,
    zero_point=0,
    bits: int = 8,
    signed: bool = False,
    *,
    sign=1,
    rounding: Rounding = "gemmlowp",
    mult_bits: int = 31,
    activation: Activation = "identity",
    relu6_code: int | None = None,
) -> np.ndarray:
    """The ideal integer activation the thresholds reproduce: ``act(requantize(sat32(s_c·acc), M0_c, n_c, z))``
    with channels on axis 0 of ``acc`` (module docstring; ``sat32`` clamps to int32 as
    ``accelsim.functional.executor.requant_mac`` does, which only matters for ``−(−2^31)``)."""
    acc = np.asarray(acc, dtype=np.int64)
    c = acc.shape[0]
    s = np.where(_per_channel(sign, c, "sign") < 0, -1, 1).astype(np.int64)
    z = _per_channel(zero_point, c, "zero_point").astype(np.int64)
    shape = (c,) + (1,) * (acc.ndim - 1)
    q = requantize(
        np.clip(s.reshape(shape) * acc, *INT32_RANGE),  # saturated to int32, as requant_mac does
        _per_channel(m0, c, "m0").astype(np.int64),
        _per_channel(shift, c, "shift").astype(np.int64),
        z,
        bits,
        signed,
        rounding=rounding,
        mult_bits=mult_bits,
        axis=0,
    )
    return _activation(q, activation, z.reshape(shape), relu6_code)


def from_requant(
    m0,
    shift,
    zero_point=0,
    bits: int = 8,
    signed: bool = False,
    *,
    channels: int | None = None,
    sign=1,
    rounding: Rounding = "gemmlowp",
    mult_bits: int = 31,
    activation: Activation = "identity",
    relu6_code: int | None = None,
    acc_range: tuple[int, int] = INT32_RANGE,
) -> Thresholds:
    """Thresholds equal to accelsim's requantization + activation (:func:`requant_codes`) on ``acc_range``
    (within int32, as :func:`~accelsim.quant.requant.requantize` requires). Per-channel ``m0``, ``shift``,
    ``zero_point`` and ``sign`` (−1 = a negative real multiplier ``−M0_c·2^−(mult_bits+n_c)``)."""
    lo, hi = _check_range(acc_range)
    if lo < INT32_RANGE[0] or hi > INT32_RANGE[1]:
        raise AccelsimInputError("acc_range", "requantization takes int32 accumulators")
    c = channels or max(np.asarray(p).size for p in (m0, shift, zero_point, sign))
    s = np.where(_per_channel(sign, c, "sign") < 0, -1, 1).astype(np.int64)
    qmin, qmax = int_range(bits, signed)

    def fn(acc: np.ndarray) -> np.ndarray:
        return requant_codes(acc, m0, shift, zero_point, bits, signed, sign=s, rounding=rounding,
                             mult_bits=mult_bits, activation=activation, relu6_code=relu6_code)  # fmt: skip

    return derive_thresholds(fn, s, qmin, qmax, (lo, hi))


def fold_batchnorm(gamma, beta, mean, var, eps: float = 1e-5, acc_scale=1.0, bias=0.0):
    """BatchNorm after a layer folded onto its integer accumulator (FINN: ``BatchNormToAffine``, then the
    Mul/Add absorbed into the thresholds)::

        y = γ·(s_acc·acc + b − μ)/√(σ² + ε) + β = a·acc + b',   a = γ·s_acc/√(σ² + ε),
        b' = β + γ·(b − μ)/√(σ² + ε)

    Returns ``(a, b')`` per channel (float64); ``γ < 0`` gives ``a < 0``, a descending channel."""
    inv = np.asarray(gamma, np.float64) / np.sqrt(np.asarray(var, np.float64) + eps)
    a = inv * np.asarray(acc_scale, np.float64)
    b = np.asarray(beta, np.float64) + inv * (np.asarray(bias, np.float64) - np.asarray(mean, np.float64))
    return a, b


def affine_codes(acc, a, b, scale: float, zero_point: int, bits: int, signed: bool,
                 activation: Activation = "identity", relu6_code: int | None = None) -> np.ndarray:  # fmt: skip
    """Float64 reference: ``act(clamp(rint((a_c·acc + b_c)/s_y) + z, qmin, qmax))``, channels on axis 0."""
    acc = np.asarray(acc, dtype=np.int64)
    c = acc.shape[0]
    shape = (c,) + (1,) * (acc.ndim - 1)
    a = _per_channel(a, c, "a").astype(np.float64).reshape(shape)
    b = _per_channel(b, c, "b").astype(np.float64).reshape(shape)
    qmin, qmax = int_range(bits, signed)
    y = a * acc.astype(np.float64) + b
    q = np.clip(np.rint(y / scale) + zero_point, qmin, qmax).astype(np.int64)
    return _activation(q, activation, zero_point, relu6_code)


def from_affine(a, b, scale: float, zero_point: int, bits: int, signed: bool,
                activation: Activation = "identity", relu6_code: int | None = None,
                acc_range: tuple[int, int] = INT32_RANGE) -> Thresholds:  # fmt: skip
    """Thresholds equal to :func:`affine_codes` (e.g. BatchNorm folded by :func:`fold_batchnorm`) on
    ``acc_range``; channels with ``a_c < 0`` are descending."""
    a = np.atleast_1d(np.asarray(a, np.float64))
    if not np.all(np.isfinite(a)) or not np.all(np.isfinite(np.asarray(b, np.float64))) or not scale > 0:
        raise AccelsimInputError("affine", "a, b must be finite and the output scale > 0")
    qmin, qmax = int_range(bits, signed)
    sign = np.where(a < 0, -1, 1)

    def fn(acc: np.ndarray) -> np.ndarray:
        return affine_codes(acc, a, b, scale, zero_point, bits, signed, activation, relu6_code)

    return derive_thresholds(fn, sign, qmin, qmax, acc_range)


def bipolar_from_affine(a, b, acc_range: tuple[int, int] = INT32_RANGE) -> Thresholds:
    """A BNN sign activation after an affine map (BatchNorm folded): ``+1`` if ``a_c·acc + b_c ≥ 0`` else
    ``−1`` (FINN's bipolar MultiThreshold: one threshold, ``out_scale = 2``, ``out_bias = −1``)."""
    a = np.atleast_1d(np.asarray(a, np.float64))
    b = _per_channel(b, a.size, "b").astype(np.float64)
    sign = np.where(a < 0, -1, 1)

    def fn(acc: np.ndarray) -> np.ndarray:
        return (a[:, None] * acc.astype(np.float64) + b[:, None] >= 0).astype(np.int64)

    t = derive_thresholds(fn, sign, 0, 1, acc_range, compress=False)
    return Thresholds(t.values, t.sign, -1, 2, t.acc_range)


def bipolar_codes(acc, a, b) -> np.ndarray:
    """Float64 reference of :func:`bipolar_from_affine`, channels on axis 0."""
    acc = np.asarray(acc, dtype=np.int64)
    shape = (acc.shape[0],) + (1,) * (acc.ndim - 1)
    a = np.atleast_1d(np.asarray(a, np.float64)).reshape(shape)
    b = _per_channel(b, acc.shape[0], "b").astype(np.float64).reshape(shape)
    return np.where(a * acc.astype(np.float64) + b >= 0, 1, -1).astype(np.int64)
