"""ONNX import of multi-head attention blocks (accelsim.io.onnx_attention): the IR costs what the zoo block
costs, and the numpy execution of the imported graph equals onnxruntime — integer codes after every
QuantizeLinear of a MatMul exactly, softmax / LayerNorm / GELU within float32 rounding."""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pytest
from fuzzing import examples
from hypothesis import example, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper, numpy_helper
from ort_util import REDUCED_RANGE_MAX, session

from accelsim.errors import AccelsimInputError
from accelsim.functional.qmodel import TensorQ
from accelsim.io.onnx import load_onnx
from accelsim.io.onnx_attention import AttentionModel, onnx_to_ir, qlinear_add, run_attention
from accelsim.simulate import simulate
from accelsim.transformers import TransformerConfig, _layers
from accelsim.workload import Network, Precision

# fixed before measuring: float32 outputs agree within rtol 1e-5, atol 1e-5 (values are O(1))
RTOL, ATOL = 1e-5, 1e-5
# a code may differ by one only where onnxruntime's float value / scale lies this close to a midpoint
MIDPOINT = 1e-3


def block(  # noqa: C901
    seed: int, N: int = 2, L: int = 5, H: int = 2, Dh: int = 3, *, qdq: bool = False, signed: bool = False,
    gelu: str = "xa_half", kt: str = "perm", scale_op: str = "Mul", mask: bool = True,
    bias: bool | str = True, softmax_axis: int = -1, extra_outputs: bool = False,
) -> tuple[bytes, np.ndarray, list[str]]:  # fmt: skip
    """A pre-norm transformer block as exporters write it: LN → Q, K, V MatMul (+ bias) → Reshape
    (N, L, H, Dh) → Transpose (K to (N, H, Dh, L) in one Transpose, or two) → Q·Kᵀ → Mul/Div scale → causal
    mask Add → Softmax → ·V → Transpose → Reshape → output MatMul → residual Add → LN → MatMul → GELU
    (``op``: Gelu, ``tanh``: Gelu(approximate=tanh), else the Erf pattern in Mul order ``gelu``) → MatMul →
    residual Add. ``qdq``: QuantizeLinear/DequantizeLinear (per tensor, uint8 or int8 activations, int8
    weights in [−63, 63]) around every MatMul. ``bias`` of the projections: a float constant Add (True;
    under QDQ between the MatMul and its QuantizeLinear, form (c)), or under QDQ the forms quantization
    tools emit: ``"a8"`` / ``"a32"`` a QDQ Add of the MatMul's quantized output and DequantizeLinear of
    bias codes in the activations' type / int32 (onnxruntime's quantize_static, form (a)), ``"b"``
    DequantizeLinear of int32 codes on the accumulator grid s_x·s_w (form (b)). Returns (model, input,
    quantized tensor names)."""
    rng = np.random.default_rng(seed)
    D, F = H * Dh, 2 * H * Dh
    inits: dict[str, np.ndarray] = {}
    nodes: list = []
    qnames: list[str] = []
    zdt = np.int8 if signed else np.uint8
    scale_of: dict[str, str] = {}  # a dequantized activation -> its scale initializer

    def init(name: str, v: np.ndarray) -> str:
        inits[name] = v
        return name

    def node(op: str, ins: list[str], out: str, **kw) -> str:
        nodes.append(helper.make_node(op, ins, [out], name=f"{out}_{op}", **kw))
        return out

    def q(t: str, s: float) -> str:
        if not qdq:
            return t
        z = int(rng.integers(-20, 20)) if signed else int(rng.integers(100, 156))
        init(t + "_s", np.array(np.float32(s * rng.uniform(0.8, 1.25))))
        init(t + "_z", np.array(z, zdt))
        qnames.append(node("QuantizeLinear", [t, t + "_s", t + "_z"], t + "_q"))
        scale_of[t + "_dq"] = t + "_s"
        return node("DequantizeLinear", [t + "_q", t + "_s", t + "_z"], t + "_dq")

    def dq_const(name: str, codes: np.ndarray, s: np.float32, z) -> str:
        init(name + "_c", codes)
        init(name + "_s", np.array(np.float32(s)))
        init(name + "_z", np.array(z, codes.dtype))
        return node("DequantizeLinear", [name + "_c", name + "_s", name + "_z"], name)

    def weight(name: str, c: int, k: int) -> str:
        if not qdq:
            return init(name, (rng.standard_normal((c, k)) / np.sqrt(c)).astype(np.float32))
        init(name + "_c", rng.integers(-REDUCED_RANGE_MAX, REDUCED_RANGE_MAX + 1, (c, k)).astype(np.int8))
        init(name + "_s", np.array(np.float32(rng.uniform(1.0, 3.0) / REDUCED_RANGE_MAX / np.sqrt(c))))
        init(name + "_z", np.array(0, np.int8))
        return node("DequantizeLinear", [name + "_c", name + "_s", name + "_z"], name)

    def ln(x: str, name: str) -> str:
        init(name + "_g", rng.uniform(0.5, 1.5, D).astype(np.float32))
        init(name + "_b", rng.uniform(-0.2, 0.2, D).astype(np.float32))
        return node("LayerNormalization", [x, name + "_g", name + "_b"], name, axis=-1, epsilon=1e-5)

    def linear(x: str, name: str, c: int, k: int) -> str:
        y = node("MatMul", [x, weight(name + "_w", c, k)], name + "_mm")
        if bias is True or (bias and not qdq):
            y = node("Add", [y, init(name + "_bias", rng.uniform(-0.1, 0.1, k).astype(np.float32))], name)
        elif bias == "b":  # int32 codes on the accumulator grid, scale s_x·s_w in float32
            real = rng.uniform(-0.1, 0.1, k).astype(np.float32)
            s = np.float32(inits[scale_of[x]]) * np.float32(inits[name + "_w_s"])
            b = dq_const(name + "_b", np.rint(real / s).astype(np.int32), s, 0)
            y = node("Add", [y, b], name)
        elif bias in ("a8", "a32"):  # quantize_static: Add(QDQ(MatMul), DQ(bias)), then QDQ
            real = rng.uniform(-0.1, 0.1, k).astype(np.float32)
            if bias == "a32":
                s = np.float32(rng.uniform(1e-4, 1e-3))
                b = dq_const(name + "_b", np.rint(real / s).astype(np.int32), s, 0)
            else:  # per-tensor min/max of the bias on the activations' grid
                lo, hi = min(float(real.min()), 0.0), max(float(real.max()), 0.0)
                s = np.float32((hi - lo) / 255)
                z = int(np.rint((-128 if signed else 0) - lo / s))
                codes = np.clip(np.rint(real / s) + z, *((-128, 127) if signed else (0, 255)))
                b = dq_const(name + "_b", codes.astype(zdt), s, z)
            y = node("Add", [q(y, 0.03), b], name)
        return y

    a = q(ln("x", "ln1"), 0.03)
    qp, kp, vp = (q(linear(a, n, D, D), 0.03) for n in "qkv")
    shp = init("shp4", np.array([0, 0, H, Dh], np.int64))
    qh = node("Transpose", [node("Reshape", [qp, shp], "qr")], "qh", perm=[0, 2, 1, 3])
    if kt == "perm":
        kh = node("Transpose", [node("Reshape", [kp, shp], "kr")], "kh", perm=[0, 2, 3, 1])
    else:
        k4 = node("Transpose", [node("Reshape", [kp, shp], "kr")], "k4", perm=[0, 2, 1, 3])
        kh = node("Transpose", [k4], "kh", perm=[0, 1, 3, 2])
    vh = node("Transpose", [node("Reshape", [vp, shp], "vr")], "vh", perm=[0, 2, 1, 3])
    s = q(node("MatMul", [qh, kh], "s"), 0.05)
    if scale_op == "Mul":
        s = node("Mul", [s, init("scale", np.array(np.float32(1 / math.sqrt(Dh))))], "ss")
    else:
        s = node("Div", [s, init("scale", np.array(np.float32(math.sqrt(Dh))))], "ss")
    if mask:
        m = np.triu(np.full((L, L), -1e4, np.float32), 1).reshape(1, 1, L, L)
        s = node("Add", [s, init("mask", m)], "sm")
    p = q(node("Softmax", [s], "p", axis=softmax_axis), 1 / 255)
    c = q(node("MatMul", [p, vh], "c"), 0.02)
    ct = node("Transpose", [c], "ct", perm=[0, 2, 1, 3])
    cr = node("Reshape", [ct, init("shp3", np.array([0, 0, D], np.int64))], "cr")
    scale_of["cr"] = scale_of.get(c, "")
    h = node("Add", ["x", q(linear(cr, "o", D, D), 0.03)], "h")
    f1 = q(linear(q(ln(h, "ln2"), 0.03), "f1", D, F), 0.04)
    if gelu in ("op", "tanh"):
        g = node("Gelu", [f1], "g", **({"approximate": "tanh"} if gelu == "tanh" else {}))
    else:
        t = node("Div", [f1, init("sqrt2", np.array(np.float32(math.sqrt(2))))], "gdiv")
        e1 = node("Add", [node("Erf", [t], "gerf"), init("one", np.array(np.float32(1)))], "gadd")
        half = init("half", np.array(np.float32(0.5)))
        if gelu == "xa_half":
            g = node("Mul", [node("Mul", [f1, e1], "gmul"), half], "g")
        elif gelu == "xhalf_a":
            g = node("Mul", [node("Mul", [f1, half], "gmul"), e1], "g")
        else:
            g = node("Mul", [f1, node("Mul", [e1, half], "gmul")], "g")
    node("Add", [h, q(linear(q(g, 0.03), "f2", F, D), 0.03)], "y")
    outs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, [N, L, D])]
    if extra_outputs:  # every code and every float output of a layer, for tensor-by-tensor comparisons
        elem = TensorProto.INT8 if signed else TensorProto.UINT8
        outs += [helper.make_tensor_value_info(n, elem, None) for n in qnames]
        outs += [
            helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ("ln1", "p", "h", "ln2", "g")
        ]
    graph = helper.make_graph(
        nodes, "attention", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [N, L, D])], outs,
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    return model.SerializeToString(), rng.standard_normal((N, L, D)).astype(np.float32), qnames


