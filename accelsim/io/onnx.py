"""Import ONNX graphs (float, QDQ and QOperator) into the :class:`~accelsim.workload.Network` IR with weights.

:func:`load_onnx` parses the protobuf only (``onnx`` package; no custom ops, no external data, nothing from
the file is executed), runs ONNX shape inference, and walks the nodes in their (topological) order:

* float ops: Conv → ``conv2d`` (``depthwise_conv2d`` when group = C), Gemm / MatMul with a constant right
  operand → ``fc`` (3-D MatMul → ``matmul``), MaxPool / AveragePool / GlobalAveragePool → ``pool``,
  Add of two tensors → ``add`` (Add of a constant after a MAC layer → its bias; after a quantized MatMul
  in the QDQ forms of :func:`_quantized_bias`), Relu / Clip(0, 6) → the
  producing layer's ``activation``, BatchNormalization → folded into the preceding convolution
  (``w' = w·γ/√(σ²+ε)``, ``b' = (b − μ)·γ/√(σ²+ε) + β``), Flatten / Reshape to (N, −1) → the fc flatten,
  Softmax at the output → dropped (arg-max invariant), Identity / Dropout → dropped;
* QDQ form: DequantizeLinear of an integer initializer gives quantized weights (per-tensor or per-channel);
  QuantizeLinear → DequantizeLinear on an activation gives that tensor's ``(scale, zero_point)``;
* QOperator form: QLinearConv, QLinearMatMul (requantized outputs), ConvInteger, MatMulInteger (raw int32
  accumulator outputs); com.microsoft QLinearAdd → ``add``, QLinearGlobalAveragePool → average ``pool``;
* Transpose: constant-folded on initializers (a per-channel axis follows the permutation); on an activation
  only when it is provably a layout no-op — the batch axis stays first and the non-unit axes keep their
  order (identical row-major data) and the shape is unchanged or every reader is Flatten/Reshape — or when
  it swaps the last two axes of a 3-D tensor read only as MatMul right operands (attention Kᵀ);
* MatMul of two activations → ``matmul`` with ``weights_are_activations`` (``rhs_transposed`` after such a
  Transpose).
* multi-head attention blocks (float and QDQ) as frameworks export them — head-split Reshape/Transpose,
  Q·Kᵀ and S·V MatMuls, scale Mul/Div, mask Add, Softmax(axis=-1), LayerNormalization, Gelu or the Erf
  GELU pattern, residual Add of (N, L, D) tensors — → the layers :mod:`accelsim.transformers` builds for
  its zoo (heads as the groups of two-activation matmuls; softmax / layernorm / gelu on the SFU); see
  :mod:`accelsim.io.onnx_attention`, which also executes such a graph like onnxruntime.

A graph with quantization parameters becomes a quantized :class:`~accelsim.functional.ptq.QuantizedModel`
with ``requant="onnx"``: the integer executor then reproduces onnxruntime's CPU integer semantics exactly
(tests/test_onnx.py). A float graph comes back with float weights; quantize it with
:func:`accelsim.functional.ptq.ptq`.

Every problem — unreadable/corrupt/truncated file, file above ``max_bytes``, unsupported operator (named
with its node), unsupported attribute, a shape the IR cannot express — raises
:class:`~accelsim.errors.AccelsimInputError`; nothing is written anywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydantic import ValidationError

from accelsim.errors import AccelsimInputError, from_validation_error
from accelsim.functional.ptq import LayerQ, QuantizedModel, TensorQ, set_multipliers
from accelsim.io.onnx_graph import _Builder, _Const, _const, _err, _layer_name, _Tensor, _tensor
from accelsim.quant.folding import fold_batchnorm
from accelsim.workload import Layer, Network, NetworkInput, Precision

MAX_BYTES = 512 * 1024 * 1024
SUPPORTED_OPS = (
    "Conv", "Gemm", "MatMul", "Relu", "Clip", "MaxPool", "AveragePool", "GlobalAveragePool", "Add",
    "Concat", "BatchNormalization", "Flatten", "Reshape", "Softmax", "Identity", "Dropout", "QuantizeLinear",
    "DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "Transpose",
    "QLinearAdd", "QLinearGlobalAveragePool", "LayerNormalization", "Gelu", "Erf", "Mul", "Div",
)  # fmt: skip
MS_OPS = ("QLinearAdd", "QLinearGlobalAveragePool")  # com.microsoft contrib operators (onnxruntime)
# consumers that only read a tensor's row-major data order (a layout no-op Transpose may feed them)
_FLAT_READERS = ("Flatten", "Reshape")
# layers that may compute in float and have their output quantized by a QuantizeLinear (transformer graphs)
_FLOAT_IN_OPS = ("softmax", "layernorm", "gelu", "add")
_MAC_OPS = ("fc", "matmul", "conv2d", "depthwise_conv2d")


def _onnx():
    try:
        import onnx
        from onnx import numpy_helper, shape_inference
    except ImportError:  # pragma: no cover - optional extra
        raise AccelsimInputError(
            "onnx", "the onnx package is not installed; pip install 'accelsim[onnx]'"
        ) from None
    return onnx, numpy_helper, shape_inference


def read_model(path: str | Path | bytes, max_bytes: int = MAX_BYTES):
    """Parse an ONNX protobuf (never executing anything from it); size-checked; errors are one line."""
    onnx, _, _ = _onnx()
    from google.protobuf.message import DecodeError

    if isinstance(path, bytes | bytearray):
        data = bytes(path)
        label = "<bytes>"
    else:
        p = Path(path)
        if not p.is_file():
            raise AccelsimInputError("onnx", f"no such file {str(p)!r}")
        size = p.stat().st_size
        if size > max_bytes:
            raise AccelsimInputError(
                "onnx", f"{p.name} is {size} bytes, above the limit of {max_bytes} bytes"
            )
        data = p.read_bytes()
        label = p.name
    if len(data) > max_bytes:
        raise AccelsimInputError("onnx", f"model is {len(data)} bytes, above the limit of {max_bytes} bytes")
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise AccelsimInputError(
            "onnx", f"{label} is not a valid ONNX protobuf (corrupt or truncated): {exc}"
        ) from None
    if not model.graph.node:
        raise AccelsimInputError("onnx", f"{label} has no graph nodes (empty, corrupt or truncated file)")
    for init in model.graph.initializer:
        if init.data_location == onnx.TensorProto.EXTERNAL:
            raise AccelsimInputError(
                "onnx", f"initializer {init.name!r} uses external data, which is not loaded"
            )
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # onnx raises ValidationError and others
        raise AccelsimInputError(
            "onnx", f"{label} fails the ONNX checker: {str(exc).splitlines()[0]}"
        ) from None
    return model


def load_onnx(
    path: str | Path | bytes, max_bytes: int = MAX_BYTES, batch: int = 1, name: str | None = None
) -> QuantizedModel:
    """Import an ONNX model file (or its bytes) as a :class:`QuantizedModel` (see the module doc)."""
    onnx, numpy_helper, shape_inference = _onnx()
    model = read_model(path, max_bytes)
    try:
        model = shape_inference.infer_shapes(model, strict_mode=False)
    except Exception as exc:
        raise AccelsimInputError("onnx", f"shape inference failed: {str(exc).splitlines()[0]}") from None
    g = model.graph
    consts: dict[str, _Const] = {i.name: _Const(_initializer(i, numpy_helper)) for i in g.initializer}
    shapes: dict[str, tuple[int, ...]] = {}
    for vi in list(g.input) + list(g.value_info) + list(g.output):
        dims = vi.type.tensor_type.shape.dim
        shapes[vi.name] = tuple(int(d.dim_value) if d.dim_value > 0 else batch for d in dims)
    inputs = [i for i in g.input if i.name not in consts]
    if len(inputs) != 1:
        raise AccelsimInputError("onnx", f"exactly one graph input is supported, found {len(inputs)}")
    inp = inputs[0]
    in_shape = shapes.get(inp.name, ())
    if len(in_shape) not in (2, 3, 4):
        raise AccelsimInputError(
            "onnx", f"input {inp.name!r} must be NCHW, (N, rows, features) or (N, C), has shape {in_shape}"
        )
    elem = inp.type.tensor_type.elem_type
    in_codes = elem in (onnx.TensorProto.UINT8, onnx.TensorProto.INT8)
    if elem not in (onnx.TensorProto.FLOAT, onnx.TensorProto.UINT8, onnx.TensorProto.INT8):
        raise AccelsimInputError("onnx", f"input {inp.name!r} must be float32, uint8 or int8")
    tensors: dict[str, _Tensor] = {inp.name: _Tensor("input", in_shape, codes=in_codes)}
    b = _Builder(name or (g.name or "onnx-model"))
    for node in g.node:
        for i, t in enumerate(node.input):
            b.consumers[t] = b.consumers.get(t, 0) + 1
            b.consumer_ops.setdefault(t, []).append(node.op_type if i == 0 else f"{node.op_type}:{i}")
            b.readers.setdefault(t, []).append(node)
    b.graph_outputs = {o.name for o in g.output}
    for node in g.node:
        if node.output[0] in b.skip:
            continue
        if node.op_type not in SUPPORTED_OPS:
            raise _err(node, f"unsupported operator; supported: {', '.join(SUPPORTED_OPS)}")
        domains = ("com.microsoft",) if node.op_type in MS_OPS else ("", "ai.onnx")
        if node.domain not in domains:
            raise _err(node, f"unsupported operator domain {node.domain!r} (expected {domains[0]!r})")
        try:
            _convert(node, tensors, consts, shapes, b, numpy_helper)
        except AccelsimInputError:
            raise
        except (IndexError, KeyError, TypeError, ValueError, StopIteration) as exc:
            raise _err(node, f"malformed node ({type(exc).__name__}: {exc})") from None
    if len(g.output) != 1:
        raise AccelsimInputError("onnx", f"exactly one graph output is supported, found {len(g.output)}")
    out = tensors.get(g.output[0].name)
    if out is None or not b.layers or out.layer != b.layers[-1]["name"]:
        raise AccelsimInputError("onnx", "the graph output must be produced by the last layer")
    C = in_shape[2] if len(in_shape) == 3 else in_shape[1]  # (N, rows, features): C = features, H = rows
    H, W = (
        (in_shape[2], in_shape[3])
        if len(in_shape) == 4
        else ((in_shape[1], 1) if len(in_shape) == 3 else (1, 1))
    )
    quantized = bool(b.lq)
    attention = bool(b.sfu)  # a transformer graph: float and quantized layers may mix (onnx_attention)
    if not attention and any("bias_add" in lq.extra for lq in b.lq.values()):
        raise AccelsimInputError(
            "onnx",
            "a QDQ bias Add after a quantized MatMul (QLinearAdd of a constant) is only supported in "
            "transformer graphs (executed by accelsim.io.onnx_attention.run_attention)",
        )
    layers = []
    for spec in b.layers:
        try:
            layers.append(Layer(**spec))
        except ValidationError as exc:
            raise from_validation_error(exc, f"onnx layer {spec['name']}") from None
    try:
        net = Network(
            name=b.name,
            source=f"ONNX import ({'quantized' if quantized else 'float'})",
            input=NetworkInput(channels=C, height=H, width=W),
            precision=Precision(a_signed=False),
            layers=layers,
        )
    except ValidationError as exc:
        raise from_validation_error(exc, "onnx graph") from None
    if attention:
        from accelsim.io.onnx_attention import attention_model

        qm = attention_model(net, b, tensors[inp.name].q)
    else:
        qm = QuantizedModel(net, b.weights, b.biases, source="onnx")
    if quantized and attention:
        qm.layers = b.lq
        qm.input_q = tensors[inp.name].q
        qm.requant = "onnx"
        qm.rounding = "half_even"
    elif quantized:
        missing = [la["name"] for la in b.layers if la["name"] not in b.lq]
        if missing:
            raise AccelsimInputError(
                "onnx", f"layers without quantization parameters in a quantized graph: {missing}"
            )
        if tensors[inp.name].q is None:
            raise AccelsimInputError("onnx", "quantized graph without a QuantizeLinear on its input")
        qm.input_q = tensors[inp.name].q
        qm.layers = b.lq
        qm.requant = "onnx"
        qm.rounding = "half_even"
        net.precision.a_signed = qm.input_q.signed
    qm.source = f"onnx:{'codes' if in_codes else 'float'}"
    return qm


# ---- node conversion ----------------------------------------------------------------------------

_DTYPES = (np.float32, np.float64, np.float16, np.int8, np.uint8, np.int32, np.int64)


def _initializer(init, numpy_helper) -> np.ndarray:
    """An initializer as a numpy array; only numeric dtypes, finite values, ≤ 2^31 elements."""
    try:
        arr = numpy_helper.to_array(init)
    except Exception as exc:
        raise AccelsimInputError(
            "onnx", f"initializer {init.name!r} cannot be read ({type(exc).__name__})"
        ) from None
    if arr.dtype not in _DTYPES:
        raise AccelsimInputError("onnx", f"initializer {init.name!r} has unsupported dtype {arr.dtype}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise AccelsimInputError("onnx", f"initializer {init.name!r} has non-finite values")
    return arr


def _ints(node, a: dict, key: str, n: int, default: list[int], lo: int) -> list[int]:
    v = [int(t) for t in a.get(key, default)]
    if len(v) != n or min(v) < lo:
        raise _err(node, f"attribute {key} must be {n} integers >= {lo}, got {v}")
    return v


def _attrs(node) -> dict:
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _tq(scale: np.ndarray, zp: np.ndarray, node) -> TensorQ:
    s = np.asarray(scale, np.float32)
    z = np.asarray(zp)
    if s.size != 1 or z.size != 1:
        raise _err(node, "activation quantization must be per-tensor")
    signed = z.dtype == np.int8
    if z.dtype not in (np.int8, np.uint8):
        raise _err(node, f"activation zero point must be int8 or uint8, got {z.dtype}")
    return TensorQ(float(s.reshape(())), int(z.reshape(())), 8, bool(signed))


def _conv_spec(node, lname: str, x: _Tensor, w_shape: tuple[int, ...], tensors, src: str) -> dict:
    a = _attrs(node)
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        raise _err(node, "auto_pad SAME_* is not supported; export with explicit pads")
    if len(x.shape) != 4 or len(w_shape) != 4:
        raise _err(node, "only 2-D convolutions are supported")
    pads = _ints(node, a, "pads", 4, [0, 0, 0, 0], 0)
    strides = _ints(node, a, "strides", 2, [1, 1], 1)
    dil = _ints(node, a, "dilations", 2, [1, 1], 1)
    group = int(a.get("group", 1))
    K, _, R, S = w_shape
    C = x.shape[1]
    op = "depthwise_conv2d" if group == C and group > 1 else "conv2d"
    return {
        "name": lname, "op": op, "in_channels": C, "out_channels": K, "in_h": x.shape[2], "in_w": x.shape[3],
        "kernel_h": R, "kernel_w": S, "stride": tuple(strides),
        "padding": (pads[0], pads[2], pads[1], pads[3]), "dilation": tuple(dil),
        "groups": group, "inputs": [src],
    }  # fmt: skip


def _fc_spec(lname: str, x: _Tensor, K: int, src: str, node) -> dict:
    if len(x.shape) == 3:
        return {"name": lname, "op": "matmul", "in_channels": x.shape[2], "out_channels": K,
                "in_h": x.shape[1], "inputs": [src]}  # fmt: skip
    if len(x.shape) != 2 and not (len(x.shape) == 4 and x.flat):
        raise _err(node, f"fc input must be 2-D (or flattened), got shape {x.shape}")
    C = int(np.prod(x.shape[1:]))
    return {"name": lname, "op": "fc", "in_channels": C, "out_channels": K, "inputs": [src]}


def _weight_q(c: _Const, K: int, axis: int, node) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(codes, (K,) scales, (K,) zero points) of a dequantized weight constant."""
    scale, zp, _ = c.q
    s = np.broadcast_to(np.asarray(scale, np.float32).reshape(-1), (K,)).astype(np.float64)
    z = np.broadcast_to(np.asarray(zp).reshape(-1), (K,)).astype(np.int64)
    if np.asarray(scale).size not in (1, K):
        raise _err(
            node,
            f"weight scales must be per-tensor or per output channel ({K}), got {np.asarray(scale).size}",
        )
    return c.codes.astype(np.int64), s, z


