"""Write the shipped LeNet-5-digits as a float ONNX model plus a small input file, so that the README's
ONNX command runs as written:

    .venv/bin/python tools/export_lenet5_onnx.py           # writes examples/onnx/lenet5_digits.onnx, digits.npz
    .venv/bin/python tools/export_lenet5_onnx.py --check   # fails if the committed files differ

The graph is built with ``onnx.helper`` from the trained weights in ``accelsim/data/lenet5_digits.npz``
(Conv-Relu-MaxPool ×2, Flatten, Gemm-Relu ×2, Gemm: the zoo network ``lenet5-digits``); the inputs are the
first 200 test images (pixels/16, shape N×1×8×8) with their labels, from the same file.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper, numpy_helper

OUT = Path(__file__).resolve().parent.parent / "examples" / "onnx"
N_IMAGES = 200


def build() -> tuple[bytes, bytes]:
    from accelsim.functional.metrics import shipped_model
    from accelsim.workload import load_network

    w, b, x, y, _ = shipped_model(load_network("lenet5-digits"))
    inits = {f"{k}.w": v.astype(np.float32) for k, v in w.items()} | {
        f"{k}.b": v.astype(np.float32) for k, v in b.items()
    }
    nodes = [
        helper.make_node("Conv", ["x", "conv1.w", "conv1.b"], ["c1"], pads=[1] * 4, name="conv1"),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], name="pool1"),
        helper.make_node("Conv", ["p1", "conv2.w", "conv2.b"], ["c2"], pads=[1] * 4, name="conv2"),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2], name="pool2"),
        helper.make_node("Flatten", ["p2"], ["f"]),
        helper.make_node("Gemm", ["f", "fc1.w", "fc1.b"], ["g1"], transB=1, name="fc1"),
        helper.make_node("Relu", ["g1"], ["h1"]),
        helper.make_node("Gemm", ["h1", "fc2.w", "fc2.b"], ["g2"], transB=1, name="fc2"),
        helper.make_node("Relu", ["g2"], ["h2"]),
        helper.make_node("Gemm", ["h2", "fc3.w", "fc3.b"], ["y"], transB=1, name="fc3"),
    ]
    graph = helper.make_graph(
        nodes,
        "lenet5_digits",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="accelsim")
    model.ir_version = 8
    buf = io.BytesIO()
    np.savez(buf, x=x[:N_IMAGES].astype(np.float32), y=y[:N_IMAGES].astype(np.int64))
    return model.SerializeToString(), buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    onnx_bytes, npz_bytes = build()
    files = {OUT / "lenet5_digits.onnx": onnx_bytes, OUT / "digits.npz": npz_bytes}
    if args.check:
        bad = [p.name for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        raise SystemExit(f"differ from tools/export_lenet5_onnx.py: {bad}" if bad else 0)
    OUT.mkdir(parents=True, exist_ok=True)
    for p, data in files.items():
        p.write_bytes(data)
        print(f"wrote {p} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