def _ort(data: bytes, x: np.ndarray, qdq: bool) -> dict[str, np.ndarray]:
    if qdq:  # int8 weights in [-63, 63]: onnxruntime's fused integer kernels are exact on every CPU
        sess = session(data, "fused")
    else:
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.log_severity_level = 3
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, {"x": x}), strict=True))


shapes = st.fixed_dictionaries({
    "N": st.integers(1, 2), "L": st.integers(1, 8), "H": st.integers(1, 4), "Dh": st.integers(1, 8),
    "seed": st.integers(0, 2**31 - 1),
})  # fmt: skip
variants = st.fixed_dictionaries({
    "gelu": st.sampled_from(["op", "tanh", "xa_half", "xhalf_a", "x_ahalf"]), "kt": st.sampled_from(["perm", "two"]),
    "scale_op": st.sampled_from(["Mul", "Div"]), "mask": st.booleans(),
})  # fmt: skip


@settings(max_examples=examples(15))
@given(shape=shapes, var=variants, bias=st.booleans())
def test_float_block_equals_onnxruntime(shape, var, bias):
    """Float attention blocks of random shapes and export variants: the imported IR executed in numpy
    (float32) equals onnxruntime within rtol = atol = 1e-5."""
    data, x, _ = block(**shape, **var, bias=bias)
    model = load_onnx(data)
    assert isinstance(model, AttentionModel)
    want = _ort(data, x, qdq=False)["y"]
    np.testing.assert_allclose(run_attention(model, x).output, want, rtol=RTOL, atol=ATOL)