def _convert(node, tensors, consts, shapes, b: _Builder, numpy_helper) -> None:  # noqa: C901
    op = node.op_type
    a = _attrs(node)
    out = node.output[0]
    from accelsim.io.onnx_attention import convert_attention

    if convert_attention(node, a, tensors, consts, shapes, b):
        return
    if op in ("Identity", "Dropout", "Softmax"):
        if op == "Softmax" and b.consumers.get(out, 0):
            raise _err(
                node,
                "Softmax is only supported over attention scores (axis -1 of a MatMul of two activations, "
                "optionally scaled and masked) or as the last node",
            )
        tensors[out] = _tensor(node.input[0], tensors, node)
        return
    if op == "Transpose":
        _transpose(node, a, tensors, consts, b)
        return
    if op in MS_OPS:
        _convert_ms(node, a, tensors, consts, b)
        return
    if op == "DequantizeLinear":
        src = node.input[0]
        scale = _const(node.input[1], consts, node).value
        zp = consts[node.input[2]].value if len(node.input) > 2 and node.input[2] else np.zeros((), np.uint8)
        if src in consts:  # quantized weights / bias
            c = consts[src]
            axis = int(a.get("axis", 1)) if np.asarray(scale).size > 1 else None
            sb = np.asarray(scale, np.float32)
            zb = np.asarray(zp)
            if axis is not None:
                shape = [1] * c.value.ndim
                shape[axis] = -1
                sb, zb = sb.reshape(shape), zb.reshape(shape)
            real = (c.value.astype(np.float64) - zb.astype(np.float64)) * sb.astype(np.float64)
            consts[out] = _Const(real, (np.asarray(scale), np.asarray(zp), axis), c.value)
            return
        t = _tensor(src, tensors, node)
        q = _tq(scale, zp, node)
        tensors[out] = _Tensor(t.layer, t.shape, q, codes=False, flat=t.flat, view=t.view, heads=t.heads)
        return
    if op == "QuantizeLinear":
        t = _tensor(node.input[0], tensors, node)
        scale = _const(node.input[1], consts, node).value
        zp = consts[node.input[2]].value if len(node.input) > 2 and node.input[2] else np.zeros((), np.uint8)
        q = _tq(scale, zp, node)
        if t.layer == "input":
            t.q = q
        elif t.q is None:
            prod = b.lq.get(t.layer)
            spec = next(la for la in b.layers if la["name"] == t.layer)
            if spec["op"] == "pool":
                raise _err(node, "re-quantizing a pooled tensor is not supported")
            if prod is None and spec["op"] in _FLOAT_IN_OPS and b.sfu:  # transformer: float layer, Q'd
                prod = b.lq[t.layer] = LayerQ(t.layer, [], q)
                b.names.setdefault(t.layer, {})["q"] = out
                tensors[out] = _Tensor(t.layer, t.shape, q, True, t.flat, view=t.view, heads=t.heads)
                return
            if prod is None:
                raise _err(node, "quantizing the output of a layer whose inputs are not quantized")
            b.names.setdefault(t.layer, {})["q"] = out
            prod.output = q
            if prod.w_scale is not None:
                set_multipliers(prod, prod.inputs[0].scale * prod.w_scale / q.scale)
            else:
                set_multipliers(prod, np.array([i.scale / q.scale for i in prod.inputs]))
        elif (t.q.scale, t.q.zero_point) != (q.scale, q.zero_point):
            raise _err(node, "a tensor quantized twice with different parameters is not supported")
        tensors[out] = _Tensor(t.layer, t.shape, q, codes=True, flat=t.flat, view=t.view, heads=t.heads)
        return
    if op in ("Relu", "Clip"):
        t = _tensor(node.input[0], tensors, node)
        act = "relu"
        if op == "Clip":
            lo = a.get("min", None)
            hi = a.get("max", None)
            if len(node.input) > 1 and node.input[1]:
                lo = float(_const(node.input[1], consts, node).value)
            if len(node.input) > 2 and node.input[2]:
                hi = float(_const(node.input[2], consts, node).value)
            if lo != 0.0 or hi not in (6.0, None):
                raise _err(node, f"only Clip(0, 6) (relu6) and Clip(0, inf) are supported, got ({lo}, {hi})")
            act = "relu6" if hi == 6.0 else "relu"
        spec = next((la for la in b.layers if la["name"] == t.layer), None)
        if spec is None or spec.get("activation", "none") != "none" or spec["op"] in ("pool", "concat"):
            raise _err(node, "activation must directly follow a Conv/Gemm/MatMul/Add layer")
        if t.q is not None or b.consumers.get(node.input[0], 0) > 1:
            raise _err(node, "activation input must be a float tensor read only by this node")
        spec["activation"] = act
        tensors[out] = t
        return
    if op in ("Flatten", "Reshape"):
        t = _tensor(node.input[0], tensors, node)
        if op == "Flatten" and int(a.get("axis", 1)) != 1:
            raise _err(node, "only Flatten(axis=1) is supported")
        if op == "Reshape":
            target = _const(node.input[1], consts, node).value.tolist()
            ok = (
                len(target) == 2
                and target[1] in (-1, int(np.prod(t.shape[1:])))
                and target[0] in (0, -1, t.shape[0])
            )
            if not ok:
                raise _err(node, f"only reshapes to (N, -1) are supported, got {target}")
        tensors[out] = _Tensor(t.layer, t.shape, t.q, t.codes, flat=True)
        return
    if op == "BatchNormalization":
        t = _tensor(node.input[0], tensors, node)
        spec = next((la for la in b.layers if la["name"] == t.layer), None)
        if (
            spec is None
            or spec["op"] not in ("conv2d", "depthwise_conv2d")
            or spec.get("activation", "none") != "none"
        ):
            raise _err(node, "BatchNormalization must directly follow a float Conv to be folded")
        if t.layer in b.lq or b.consumers.get(node.input[0], 0) > 1:
            raise _err(node, "BatchNormalization can only be folded into a float Conv read only by it")
        gamma, beta, mean, var = (_const(n, consts, node).value.astype(np.float64) for n in node.input[1:5])
        b.weights[t.layer], b.biases[t.layer] = fold_batchnorm(
            b.weights[t.layer], b.biases.get(t.layer), gamma, beta, mean, var, float(a.get("epsilon", 1e-5))
        )
        tensors[out] = t
        return
    if op in ("MaxPool", "AveragePool", "GlobalAveragePool"):
        t = _tensor(node.input[0], tensors, node)
        if len(t.shape) != 4:
            raise _err(node, "pooling needs an NCHW input")
        N, C, H, W = t.shape
        if op == "GlobalAveragePool":
            kern, strides, pads, dil = [H, W], [1, 1], [0, 0, 0, 0], [1, 1]
        else:
            kern = _ints(node, a, "kernel_shape", 2, [], 1)
            strides = _ints(node, a, "strides", 2, [1, 1], 1)
            pads = _ints(node, a, "pads", 4, [0, 0, 0, 0], 0)
            dil = _ints(node, a, "dilations", 2, [1, 1], 1)
            if int(a.get("ceil_mode", 0)):
                raise _err(node, "ceil_mode=1 is not supported")
            if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
                raise _err(node, "auto_pad SAME_* is not supported")
            if op == "AveragePool" and any(pads) and not int(a.get("count_include_pad", 0)):
                raise _err(node, "padded AveragePool needs count_include_pad=1")
        lname = _layer_name(node, b)
        b.layers.append({
            "name": lname, "op": "pool", "pool_type": "max" if op == "MaxPool" else "avg", "in_channels": C,
            "in_h": H, "in_w": W, "kernel_h": kern[0], "kernel_w": kern[1], "stride": tuple(strides),
            "padding": (pads[0], pads[2], pads[1], pads[3]), "dilation": tuple(dil), "inputs": [t.layer],
        })  # fmt: skip
        if t.q is not None:
            b.lq[lname] = LayerQ(lname, [t.q], t.q)
        P, Q = _out_shape(b.layers[-1], out, shapes, N)[2:]
        tensors[out] = _Tensor(lname, (N, C, P, Q), t.q, t.codes)
        return
    if op == "Concat":
        ts = [_tensor(n, tensors, node) for n in node.input]
        if int(a.get("axis", 1)) not in (1, -3) or any(len(t.shape) != 4 for t in ts):
            raise _err(node, "only channel concatenation (axis=1) of NCHW tensors is supported")
        if any(t.shape[2:] != ts[0].shape[2:] for t in ts):
            raise _err(node, f"operand spatial sizes differ: {[t.shape for t in ts]}")
        lname = _layer_name(node, b)
        N, _, H, W = ts[0].shape
        C = sum(t.shape[1] for t in ts)
        b.layers.append({"name": lname, "op": "concat", "in_channels": C, "out_channels": C, "in_h": H,
                         "in_w": W, "inputs": [t.layer for t in ts]})  # fmt: skip
        if all(t.q is not None for t in ts):
            b.lq[lname] = LayerQ(lname, [t.q for t in ts], None)  # output set by the following QuantizeLinear
        tensors[out] = _Tensor(lname, (N, C, H, W))
        return
    if op == "Add":
        x0, x1 = node.input[0], node.input[1]
        if x1 in consts or x0 in consts:
            tin = x0 if x1 in consts else x1
            t = _tensor(tin, tensors, node)
            cc = consts[x1 if x1 in consts else x0]
            c = cc.value.astype(np.float64).reshape(-1)
            spec = next((la for la in b.layers if la["name"] == t.layer), None)
            if spec is not None and spec["op"] in _MAC_OPS and t.layer in b.lq:
                _quantized_bias(node, tin, cc, spec, tensors, b)
                return
            if (
                spec is None
                or spec["op"] not in ("fc", "matmul", "conv2d", "depthwise_conv2d")
                or t.layer in b.lq
            ):
                raise _err(node, "adding a constant is only supported as the bias of a float MAC layer")
            if c.size not in (1, spec["out_channels"]) or spec.get("activation", "none") != "none":
                raise _err(node, "constant Add must be a per-output-channel bias before any activation")
            b.biases[t.layer] = b.biases.get(t.layer, 0.0) + np.broadcast_to(c, (spec["out_channels"],))
            tensors[out] = t
            return
        ta, tb = _tensor(x0, tensors, node), _tensor(x1, tensors, node)
        if ta.shape != tb.shape or len(ta.shape) not in (3, 4) or ta.view or tb.view:
            raise _err(
                node,
                f"Add operands must have the same NCHW or (N, L, D) shape, got {ta.shape} and {tb.shape}",
            )
        lname = _layer_name(node, b)
        N, C, H, W = ta.shape if len(ta.shape) == 4 else (ta.shape[0], ta.shape[2], ta.shape[1], 1)
        b.names[lname] = {"out": out}
        b.layers.append({"name": lname, "op": "add", "in_channels": C, "in_h": H, "in_w": W,
                         "inputs": [ta.layer, tb.layer]})  # fmt: skip
        if ta.q is not None and tb.q is not None:
            b.lq[lname] = LayerQ(lname, [ta.q, tb.q], None)  # output set by the following QuantizeLinear
        tensors[out] = _Tensor(lname, ta.shape)
        return
    # ---- MAC layers ----
    lname = _layer_name(node, b)
    if op == "Conv":
        t = _tensor(node.input[0], tensors, node)
        wc = _const(node.input[1], consts, node)
        spec = _conv_spec(node, lname, t, wc.value.shape, tensors, t.layer)
        b.layers.append(spec)
        b.weights[lname] = wc.value.astype(np.float64)
        bc = consts.get(node.input[2]) if len(node.input) > 2 and node.input[2] else None
        if bc is not None:
            b.biases[lname] = bc.value.astype(np.float64)
        if wc.q is not None and t.q is not None:
            K = wc.value.shape[0]
            wq, ws, wz = _weight_q(wc, K, 0, node)
            lq = LayerQ(lname, [t.q], None, 8, 8, wq, ws, wz)
            if bc is not None:
                lq.bias_q = _bias_codes(bc, t.q.scale, ws, node)
            b.lq[lname] = lq
        tensors[out] = _Tensor(lname, _out_shape(spec, out, shapes, t.shape[0]))
        return
    if op == "MatMul" and node.input[1] not in consts:
        _act_matmul(node, lname, tensors, shapes, b)
        return
    if op in ("Gemm", "MatMul"):
        t = _tensor(node.input[0], tensors, node)
        wc = _const(node.input[1], consts, node)
        w = wc.value.astype(np.float64)
        if w.ndim != 2:
            raise _err(node, "the right operand must be a 2-D constant")
        codes = None if wc.codes is None else wc.codes
        if op == "Gemm":
            if int(a.get("transA", 0)):
                raise _err(node, "transA=1 is not supported")
            alpha, beta = float(a.get("alpha", 1.0)), float(a.get("beta", 1.0))
            if not int(a.get("transB", 0)):
                w = w.T
                codes = None if codes is None else codes.T
            if wc.q is not None and alpha != 1.0:
                raise _err(node, "alpha must be 1 for quantized weights")
            w = w * alpha
        else:
            w = w.T  # MatMul: (C, K) -> fc (K, C)
            codes = None if codes is None else codes.T
        K = w.shape[0]
        spec = _fc_spec(lname, t, K, t.layer, node)
        b.layers.append(spec)
        b.weights[lname] = w if spec["op"] == "fc" else w.T
        bc = None
        if op == "Gemm" and len(node.input) > 2 and node.input[2]:
            bc = _const(node.input[2], consts, node)
            bias = bc.value.astype(np.float64).reshape(-1) * beta
            b.biases[lname] = np.broadcast_to(bias, (K,)).copy()
        if wc.q is not None and t.q is not None:
            wq, ws, wz = _weight_q(_Const(w, wc.q, codes), K, 0, node)
            lq = LayerQ(lname, [t.q], None, 8, 8, wq if spec["op"] == "fc" else wq.T, ws, wz)
            if bc is not None:
                lq.bias_q = _bias_codes(bc, t.q.scale, ws, node)
            b.lq[lname] = lq
        tensors[out] = _Tensor(lname, _out_shape(spec, out, shapes, t.shape[0]))
        return
    if op in ("QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"):
        _convert_qop(node, lname, tensors, consts, shapes, b, a)
        return
    raise _err(node, "unsupported operator")  # pragma: no cover


