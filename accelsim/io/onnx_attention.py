"""ONNX import of multi-head attention blocks (float and QDQ) and their numpy execution.

:func:`accelsim.io.onnx.load_onnx` calls :func:`convert_attention` for every node first; it takes the
nodes of the pattern frameworks export for an attention block and maps them onto the IR exactly as
:mod:`accelsim.transformers` builds its zoo blocks:

* ``MatMul`` (+ ``Add`` bias) of an (N, L, D) tensor with a constant → ``matmul`` (Q, K, V, output and FFN
  projections; :mod:`accelsim.io.onnx`). Under QDQ the bias is the matmul layer's (no layer of its own, so
  the MACs stay the zoo block's) in the three forms quantization tools emit (``_quantized_bias`` in
  :mod:`accelsim.io.onnx`): (a) onnxruntime quantize_static's QDQ Add ``Add(DQ(Q(MatMul)),
  DQ(bias codes))`` → Q: the MatMul keeps its own output grid (``LayerQ.extra['bias_add']``), the Add is
  executed as onnxruntime does — fused into com.microsoft QLinearAdd when the bias codes have the
  activations' type (:func:`qlinear_add`, MLAS's AVX2 kernel), else unfused (DequantizeLinear, float32
  Add, QuantizeLinear; int32 codes); (b) ``Add(MatMul, DQ(int32 codes, s_x·s_w, 0))`` → Q and (c)
  ``Add(MatMul, float constant)`` → Q: onnxruntime fuses MatMul + Add into Gemm and then QGemm, which adds
  the int32 codes to the accumulator before requantizing (for (c) it quantizes the bias itself first:
  ``Round(float32(b) / float32(s_x·s_w))``), so both become ``LayerQ.bias_q``. Any other constant Add to
  a quantized MatMul (e.g. a bias Add whose output is not quantized, read besides its QuantizeLinear, or
  int32 codes on another grid) is refused in one line;
* ``Reshape`` (N, L, D) → (N, L, H, Dh) and ``Transpose`` of that tensor: no layer. The IR keeps the
  (N, L, H·Dh) tensor and the importer only remembers which ONNX axis is which (``view``: 'n', 'l', 'h',
  'x'); ``Transpose`` back to (N, L, H, Dh) and ``Reshape`` to (N, L, D) end the head split;
* ``MatMul`` of two head-split tensors (N, H, L, Dh)·(N, H, Dh, L') → ``matmul`` with
  ``weights_are_activations``, ``groups = H``, ``in_channels = H·Dh``, ``out_channels = H·L'``, ``in_h = L``
  and ``rhs_transposed`` (K read as stored, (N, L', H·Dh)); the context (N, H, L, L')·(N, H, L', Dh) →
  the same with ``in_channels = H·L'``, ``out_channels = H·Dh``, not transposed. MACs per image
  ``H·L·Dh·L'`` each, as the zoo's ``scores`` / ``context``;
* ``Mul`` / ``Div`` of the scores by a scalar constant (the 1/√Dh scale) and ``Add`` of a constant mask
  broadcastable to (N, H, L, L'): no layer, kept as the softmax's pre-operations;
* ``Softmax(axis=-1)`` of the scores → ``softmax`` (``in_channels = H·L'``, ``in_h = L``);
* ``LayerNormalization(axis=-1)`` (opset 17) → ``layernorm``; ``Gelu`` (opset 20, ``approximate`` none or
  tanh) or the Erf pattern ``x·0.5·(1 + Erf(x/√2))`` (Div by √2 or Mul by 1/√2; the three Mul orders
  ``(x·a)·0.5``, ``(x·0.5)·a``, ``x·(a·0.5)``) → ``gelu``;
* ``Add`` of two (N, L, D) tensors → ``add`` (residual).

Anything else on a head-split tensor is refused with a one-line
:class:`~accelsim.errors.AccelsimInputError` naming the node and what is allowed.

:func:`run_attention` executes the imported IR in numpy the way onnxruntime's CPU kernels do: float32
throughout; under QDQ every MatMul whose inputs and output are quantized runs on integer codes
(``acc = Σ (x − z_x)(w − z_w)`` exact, plus the int32 bias codes of forms (b) and (c), then
``q = clamp(rint(float32(acc)·float32(s_x·s_w/s_y)) + z_y)``, onnxruntime's QLinearMatMul / QGemm), a QDQ
bias Add of form (a) as its QLinearAdd or unfused Add (above), every QuantizeLinear is
``clamp(rint(float32(v) / float32(s)) + z)`` (round half to even, saturating), every DequantizeLinear
``float32(q − z)·float32(s)``: these codes equal onnxruntime's exactly. One exception comes from
onnxruntime itself: on x86-64 it leaves a QDQ MatMul of int8 activations by int8 weights without a
(b)/(c) bias unfused (a float32 MatMul of the dequantized operands, then QuantizeLinear), so its codes
can differ by one where that float sum lies within float32 rounding of a midpoint (rare, measured in
docs/transformers.md); uint8 activations and biased int8 MatMuls (QGemm) are integer. The float
operators cannot all be bit-exact: onnxruntime computes softmax and erf with MLAS polynomial
approximations and LayerNorm with its own kernel (not reproduced bit for bit), float MatMuls with MLAS's
summation order; here softmax is ``e = exp(v − max)``, ``y = e·(1/Σe)``
in float32, erf and tanh are scipy/numpy's in float64 rounded to float32, LayerNorm is computed in
float64 and rounded once. These agree with onnxruntime within a few float32 ulps, so a code after a
QuantizeLinear of a softmax / LayerNorm / GELU output can differ by one where the float value lies within
a few ulps of a rounding midpoint, and ill-conditioned LayerNorms (nearly equal features, small D)
amplify ulp differences of their inputs. tests/test_onnx_attention.py measures all of this;
docs/transformers.md gives the figures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import act_mac_integer, qlinear_add, requant_mac
from accelsim.functional.qmodel import LayerQ, QuantizedModel, TensorQ, producers
from accelsim.io.onnx_graph import _Builder, _const, _err, _layer_name, _Tensor, _tensor
from accelsim.workload import Layer, Network

NLHX = ("n", "l", "h", "x")  # the IR layout of a head-split tensor: (N, L, H, X) stored as (N, L, H·X)
NHLX = ("n", "h", "l", "x")  # (N, H, L, X): the left operand (and a non-transposed right operand)
NHXL = ("n", "h", "x", "l")  # (N, H, X, L): a transposed right operand (Kᵀ)
_SCALE_OPS = ("Mul", "Div")
_FLOAT_OPS = ("softmax", "layernorm", "gelu", "add")


@dataclass
class AttentionModel(QuantizedModel):
    """A :class:`QuantizedModel` of an imported transformer graph: ``sfu[layer]`` holds the parameters of
    its softmax / layernorm / gelu layers (mask and scale, γ, β, ε, the GELU form), ``onnx_names[layer]``
    the ONNX tensors of a layer (``out``: its float output, ``q``: its QuantizeLinear output, with their
    axis ``view``s) so that tests can compare with onnxruntime tensor by tensor."""

    sfu: dict[str, dict] = field(default_factory=dict)
    onnx_names: dict[str, dict] = field(default_factory=dict)


def attention_model(net: Network, b: _Builder, input_q: TensorQ | None) -> AttentionModel:
    """The model :func:`~accelsim.io.onnx.load_onnx` returns for a graph with transformer layers."""
    return AttentionModel(
        net, b.weights, b.biases, input_q=input_q, source="onnx", sfu=b.sfu, onnx_names=b.names
    )


# ---- import ----------------------------------------------------------------------------------------


def _spec(b: _Builder, layer: str) -> dict | None:
    return next((la for la in b.layers if la["name"] == layer), None)


def _is_scores(t: _Tensor, b: _Builder) -> bool:
    """A Q·Kᵀ result (head-split (N, H, L, L') or single-head (N, L, L')), possibly scaled and masked."""
    spec = _spec(b, t.layer)
    if spec is None or spec["op"] != "matmul" or not spec.get("weights_are_activations"):
        return False
    return t.view == NHLX or (t.view is None and len(t.shape) == 3)


def _scalar(node, consts, name: str) -> np.float32:
    v = _const(name, consts, node).value
    if v.size != 1:
        raise _err(node, f"the constant operand must be a scalar, got shape {v.shape}")
    return np.float32(v.reshape(()))


def _other(node, consts) -> tuple[str, str] | None:
    """(tensor operand, constant operand) of a binary node with exactly one constant input."""
    x0, x1 = node.input[0], node.input[1]
    if (x0 in consts) == (x1 in consts):
        return None
    return (x1, x0) if x0 in consts else (x0, x1)


def _add_layer(b: _Builder, spec: dict, out: str, t: _Tensor, params: dict) -> str:
    b.layers.append(spec)
    b.sfu[spec["name"]] = params
    b.names[spec["name"]] = {"out": out, "view": t.view}
    return spec["name"]


def convert_attention(node, a: dict, tensors, consts, shapes, b: _Builder) -> bool:  # noqa: C901
    """Convert ``node`` if it belongs to an attention block (see the module doc); False: not handled."""
    op, out = node.op_type, node.output[0]
    t0 = tensors.get(node.input[0]) if node.input else None
    if op == "QuantizeLinear" and t0 is not None:
        if t0.pre:
            raise _err(
                node, "quantize Q·Kᵀ before its scale/mask: a QuantizeLinear after them is not supported"
            )
        spec = _spec(b, t0.layer)
        if spec is not None and t0.q is None:  # this QuantizeLinear sets the layer's output grid
            if spec["op"] in _FLOAT_OPS and b.sfu and b.consumers.get(node.input[0], 0) > 1:
                raise _err(
                    node, f"the float output of {spec['op']} {t0.layer!r} is read besides its QuantizeLinear"
                )
            b.names.setdefault(t0.layer, {})["q_view"] = t0.view
        return False
    if op == "Reshape" and t0 is not None:
        return _reshape(node, t0, tensors, consts, b)
    if op == "Transpose" and t0 is not None and t0.view is not None:
        perm = [int(p) for p in a.get("perm", range(3, -1, -1))]
        if sorted(perm) != [0, 1, 2, 3] or perm[0] != 0:
            raise _err(
                node, f"a head-split tensor may only be transposed with the batch axis first, got {perm}"
            )
        view = tuple(t0.view[p] for p in perm)
        shape = tuple(t0.shape[p] for p in perm)
        tensors[out] = _Tensor(t0.layer, shape, t0.q, t0.codes, view=view, heads=t0.heads, pre=t0.pre)
        return True
    if op == "MatMul" and node.input[1] not in consts:
        t1 = tensors.get(node.input[1])
        if (t0 is not None and t0.view is not None) or (t1 is not None and t1.view is not None):
            _heads_matmul(node, tensors, b)
            return True
        return False
    if op in _SCALE_OPS:
        pair = _other(node, consts)
        if pair is None:
            raise _err(node, "only Mul/Div by a constant is supported")
        t = _tensor(pair[0], tensors, node)
        if _is_scores(t, b):
            if op == "Div" and pair[0] != node.input[0]:
                raise _err(node, "the scores must be the dividend of the scale Div")
            c = _scalar(node, consts, pair[1])
            tensors[out] = _Tensor(t.layer, t.shape, None, view=t.view, heads=t.heads, pre=(*t.pre, (op, c)))
            return True
        if _gelu_pattern(node, pair[0], t, consts, tensors, b):
            return True
        raise _err(
            node,
            f"{op} by a constant is only supported as the attention scale (of Q·Kᵀ, before Softmax) or "
            "inside the GELU pattern x·0.5·(1 + Erf(x/√2))",
        )
    if op == "Add":
        pair = _other(node, consts)
        if pair is None:
            return False
        t = _tensor(pair[0], tensors, node)
        if not _is_scores(t, b):
            return False
        mask = _const(pair[1], consts, node).value.astype(np.float32)
        try:
            full = np.broadcast_to(mask, t.shape)
        except ValueError:
            raise _err(
                node, f"the mask of shape {mask.shape} does not broadcast to the scores {t.shape}"
            ) from None
        n = t.shape[0] if mask.ndim == len(t.shape) and mask.shape[0] == t.shape[0] else 1
        ir = _to_ir(np.ascontiguousarray(full[:n]), t.view)
        tensors[out] = _Tensor(t.layer, t.shape, None, view=t.view, heads=t.heads, pre=(*t.pre, ("Add", ir)))
        return True
    if op == "Softmax":
        t = _tensor(node.input[0], tensors, node)
        if not _is_scores(t, b):
            return False  # the last-node Softmax of a classifier (or its error) in accelsim.io.onnx
        axis = int(a.get("axis", -1))
        if axis not in (-1, len(t.shape) - 1):
            raise _err(node, f"Softmax over the scores needs axis=-1 (the key positions), got axis={axis}")
        N, L, Lk = t.shape[0], t.shape[-2], t.shape[-1]
        H = t.heads or 1
        spec = {"name": _layer_name(node, b), "op": "softmax", "in_channels": H * Lk, "in_h": L,
                "inputs": [t.layer]}  # fmt: skip
        lname = _add_layer(b, spec, out, t, {"op": "softmax", "pre": list(t.pre), "heads": H})
        tensors[out] = _Tensor(lname, t.shape, view=t.view, heads=t.heads)
        return True
    if op == "LayerNormalization":
        t = _plain3(node, tensors)
        if int(a.get("axis", -1)) not in (-1, 2):
            raise _err(
                node, f"LayerNormalization must normalize the last axis (axis=-1), got {a.get('axis')}"
            )
        if any(o and b.consumers.get(o, 0) for o in node.output[1:]):
            raise _err(node, "the Mean / InvStdDev outputs of LayerNormalization are not supported")
        N, L, D = t.shape
        gamma = _const(node.input[1], consts, node).value.astype(np.float32).reshape(-1)
        has_beta = len(node.input) > 2 and node.input[2]
        beta = _const(node.input[2], consts, node).value.astype(np.float32).reshape(-1) if has_beta else None
        if gamma.size != D or (beta is not None and beta.size != D):
            raise _err(node, f"scale and bias must have the {D} features of the last axis")
        spec = {
            "name": _layer_name(node, b),
            "op": "layernorm",
            "in_channels": D,
            "in_h": L,
            "inputs": [t.layer],
        }
        params = {
            "op": "layernorm",
            "gamma": gamma,
            "beta": beta,
            "epsilon": np.float32(a.get("epsilon", 1e-5)),
        }
        tensors[out] = _Tensor(_add_layer(b, spec, out, t, params), t.shape)
        return True
    if op == "Gelu":
        t = _plain3(node, tensors)
        form = a.get("approximate", "none")
        form = form.decode() if isinstance(form, bytes) else str(form)
        if form not in ("none", "tanh"):
            raise _err(node, f"Gelu approximate must be none or tanh, got {form!r}")
        spec = {"name": _layer_name(node, b), "op": "gelu", "in_channels": t.shape[2], "in_h": t.shape[1],
                "inputs": [t.layer]}  # fmt: skip
        tensors[out] = _Tensor(_add_layer(b, spec, out, t, {"op": "gelu", "form": form}), t.shape)
        return True
    if op == "Erf":
        raise _err(node, "Erf is only supported inside the GELU pattern x·0.5·(1 + Erf(x/√2))")
    if t0 is not None and t0.view is not None and op not in ("QuantizeLinear", "DequantizeLinear"):
        raise _err(
            node,
            f"a head-split (N, H, L, Dh) tensor can only be read by Transpose, Reshape back to (N, L, D), "
            f"MatMul, the scale Mul/Div, a mask Add, Softmax and QuantizeLinear/DequantizeLinear, not {op}",
        )
    return False


def _plain3(node, tensors) -> _Tensor:
    t = _tensor(node.input[0], tensors, node)
    if t.view is not None or len(t.shape) != 3 or t.pre:
        raise _err(node, f"{node.op_type} needs an (N, L, D) tensor, got shape {t.shape}")
    return t


def _reshape(node, t: _Tensor, tensors, consts, b: _Builder) -> bool:
    """(N, L, D) → (N, L, H, Dh): the head split; (N, L, H, Dh) → (N, L, D): its end. Other reshapes of
    a head-split tensor are refused; every other Reshape is left to accelsim.io.onnx."""
    target = [int(v) for v in _const(node.input[1], consts, node).value.reshape(-1)]
    if t.view is None and len(t.shape) == 3 and len(target) == 4 and not t.flat:
        N, L, D = t.shape
        h, x = target[2], target[3]
        if h == -1 and x > 0 and D % x == 0:
            h = D // x
        if x == -1 and h > 0 and D % h == 0:
            x = D // h
        if target[0] not in (0, N) or target[1] not in (0, -1, L) or h < 1 or x < 1 or h * x != D:
            raise _err(
                node, f"the head split must reshape (N, L, D) = {t.shape} to (N, L, H, D/H), got {target}"
            )
        tensors[node.output[0]] = _Tensor(t.layer, (N, L, h, x), t.q, t.codes, view=NLHX, heads=h)
        return True
    if t.view is None:
        return False
    if t.view != NLHX:
        raise _err(
            node,
            f"a head-split tensor must be transposed back to (N, L, H, Dh) before Reshape, has axes {t.view}",
        )
    N, L, H, X = t.shape
    if (
        len(target) != 3
        or target[0] not in (0, N)
        or target[1] not in (0, -1, L)
        or target[2] not in (-1, H * X)
    ):
        raise _err(node, f"the heads must be merged back to (N, L, H·Dh) = ({N}, {L}, {H * X}), got {target}")
    tensors[node.output[0]] = _Tensor(t.layer, (N, L, H * X), t.q, t.codes)
    return True


def _heads_matmul(node, tensors, b: _Builder) -> None:
    """(N, H, M, C)·(N, H, C, K) of two head-split tensors → grouped two-activation ``matmul``."""
    ta, tb = _tensor(node.input[0], tensors, node), _tensor(node.input[1], tensors, node)
    if ta.view != NHLX or tb.view not in (NHLX, NHXL) or ta.pre or tb.pre:
        raise _err(
            node,
            f"attention MatMul needs (N, H, L, Dh)·(N, H, Dh, L') or (N, H, L, L')·(N, H, L', Dh) of "
            f"head-split tensors (scale after the MatMul), got axes {ta.view} and {tb.view}",
        )
    N, H, M, C = ta.shape
    if tb.shape[:3] != (N, H, C) or ta.heads != tb.heads:
        raise _err(node, f"operand shapes {ta.shape} and {tb.shape} do not multiply per head")
    K = tb.shape[3]
    lname = _layer_name(node, b)
    b.layers.append({
        "name": lname, "op": "matmul", "in_channels": H * C, "out_channels": H * K, "in_h": M, "groups": H,
        "weights_are_activations": True, "rhs_transposed": tb.view == NHXL, "inputs": [ta.layer, tb.layer],
    })  # fmt: skip
    if ta.q is not None and tb.q is not None:
        b.lq[lname] = LayerQ(
            lname, [ta.q, tb.q], None, 8, 8, None, np.full(H * K, tb.q.scale), np.full(H * K, tb.q.zero_point)
        )
    elif (ta.q is None) != (tb.q is None):
        raise _err(node, "only one operand is quantized (QDQ both operands of an attention MatMul)")
    b.names[lname] = {"view": NHLX}
    tensors[node.output[0]] = _Tensor(lname, (N, H, M, K), view=NHLX, heads=H)


def _readers(b: _Builder, name: str) -> list:
    return b.readers.get(name, [])


def _only_reader(b: _Builder, name: str, op: str):
    r = _readers(b, name)
    return r[0] if len(r) == 1 and r[0].op_type == op and name not in b.graph_outputs else None


def _const_of(n, consts, value: float, rel: float = 0.0) -> str | None:
    """The tensor operand of binary node ``n`` whose other operand is the scalar constant ``value``."""
    pair = _other(n, consts)
    if pair is None or consts[pair[1]].value.size != 1:
        return None
    c = float(consts[pair[1]].value.reshape(()))
    return pair[0] if abs(c - value) <= rel * abs(value) else None


def _gelu_pattern(node, x: str, t: _Tensor, consts, tensors, b: _Builder) -> bool:
    """Match ``x·0.5·(1 + Erf(x/√2))`` from any of its first nodes; on success add the ``gelu`` layer, mark
    the pattern's other nodes consumed and return True."""
    if t.view is not None or len(t.shape) != 3 or t.pre:
        return False
    entry = None
    for n in _readers(b, x):  # the Div(x, √2) / Mul(x, 1/√2) feeding the Erf
        if n.op_type == "Div" and n.input[0] == x and _const_of(n, consts, math.sqrt(2), 1e-3) == x:
            entry = n, ("Div", np.float32(consts[n.input[1]].value.reshape(())))
        elif n.op_type == "Mul" and _const_of(n, consts, math.sqrt(0.5), 1e-3) == x:
            entry = n, ("Mul", np.float32(consts[_other(n, consts)[1]].value.reshape(())))
        if entry is not None:
            break
    if entry is None:
        return False
    first, scale = entry
    erf = _only_reader(b, first.output[0], "Erf")
    add = erf and _only_reader(b, erf.output[0], "Add")
    if add is None or _const_of(add, consts, 1.0) != erf.output[0]:
        return False
    m = _only_reader(b, add.output[0], "Mul")
    if m is None:
        return False
    other = m.input[1] if m.input[0] == add.output[0] else m.input[0]
    nodes = [first, erf, add, m]
    if other == x:  # (x·a)·0.5
        y = _only_reader(b, m.output[0], "Mul")
        if y is None or _const_of(y, consts, 0.5) != m.output[0]:
            return False
        order, nodes = "xa_half", nodes + [y]
    elif other in consts and _const_of(m, consts, 0.5) == add.output[0]:  # x·(a·0.5)
        y = _only_reader(b, m.output[0], "Mul")
        if y is None or {y.input[0], y.input[1]} != {x, m.output[0]}:
            return False
        order, nodes = "x_ahalf", nodes + [y]
    else:  # (x·0.5)·a
        half = next((n for n in _readers(b, x) if n.op_type == "Mul" and n.output[0] == other), None)
        if half is None or _const_of(half, consts, 0.5) != x or len(_readers(b, other)) != 1:
            return False
        order, nodes, y = "xhalf_a", nodes + [half], m
    if node.output[0] not in {n.output[0] for n in nodes}:
        return False
    lname = _layer_name(node, b)
    spec = {"name": lname, "op": "gelu", "in_channels": t.shape[2], "in_h": t.shape[1], "inputs": [t.layer]}
    _add_layer(b, spec, y.output[0], t, {"op": "gelu", "form": "erf", "first": scale, "order": order})
    for n in nodes:
        b.skip.add(n.output[0])
    tensors[y.output[0]] = _Tensor(lname, t.shape)
    return True