def _check_qdq_block(shape: dict, var: dict, signed: bool, bias: bool | str) -> int:
    """Compare one QDQ block with onnxruntime (see test_qdq_block_codes_equal_onnxruntime); returns how
    many softmax / LayerNorm / GELU codes differed by one at a rounding midpoint (0: end to end checked)."""
    data, x, qnames = block(**shape, **var, qdq=True, signed=signed, bias=bias, extra_outputs=True)
    model = load_onnx(block(**shape, **var, qdq=True, signed=signed, bias=bias)[0])  # same graph, 1 output
    got = _ort(data, x, qdq=True)
    names = model.onnx_names
    feed: dict[str, np.ndarray] = {}
    for layer, nm in names.items():
        if "q" in nm:
            feed[layer] = onnx_to_ir(model, layer, got[nm["q"]].astype(np.int64), "q")
        elif nm.get("out") in got:
            feed[layer] = onnx_to_ir(model, layer, got[nm["out"]])
    inner = {la: onnx_to_ir(model, la, got[nm["q_mm"]].astype(np.int64), "q") for la, nm in names.items()
             if "q_mm" in nm}  # fmt: skip
    assert sorted(nm[k] for nm in names.values() for k in ("q", "q_mm") if k in nm) == sorted(qnames)
    forced = run_attention(model, x, feed)
    near = 0
    for la in model.network.layers:
        lq = model.layers.get(la.name)
        if la.has_macs:
            if la.name in inner:  # the MatMul's own codes before its QDQ bias Add
                np.testing.assert_array_equal(forced.inner[la.name], inner[la.name], err_msg=la.name)
            np.testing.assert_array_equal(forced.codes[la.name], feed[la.name], err_msg=la.name)
            continue
        if la.op == "add":
            np.testing.assert_array_equal(forced.floats[la.name], feed[la.name], err_msg=la.name)
            continue
        ort_float = onnx_to_ir(model, la.name, got[names[la.name]["out"]])
        np.testing.assert_allclose(forced.floats[la.name], ort_float, rtol=RTOL, atol=ATOL, err_msg=la.name)
        out = lq.output
        np.testing.assert_array_equal(out.quantize(ort_float, float32=True), feed[la.name])
        diff = forced.codes[la.name] - feed[la.name]
        frac = np.abs(np.abs(np.mod(ort_float / np.float32(out.scale), 1.0)) - 0.5)
        assert np.all((diff == 0) | ((np.abs(diff) == 1) & (frac < MIDPOINT))), la.name
        near += int(np.count_nonzero(diff))
    if near == 0:  # end to end: every QuantizeLinear code and the output equal onnxruntime's
        free = run_attention(model, x)
        for la, want in feed.items():
            if la in free.codes:
                np.testing.assert_array_equal(free.codes[la], want, err_msg=la)
        for la, want in inner.items():
            np.testing.assert_array_equal(free.inner[la], want, err_msg=la)
        np.testing.assert_array_equal(free.output, got["y"])
    return near


