"""ONNX import: onnxruntime is the golden reference for integer semantics (exact equality of output codes)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from ort_util import KERNELS, run, run_y, weight_max

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import run_float, run_integer
from accelsim.io.onnx import load_onnx


def _model(nodes, inits, in_shape, out_shape, in_type=TensorProto.FLOAT, out_type=TensorProto.UINT8):
    g = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", in_type, in_shape)],
        [helper.make_tensor_value_info("y", out_type, out_shape)],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m.SerializeToString()


def _qparams(rng, per_channel: bool, K: int, signed_act: bool = False):
    sx = np.float32(rng.uniform(0.005, 0.05))
    zx = np.int8(rng.integers(-128, 128)) if signed_act else np.uint8(rng.integers(0, 256))
    ws = rng.uniform(0.002, 0.03, K if per_channel else 1).astype(np.float32)
    sy = np.float32(rng.uniform(0.01, 0.3))
    zy = np.int8(rng.integers(-128, 128)) if signed_act else np.uint8(rng.integers(0, 256))
    return sx, zx, ws, sy, zy


def _qlinearconv_case(seed: int, wmax: int = 127):
    rng = np.random.default_rng(seed)
    N, C = int(rng.integers(1, 3)), int(rng.integers(1, 6))
    H, W = int(rng.integers(4, 10)), int(rng.integers(4, 10))
    R = int(rng.integers(1, 4))
    groups = int(rng.choice([g for g in (1, 2, C) if C % g == 0]))
    K = groups * int(rng.integers(1, 4))
    stride, pad, dil = int(rng.integers(1, 3)), int(rng.integers(0, 3)), int(rng.integers(1, 3))
    if dil * (R - 1) + 1 > min(H, W) + 2 * pad:
        dil = 1
    per_channel = bool(rng.integers(0, 2))
    signed_act = seed % 4 == 3  # int8 activations (s8s8) in every fourth case
    sx, zx, ws, sy, zy = _qparams(rng, per_channel, K, signed_act)
    w = rng.integers(-wmax, wmax + 1, (K, C // groups, R, R)).astype(np.int8)
    bias = rng.integers(-5000, 5000, K).astype(np.int32)
    inits = {
        "sx": np.array(sx), "zx": np.array(zx), "w": w, "ws": ws if per_channel else ws.reshape(()),
        "wz": np.zeros(K if per_channel else (), np.int8), "sy": np.array(sy), "zy": np.array(zy), "b": bias,
    }  # fmt: skip
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node(
            "QLinearConv", ["xq", "sx", "zx", "w", "ws", "wz", "sy", "zy", "b"], ["y"], name="qconv",
            strides=[stride, stride], pads=[pad, pad, pad, pad], dilations=[dil, dil], group=groups,
        ),
    ]  # fmt: skip
    P = (H + 2 * pad - dil * (R - 1) - 1) // stride + 1
    Q = (W + 2 * pad - dil * (R - 1) - 1) // stride + 1
    x = ((rng.random((N, C, H, W)) * 255 - 128 * signed_act - zx.astype(np.float64)) * sx).astype(np.float32)
    out_type = TensorProto.INT8 if signed_act else TensorProto.UINT8
    return _model(nodes, inits, [N, C, H, W], [N, K, P, Q], out_type=out_type), x


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(25))
def test_qlinearconv_equals_onnxruntime_exactly(seed, kernels):
    data, x = _qlinearconv_case(seed, weight_max(kernels))
    want = run_y(data, x, kernels)
    model = load_onnx(data)
    got = run_integer(model, x).output
    np.testing.assert_array_equal(got, want.astype(np.int64))


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(15))
def test_qlinearmatmul_equals_onnxruntime_exactly(seed, kernels):
    rng = np.random.default_rng(100 + seed)
    N, C, K = int(rng.integers(1, 5)), int(rng.integers(1, 40)), int(rng.integers(1, 20))
    per_channel = bool(rng.integers(0, 2))
    sx, zx, ws, sy, zy = _qparams(rng, per_channel, K)
    wz = np.zeros(K if per_channel else (), np.int8)
    wmax = weight_max(kernels)
    inits = {"sx": np.array(sx), "zx": np.array(zx), "w": rng.integers(-wmax, wmax + 1, (C, K)).astype(np.int8),
             "ws": ws if per_channel else ws.reshape(()), "wz": wz, "sy": np.array(sy), "zy": np.array(zy)}  # fmt: skip
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("QLinearMatMul", ["xq", "sx", "zx", "w", "ws", "wz", "sy", "zy"], ["y"], name="qmm"),
    ]
    x = ((rng.random((N, C)) * 255 - zx) * sx).astype(np.float32)
    data = _model(nodes, inits, [N, C], [N, K])
    want = run_y(data, x, kernels)
    got = run_integer(load_onnx(data), x).output
    np.testing.assert_array_equal(got, want.astype(np.int64))


def _qdq_conv_case(seed: int, wmax: int = 127):
    rng = np.random.default_rng(200 + seed)
    N, C, H, W, K = (
        1,
        int(rng.integers(1, 5)),
        int(rng.integers(4, 9)),
        int(rng.integers(4, 9)),
        int(rng.integers(1, 6)),
    )
    R, pad = int(rng.integers(1, 4)), int(rng.integers(0, 2))
    sx, zx, ws, sy, zy = _qparams(rng, True, K)
    w = rng.integers(-wmax, wmax + 1, (K, C, R, R)).astype(np.int8)
    bias = rng.integers(-3000, 3000, K).astype(np.int32)
    bscale = (np.float32(sx) * ws).astype(np.float32)
    inits = {"sx": np.array(sx), "zx": np.array(zx), "w": w, "ws": ws, "wz": np.zeros(K, np.int8),
             "b": bias, "bs": bscale, "bz": np.zeros(K, np.int32), "sy": np.array(sy), "zy": np.array(zy)}  # fmt: skip
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("DequantizeLinear", ["xq", "sx", "zx"], ["xd"]),
        helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], axis=0),
        helper.make_node("DequantizeLinear", ["b", "bs", "bz"], ["bd"], axis=0),
        helper.make_node("Conv", ["xd", "wd", "bd"], ["c"], name="conv", pads=[pad] * 4),
        helper.make_node("QuantizeLinear", ["c", "sy", "zy"], ["y"]),
    ]
    P, Q = H + 2 * pad - R + 1, W + 2 * pad - R + 1
    x = ((rng.random((N, C, H, W)) * 255 - zx) * sx).astype(np.float32)
    return _model(nodes, inits, [N, C, H, W], [N, K, P, Q]), x


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(15))
def test_qdq_conv_equals_onnxruntime_exactly(seed, kernels):
    data, x = _qdq_conv_case(seed, weight_max(kernels))
    want = run_y(data, x, kernels)  # onnxruntime fuses DQ -> Conv -> Q into QLinearConv
    got = run_integer(load_onnx(data), x).output
    np.testing.assert_array_equal(got, want.astype(np.int64))


def test_float_graph_with_bn_relu_pool_flatten_gemm_matches_onnxruntime():
    rng = np.random.default_rng(7)
    inits = {
        "w": rng.standard_normal((6, 3, 3, 3)).astype(np.float32), "b": rng.standard_normal(6).astype(np.float32),
        "g": rng.uniform(0.5, 2, 6).astype(np.float32), "be": rng.standard_normal(6).astype(np.float32),
        "mu": rng.standard_normal(6).astype(np.float32), "var": rng.uniform(0.5, 2, 6).astype(np.float32),
        "w2": rng.standard_normal((6, 6, 1, 1)).astype(np.float32),
        "fw": rng.standard_normal((5, 6 * 4 * 4)).astype(np.float32), "fb": rng.standard_normal(5).astype(np.float32),
        "mw": rng.standard_normal((5, 4)).astype(np.float32), "mb": rng.standard_normal(4).astype(np.float32),
        "six": np.array(6.0, np.float32), "zero": np.array(0.0, np.float32),
    }  # fmt: skip
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="conv"),
        helper.make_node("BatchNormalization", ["c", "g", "be", "mu", "var"], ["bn"]),
        helper.make_node("Relu", ["bn"], ["r"]),
        helper.make_node("Conv", ["r", "w2"], ["c2"], name="conv2"),
        helper.make_node("Add", ["c2", "r"], ["s"], name="add"),
        helper.make_node("Clip", ["s", "zero", "six"], ["r6"]),
        helper.make_node("MaxPool", ["r6"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "fw", "fb"], ["g1"], transB=1, name="fc"),
        helper.make_node("MatMul", ["g1", "mw"], ["m"], name="mm"),
        helper.make_node("Add", ["m", "mb"], ["lo"]),
        helper.make_node("Softmax", ["lo"], ["y"]),
    ]
    data = _model(nodes, inits, [2, 3, 8, 8], [2, 4], out_type=TensorProto.FLOAT)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    want = run_y(data, x, "exact")
    model = load_onnx(data)
    assert [la.op for la in model.network.layers] == ["conv2d", "conv2d", "add", "pool", "fc", "fc"]
    logits = run_float(model, x)[model.network.layers[-1].name]
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(e / e.sum(axis=1, keepdims=True), want, rtol=1e-4, atol=1e-5)


def test_bad_files_and_ops(tmp_path):
    data, _ = _qlinearconv_case(0)
    with pytest.raises(AccelsimInputError, match="corrupt or truncated|no graph nodes|checker"):
        load_onnx(data[: len(data) // 2])
    with pytest.raises(AccelsimInputError, match="onnx"):
        load_onnx(b"\x00\x01garbage-not-a-model")
    with pytest.raises(AccelsimInputError, match="above the limit"):
        load_onnx(data, max_bytes=100)
    p = tmp_path / "m.onnx"
    p.write_bytes(data)
    with pytest.raises(AccelsimInputError, match="above the limit"):
        load_onnx(p, max_bytes=100)
    with pytest.raises(AccelsimInputError, match="no such file"):
        load_onnx(tmp_path / "missing.onnx")
    nodes = [helper.make_node("Sigmoid", ["x"], ["y"], name="sig0")]
    bad = _model(nodes, {}, [1, 4], [1, 4], out_type=TensorProto.FLOAT)
    with pytest.raises(AccelsimInputError, match=r"'sig0' \(Sigmoid\): unsupported operator"):
        load_onnx(bad)
    before = sorted(tmp_path.iterdir())
    assert sorted(tmp_path.iterdir()) == before  # nothing written


@pytest.mark.parametrize("seed", range(6))
def test_convinteger_and_matmulinteger_equal_onnxruntime_exactly(seed):
    rng = np.random.default_rng(300 + seed)
    C, K, H = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(3, 7))
    zx = np.uint8(rng.integers(0, 256))
    w = rng.integers(0, 256, (K, C, 3, 3)).astype(np.uint8)
    wz = np.uint8(rng.integers(0, 256))
    nodes = [helper.make_node("ConvInteger", ["x", "w", "zx", "wz"], ["y"], pads=[1, 1, 1, 1], name="ci")]
    data = _model(nodes, {"w": w, "zx": np.array(zx), "wz": np.array(wz)}, [1, C, H, H], [1, K, H, H],
                  in_type=TensorProto.UINT8, out_type=TensorProto.INT32)  # fmt: skip
    x = rng.integers(0, 256, (1, C, H, H)).astype(np.uint8)
    got = run_integer(load_onnx(data), x, x_is_codes=True).output
    np.testing.assert_array_equal(got, run_y(data, x, "exact").astype(np.int64))
    w2 = rng.integers(0, 256, (C * 3, K)).astype(np.uint8)
    nodes = [helper.make_node("MatMulInteger", ["x", "w", "zx", "wz"], ["y"], name="mi")]
    data = _model(nodes, {"w": w2, "zx": np.array(zx), "wz": np.array(wz)}, [2, C * 3], [2, K],
                  in_type=TensorProto.UINT8, out_type=TensorProto.INT32)  # fmt: skip
    x2 = rng.integers(0, 256, (2, C * 3)).astype(np.uint8)
    got = run_integer(load_onnx(data), x2, x_is_codes=True).output
    np.testing.assert_array_equal(got, run_y(data, x2, "exact").astype(np.int64))


def _lenet_onnx() -> bytes:
    """The shipped float LeNet-5-digits graph, built by tools/export_lenet5_onnx.py (the README's model)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "tools" / "export_lenet5_onnx.py"
    spec = importlib.util.spec_from_file_location("export_lenet5_onnx", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod.build()[0]


def test_shipped_onnx_example_is_what_the_tool_builds():
    from pathlib import Path

    shipped = Path(__file__).resolve().parent.parent / "examples" / "onnx" / "lenet5_digits.onnx"
    assert shipped.read_bytes() == _lenet_onnx(), "run tools/export_lenet5_onnx.py again"


def test_float_onnx_lenet_imports_to_the_zoo_network_and_ptq_gives_the_same_integers(tmp_path):
    from accelsim.accuracy import accuracy_report
    from accelsim.functional.metrics import shipped_model
    from accelsim.functional.ptq import ptq
    from accelsim.workload import load_network

    net = load_network("lenet5-digits")
    w, b, x, y, cal = shipped_model(net)
    model = load_onnx(_lenet_onnx())
    assert not model.quantized
    got = [(la.name, la.op, la.macs) for la in model.network.layers]
    assert got == [(la.name, la.op, la.macs) for la in net.layers]
    np.testing.assert_allclose(run_float(model, x[:50])["fc3"], run_y(_lenet_onnx(), x[:50].astype(np.float32), "exact"),
                               rtol=1e-4, atol=1e-4)  # fmt: skip
    qa = ptq(model.network, model.weights, cal, model.biases, w_bits=4, a_bits=4)
    qb = ptq(net, w, cal, b, w_bits=4, a_bits=4)
    np.testing.assert_array_equal(run_integer(qa, x).output, run_integer(qb, x).output)
    p = tmp_path / "lenet.onnx"
    p.write_bytes(_lenet_onnx())
    np.savez(tmp_path / "d.npz", x=x[:64], y=y[:64])
    r = accuracy_report(str(p), "ideal", data=str(tmp_path / "d.npz"), bits="8/8", calib=cal)
    assert r["weights"] == "onnx"
    assert r["accuracy"]["overall"]["accuracy_int"] >= 0.95


def test_truncated_or_corrupted_files_raise_only_input_errors():
    """Seeded fuzzing: every truncation / byte flip of valid models either loads and runs or raises
    AccelsimInputError (never another exception)."""
    rng = np.random.default_rng(0)
    datas = [_qlinearconv_case(1)[0], _lenet_onnx(), _qdq_conv_case(2)[0]]
    outcomes = {"error": 0, "ok": 0}
    for i in range(240):
        d = bytearray(datas[i % 3])
        if i % 2:
            d = d[: int(rng.integers(0, len(d)))]
        else:
            for _ in range(int(rng.integers(1, 4))):
                d[int(rng.integers(0, len(d)))] = int(rng.integers(0, 256))
        try:
            m = load_onnx(bytes(d))
            inp = m.network.input
            x = rng.random((1, inp.channels, inp.height, inp.width))
            run_integer(m, x) if m.quantized else run_float(m, x)
            outcomes["ok"] += 1
        except AccelsimInputError:
            outcomes["error"] += 1
    assert outcomes["error"] > 100 and outcomes["ok"] > 0


def _dq_conv(nodes, inits, rng, name, x, cin, cout, sx, per_channel, wmax):
    """DQ(int8 w) + DQ(int32 bias) + Conv(3x3, pad 1) emitting float ``name``."""
    w = rng.integers(-wmax, wmax + 1, (cout, cin, 3, 3)).astype(np.int8)
    ws = rng.uniform(0.002, 0.03, cout if per_channel else 1).astype(np.float32)
    ws = ws if per_channel else ws.reshape(())
    inits |= {f"{name}w": w, f"{name}ws": ws, f"{name}wz": np.zeros(ws.shape, np.int8),
              f"{name}b": rng.integers(-3000, 3000, cout).astype(np.int32),
              f"{name}bs": (np.float32(sx) * np.broadcast_to(ws, (cout,))).astype(np.float32),
              f"{name}bz": np.zeros(cout, np.int32)}  # fmt: skip
    nodes += [
        helper.make_node("DequantizeLinear", [f"{name}w", f"{name}ws", f"{name}wz"], [f"{name}wd"], axis=0),
        helper.make_node("DequantizeLinear", [f"{name}b", f"{name}bs", f"{name}bz"], [f"{name}bd"], axis=0),
        helper.make_node("Conv", [x, f"{name}wd", f"{name}bd"], [name], name=name, pads=[1] * 4),
    ]


def _qdq(nodes, inits, rng, t):
    s, z = np.float32(rng.uniform(0.02, 0.2)), np.uint8(rng.integers(0, 256))
    inits |= {f"{t}s": np.array(s), f"{t}z": np.array(z)}
    nodes += [
        helper.make_node("QuantizeLinear", [t, f"{t}s", f"{t}z"], [f"{t}q"]),
        helper.make_node("DequantizeLinear", [f"{t}q", f"{t}s", f"{t}z"], [f"{t}dq"]),
    ]
    return f"{t}dq", s


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(8))
def test_qdq_concat_add_graph_equals_onnxruntime_exactly(seed, kernels):
    """Two QDQ convs (per-tensor or per-channel weights), Concat and a residual Add with their own output
    grids, then a third conv: every quantized tensor equals onnxruntime's."""
    rng = np.random.default_rng(400 + seed)
    wmax = weight_max(kernels)
    C, H, K = int(rng.integers(1, 4)), int(rng.integers(3, 7)), int(rng.integers(1, 4))
    nodes, inits = [], {}
    xd, sx = _qdq(nodes, inits, rng, "x")
    _dq_conv(nodes, inits, rng, "a", xd, C, K, sx, seed % 2 == 0, wmax)
    ad, sa = _qdq(nodes, inits, rng, "a")
    _dq_conv(nodes, inits, rng, "b", xd, C, K, sx, seed % 2 == 1, wmax)
    bd, _ = _qdq(nodes, inits, rng, "b")
    nodes.append(helper.make_node("Concat", [ad, bd], ["cat"], axis=1, name="cat"))
    cd, sc = _qdq(nodes, inits, rng, "cat")
    _dq_conv(nodes, inits, rng, "c", cd, 2 * K, K, sc, True, wmax)
    cvd, _ = _qdq(nodes, inits, rng, "c")
    nodes.append(helper.make_node("Add", [cvd, ad], ["sum"], name="sum"))
    nodes.append(helper.make_node("Relu", ["sum"], ["sumr"]))
    nodes.append(helper.make_node("QuantizeLinear", ["sumr", "sums", "sumz"], ["y"]))
    inits |= {"sums": np.array(np.float32(rng.uniform(0.02, 0.2))), "sumz": np.array(np.uint8(0))}
    data0 = _model(nodes, inits, [2, C, H, H], [2, K, H, H])
    m = onnx.load_from_string(data0)
    names = {"aq": "a", "bq": "b", "catq": "cat", "cq": "c", "y": "sum"}
    for t in list(names)[:-1]:
        m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.UINT8, None))
    data = m.SerializeToString()
    x = rng.standard_normal((2, C, H, H)).astype(np.float32) * 3
    ref = run(data, x, kernels)
    model = load_onnx(data0)
    assert [la.op for la in model.network.layers] == ["conv2d", "conv2d", "concat", "conv2d", "add"]
    ex = run_integer(model, x)
    for t, layer in names.items():
        np.testing.assert_array_equal(ex.tensors[layer], ref[t].astype(np.int64), err_msg=t)


