"""accelsim.io.onnx_ort: the re-encoding that makes onnxruntime an exact reference on every x86-64 CPU."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from ort_util import run_y, session

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import run_integer
from accelsim.io.onnx import load_onnx
from accelsim.io.onnx_ort import exact_integer_model, saturation_free


def _model(nodes, inits, inputs, out_shape, out_type=TensorProto.INT32) -> bytes:
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info("y", out_type, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def _matmul_integer(w: np.ndarray, wz: int | None = None) -> bytes:
    c, k = w.shape
    inits = {"w": w} | ({} if wz is None else {"wz": np.array(np.int8(wz))})
    ins = ["x", "w"] + ([] if wz is None else ["", "wz"])
    return _model(
        [helper.make_node("MatMulInteger", ins, ["y"])], inits, [("x", TensorProto.UINT8, [2, c])], [2, k]
    )


def _inits(data: bytes) -> dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in onnx.load_from_string(data).graph.initializer}


def test_worst_case_u8_s8_pairs_are_exact_through_the_reencoded_model():
    """x = 255, w = ±127 over 64 terms: every adjacent pair of products is 64,770, twice int16's range
    (what AVX2's vpmaddubsw saturates). accelsim and onnxruntime on the re-encoded model both give the
    exact int32 sum, whatever the CPU."""
    w = np.full((64, 3), 127, np.int8)
    w[:, 1] = -127
    w[::2, 2] = -128
    data = _matmul_integer(w)
    x = np.full((2, 64), 255, np.uint8)
    x[1, ::3] = 7
    exact = x.astype(np.int64) @ w.astype(np.int64)
    assert exact[0, 0] == 2_072_640
    np.testing.assert_array_equal(run_y(data, x, "exact"), exact)
    np.testing.assert_array_equal(run_integer(load_onnx(data), x, x_is_codes=True).output, exact)


@pytest.mark.parametrize("wz", [None, 0, -5, 17])
def test_reencoding_keeps_every_real_weight(wz):
    rng = np.random.default_rng(3)
    w = rng.integers(-128, 128, (9, 4)).astype(np.int8)
    data = _matmul_integer(w, wz)
    new = onnx.load_from_string(exact_integer_model(data))
    inits = {t.name: numpy_helper.to_array(t) for t in new.graph.initializer}
    node = new.graph.node[0]
    wu, zu = inits[node.input[1]], inits[node.input[3]]
    assert wu.dtype == np.uint8 and zu.dtype == np.uint8
    np.testing.assert_array_equal(wu.astype(np.int64) - int(zu), w.astype(np.int64) - (wz or 0))
    x = rng.integers(0, 256, (2, 9)).astype(np.uint8)
    want = x.astype(np.int64) @ (w.astype(np.int64) - (wz or 0))
    np.testing.assert_array_equal(run_y(data, x, "exact"), want)


def test_qdq_weights_behind_a_transpose_are_reencoded_and_activations_are_not():
    """QDQ: the int8 initializer behind Transpose → DequantizeLinear is re-encoded; the uint8 activation
    grid and the int32 bias are left alone; a graph without uint8 activations is returned unchanged."""
    rng = np.random.default_rng(0)
    inits = {
        "sx": np.array(np.float32(0.02)), "zx": np.array(np.uint8(7)),
        "w": rng.integers(-127, 128, (5, 6)).astype(np.int8), "ws": np.full(5, 0.01, np.float32),
        "wz": np.zeros(5, np.int8), "sy": np.array(np.float32(0.1)), "zy": np.array(np.uint8(3)),
    }  # fmt: skip
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
        helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]),
        helper.make_node("DequantizeLinear", ["wt", "ws", "wz"], ["wd"], axis=1),
        helper.make_node("MatMul", ["xd", "wd"], ["yf"]),
        helper.make_node("QuantizeLinear", ["yf", "sy", "zy"], ["y"]),
    ]
    data = _model(nodes, inits, [("x", TensorProto.FLOAT, [2, 6])], [2, 5], TensorProto.UINT8)
    got = _inits(exact_integer_model(data))
    assert got["w"].dtype == np.uint8 and got["zx"].dtype == np.uint8 and int(got["zx"]) == 7
    np.testing.assert_array_equal(got["w"].astype(np.int64) - 128, inits["w"])
    x = rng.uniform(-1, 1, (2, 6)).astype(np.float32)
    np.testing.assert_array_equal(run_integer(load_onnx(data), x).output, run_y(data, x, "exact"))
    # int8 activations: s8×s8 kernels (no pairs of 255·127), nothing to re-encode
    inits_s8 = inits | {"zx": np.array(np.int8(7)), "zy": np.array(np.int8(3))}
    data_s8 = _model(nodes, inits_s8, [("x", TensorProto.FLOAT, [2, 6])], [2, 5], TensorProto.INT8)
    assert exact_integer_model(data_s8) == data_s8


def test_saturation_free_is_onnxruntimes_reduce_range():
    w = np.full((8, 2), 63, np.int8)
    assert saturation_free(_matmul_integer(w))
    w[3, 1] = -64
    assert not saturation_free(_matmul_integer(w))
    with pytest.raises(AssertionError, match=r"\[-63, 63\]"):
        session(_matmul_integer(w), "fused")


def test_a_weight_feeding_two_nodes_is_refused_not_rewritten_twice():
    w = np.ones((4, 2), np.int8)
    nodes = [helper.make_node("MatMulInteger", ["x", "w"], ["a"]), helper.make_node("MatMulInteger", ["x", "w"], ["b"]),
             helper.make_node("Add", ["a", "b"], ["y"])]  # fmt: skip
    data = _model(nodes, {"w": w}, [("x", TensorProto.UINT8, [1, 4])], [1, 2])
    with pytest.raises(AccelsimInputError, match="'w' feeds 2 nodes"):
        exact_integer_model(data)