@settings(max_examples=examples(15))
@given(shape=shapes, var=variants, signed=st.booleans())
def test_qdq_block_codes_equal_onnxruntime(shape, var, signed):
    """QDQ attention blocks (uint8 or int8 activations): with onnxruntime's values fed to every layer's
    inputs (teacher forcing) the codes of every quantized MatMul (projections, Q·Kᵀ, S·V) equal
    onnxruntime's exactly, softmax, LayerNorm and GELU agree within rtol = atol = 1e-5 — and their codes
    exactly unless onnxruntime's value lies within 1e-3 of a rounding midpoint (then within one);
    QuantizeLinear of onnxruntime's own float values gives its codes exactly; end to end (no feeding) every
    code and the block's output equal onnxruntime's exactly when no such midpoint case occurred."""
    _check_qdq_block(shape, var, signed, bias=False)


@settings(max_examples=examples(16))
@given(shape=shapes, var=variants, signed=st.booleans(), bias=st.sampled_from(["a8", "a32", "b", True]))
@example(  # onnxruntime's fused QLinearAdd rounds v/s = −53.4999987 to −53, the unfused rule to −54
    shape={"N": 1, "L": 6, "H": 4, "Dh": 4, "seed": 110597834},
    var={"gelu": "xa_half", "kt": "two", "scale_op": "Mul", "mask": True},
    signed=False,
    bias="a8",
)
def test_qdq_block_with_biases_codes_equal_onnxruntime(shape, var, signed, bias):
    """The same with projection biases in the forms quantization tools emit: (a) a QDQ Add of the MatMul's
    quantized output and dequantized bias codes in the activations' type (onnxruntime fuses it into
    com.microsoft QLinearAdd) or int32 (run unfused), (b) int32 codes on the accumulator grid s_x·s_w,
    (c) a float constant between the MatMul and its QuantizeLinear (both fused into QGemm). Every
    QuantizeLinear code of a MatMul — in form (a) also the MatMul's own codes before the bias Add — equals
    onnxruntime's exactly."""
    _check_qdq_block(shape, var, signed, bias)