def _bias_vector(node, v: np.ndarray, K: int) -> np.ndarray:
    """A bias constant broadcast along the last axis only ((K,), (1, …, 1, K) or a scalar) → (K,)."""
    v = np.asarray(v)
    if any(d != 1 for d in v.shape[:-1]) or (v.ndim and v.shape[-1] not in (1, K)):
        raise _err(
            node, f"the bias must broadcast along the last axis only ({K} outputs), got shape {v.shape}"
        )
    return np.broadcast_to(v.reshape(-1), (K,)).copy()


def _quantized_bias(node, tin: str, cc: _Const, spec: dict, tensors, b: _Builder) -> None:
    """The bias Add of a quantized MatMul (module doc: the three forms quantization tools emit); the bias
    becomes the matmul layer's (``b.biases`` holds its real value, the execution parameters go to LayerQ).

    * (a) ``Add(DequantizeLinear(QuantizeLinear(MatMul)), DequantizeLinear(bias codes))`` before a
      QuantizeLinear (onnxruntime's quantize_static; fused into com.microsoft QLinearAdd, or run unfused when
      the bias codes are int32): ``LayerQ.extra['bias_add'] = {'mid': the MatMul's own output grid, 'bias':
      float32(b − z_b)·float32(s_b)}``; the output grid is the QuantizeLinear after the Add;
    * (b) ``Add(MatMul, DequantizeLinear(int32 codes, s_x·s_w, 0))`` before a QuantizeLinear (onnxruntime
      fuses MatMul + Add into Gemm, then QGemm: the codes are added to the accumulator): ``bias_q``;
    * (c) ``Add(MatMul, float constant)`` before a QuantizeLinear: onnxruntime fuses it the same way after
      quantizing the bias itself (its WeightBiasQuantization: ``Round(float32(b) / float32(s_x·s_w))``, in
      float32, half to even) — ``bias_q`` holds those codes."""
    t = tensors[tin]
    lq, lname, out, K = b.lq[t.layer], t.layer, node.output[0], spec["out_channels"]
    readers = b.readers.get(out, [])
    if not readers or any(r.op_type != "QuantizeLinear" for r in readers) or out in b.graph_outputs:
        raise _err(node, "the bias Add of a quantized MatMul must be read only by QuantizeLinear nodes")
    if (
        lq.w_q is None
        or spec.get("weights_are_activations")
        or spec.get("activation", "none") != "none"
        or lq.bias_q is not None
        or "bias_add" in lq.extra
        or b.consumers.get(tin, 0) != 1
    ):
        raise _err(
            node,
            "adding a constant to a quantized layer is only supported as the one bias of a MatMul, read by "
            "nothing else",
        )
    f32 = np.float32
    if t.q is not None:  # (a): a QDQ Add of the MatMul's quantized output and the dequantized bias codes
        q_mm = b.names.get(lname, {}).get("q")
        if lq.output is None or t.q != lq.output or q_mm is None or b.consumers.get(q_mm, 0) != 1:
            raise _err(
                node, "the bias Add must read the only DequantizeLinear of the MatMul's QuantizeLinear"
            )
        if cc.q is None or cc.codes is None:
            raise _err(
                node, "the bias added to a quantized MatMul output must be DequantizeLinear of integer codes"
            )
        scale, zp, axis = cc.q
        shape = [1] * cc.codes.ndim
        if axis is not None:
            shape[axis] = -1
        zb, sb = np.asarray(zp, np.int64).reshape(shape), np.asarray(scale, f32).reshape(shape)
        term = _bias_vector(node, (cc.codes.astype(np.int64) - zb).astype(f32) * sb, K)  # as DequantizeLinear
        # onnxruntime fuses DequantizeLinear ×2 → Add → QuantizeLinear into QLinearAdd when the bias codes
        # have the activations' type and per-tensor parameters; else it runs the nodes as written
        qlinear = None
        if cc.codes.dtype == (np.int8 if lq.output.signed else np.uint8) and zb.size == sb.size == 1:
            bq = TensorQ(float(sb.reshape(())), int(zb.reshape(())), 8, lq.output.signed)
            qlinear = (_bias_vector(node, cc.codes.astype(np.int64), K), bq)
        lq.extra["bias_add"] = {"mid": lq.output, "bias": term, "qlinear": qlinear}
        b.names[lname]["q_mm"] = b.names[lname].pop("q")
        lq.output = None  # set by the QuantizeLinear after the Add
        b.biases[lname] = term.astype(np.float64)
        tensors[out] = _Tensor(lname, t.shape, flat=t.flat)
        return
    if spec["op"] not in ("fc", "matmul") or lq.output is not None:
        raise _err(node, "a constant can only be added to a quantized MatMul before its QuantizeLinear")
    acc_scale = f32(lq.inputs[0].scale) * lq.w_scale.astype(f32)  # (K,) float32, as onnxruntime
    if cc.q is not None:  # (b): int32 codes on the accumulator grid
        scale, zp, _ = cc.q
        s = np.broadcast_to(np.asarray(scale, f32).reshape(-1), (K,)) if np.size(scale) in (1, K) else None
        if cc.codes.dtype != np.int32 or np.any(np.asarray(zp) != 0) or s is None:
            raise _err(
                node, "a quantized bias before the QuantizeLinear must be int32 codes with zero point 0"
            )
        if not np.allclose(s, acc_scale, rtol=1e-6, atol=0):
            raise _err(
                node,
                f"the bias scale {s.tolist()} must be s_x·s_w = {acc_scale.tolist()} (the accumulator's grid)",
            )
        codes = _bias_vector(node, cc.codes, K).astype(np.int64)
        real = codes * acc_scale.astype(np.float64)
    else:  # (c): onnxruntime quantizes the float bias onto the accumulator grid itself
        real = _bias_vector(node, cc.value, K).astype(np.float64)
        r = np.rint(real.astype(f32) / acc_scale)
        if not np.all(np.abs(r) < 2**31):
            raise _err(node, "the bias does not fit int32 codes on the accumulator grid s_x·s_w")
        codes = r.astype(np.int64)
    lq.bias_q = codes
    b.biases[lname] = real
    tensors[out] = t