@pytest.mark.parametrize("kernels", KERNELS)
@pytest.mark.parametrize("seed", range(10))
def test_qdq_gemm_equals_onnxruntime_exactly(seed, kernels):
    """DQ(x) → Gemm(DQ int8 w per-tensor/per-channel, DQ int32 bias) → Q: onnxruntime fuses it (QGemm)."""
    rng = np.random.default_rng(500 + seed)
    N, C, K = int(rng.integers(1, 4)), int(rng.integers(2, 30)), int(rng.integers(1, 20))
    pc = seed % 2 == 0
    nodes, inits = [], {}
    xd, sx = _qdq(nodes, inits, rng, "x")
    ws = rng.uniform(0.002, 0.03, K if pc else 1).astype(np.float32)
    ws = ws if pc else ws.reshape(())
    wmax = weight_max(kernels)
    inits |= {"w": rng.integers(-wmax, wmax + 1, (K, C)).astype(np.int8), "ws": ws, "wz": np.zeros(ws.shape, np.int8),
              "b": rng.integers(-3000, 3000, K).astype(np.int32), "bz": np.zeros(K, np.int32),
              "bs": (np.float32(sx) * np.broadcast_to(ws, (K,))).astype(np.float32),
              "ys": np.array(np.float32(rng.uniform(0.05, 0.5))), "yz": np.array(np.uint8(rng.integers(0, 256)))}  # fmt: skip
    nodes += [
        helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"], axis=0),
        helper.make_node("DequantizeLinear", ["b", "bs", "bz"], ["bd"], axis=0),
        helper.make_node("Gemm", [xd, "wd", "bd"], ["g"], transB=1, name="fc"),
        helper.make_node("QuantizeLinear", ["g", "ys", "yz"], ["y"]),
    ]
    data = _model(nodes, inits, [N, C], [N, K])
    x = (rng.standard_normal((N, C)) * 2).astype(np.float32)
    np.testing.assert_array_equal(
        run_integer(load_onnx(data), x).output, run_y(data, x, kernels).astype(np.int64)
    )