# ---- layouts ---------------------------------------------------------------------------------------


def _to_ir(arr: np.ndarray, view: tuple[str, ...] | None) -> np.ndarray:
    """An ONNX tensor with axes ``view`` (a permutation of n, l, h, x) → the IR's (N, L, H·X)."""
    if view is None:
        return arr
    t = np.transpose(arr, [view.index(c) for c in NLHX])
    return t.reshape(t.shape[0], t.shape[1], -1)


def onnx_to_ir(model: AttentionModel, layer: str, arr: np.ndarray, key: str = "out") -> np.ndarray:
    """ONNX tensor ``onnx_names[layer][key]`` ('out' or 'q') of ``layer`` in the IR layout."""
    names = model.onnx_names.get(layer, {})
    return _to_ir(np.asarray(arr), names.get("q_view" if key == "q" else "view"))


# ---- execution -------------------------------------------------------------------------------------

F32 = np.float32


@dataclass
class AttentionRun:
    """One execution: per layer its value as the next layers read it (``values``: float32, dequantized
    when quantized), its float output before quantization (``floats``; SFU and add layers, and the bias
    sum of a QDQ bias Add) and its integer codes (``codes``; layers followed by a QuantizeLinear; ``inner``:
    a MatMul's own codes before its QDQ bias Add, form (a)). IR layout (N, L, features)."""

    values: dict[str, np.ndarray]
    floats: dict[str, np.ndarray]
    codes: dict[str, np.ndarray]
    output_name: str
    inner: dict[str, np.ndarray] = field(default_factory=dict)  # the MatMul codes before a QDQ bias Add

    @property
    def output(self) -> np.ndarray:
        return self.values[self.output_name]