def _act_matmul(node, lname: str, tensors, shapes, b: _Builder) -> None:
    """MatMul of two (N, M, C) × (N, C, K) activations (the right one possibly ``Transpose(perm=[0, 2, 1])``
    of an (N, K, C) tensor) → a ``matmul`` with ``weights_are_activations`` (and ``rhs_transposed``); under
    QDQ both operands' grids are its input grids (onnxruntime fuses it into a QLinearMatMul)."""
    ta, tb = _tensor(node.input[0], tensors, node), _tensor(node.input[1], tensors, node)
    if len(ta.shape) != 3 or len(tb.shape) != 3 or ta.shape[0] != tb.shape[0]:
        raise _err(
            node, f"MatMul of two activations needs (N, M, C) and (N, C, K), got {ta.shape}, {tb.shape}"
        )
    N, M, C = ta.shape
    K = tb.shape[1] if tb.rhs_t else tb.shape[2]
    if (tb.shape[2] if tb.rhs_t else tb.shape[1]) != C:
        raise _err(node, f"inner sizes differ: {ta.shape} and {tb.shape}{' transposed' if tb.rhs_t else ''}")
    spec = {"name": lname, "op": "matmul", "in_channels": C, "out_channels": K, "in_h": M,
            "weights_are_activations": True, "rhs_transposed": tb.rhs_t, "inputs": [ta.layer, tb.layer]}  # fmt: skip
    b.layers.append(spec)
    if ta.q is not None and tb.q is not None:
        b.lq[lname] = LayerQ(
            lname,
            [ta.q, tb.q],
            None,
            8,
            8,
            None,
            np.full(K, tb.q.scale),
            np.full(K, tb.q.zero_point, np.int64),
        )  # output grid set by the following QuantizeLinear
    elif (ta.q is None) != (tb.q is None):
        raise _err(node, "only one operand is quantized")
    tensors[node.output[0]] = _Tensor(lname, (N, M, K))