def test_qlinear_add_equals_onnxruntime():
    """:func:`qlinear_add` (MLAS's AVX2 QLinearAdd kernel) equals onnxruntime's com.microsoft QLinearAdd on
    every pair of codes (A: every code on its rows, B: every code broadcast along them as a (K,) bias),
    with a scalar B and a single-element A (operands swapped), uint8 and int8 — where the unfused rule
    ``rint((DQ(a) + DQ(b)) / s_c) + z_c`` does not (about one output in 200,000)."""
    rng = np.random.default_rng(7)
    unfused = 0
    for i in range(48):
        signed = bool(i % 2)
        lo, hi, dt = (-128, 127, np.int8) if signed else (0, 255, np.uint8)
        codes = np.arange(lo, hi + 1)
        a, b = np.repeat(codes[:, None], 256, axis=1).astype(dt), codes.astype(dt)
        if i % 6 == 4:  # a scalar B
            a, b = codes[:, None].astype(dt), b[:1]
        elif i % 6 == 5:  # a single-element A
            a, b = a[:1, :1], b[:1]
        s = rng.uniform(0.005, 0.05, 2).astype(np.float32)
        sc = np.float32(s[0] * rng.uniform(0.5, 1.5))
        z = rng.integers(lo, hi + 1, 3)
        inits = [numpy_helper.from_array(np.array(v), n) for n, v in (("sa", s[0]), ("sb", s[1]), ("sc", sc))]
        inits += [
            numpy_helper.from_array(np.array(v, dt), n) for n, v in zip(("za", "zb", "zc"), z, strict=True)
        ]
        elem = TensorProto.INT8 if signed else TensorProto.UINT8
        graph = helper.make_graph(
            [helper.make_node("QLinearAdd", ["a", "sa", "za", "b", "sb", "zb", "sc", "zc"], ["c"],
                              domain="com.microsoft")],
            "qladd", [helper.make_tensor_value_info("a", elem, a.shape), helper.make_tensor_value_info("b", elem, b.shape)],
            [helper.make_tensor_value_info("c", elem, a.shape)], inits,
        )  # fmt: skip
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 20), helper.make_opsetid("com.microsoft", 1)]
        )
        model.ir_version = 9
        want = session(model.SerializeToString(), "fused").run(None, {"a": a, "b": b})[0].astype(np.int64)
        ta, tb, tc = (TensorQ(float(v), int(zz), 8, signed) for v, zz in zip((*s, sc), z, strict=True))
        got = qlinear_add(a, ta, np.broadcast_to(b, a.shape), tb, tc, scalar_a=a.size == 1)
        np.testing.assert_array_equal(got, want, err_msg=str(i))
        dq = [
            (c.astype(np.int64) - zz).astype(np.float32) * sz
            for c, zz, sz in ((a, z[0], s[0]), (b, z[1], s[1]))
        ]
        unfused += int(np.count_nonzero(np.clip(np.rint((dq[0] + dq[1]) / sc) + z[2], lo, hi) != want))
    assert unfused > 0  # the unfused rule is not onnxruntime's: these cases tell the two apart


def _zoo_block(L: int, H: int, Dh: int) -> Network:
    """One block of accelsim.transformers' zoo (BERT/GPT-2 layers: LayerNorm, GELU MLP) at d = H·Dh."""
    cfg = TransformerConfig(
        "t", "", "", 1, H * Dh, H, H, 2 * H * Dh, 16, "layernorm", "gelu", False, False, L
    )
    layers = [la for la in _layers(cfg, L, "prefill") if la["name"] not in ("embed", "norm_f")]
    for la in layers:
        if la.get("inputs"):
            la["inputs"] = ["input" if s == "embed" else s for s in la["inputs"]]
    return Network(name="zoo", layers=layers, precision=Precision())


@pytest.mark.parametrize("N, L, H, Dh", [(1, 8, 4, 8), (2, 5, 3, 2), (1, 1, 1, 1)])
@pytest.mark.parametrize("qdq", [False, True])
def test_imported_block_costs_the_zoo_block(N, L, H, Dh, qdq):
    """Layer for layer the imported block is the zoo block: the same ops, MACs, matmul shapes (heads as the
    groups of Q·Kᵀ and S·V, K used transposed), and simulate gives the same MACs and cycles. Layers are per
    sequence (batch 1), as every ONNX import: the batch is simulate's ``batch``."""
    data, _, _ = block(0, N, L, H, Dh, qdq=qdq, bias=not qdq)
    _assert_costs_the_zoo_block(load_onnx(data).network, L, H, Dh)


@pytest.mark.parametrize("bias", ["a8", "a32", "b", True])
def test_qdq_biases_belong_to_the_projections(bias):
    """A QDQ block with projection biases in any accepted form imports as the same zoo block (the bias is
    the matmul layer's: no extra layer, the same MACs and cycles); the biases' real values are kept."""
    L, H, Dh = 5, 3, 2
    model = load_onnx(block(0, 2, L, H, Dh, qdq=True, bias=bias)[0])
    _assert_costs_the_zoo_block(model.network, L, H, Dh)
    projections = [la.name for la in model.network.layers if la.has_macs and not la.weights_are_activations]
    assert len(projections) == 6 and sorted(model.biases) == sorted(projections)
    for name in projections:
        lq = model.layers[name]
        assert ("bias_add" in lq.extra) == (bias in ("a8", "a32")) and (lq.bias_q is not None) == (
            bias in ("b", True)
        )
        assert np.all(np.abs(model.biases[name]) <= 0.1 + 1e-3)


