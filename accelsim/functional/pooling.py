"""Integer pooling over NCHW tensors (numba).

Window of output (p, q): input rows ``p·sh − pt + r·dh`` (r < R) and columns ``q·sw − pl + s·dw`` (s < S);
positions in the padding are ignored by max pooling (as if −∞) and count as zeros for average pooling.

* max: largest valid value (a window made only of padding gives 0);
* avg: ``sum / d`` with ``d = R·S`` (``count_include_pad=True``, PyTorch's default) or the number of valid
  positions (``False``), rounded by ``rounding``:
  ``half_up`` = ⌊sum/d + 1/2⌋ = ⌊(2·sum + d) / (2d)⌋ (ties toward +∞, what "add d/2 then shift" does),
  ``half_even`` (ties to even, numpy's ``round``), ``floor`` (⌊sum/d⌋, an arithmetic right shift when d is a
  power of two), ``trunc`` (toward zero, C integer division).
"""

from __future__ import annotations

import numba
import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional.intops import _as_int, _pair, _quad, conv_output_shape

ROUNDING = ("half_up", "half_even", "floor", "trunc")


@numba.njit(cache=True)
def _div_round(num, d, mode):
    """Integer num/d (d > 0) rounded: 0 half_up, 1 half_even, 2 floor, 3 trunc."""
    q = num // d  # floor
    rem = num - q * d
    if mode == 0:
        return (2 * num + d) // (2 * d)
    if mode == 1:
        if 2 * rem > d or (2 * rem == d and (q & 1) == 1):
            return q + 1
        return q
    if mode == 2:
        return q
    if rem != 0 and num < 0:
        return q + 1
    return q


@numba.njit(cache=True)
def _pool(x, R, S, sh, sw, pt, pl, dh, dw, P, Q, is_max, include_pad, mode):
    N, C, H, W = x.shape
    out = np.empty((N, C, P, Q), dtype=np.int64)
    for n in range(N):
        for c in range(C):
            for p in range(P):
                for q in range(Q):
                    best = np.int64(0)
                    total = np.int64(0)
                    cnt = 0
                    for r in range(R):
                        hh = p * sh - pt + r * dh
                        if hh < 0 or hh >= H:
                            continue
                        for s in range(S):
                            ww = q * sw - pl + s * dw
                            if ww < 0 or ww >= W:
                                continue
                            v = x[n, c, hh, ww]
                            if cnt == 0 or v > best:
                                best = v
                            total += v
                            cnt += 1
                    if is_max:
                        out[n, c, p, q] = best
                    else:
                        d = R * S if include_pad else cnt
                        out[n, c, p, q] = _div_round(total, d, mode) if d > 0 else 0
    return out


def int_pool2d(
    x: np.ndarray,
    kernel: int | tuple[int, int],
    kind: str = "max",
    stride: int | tuple[int, int] | None = None,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, int] = 1,
    rounding: str = "half_up",
    count_include_pad: bool = True,
) -> np.ndarray:
    """Max or average pooling of an integer NCHW tensor; int64 result. ``stride`` defaults to ``kernel``."""
    if kind not in ("max", "avg"):
        raise AccelsimInputError("pool_type", f"unknown value {kind!r}; allowed: avg, max")
    if rounding not in ROUNDING:
        raise AccelsimInputError("rounding", f"unknown value {rounding!r}; allowed: {', '.join(ROUNDING)}")
    x = _as_int(x, "x", 4)
    R, S = _pair(kernel, "kernel")
    sh, sw = _pair(kernel if stride is None else stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pad = _quad(padding)
    P, Q = conv_output_shape(x.shape[2], x.shape[3], R, S, (sh, sw), pad, (dh, dw))
    if P < 1 or Q < 1:
        raise AccelsimInputError("kernel", f"dilated window {R}x{S} is larger than the padded input")
    return _pool(
        np.ascontiguousarray(x, dtype=np.int64),
        R,
        S,
        sh,
        sw,
        pad[0],
        pad[2],
        dh,
        dw,
        P,
        Q,
        kind == "max",
        bool(count_include_pad),
        ROUNDING.index(rounding),
    )


def int_global_avgpool(x: np.ndarray, rounding: str = "half_up") -> np.ndarray:
    """Average over the whole H×W plane of each channel: (N, C, 1, 1)."""
    x = _as_int(x, "x", 4)
    return int_pool2d(x, (x.shape[2], x.shape[3]), "avg", rounding=rounding)