def _out_shape(spec: dict, out: str, shapes: dict, n: int) -> tuple[int, ...]:
    """Output shape from ONNX shape inference, else (after a contrib operator shape inference does not
    know) from the layer: conv/pool (N, K, P, Q), fc (N, K), matmul (N, M, K)."""
    if shapes.get(out):
        return shapes[out]
    la = Layer(**{k: v for k, v in spec.items() if k != "inputs"})
    if la.op == "fc":
        return (n, la.K)
    if la.op == "matmul":
        return (n, la.H, la.K)
    return (n, la.K, la.P, la.Q)


def _bias_codes(bc: _Const, sx: float, ws: np.ndarray, node) -> np.ndarray:
    if bc.codes is not None:
        return bc.codes.astype(np.int64).reshape(-1)
    return np.rint(bc.value.astype(np.float64).reshape(-1) / (sx * ws)).astype(np.int64)


def _zp(node, consts, idx: int, default_dtype=np.uint8) -> np.ndarray:
    if len(node.input) > idx and node.input[idx]:
        return np.asarray(_const(node.input[idx], consts, node).value)
    return np.zeros((), default_dtype)


def _convert_qop(node, lname, tensors, consts, shapes, b: _Builder, a: dict) -> None:
    op = node.op_type
    out = node.output[0]
    t = _tensor(node.input[0], tensors, node)
    if op == "QLinearConv" or op == "QLinearMatMul":
        xs = _const(node.input[1], consts, node).value
        xq = _tq(xs, _zp(node, consts, 2), node)
        wc = _const(node.input[3], consts, node)
        ws = np.asarray(_const(node.input[4], consts, node).value, np.float32).reshape(-1)
        wz = np.asarray(_zp(node, consts, 5)).reshape(-1)
        yq = _tq(_const(node.input[6], consts, node).value, _zp(node, consts, 7), node)
        bias_name = node.input[8] if op == "QLinearConv" and len(node.input) > 8 and node.input[8] else None
    else:
        xz = _zp(node, consts, 2)
        xq = TensorQ(1.0, int(np.asarray(xz).reshape(-1)[0]), 8, np.asarray(xz).dtype == np.int8)
        wc = _const(node.input[1], consts, node)
        ws = np.ones(1, np.float32)
        wz = np.asarray(_zp(node, consts, 3)).reshape(-1)
        yq = None
        bias_name = None
    if (
        t.q is not None
        and (t.q.scale, t.q.zero_point) != (xq.scale, xq.zero_point)
        and op.startswith("QLinear")
    ):
        raise _err(node, "input scale/zero point differ from the producer's output quantization")
    if t.layer == "input" and t.q is None:
        t.q = xq
    if t.q is None:
        t.q = xq
    codes = wc.value.astype(np.int64)
    if op in ("QLinearConv", "ConvInteger"):
        spec = _conv_spec(node, lname, t, codes.shape, tensors, t.layer)
        K = codes.shape[0]
        wq = codes
    else:
        if codes.ndim != 2:
            raise _err(node, "the right operand must be a 2-D constant")
        K = codes.shape[1]
        spec = _fc_spec(lname, t, K, t.layer, node)
        wq = codes.T if spec["op"] == "fc" else codes
    if ws.size not in (1, K) or wz.size not in (1, K):
        raise _err(node, f"weight scale/zero point must be per-tensor or per output channel ({K})")
    wsK = np.broadcast_to(ws, (K,)).astype(np.float64)
    wzK = np.broadcast_to(wz, (K,)).astype(np.int64)
    b.layers.append(spec)
    axis = 1 if spec["op"] == "matmul" else 0
    shape = [1] * wq.ndim
    shape[axis] = -1
    b.weights[lname] = (wq - wzK.reshape(shape)) * wsK.reshape(shape)
    lq = LayerQ(lname, [t.q if op.startswith("QLinear") else xq], yq, 8, 8, wq, wsK, wzK)
    if bias_name is not None:
        lq.bias_q = _const(bias_name, consts, node).value.astype(np.int64).reshape(-1)
        b.biases[lname] = lq.bias_q * (xq.scale * wsK)
    if yq is not None:
        set_multipliers(lq, (np.float64(np.float32(xq.scale)) * wsK) / yq.scale)
    b.lq[lname] = lq
    tensors[out] = _Tensor(lname, _out_shape(spec, out, shapes, t.shape[0]), yq, codes=True)


