"""Running onnxruntime as an *exact* integer reference on every x86-64 CPU.

onnxruntime's CPU provider runs uint8-activation × int8-weight products (QLinearConv, QLinearMatMul,
ConvInteger, MatMulInteger and the QDQ patterns it fuses into them) through MLAS's u8×s8 kernels. On
x86-64 CPUs with AVX2 but without VNNI (AVX512-VNNI or AVX-VNNI) those kernels multiply with
``vpmaddubsw``, which adds *pairs* of adjacent products in saturating int16: ``255·127 + 255·127 =
64,770`` is clamped to 32,767 before the int32 accumulation. The result then depends on the CPU, and on
an AVX2-only machine it is not the integer convolution the graph describes (measured here under QEMU's
Haswell model: a 64-term MatMulInteger of 255 × 127 gives 1,048,544 instead of 2,072,640, with
graph optimizations enabled or disabled alike). onnxruntime's documentation recommends ``reduce_range``
(7-bit weights) on such CPUs for that reason.

accelsim computes the exact sum ``Σ (x − z_x)(w − z_w)`` in int64 on every CPU, so where the two differ
accelsim is the correct one. To compare with onnxruntime without depending on the CPU,
:func:`exact_integer_model` rewrites a model so that onnxruntime computes the *same* real numbers through
kernels that cannot saturate: every int8 weight initializer consumed by an integer MAC next to uint8
activations is re-encoded as ``uint8 = int8 + 128`` with its zero point also moved by +128. Then
``w − z_w`` is unchanged element for element, so the accumulator, the requantization and every output code
of the graph are unchanged, but onnxruntime runs its u8×u8 kernels, which widen both operands to int16
and multiply-add into int32 (``vpmaddwd``; |255·255·2| < 2^31) on every x86-64 CPU.

Weights already in [−63, 63] (onnxruntime's ``reduce_range``) never saturate either
(``2·255·63 = 32,130 ≤ 32,767``): :func:`saturation_free` says whether a model is in that form, so that a
comparison with onnxruntime's default fused u8×s8 kernels is valid on every CPU.
"""

from __future__ import annotations

import numpy as np

from accelsim.errors import AccelsimInputError

REDUCED_RANGE_MAX = 63
"""Largest |int8 weight| for which no pair of u8×s8 products can exceed int16: 2·255·63 = 32,130."""

# (op type, index of the weight input, index of its zero point, index of the activation zero point);
# None: the operand has no zero-point input in that position.
_INTEGER_MACS = {
    "QLinearConv": (3, 5, 2),
    "QLinearMatMul": (3, 5, 2),
    "ConvInteger": (1, 3, 2),
    "MatMulInteger": (1, 3, 2),
}
# float consumers of a DequantizeLinear'ed weight that onnxruntime fuses into an integer MAC (QDQ)
_QDQ_CONSUMERS = ("Conv", "MatMul", "Gemm")  # weight = input 1


def _onnx():
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError as e:  # pragma: no cover - the extra is installed by make test
        raise AccelsimInputError("onnx", "the onnx package is needed: pip install 'accelsim[onnx]'") from e
    return onnx, numpy_helper


