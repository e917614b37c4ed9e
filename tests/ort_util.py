"""onnxruntime as the golden reference, on every x86-64 CPU (see accelsim/io/onnx_ort.py, docs/onnx.md).

Two kinds of comparison, both kept:

* ``"exact"``: full-range int8 weights. onnxruntime runs the model re-encoded by
  :func:`accelsim.io.onnx_ort.exact_integer_model` (uint8 weights, zero point + 128: the same real
  weights and accumulators) through its u8×u8 kernels, which cannot saturate on any CPU;
* ``"fused"``: the model exactly as built, through onnxruntime's default fused u8×s8 kernels. Only valid
  when every int8 weight meeting uint8 activations lies in [−63, 63] (``reduce_range``), which
  :func:`run` checks before running, so a test cannot silently depend on the CPU's vector extensions.
"""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from accelsim.io.onnx_ort import REDUCED_RANGE_MAX, exact_integer_model, saturation_free

KERNELS = ("exact", "fused")


def weight_max(kernels: str) -> int:
    """Largest |int8 weight| a test may draw for this kind of comparison."""
    return 127 if kernels == "exact" else REDUCED_RANGE_MAX


def session(data: bytes, kernels: str, threads: int = 1) -> ort.InferenceSession:
    """An onnxruntime CPU session whose integer results do not depend on the CPU (see module doc)."""
    if kernels == "exact":
        data = exact_integer_model(data)
    elif kernels == "fused":
        if not saturation_free(data):
            raise AssertionError(
                "a 'fused' comparison needs int8 weights in [-63, 63]: u8×s8 pairs saturate int16 on AVX2 CPUs"
            )
    else:
        raise ValueError(kernels)
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.log_severity_level = 3
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


def run(data: bytes, feeds: dict[str, np.ndarray] | np.ndarray, kernels: str) -> dict[str, np.ndarray]:
    """Every graph output by name (a bare array feeds the input ``x``)."""
    sess = session(data, kernels)
    if isinstance(feeds, np.ndarray):
        feeds = {"x": feeds}
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))


def run_y(data: bytes, x: np.ndarray, kernels: str) -> np.ndarray:
    """The first graph output for input ``x``."""
    return next(iter(run(data, x, kernels).values()))
