"""Benchmark: import + ideal-integer execution of a ResNet-18-sized quantized (QDQ) ONNX graph, one image.

The graph is built here with ``onnx.helper`` (torchvision ResNet-18 topology, BN folded, random He-normal
weights with ``--seed``): a float version is run by onnxruntime once to calibrate every activation
(min/max over the one image), then a QDQ version is written with int8 per-channel weights, int32 biases
and uint8 asymmetric activations. Timed in the same run, on the same model and image:

* accelsim: ``load_onnx`` (parse, checker, shape inference, conversion) + ``run_integer`` (exact integer
  kernels, onnxruntime requantization rule);
* onnxruntime: session creation and one ``run`` (CPU provider, ``--threads`` intra-op threads).

Also printed: the fraction of output codes equal to onnxruntime's (its QDQ Add is executed as a float
QLinearAdd, accelsim's add is integer-only, so residual additions may differ by one LSB and propagate).
Target (issue 7): import + execution ≤ 5 s on 2 cores.

Run: ``.venv/bin/python benchmarks/bench_onnx.py [--size 224] [--threads 2] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from accelsim.functional.executor import run_integer
from accelsim.io.onnx import load_onnx

STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))


class ResNet18Builder:
    """Emit ResNet-18 as float ONNX (``ranges=None``) or as QDQ with the given activation ranges."""

    def __init__(self, seed: int, ranges: dict[str, tuple[float, float]] | None = None, wmax: int = 127):
        self.rng = np.random.default_rng(seed)
        self.ranges = ranges
        self.wmax = wmax  # largest |int8 weight code|: 127, or 63 for onnxruntime's reduce_range
        self.nodes: list = []
        self.inits: dict[str, np.ndarray] = {}
        self.acts: list[str] = []
        self.qparams: dict[str, tuple[float, int]] = {}
        self.n = 0

    def _name(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"

    def _act_q(self, t: str, same_as: str | None = None) -> str:
        """Register activation ``t``; in QDQ mode insert Q→DQ and return the dequantized name."""
        self.acts.append(t)
        if self.ranges is None:
            return t
        lo, hi = self.ranges[same_as or t]
        lo, hi = min(lo, 0.0), max(hi, 0.0)
        s = (hi - lo) / 255.0 or 1.0
        z = int(np.clip(np.rint(-lo / s), 0, 255))
        self.qparams[t] = (s, z)
        self.inits[t + "_s"] = np.array(s, np.float32)
        self.inits[t + "_z"] = np.array(z, np.uint8)
        self.nodes.append(helper.make_node("QuantizeLinear", [t, t + "_s", t + "_z"], [t + "_q"]))
        self.nodes.append(helper.make_node("DequantizeLinear", [t + "_q", t + "_s", t + "_z"], [t + "_dq"]))
        return t + "_dq"

    def conv(self, x: str, cin: int, cout: int, k: int, stride: int, relu: bool, x_src: str) -> str:
        name = self._name("conv")
        w = (self.rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))).astype(np.float32)
        b = (0.05 * self.rng.standard_normal(cout)).astype(np.float32)
        if self.ranges is None:
            self.inits[name + "_w"], self.inits[name + "_b"] = w, b
            ins = [x, name + "_w", name + "_b"]
        else:
            ws = (np.abs(w).reshape(cout, -1).max(axis=1) / self.wmax).astype(np.float32)
            q = np.clip(np.rint(w / ws[:, None, None, None]), -self.wmax, self.wmax)
            self.inits[name + "_wq"] = q.astype(np.int8)
            self.inits[name + "_ws"] = ws
            self.inits[name + "_wz"] = np.zeros(cout, np.int8)
            sx = np.float32(self.qparams[x_src][0])
            bs = (sx * ws).astype(np.float32)
            self.inits[name + "_bq"] = np.rint(b / bs).astype(np.int32)
            self.inits[name + "_bs"] = bs
            self.inits[name + "_bz"] = np.zeros(cout, np.int32)
            for part, (q, s, z) in {"w": ("_wq", "_ws", "_wz"), "b": ("_bq", "_bs", "_bz")}.items():
                self.nodes.append(
                    helper.make_node(
                        "DequantizeLinear", [name + q, name + s, name + z], [name + "_" + part], axis=0
                    )
                )
            ins = [x, name + "_w", name + "_b"]
        p = k // 2
        out = name + "_y"
        self.nodes.append(
            helper.make_node(
                "Conv", ins, [out], name=name, strides=[stride] * 2, pads=[p] * 4, kernel_shape=[k, k]
            )
        )
        if relu:
            self.nodes.append(helper.make_node("Relu", [out], [out + "_r"]))
            out += "_r"
        return out

    def build(self, size: int) -> bytes:
        x = self._act_q("x")
        src = "x"
        t = self.conv(x, 3, 64, 7, 2, True, src)
        src, x = t, self._act_q(t)
        self.nodes.append(
            helper.make_node("MaxPool", [x], ["pool"], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
        )
        x, cin = self._act_q("pool", same_as=src), 64  # max pool keeps its input's grid
        for cout, stride in STAGES:
            for block in range(2):
                s = stride if block == 0 else 1
                t1 = self.conv(x, cin, cout, 3, s, True, src)
                x1 = self._act_q(t1)
                t2 = self.conv(x1, cout, cout, 3, 1, False, t1)
                x2 = self._act_q(t2)
                if s != 1 or cin != cout:
                    td = self.conv(x, cin, cout, 1, s, False, src)
                    xs = self._act_q(td)
                else:
                    xs = x
                add = self._name("add")
                self.nodes.append(helper.make_node("Add", [x2, xs], [add], name=add))
                self.nodes.append(helper.make_node("Relu", [add], [add + "_r"]))
                src, x, cin = add + "_r", self._act_q(add + "_r"), cout
        self.nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
        x = self._act_q("gap", same_as=src)  # average pooling keeps its input's grid
        self.nodes.append(helper.make_node("Flatten", [x], ["flat"]))
        w = (self.rng.standard_normal((1000, 512)) * np.sqrt(1.0 / 512)).astype(np.float32)
        if self.ranges is None:
            self.inits["fc_w"] = w
            self.nodes.append(helper.make_node("Gemm", ["flat", "fc_w"], ["y"], transB=1, name="fc"))
        else:
            ws = (np.abs(w).max(axis=1) / self.wmax).astype(np.float32)
            self.inits["fc_wq"] = np.clip(np.rint(w / ws[:, None]), -self.wmax, self.wmax).astype(np.int8)
            self.inits["fc_ws"], self.inits["fc_wz"] = ws, np.zeros(1000, np.int8)
            self.nodes.append(
                helper.make_node("DequantizeLinear", ["fc_wq", "fc_ws", "fc_wz"], ["fc_w"], axis=0)
            )
            self.nodes.append(helper.make_node("Gemm", ["flat", "fc_w"], ["fc_y"], transB=1, name="fc"))
            self._act_q("fc_y")
            self.nodes[-1].output[0] = "y"  # the graph output is the dequantized logits
        g = helper.make_graph(
            self.nodes,
            "resnet18",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, size, size])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1000])],
            [numpy_helper.from_array(v, k) for k, v in self.inits.items()],
        )
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        m.ir_version = 8
        return m.SerializeToString()


def _session(data: bytes, threads: int) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


def build_qdq_resnet18(seed: int, size: int, x: np.ndarray, threads: int, wmax: int = 127) -> bytes:
    """Float graph → onnxruntime activation ranges on ``x`` → QDQ graph (int8 weights in [−wmax, wmax])."""
    fb = ResNet18Builder(seed)
    fdata = fb.build(size)
    m = onnx.load_from_string(fdata)
    for t in fb.acts:
        if t not in ("x", "y"):
            m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    sess = _session(m.SerializeToString(), threads)
    names = [o.name for o in sess.get_outputs()]
    vals = dict(zip(names, sess.run(None, {"x": x}), strict=True))
    vals["x"] = x
    ranges = {t: (float(vals[t].min()), float(vals[t].max())) for t in fb.acts if t in vals}
    ranges["fc_y"] = ranges.get("y", (float(vals["y"].min()), float(vals["y"].max())))
    return ResNet18Builder(seed, ranges, wmax).build(size)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    x = np.random.default_rng(args.seed).random((1, 3, args.size, args.size)).astype(np.float32)
    data = build_qdq_resnet18(args.seed, args.size, x, args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "resnet18_qdq.onnx")
        with open(path, "wb") as fh:
            fh.write(data)
        print(f"model: ResNet-18 QDQ, {len(data) / 1e6:.1f} MB, input 1x3x{args.size}x{args.size}")
        # warm-up (numba compilation, BLAS threads) outside the timing
        run_integer(load_onnx(path), x)
        acc_t, ort_t = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model = load_onnx(path)
            t1 = time.perf_counter()
            out = run_integer(model, x)
            t2 = time.perf_counter()
            acc_t.append((t1 - t0, t2 - t1))
            t0 = time.perf_counter()
            sess = _session(open(path, "rb").read(), args.threads)
            t1 = time.perf_counter()
            ref = sess.run(None, {"x": x})[0]
            t2 = time.perf_counter()
            ort_t.append((t1 - t0, t2 - t1))
    imp, ex = np.median([a for a, _ in acc_t]), np.median([b for _, b in acc_t])
    o_s, o_r = np.median([a for a, _ in ort_t]), np.median([b for _, b in ort_t])
    lq = model.layers[model.network.layers[-1].name].output
    mine = lq.dequantize(out.output).astype(np.float32)
    codes_ref = np.rint(ref / np.float32(lq.scale)).astype(np.int64) + lq.zero_point
    print(f"layers: {len(model.network.layers)}, MACs: {model.network.total_macs / 1e9:.3f} G")
    print(f"accelsim import {imp:.3f} s + integer execution {ex:.3f} s = {imp + ex:.3f} s (target <= 5 s)")
    print(f"onnxruntime session {o_s:.3f} s + run {o_r:.3f} s = {o_s + o_r:.3f} s")
    print(f"ratio accelsim / onnxruntime (total): {(imp + ex) / (o_s + o_r):.1f}x; run only: {ex / o_r:.1f}x")
    print(f"output codes equal to onnxruntime: {np.mean(codes_ref == out.output):.3f}; "
          f"max |diff| {np.abs(mine - ref).max() / lq.scale:.1f} LSB; "
          f"top-1 equal: {int(np.argmax(mine) == np.argmax(ref))}")  # fmt: skip


if __name__ == "__main__":
    main()