def _dq(q: np.ndarray, t: TensorQ) -> np.ndarray:
    """onnxruntime's DequantizeLinear: ``float32(q − z)·float32(s)``."""
    return (np.asarray(q, np.int64) - t.zero_point).astype(F32) * F32(t.scale)


def softmax_f32(v: np.ndarray, heads: int, pre: list) -> np.ndarray:
    """Scores (N, L, H·L') → softmax per head over L' in float32 after the pre-operations in order
    (``Mul``/``Div`` by a scalar, ``Add`` of the mask): ``e = exp(v − max)``, ``y = e·(1/Σe)``."""
    v = np.asarray(v, F32)
    for op, c in pre:
        v = v * c if op == "Mul" else v / c if op == "Div" else (v + c).astype(F32)
    n, rows, cols = v.shape
    r = v.reshape(n, rows, heads, cols // heads)
    e = np.exp(r - r.max(axis=-1, keepdims=True))
    y = e * (F32(1) / e.sum(axis=-1, keepdims=True, dtype=F32))
    return y.astype(F32).reshape(n, rows, cols)


def layernorm_f32(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray | None, eps: np.float32) -> np.ndarray:
    """LayerNormalization over the last axis, two passes in float64, rounded once to float32:
    ``μ = Σx/D``, ``σ = √(Σ(x − μ)²/D + ε)``, ``y = (x − μ)/σ·γ + β``. onnxruntime 1.32's kernel is not the
    one-pass float32 loop of its older sources (measured: neither that loop nor plain float64/float32
    variants reproduce it bit for bit); its outputs lie within ~1 ulp of this correctly rounded form."""
    x64 = np.asarray(x, np.float64)
    mu = x64.mean(axis=-1, keepdims=True)
    var = np.square(x64 - mu).mean(axis=-1, keepdims=True)
    y = (x64 - mu) / np.sqrt(var + np.float64(eps)) * np.asarray(gamma, np.float64)
    if beta is not None:
        y = y + np.asarray(beta, np.float64)
    return y.astype(F32)


def _erf(v: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return erf(np.asarray(v, np.float64)).astype(F32)


def gelu_f32(x: np.ndarray, p: dict) -> np.ndarray:
    """GELU in float32 in the order of the graph: ``Gelu`` (onnxruntime: ``t = x·float32(1/√2)``,
    ``y = 0.5·x·(erf(t) + 1)``; tanh: ``u = x·(C·x·x + B)``, ``y = 0.5·x·(tanh(u) + 1)``) or the Erf
    pattern with its own constant, division or multiplication and Mul order."""
    x = np.asarray(x, F32)
    if p["form"] == "none":
        return (F32(0.5) * x * (_erf(x * F32(math.sqrt(0.5))) + F32(1))).astype(F32)
    if p["form"] == "tanh":
        u = x * (F32(0.035677408136300125) * x * x + F32(0.7978845608028654))
        return (F32(0.5) * x * (np.tanh(u.astype(np.float64)).astype(F32) + F32(1))).astype(F32)
    op, c = p["first"]
    a = _erf(x / c if op == "Div" else x * c) + F32(1)
    if p["order"] == "xa_half":
        return (x * a) * F32(0.5)
    if p["order"] == "xhalf_a":
        return (x * F32(0.5)) * a
    return x * (a * F32(0.5))


def _codes(value: np.ndarray, producer: str, want: TensorQ, env: dict, model: QuantizedModel):
    """Input codes of a quantized MAC: the producer's codes when on the same grid, else QuantizeLinear."""
    o = model.input_q if producer == "input" else getattr(model.layers.get(producer), "output", None)
    if producer in env and o is not None and (o.scale, o.zero_point, o.signed) == (
        want.scale, want.zero_point, want.signed,
    ):  # fmt: skip
        return env[producer]
    return want.quantize(value, float32=True)


def run_attention(
    model: AttentionModel, x: np.ndarray, feed: dict[str, np.ndarray] | None = None
) -> AttentionRun:
    """Execute an imported transformer graph on float input ``x`` (N, L, D) as onnxruntime's CPU kernels
    do (module doc). ``feed`` (teacher forcing): a layer's output given here (codes for a quantized layer,
    else float32, IR layout) replaces the computed one as the input of the following layers."""
    feed = feed or {}
    x = np.asarray(x, F32)
    run = AttentionRun({}, {}, {}, model.network.layers[-1].name)
    env: dict[str, np.ndarray] = {}  # the codes the following layers read (fed or computed)
    if model.input_q is not None:
        env["input"] = run.codes["input"] = model.input_q.quantize(x, float32=True)
        x = _dq(run.codes["input"], model.input_q)
    run.values["input"] = x
    srcs = producers(model.network)
    for layer in model.network.layers:
        name = layer.name
        ins = [run.values[s] for s in srcs[name]]
        lq = model.layers.get(name)
        q = _layer(model, layer, ins, srcs[name], lq, env, run)
        if q is not None:
            env[name] = run.codes[name] = q
            run.values[name] = _dq(q, lq.output)
        else:
            run.values[name] = run.floats[name]
        if name in feed:
            f = np.asarray(feed[name])
            if f.dtype.kind in "iu":
                env[name] = f.astype(np.int64)
                run.values[name] = _dq(f, lq.output)
            else:
                run.values[name] = f.astype(F32)
    return run


def _layer(model: AttentionModel, layer: Layer, ins, srcs, lq: LayerQ | None, env: dict, run: AttentionRun):
    """Compute one layer: returns its output codes (quantized output) or None (float, in run.floats)."""
    name = layer.name
    quant_mac = lq is not None and layer.has_macs and len(lq.inputs) >= 1 and lq.inputs[0] is not None
    if layer.has_macs and quant_mac:
        xq = _codes(ins[0], srcs[0], lq.inputs[0], env, model)
        if layer.weights_are_activations:
            rq = _codes(ins[1], srcs[1], lq.inputs[1], env, model)
            acc, _ = act_mac_integer(model, layer, xq, rq)
        else:
            wz = lq.w_zero_point.reshape(1, -1).astype(np.int64)
            acc = (np.asarray(xq, np.int64) - lq.inputs[0].zero_point) @ (lq.w_q.astype(np.int64) - wz)
            if lq.bias_q is not None:
                acc = acc + lq.bias_q
        bias_add = lq.extra.get("bias_add")
        if bias_add is not None and lq.output is not None:  # QDQ bias Add (form (a), module doc)
            mid, out = bias_add["mid"], lq.output
            q = run.inner[name] = requant_mac(acc, replace(lq, output=mid), layer, model)
            run.floats[name] = (_dq(q, mid) + bias_add["bias"]).astype(F32)
            if bias_add.get("qlinear") is not None and out.signed == mid.signed:
                codes, bq = bias_add["qlinear"]
                return qlinear_add(q, mid, np.broadcast_to(codes, q.shape), bq, out, scalar_a=q.size == 1)
            return out.quantize(run.floats[name], float32=True)
        if lq.output is not None:
            return requant_mac(acc, lq, layer, model)
        # no QuantizeLinear after it: onnxruntime's MatMulIntegerToFloat, acc·(s_x·s_w) in float32
        run.floats[name] = acc.astype(F32) * (F32(lq.inputs[0].scale) * lq.w_scale.astype(F32))
        return None
    if layer.has_macs and layer.weights_are_activations:
        from accelsim.functional.executor import act_matmul_float

        y = act_matmul_float(ins[0], ins[1], layer).astype(F32)
    elif layer.has_macs:
        w = np.asarray(model.weights[name], F32)
        y = np.asarray(ins[0], F32) @ w
        if name in model.biases:
            y = y + np.asarray(model.biases[name], F32)
    elif layer.op == "add":
        y = (np.asarray(ins[0], F32) + np.asarray(ins[1], F32)).astype(F32)
    elif layer.op == "softmax":
        p = model.sfu[name]
        y = softmax_f32(ins[0], p["heads"], p["pre"])
    elif layer.op == "layernorm":
        p = model.sfu[name]
        y = layernorm_f32(ins[0], p["gamma"], p["beta"], p["epsilon"])
    elif layer.op == "gelu":
        y = gelu_f32(ins[0], model.sfu[name])
    else:
        raise AccelsimInputError("op", f"layer {name!r}: {layer.op} is not executed by run_attention")
    run.floats[name] = np.asarray(y, F32)
    if lq is not None and lq.output is not None:
        return lq.output.quantize(run.floats[name], float32=True)
    return None


__all__ = [
    "AttentionModel", "AttentionRun", "attention_model", "convert_attention", "gelu_f32", "layernorm_f32",
    "onnx_to_ir", "qlinear_add", "run_attention", "softmax_f32",
]  # fmt: skip