def _weight_sites(model) -> list[tuple[str, object, int]]:
    """(weight initializer, the node holding its zero point, that input's index) of every int8 weight
    that an integer MAC multiplies with uint8 activations, directly or through a QDQ pattern."""
    inits = {t.name: t for t in model.graph.initializer}
    producers = {o: n for n in model.graph.node for o in n.output}
    int8 = 3  # onnx.TensorProto.INT8
    uint8 = 2  # onnx.TensorProto.UINT8

    def behind_transposes(name: str):
        """The producer of ``name``, looking through Transpose nodes of activations (a Transpose of an
        initializer is returned itself)."""
        node = producers.get(name)
        while node is not None and node.op_type == "Transpose" and node.input[0] in producers:
            node = producers[node.input[0]]
        return node

    def dtype(name: str) -> int | None:
        return inits[name].data_type if name in inits else None

    def act_is_uint8(zp_name: str | None, act_name: str) -> bool:
        if zp_name:
            return dtype(zp_name) == uint8
        for vi in model.graph.input:
            if vi.name == act_name:
                return vi.type.tensor_type.elem_type == uint8
        return False

    sites: list[tuple[str, object, int]] = []
    for node in model.graph.node:
        ins = list(node.input)
        if node.op_type in _INTEGER_MACS:
            wi, wzi, xzi = _INTEGER_MACS[node.op_type]
            w = ins[wi] if len(ins) > wi else ""
            xz = ins[xzi] if len(ins) > xzi and ins[xzi] else None
            if dtype(w) == int8 and act_is_uint8(xz, ins[0]):
                sites.append((w, node, wzi))
        elif node.op_type in _QDQ_CONSUMERS and len(ins) > 1:
            wdq, xdq = behind_transposes(ins[1]), behind_transposes(ins[0])
            if wdq is None or xdq is None:
                continue
            if wdq.op_type != "DequantizeLinear" or xdq.op_type != "DequantizeLinear":
                continue
            w = wdq.input[0]
            wt = behind_transposes(w)
            if w not in inits and wt is not None and wt.op_type == "Transpose":
                w = wt.input[0]  # Transpose(initializer) -> DequantizeLinear: re-encode the initializer
            xz = xdq.input[2] if len(xdq.input) > 2 and xdq.input[2] else None
            if dtype(w) == int8 and xz is not None and dtype(xz) == uint8:
                sites.append((w, wdq, 2))
    return sites


def saturation_free(data: bytes) -> bool:
    """True when every int8 weight that meets uint8 activations lies in [−63, 63] (``reduce_range``):
    onnxruntime's fused u8×s8 kernels are then exact on every x86-64 CPU."""
    onnx, numpy_helper = _onnx()
    model = onnx.load_from_string(data)
    inits = {t.name: t for t in model.graph.initializer}
    for w, _, _ in _weight_sites(model):
        codes = numpy_helper.to_array(inits[w]).astype(np.int64)
        if codes.size and int(np.abs(codes).max()) > REDUCED_RANGE_MAX:
            return False
    return True


def exact_integer_model(data: bytes) -> bytes:
    """The same model with every int8 weight that meets uint8 activations stored as uint8 (codes + 128,
    zero point + 128, a missing zero point becoming 128): identical real weights, identical integer
    accumulators and output codes, but computed by onnxruntime's u8×u8 kernels, which are exact on every
    x86-64 CPU. Zero-point initializers shared with other tensors are copied, never changed in place."""
    onnx, numpy_helper = _onnx()
    model = onnx.load_from_string(data)
    sites = _weight_sites(model)
    if not sites:
        return data
    inits = {t.name: t for t in model.graph.initializer}
    users: dict[str, int] = {}
    for node in model.graph.node:
        for i in node.input:
            users[i] = users.get(i, 0) + 1
    for w, holder, wzi in sites:
        if users.get(w, 0) > 1:
            raise AccelsimInputError(
                "onnx", f"weight initializer {w!r} feeds {users[w]} nodes: give each consumer its own copy"
            )
        codes = numpy_helper.to_array(inits[w]).astype(np.int16)
        inits[w].CopyFrom(numpy_helper.from_array((codes + 128).astype(np.uint8), w))
        wz = holder.input[wzi] if len(holder.input) > wzi and holder.input[wzi] else None
        zp = numpy_helper.to_array(inits[wz]).astype(np.int16) if wz else np.array(0, np.int16)
        new_zp = f"{w}__zero_point_u8"
        model.graph.initializer.append(numpy_helper.from_array((zp + 128).astype(np.uint8), new_zp))
        while len(holder.input) <= wzi:
            holder.input.append("")
        holder.input[wzi] = new_zp
    return model.SerializeToString()


__all__ = ["REDUCED_RANGE_MAX", "exact_integer_model", "saturation_free"]