@pytest.mark.parametrize("seed", range(8))
def test_qlinearconv_uint8_weights_with_zero_point_equals_onnxruntime(seed):
    rng = np.random.default_rng(600 + seed)
    C, K, H = int(rng.integers(1, 5)), int(rng.integers(1, 5)), int(rng.integers(3, 8))
    sx, zx, ws, sy, zy = _qparams(rng, False, K)
    inits = {"sx": np.array(sx), "zx": np.array(zx), "w": rng.integers(0, 256, (K, C, 3, 3)).astype(np.uint8),
             "ws": ws.reshape(()), "wz": np.array(np.uint8(rng.integers(0, 256))), "sy": np.array(sy),
             "zy": np.array(zy)}  # fmt: skip
    nodes = [
        helper.make_node("QuantizeLinear", ["x", "sx", "zx"], ["xq"]),
        helper.make_node("QLinearConv", ["xq", "sx", "zx", "w", "ws", "wz", "sy", "zy"], ["y"], pads=[1] * 4),
    ]
    data = _model(nodes, inits, [1, C, H, H], [1, K, H, H])
    x = ((rng.random((1, C, H, H)) * 255 - zx) * sx).astype(np.float32)
    np.testing.assert_array_equal(
        run_integer(load_onnx(data), x).output, run_y(data, x, "exact").astype(np.int64)
    )