def _transpose(node, a: dict, tensors, consts, b: _Builder) -> None:
    """Transpose: constant-folded on initializers (codes and a per-channel axis follow the permutation); on
    an activation only where it provably is a layout no-op (see the module doc), else unsupported."""
    src, out = node.input[0], node.output[0]
    if src in consts:
        c = consts[src]
        perm = [int(p) for p in a.get("perm", range(c.value.ndim - 1, -1, -1))]
        if sorted(perm) != list(range(c.value.ndim)):
            raise _err(node, f"perm {perm} is not a permutation of {c.value.ndim} axes")
        q = c.q
        if q is not None and q[2] is not None:
            q = (q[0], q[1], perm.index(q[2] % c.value.ndim))
        codes = None if c.codes is None else np.transpose(c.codes, perm)
        consts[out] = _Const(np.ascontiguousarray(np.transpose(c.value, perm)), q, codes)
        return
    t = _tensor(src, tensors, node)
    nd = len(t.shape)
    perm = [int(p) for p in a.get("perm", range(nd - 1, -1, -1))]
    if sorted(perm) != list(range(nd)):
        raise _err(node, f"perm {perm} is not a permutation of {nd} axes")
    shape = tuple(t.shape[p] for p in perm)
    big = [p for p in perm if t.shape[p] != 1]
    same_data = big == sorted(big)  # non-unit axes keep their order: identical row-major data
    if same_data and shape == t.shape:
        tensors[out] = t  # identity up to size-1 axes: a pure no-op
        return
    readers = b.consumer_ops.get(out, [])
    if nd == 3 and perm == [0, 2, 1] and not t.rhs_t and readers and all(r == "MatMul:1" for r in readers):
        # Kᵀ of attention: kept as the (N, K, C) tensor, the MatMul becomes a matmul with rhs_transposed
        tensors[out] = _Tensor(t.layer, t.shape, t.q, t.codes, rhs_t=True)
        return
    if same_data and perm[0] == 0 and readers and all(r in _FLAT_READERS for r in readers):
        if out in b.graph_outputs:
            raise _err(node, "a reshaping Transpose cannot be the graph output")
        tensors[out] = t  # only flattened afterwards: Flatten/Reshape(N, −1) see the same vector
        return
    raise _err(
        node,
        f"Transpose of an activation is only supported as a layout no-op (perm keeps the order of the "
        f"non-unit axes and the batch axis, and the result is unchanged in shape or only flattened) or as "
        f"the transposed right operand (perm [0, 2, 1]) of MatMuls; got "
        f"perm {perm} on shape {t.shape}",
    )


