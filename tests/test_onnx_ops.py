"""ONNX import of Transpose and the com.microsoft QLinearAdd / QLinearGlobalAveragePool contrib operators:
onnxruntime is the golden reference (exact equality of the output codes)."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from ort_util import KERNELS, run_y, weight_max

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import run_float, run_integer
from accelsim.io.onnx import load_onnx


def _model(nodes, inits, in_shape, out_shape, out_type=TensorProto.UINT8, ms: bool = False) -> bytes:
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", out_type, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    ops = [helper.make_opsetid("", 17)] + ([helper.make_opsetid("com.microsoft", 1)] if ms else [])
    m = helper.make_model(g, opset_imports=ops)
    m.ir_version = 8
    return m.SerializeToString()


# ---- Transpose ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("where", ["before_dq", "after_dq"])
def test_transposed_quantized_weights_equal_onnxruntime_exactly(seed, where, kernels):
    """int8 weight codes stored (K, C): Transpose → DequantizeLinear(axis=1), or DequantizeLinear(axis=0) →
    Transpose, then MatMul — the per-channel axis follows the permutation."""
    rng = np.random.default_rng(seed)
    N, C, K = int(rng.integers(1, 4)), int(rng.integers(2, 12)), int(rng.integers(2, 10))
    sx, zx = np.float32(rng.uniform(0.005, 0.05)), np.uint8(rng.integers(0, 256))
    sy, zy = np.float32(rng.uniform(0.01, 0.3)), np.uint8(rng.integers(0, 256))
    inits = {
        "sx": np.array(sx), "zx": np.array(zx), "sy": np.array(sy), "zy": np.array(zy),
        "w": rng.integers(-weight_max(kernels), weight_max(kernels) + 1, (K, C)).astype(np.int8),
        "ws": rng.uniform(0.002, 0.03, K).astype(np.float32), "wz": np.zeros(K, np.int8),
    }  # fmt: skip
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
    ]
    if where == "before_dq":
        nodes += [
            helper.make_node("Transpose", ["w"], ["wt"], perm=[1, 0]),
            helper.make_node("DequantizeLinear", ["wt", "ws", "wz"], ["wd"], axis=1),
        ]
    else:
        nodes += [
            helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wk"], axis=0),
            helper.make_node("Transpose", ["wk"], ["wd"], perm=[1, 0]),
        ]
    nodes += [
        helper.make_node("MatMul", ["xd", "wd"], ["yf"], name="mm"),
        helper.make_node("QuantizeLinear", ["yf", "sy", "zy"], ["y"]),
    ]
    data = _model(nodes, inits, [N, C], [N, K])
    x = rng.uniform(-1, 1, (N, C)).astype(np.float32)
    model = load_onnx(data)
    assert [la.op for la in model.network.layers] == ["fc"]
    np.testing.assert_array_equal(run_integer(model, x).output, run_y(data, x, kernels).astype(np.int64))


def test_layout_noop_transposes_on_activations_and_a_real_one_is_refused():
    rng = np.random.default_rng(0)
    C, K = 6, 4
    inits = {
        "w": rng.standard_normal((C, C, 3, 3)).astype(np.float32),
        "fw": rng.standard_normal((K, C)).astype(np.float32),
        "shape": np.array([0, -1], np.int64),
    }
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
        helper.make_node("Transpose", ["c"], ["c2"], perm=[0, 1, 2, 3]),  # identity
        helper.make_node("GlobalAveragePool", ["c2"], ["g"]),
        helper.make_node("Transpose", ["g"], ["gt"], perm=[0, 2, 3, 1]),  # (N, C, 1, 1) → (N, 1, 1, C)
        helper.make_node("Reshape", ["gt", "shape"], ["f"]),
        helper.make_node("Gemm", ["f", "fw"], ["y"], transB=1),
    ]
    data = _model(nodes, inits, [2, C, 5, 5], [2, K], out_type=TensorProto.FLOAT)
    model = load_onnx(data)
    assert [la.op for la in model.network.layers] == ["conv2d", "pool", "fc"]
    x = rng.standard_normal((2, C, 5, 5)).astype(np.float32)
    y = run_float(model, x)[model.network.layers[-1].name]
    np.testing.assert_allclose(y, run_y(data, x, "exact"), rtol=1e-4, atol=1e-4)
    # NCHW → NHWC with H, W > 1 reorders data: refused, naming the node and the permutation
    nodes[1] = helper.make_node("Transpose", ["c"], ["c2"], perm=[0, 2, 3, 1], name="to_nhwc")
    with pytest.raises(
        AccelsimInputError, match=r"'to_nhwc' \(Transpose\).*layout no-op.*perm \[0, 2, 3, 1\]"
    ):
        load_onnx(_model(nodes, inits, [2, C, 5, 5], [2, K], out_type=TensorProto.FLOAT))
    # a reshaping no-op read by a Conv (not only flattened) is refused as well
    bad = [
        helper.make_node("GlobalAveragePool", ["x"], ["g"]),
        helper.make_node("Transpose", ["g"], ["gt"], perm=[0, 2, 3, 1], name="t2"),
        helper.make_node("Conv", ["gt", "w1"], ["y"]),
    ]
    w1 = {"w1": rng.standard_normal((2, 1, 1, 1)).astype(np.float32)}
    with pytest.raises(AccelsimInputError, match="'t2'"):
        load_onnx(_model(bad, w1, [1, C, 3, 3], [1, 2, 1, 1], out_type=TensorProto.FLOAT))


# ---- com.microsoft QLinearAdd / QLinearGlobalAveragePool -------------------------------------------


def _qconv(nodes, inits, rng, name, x, cin, cout, sx, zx, wmax):
    sy, zy = np.float32(rng.uniform(0.02, 0.3)), np.uint8(rng.integers(0, 256))
    inits.update({
        f"{name}_w": rng.integers(-wmax, wmax + 1, (cout, cin, 3, 3)).astype(np.int8),
        f"{name}_ws": rng.uniform(0.002, 0.02, cout).astype(np.float32),
        f"{name}_wz": np.zeros(cout, np.int8),
        f"{name}_sy": np.array(sy), f"{name}_zy": np.array(zy),
        f"{name}_b": rng.integers(-3000, 3000, cout).astype(np.int32),
    })  # fmt: skip
    ins = [x, sx, zx, f"{name}_w", f"{name}_ws", f"{name}_wz", f"{name}_sy", f"{name}_zy", f"{name}_b"]
    nodes.append(helper.make_node("QLinearConv", ins, [name], name=name, pads=[1, 1, 1, 1]))
    return f"{name}_sy", f"{name}_zy"


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(10))
def test_qlinearadd_and_qlinear_global_average_pool_equal_onnxruntime_exactly(seed, kernels):
    rng = np.random.default_rng(seed)
    N, C, K = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 6))
    H, W = int(rng.integers(2, 9)), int(rng.integers(2, 9))
    inits = {
        "sx": np.array(np.float32(rng.uniform(0.005, 0.05))),
        "zx": np.array(np.uint8(rng.integers(0, 256))),
    }
    nodes = [helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"])]
    sa, za = _qconv(nodes, inits, rng, "a", "xq", C, K, "sx", "zx", weight_max(kernels))
    sb, zb = _qconv(nodes, inits, rng, "b", "xq", C, K, "sx", "zx", weight_max(kernels))
    # output grids in the operands' range (random, but not saturating everything)
    s_ab = float(inits[sa]) + float(inits[sb])
    inits["sc"] = np.array(np.float32(s_ab * rng.uniform(0.5, 1.2)))
    inits["zc"] = np.array(np.uint8(rng.integers(96, 160)))
    inits["sg"] = np.array(np.float32(float(inits["sc"]) * rng.uniform(0.2, 1.0)))
    inits["zg"] = np.array(np.uint8(rng.integers(96, 160)))
    nodes += [
        helper.make_node("QLinearAdd", ["a", sa, za, "b", sb, zb, "sc", "zc"], ["s"], domain="com.microsoft"),
        helper.make_node("QLinearGlobalAveragePool", ["s", "sc", "zc", "sg", "zg"], ["y"], domain="com.microsoft",
                         channels_last=0),
    ]  # fmt: skip
    data = _model(nodes, inits, [N, C, H, W], [N, K, 1, 1], ms=True)
    x = rng.uniform(-1, 1, (N, C, H, W)).astype(np.float32) * 3
    model = load_onnx(data)
    assert [la.op for la in model.network.layers] == ["conv2d", "conv2d", "add", "pool"]
    ex = run_integer(model, x)
    ref = run_y(data, x, kernels).astype(np.int64)
    np.testing.assert_array_equal(ex.output, ref)
    add = model.network.layers[2].name
    assert len(np.unique(ex.tensors[add])) > 2  # the residual add is exercised, not saturated


def test_contrib_operator_errors():
    inits = {"s": np.array(np.float32(0.1)), "z": np.array(np.uint8(3)), "s2": np.array(np.float32(0.2))}
    q = helper.make_node("QuantizeLinear", ["x", "s", "z"], ["xq"])
    gap = helper.make_node("QLinearGlobalAveragePool", ["xq", "s", "z", "s2", "z"], ["y"], domain="com.microsoft",
                           channels_last=1, name="gap")  # fmt: skip
    with pytest.raises(AccelsimInputError, match="'gap'.*channels_last"):
        load_onnx(_model([q, gap], inits, [1, 2, 3, 3], [1, 2, 1, 1], ms=True))
    wrong_domain = helper.make_node(
        "QLinearAdd", ["xq", "s", "z", "xq", "s", "z", "s2", "z"], ["y"], name="qa"
    )
    with pytest.raises(AccelsimInputError, match="QLinearAdd"):  # the ONNX checker refuses it first
        load_onnx(_model([q, wrong_domain], inits, [1, 2, 3, 3], [1, 2, 1, 1], ms=True))
    other_scale = helper.make_node("QLinearAdd", ["xq", "s2", "z", "xq", "s", "z", "s2", "z"], ["y"],
                                   domain="com.microsoft", name="qa2")  # fmt: skip
    with pytest.raises(AccelsimInputError, match="'qa2'.*scale"):
        load_onnx(_model([q, other_scale], inits, [1, 2, 3, 3], [1, 2, 1, 1], ms=True))


# ---- attention: MatMul of two activations (Q·Kᵀ with a Transpose, S·V) ------------------------------


def _attention_qdq(seed: int, wmax: int = 127):
    """Single-head attention without softmax in QDQ form, scales calibrated on the float graph."""
    rng = np.random.default_rng(seed)
    N, M, D = int(rng.integers(1, 3)), int(rng.integers(2, 7)), int(rng.integers(2, 9))
    x = rng.uniform(-1, 1, (N, M, D)).astype(np.float32)
    ws = {n: rng.uniform(-0.8, 0.8, (D, D)).astype(np.float32) for n in "qkv"}
    f = {"x": x.astype(np.float64)}
    for n in "qkv":
        f[n] = f["x"] @ ws[n]
    f["s"] = f["q"] @ f["k"].transpose(0, 2, 1)
    f["y"] = f["s"] @ f["v"]
    inits, nodes = {}, []

    def qdq(name: str, src: str, last: bool = False) -> str:
        lo, hi = min(f[name].min(), 0.0), max(f[name].max(), 0.0)
        s = np.float32(max(hi - lo, 1e-6) / 255)
        inits[f"{name}_s"], inits[f"{name}_z"] = (
            np.array(s),
            np.array(np.uint8(np.clip(np.rint(-lo / s), 0, 255))),
        )
        nodes.append(
            helper.make_node(
                "QuantizeLinear", [src, f"{name}_s", f"{name}_z"], ["y" if last else f"{name}_q"]
            )
        )
        if last:
            return "y"
        nodes.append(
            helper.make_node("DequantizeLinear", [f"{name}_q", f"{name}_s", f"{name}_z"], [f"{name}_d"])
        )
        return f"{name}_d"

    xd = qdq("x", "x")
    ds = {}
    for n in "qkv":
        sc = (np.abs(ws[n]).max(axis=0) / wmax).astype(np.float32)
        inits[f"w{n}"] = np.clip(np.rint(ws[n] / sc), -wmax, wmax).astype(np.int8)
        inits[f"w{n}_s"], inits[f"w{n}_z"] = sc, np.zeros(D, np.int8)
        nodes.append(
            helper.make_node("DequantizeLinear", [f"w{n}", f"w{n}_s", f"w{n}_z"], [f"w{n}_d"], axis=1)
        )
        nodes.append(helper.make_node("MatMul", [xd, f"w{n}_d"], [f"{n}_f"], name=f"proj_{n}"))
        ds[n] = qdq(n, f"{n}_f")
    nodes.append(helper.make_node("Transpose", [ds["k"]], ["kt"], perm=[0, 2, 1]))
    nodes.append(helper.make_node("MatMul", [ds["q"], "kt"], ["s_f"], name="scores"))
    sd = qdq("s", "s_f")
    nodes.append(helper.make_node("MatMul", [sd, ds["v"]], ["y_f"], name="context"))
    qdq("y", "y_f", last=True)
    return _model(nodes, inits, [N, M, D], [N, M, D]), x


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(8))
def test_qdq_attention_two_activation_matmuls_equal_onnxruntime_exactly(seed, kernels):
    data, x = _attention_qdq(seed, weight_max(kernels))
    model = load_onnx(data)
    layers = {la.name: la for la in model.network.layers}
    assert layers["scores"].weights_are_activations and layers["scores"].rhs_transposed
    assert layers["context"].weights_are_activations and not layers["context"].rhs_transposed
    ex = run_integer(model, x)
    ref = run_y(data, x, kernels).astype(np.int64)
    np.testing.assert_array_equal(ex.output, ref)
    assert len(np.unique(ref)) > 2


def test_transposed_activation_must_be_a_matmul_right_operand():
    inits = {"w": np.ones((4, 4), np.float32)}
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["a"]),
        helper.make_node("Transpose", ["a"], ["at"], perm=[0, 2, 1], name="tl"),
        helper.make_node("MatMul", ["at", "a"], ["y"]),  # transposed LEFT operand: data really moves
    ]
    with pytest.raises(AccelsimInputError, match=r"'tl' \(Transpose\).*right operand"):
        load_onnx(_model(nodes, inits, [1, 4, 4], [1, 4, 4], out_type=TensorProto.FLOAT))
    nodes[2] = helper.make_node("MatMul", ["a", "at"], ["y"])  # a·aᵀ: supported, float equals onnxruntime
    data = _model(nodes, inits, [1, 4, 4], [1, 4, 4], out_type=TensorProto.FLOAT)
    model = load_onnx(data)
    x = np.random.default_rng(0).standard_normal((1, 4, 4)).astype(np.float32)
    y = run_float(model, x)[model.network.layers[-1].name]
    np.testing.assert_allclose(y, run_y(data, x, "exact"), rtol=1e-4, atol=1e-4)