def _assert_costs_the_zoo_block(net: Network, L: int, H: int, Dh: int) -> None:
    zoo = _zoo_block(L, H, Dh)
    keys = (
        "op",
        "batch",
        "in_channels",
        "out_channels",
        "in_h",
        "groups",
        "weights_are_activations",
        "rhs_transposed",
    )
    assert [tuple(getattr(la, k) for k in keys) for la in net.layers] == [
        tuple(getattr(la, k) for k in keys) for la in zoo.layers
    ]
    assert [la.macs for la in net.layers] == [la.macs for la in zoo.layers]
    assert (
        net.total_macs
        == zoo.total_macs
        == (4 * L * (H * Dh) ** 2 + 2 * H * L * L * Dh + 4 * L * (H * Dh) ** 2)
    )
    a, b = simulate(net, "tpu-v1", bits="8/8"), simulate(zoo, "tpu-v1", bits="8/8")
    assert [(la.macs, la.cycles) for la in a.layers] == [(la.macs, la.cycles) for la in b.layers]


def _raises(data: bytes, match: str) -> None:
    with pytest.raises(AccelsimInputError, match=match) as info:
        load_onnx(data)
    assert "\n" not in str(info.value)


def test_unsupported_variants_are_one_line_errors():
    """What the importer still refuses names the node and what is allowed."""
    import onnx
    from onnx import numpy_helper as nh

    # int32 bias codes before the QuantizeLinear on a grid other than the accumulator's s_x·s_w
    m = onnx.load_from_string(block(0, qdq=True, bias="b")[0])
    for i in m.graph.initializer:
        if i.name == "q_b_s":
            i.CopyFrom(nh.from_array(np.array(np.float32(nh.to_array(i) * 1.01)), i.name))
    _raises(m.SerializeToString(), r"'q_Add' \(Add\): the bias scale .* must be s_x·s_w")
    # the biased MatMul output read besides its QuantizeLinear (onnxruntime would not fuse it)
    for form in ("b", "a8"):
        m = onnx.load_from_string(block(0, qdq=True, bias=form)[0])
        for n in m.graph.node:
            if n.output[0] == "qr":
                n.input[0] = "q"
        _raises(
            m.SerializeToString(), r"'q_Add' \(Add\): the bias Add of a quantized MatMul must be read only"
        )
    # a float bias added after the MatMul's QuantizeLinear/DequantizeLinear
    m = onnx.load_from_string(block(0, qdq=True, bias="a8")[0])
    m.graph.initializer.append(nh.from_array(np.full(6, 0.1, np.float32), "fb"))
    for n in m.graph.node:
        if n.output[0] == "q":
            n.input[1] = "fb"
    _raises(m.SerializeToString(), r"'q_Add' \(Add\): the bias added to a quantized MatMul output must be")
    # Softmax over the query axis
    _raises(block(0, softmax_axis=2)[0], r"'p_Softmax' \(Softmax\).*needs axis=-1")
    data, _, _ = block(0)

    m = onnx.load_from_string(data)
    nodes = list(m.graph.node)
    # the scale applied to Q (before the MatMul) rather than to the scores
    qi = next(i for i, n in enumerate(nodes) if n.output[0] == "qh")
    nodes.insert(qi + 1, helper.make_node("Mul", ["qh", "scale"], ["qhs"], name="scale_q"))
    for n in nodes:
        if n.op_type == "MatMul" and n.input[0] == "qh":
            n.input[0] = "qhs"
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    _raises(
        m.SerializeToString(),
        r"'scale_q' \(Mul\): Mul by a constant is only supported as the attention scale",
    )
    # the heads merged without transposing back to (N, L, H, Dh)
    m = onnx.load_from_string(data)
    for n in m.graph.node:
        if n.output[0] == "cr":
            n.input[0] = "c"
    _raises(m.SerializeToString(), r"'cr_Reshape' \(Reshape\): a head-split tensor must be transposed back")
    # a Transpose that moves the batch axis of a head-split tensor
    m = onnx.load_from_string(data)
    for n in m.graph.node:
        if n.output[0] == "vh":
            n.attribute[0].ints[:] = [2, 0, 1, 3]
    _raises(m.SerializeToString(), r"'vh_Transpose' \(Transpose\): .*batch axis first")