def _convert_ms(node, a: dict, tensors, consts, b: _Builder) -> None:
    """com.microsoft QLinearAdd (two same-shape NCHW code tensors) and QLinearGlobalAveragePool (NCHW)."""
    op, out = node.op_type, node.output[0]
    lname = _layer_name(node, b)

    def qin(t: _Tensor, s_idx: int, z_idx: int) -> TensorQ:
        q = _tq(_const(node.input[s_idx], consts, node).value, _zp(node, consts, z_idx), node)
        if t.q is not None and (t.q.scale, t.q.zero_point, t.q.signed) != (q.scale, q.zero_point, q.signed):
            raise _err(node, "input scale/zero point differ from the producer's output quantization")
        if t.q is None:
            t.q = q
        return q

    if op == "QLinearAdd":
        ta, tb = _tensor(node.input[0], tensors, node), _tensor(node.input[3], tensors, node)
        if ta.shape != tb.shape or len(ta.shape) != 4:
            raise _err(
                node, f"operands must have the same NCHW shape (no broadcasting), got {ta.shape}, {tb.shape}"
            )
        qa, qb = qin(ta, 1, 2), qin(tb, 4, 5)
        qc = _tq(_const(node.input[6], consts, node).value, _zp(node, consts, 7), node)
        N, C, H, W = ta.shape
        b.layers.append({"name": lname, "op": "add", "in_channels": C, "in_h": H, "in_w": W,
                         "inputs": [ta.layer, tb.layer]})  # fmt: skip
        lq = LayerQ(lname, [qa, qb], qc, extra={"qlinear_add": True})
        set_multipliers(lq, np.array([qa.scale / qc.scale, qb.scale / qc.scale]))
        b.lq[lname] = lq
        tensors[out] = _Tensor(lname, ta.shape, qc, codes=True)
        return
    # QLinearGlobalAveragePool
    if int(a.get("channels_last", 0)):
        raise _err(node, "channels_last=1 is not supported (NCHW only)")
    t = _tensor(node.input[0], tensors, node)
    if len(t.shape) != 4:
        raise _err(node, "QLinearGlobalAveragePool needs an NCHW input")
    qx = qin(t, 1, 2)
    qy = _tq(_const(node.input[3], consts, node).value, _zp(node, consts, 4), node)
    N, C, H, W = t.shape
    b.layers.append({
        "name": lname, "op": "pool", "pool_type": "avg", "in_channels": C, "in_h": H, "in_w": W,
        "kernel_h": H, "kernel_w": W, "inputs": [t.layer],
    })  # fmt: skip
    b.lq[lname] = LayerQ(lname, [qx], qy, extra={"qlinear_gap": True})
    tensors[out] = _Tensor(lname, (N, C, 1, 1), qy, codes=True)
