"""aihwkit-compatible analog-tile forward pass (noise-free IO path), with aihwkit's parameter names.

Follows IBM aihwkit 1.2.0's C++ tile (``ForwardBackwardPassIOManaged::forwardVector``), in float32 as
aihwkit computes it. W is [out, in] and Y = X @ W.T. Per input vector x:

1. steps: ``inp_step = inp_res·(2·inp_bound)`` and ``out_step = out_res·(2·out_bound)`` (a resolution
   above 1 is a number of states: res → 1/res; 0 or negative = no quantization);
2. noise management ``abs_max``: nm = max|x| (0 → the output is 0); ``none``: nm = 1;
3. scale = 1/nm / reduction (reduction = 1 without bound management), in float32;
4. DAC: x_q = clip(rint(x·scale / inp_step)·inp_step, ±inp_bound) (quantize first, then clip);
5. y = W·x_q (float32 GEMM);
6. ADC: y_q = clip(rint(y / out_step)·out_step, ±out_bound); with bound management, an output above
   +out_bound (or below −out_bound when ``bm_test_negative_bound``) fails the bound test;
7. iterative bound management: while the test fails, reduction doubles and the vector is recomputed,
   until it passes or ``int(reduction) > max_bm_factor`` or ``reduction > max_bm_res / inp_step``
   (then the last result is kept);
8. output ``y_q · (1/scale)`` (float32).

``bm_scope="batch"`` reproduces the torch-tile variant instead: one reduction for the whole batch,
doubled while any output saturates. rint is round-half-to-even; midpoints that float32 rounding moves
may differ by one ADC step from a float64 computation.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from accelsim.workload import StrictModel


class AihwkitIOConfig(StrictModel):
    """aihwkit ``IOParameters`` (forward), noise-free subset; names and defaults as in aihwkit 1.2.0."""

    inp_res: float = Field(1 / (2**7 - 2), description="DAC resolution as a fraction of 2·inp_bound")
    out_res: float = Field(1 / (2**9 - 2), description="ADC resolution as a fraction of 2·out_bound")
    inp_bound: float = Field(1.0, description="input clipping bound (≤ 0: none)")
    out_bound: float = Field(12.0, description="output clipping bound (≤ 0: none)")
    noise_management: Literal["abs_max", "none"] = Field("abs_max", description="input scaling")
    bound_management: Literal["none", "iterative"] = Field("iterative", description="bound management")
    max_bm_factor: int = Field(1000, description="largest bound-management reduction")
    max_bm_res: float = Field(0.25, description="bound management stops when reduction > max_bm_res/inp_step")
    bm_test_negative_bound: bool = Field(True, description="an output at −out_bound also fails the test")
    nm_thres: float = Field(0.0, ge=0, description="abs_max noise management caps nm at this value (0: off)")
    bm_scope: Literal["vector", "batch"] = Field(
        "vector", description="vector: aihwkit C++ tile; batch: aihwkit torch tile"
    )


def _step(res: float, bound: float) -> np.float32:
    r = max(float(np.float32(res)), 0.0)
    r = 1.0 / r if r > 1.0 else r
    return np.float32(np.float32(r) * np.float32(2.0 * bound))


def _quantize(v: np.ndarray, step: np.float32, bound: float) -> np.ndarray:
    if step > 0:
        v = np.rint(v / step) * step
    if bound > 0:
        v = np.clip(v, np.float32(-bound), np.float32(bound))
    return v


def aihwkit_forward(x: np.ndarray, w: np.ndarray, io: AihwkitIOConfig | None = None) -> np.ndarray:
    """Y [B, out] = analog-tile forward of X [B, in] with weights W [out, in] (module docstring)."""
    io = io or AihwkitIOConfig()
    x = np.ascontiguousarray(x, dtype=np.float32)
    wt = np.ascontiguousarray(np.asarray(w, dtype=np.float32).T)
    if x.ndim != 2 or x.shape[1] != wt.shape[0]:
        raise ValueError(f"x {x.shape} does not match W [out, in] = {wt.T.shape}")
    inp_step = _step(io.inp_res, io.inp_bound)
    out_step = _step(io.out_res, io.out_bound)
    if io.noise_management == "abs_max":
        nm = np.abs(x).max(axis=1) if x.shape[1] else np.zeros(len(x), np.float32)
        if io.nm_thres > 0:
            nm = np.minimum(nm, np.float32(io.nm_thres))
    else:
        nm = np.ones(len(x), dtype=np.float32)
    zero = nm <= 0
    base_scale = np.where(zero, np.float32(1.0), np.float32(1.0) / np.where(zero, np.float32(1.0), nm))
    base_scale = base_scale.astype(np.float32)
    ob = np.float32(io.out_bound)

    def run(rows: np.ndarray, reduction: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scale = base_scale[rows]
        if io.bound_management != "none":
            scale = (scale / np.float32(reduction)).astype(np.float32)
        xq = _quantize(x[rows] * scale[:, None], inp_step, io.inp_bound)
        y = xq @ wt
        q = np.rint(y / out_step) * out_step if out_step > 0 else y
        if io.out_bound > 0:
            fail = q > ob
            if io.bm_test_negative_bound:
                fail |= q < -ob
            fail = fail.any(axis=1)
            yq = np.clip(q, -ob, ob)
        else:
            fail = np.zeros(len(rows), dtype=bool)
            yq = q
        return yq, fail, scale

    out = np.empty((x.shape[0], wt.shape[1]), dtype=np.float32)
    rows = np.arange(x.shape[0])
    reduction = 1.0
    while True:
        yq, fail, scale = run(rows, reduction)
        out[rows] = yq * (np.float32(1.0) / scale)[:, None]
        stop = io.bound_management == "none" or (
            int(reduction) > io.max_bm_factor
            or (inp_step > 0 and reduction > np.float32(io.max_bm_res) / inp_step)
        )
        if stop or not fail.any():
            break
        rows = rows if io.bm_scope == "batch" else rows[fail]
        reduction *= 2.0
    out[zero] = 0.0
    return out
