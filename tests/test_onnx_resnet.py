"""A whole ResNet-18 QDQ graph (32×32 input, random weights; builder of benchmarks/bench_onnx.py): every
quantized tensor of accelsim's integer execution equals onnxruntime's, code for code."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from ort_util import KERNELS, session, weight_max

from accelsim.functional.executor import run_integer
from accelsim.io.onnx import load_onnx


def _bench():
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_onnx.py"
    spec = importlib.util.spec_from_file_location("bench_onnx", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", [0, 1])
def test_resnet18_qdq_every_tensor_equals_onnxruntime(seed, kernels):
    bench = _bench()
    x = np.random.default_rng(seed).random((1, 3, 32, 32)).astype(np.float32)
    data = bench.build_qdq_resnet18(seed, 32, x, 1, weight_max(kernels))
    m = onnx.load_from_string(data)
    qs = [n.output[0] for n in m.graph.node if n.op_type == "QuantizeLinear"]
    for q in qs:
        m.graph.output.append(helper.make_tensor_value_info(q, TensorProto.UINT8, None))
    sess = session(m.SerializeToString(), kernels)
    ref = dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"x": x}), strict=True))
    model = load_onnx(data)
    assert model.network.total_macs == pytest.approx(1.814e9 * (32 / 224) ** 2, rel=0.1)
    ex = run_integer(model, x)
    checked = 0
    for q in qs:
        layer = q.split("_")[0]
        if layer in ex.tensors:
            np.testing.assert_array_equal(ex.tensors[layer], ref[q].astype(np.int64), err_msg=q)
            checked += 1
    assert checked == 31  # 21 conv/fc + 8 add + 2 pools
    np.testing.assert_array_equal(
        model.layers["fc"].output.dequantize(ex.output).astype(np.float32), ref["y"]
    )
