"""Generate the shipped network zoo (``accelsim/workloads/*.yaml`` and ``_suites.yaml``).

Shapes are computed, never typed: every layer is built as an :class:`accelsim.workload.Layer` from its
producer's output shape, so the output size of each layer follows the standard conv arithmetic
``P = floor((H + pads − dilation·(R−1) − 1)/stride) + 1`` of the IR itself. The output is deterministic:
rerunning reproduces the files byte for byte (``--check`` verifies that without writing).

Networks (see docs/workloads.md for sources and conventions):

* classic: alexnet (Krizhevsky 2012, grouped, 227×227), vgg16, resnet18, resnet50 (torchvision v1.5),
  resnet20 (CIFAR, 1×1 projection shortcuts), mobilenetv2 (width 1.0), bert-base-encoder (one layer);
* the Bit Fusion suite (Sharma et al., ISCA 2018), converted from
  ``../shared/reference/bitfusion_benchmarks.yaml``: one file per network ``bitfusion-<name>``, batch 16,
  per-layer precisions as listed, and each layer's MACs checked against the reference ``macs`` × batch.

Usage::

    .venv/bin/python tools/gen_workloads.py            # write into accelsim/workloads
    .venv/bin/python tools/gen_workloads.py --check    # exit 1 if any shipped file differs
    .venv/bin/python tools/gen_workloads.py --out DIR  # write elsewhere
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from accelsim.workload import Layer, Network, same_padding  # noqa: E402

DEFAULT_OUT = REPO / "accelsim" / "workloads"
DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "bitfusion_benchmarks.yaml"
INPUT = "input"  # the name by which `inputs:` refers to the network input tensor

Shape = tuple[int, int, int]  # (C, H, W) per image


# ---- network builder ------------------------------------------------------------------------------


class Builder:
    """Appends layers whose input shape is the output shape of their producer(s).

    ``src`` names the producer (default: the previous layer; :data:`INPUT` = the network input). The
    emitted layer carries ``inputs`` only when it does not read the previous layer's output (or, for the
    first layer, the network input), and always for ``add`` / ``concat`` / two-activation ``matmul``.
    """

    def __init__(self, input_chw: Shape, batch: int = 1) -> None:
        self.batch = batch
        self.shapes: dict[str, Shape] = {INPUT: input_chw}
        self.layers: list[dict[str, Any]] = []
        self.order: list[str] = []

    @property
    def last(self) -> str:
        return self.order[-1] if self.order else INPUT

    def _inputs(self, srcs: list[str], always: bool) -> list[str] | None:
        for s in srcs:
            if s not in self.shapes:
                raise KeyError(f"unknown producer {s!r}")
        if always or srcs != [self.last]:
            return srcs
        return None

    def _add(self, fields: dict[str, Any], srcs: list[str], always: bool = False) -> str:
        name = fields["name"]
        if name in self.shapes:
            raise ValueError(f"duplicate layer {name!r}")
        inputs = self._inputs(srcs, always)
        if inputs is not None:
            fields["inputs"] = inputs
        if self.batch != 1:
            fields["batch"] = self.batch
        layer = Layer.model_validate(fields)  # validates and computes P, Q with the IR's own arithmetic
        self.shapes[name] = (layer.K, layer.P, layer.Q)
        self.layers.append(fields)
        self.order.append(name)
        return name

    def conv(self, name: str, k: int, kernel: int | tuple[int, int], stride: int = 1,
             padding: int | tuple[int, int, int, int] = 0, groups: int = 1, act: str = "none",
             src: str | None = None, depthwise: bool = False, precision: dict | None = None) -> str:  # fmt: skip
        src = src or self.last
        c, h, w = self.shapes[src]
        fields: dict[str, Any] = {
            "name": name, "op": "depthwise_conv2d" if depthwise else "conv2d", "in_channels": c,
            "out_channels": k, "in_h": h, "in_w": w, "kernel": kernel, "stride": stride,
            "padding": padding, "groups": c if depthwise else groups, "activation": act,
        }  # fmt: skip
        if precision:
            fields["precision"] = precision
        return self._add(fields, [src])

    def pool(self, name: str, kind: str, kernel: int | tuple[int, int], stride: int,
             padding: int | tuple[int, int, int, int] = 0, src: str | None = None,
             precision: dict | None = None) -> str:  # fmt: skip
        src = src or self.last
        c, h, w = self.shapes[src]
        fields: dict[str, Any] = {
            "name": name, "op": "pool", "pool_type": kind, "in_channels": c, "out_channels": c,
            "in_h": h, "in_w": w, "kernel": kernel, "stride": stride, "padding": padding,
        }  # fmt: skip
        if precision:
            fields["precision"] = precision
        return self._add(fields, [src])

    def global_avg_pool(self, name: str, src: str | None = None) -> str:
        _, h, w = self.shapes[src or self.last]
        return self.pool(name, "avg", (h, w) if h != w else h, 1, src=src)

    def fc(self, name: str, k: int, act: str = "none", src: str | None = None,
           precision: dict | None = None) -> str:  # fmt: skip
        """Fully connected on the flattened producer output: in_channels = C·H·W, in_h = in_w = 1."""
        src = src or self.last
        c, h, w = self.shapes[src]
        fields: dict[str, Any] = {
            "name": name, "op": "fc", "in_channels": c * h * w, "out_channels": k, "in_h": 1, "in_w": 1,
            "activation": act,
        }  # fmt: skip
        if precision:
            fields["precision"] = precision
        return self._add(fields, [src])

    def linear(self, name: str, k: int, src: str | None = None, act: str = "none") -> str:
        """Token-wise projection [M×C]·[C×K] with stored weights: ``matmul``, in_h = M rows."""
        src = src or self.last
        c, h, w = self.shapes[src]
        if w != 1:
            raise ValueError("linear expects [rows × features] tensors (in_w = 1)")
        fields = {"name": name, "op": "matmul", "in_channels": c, "out_channels": k, "in_h": h, "in_w": 1,
                  "activation": act}  # fmt: skip
        return self._add(fields, [src])

    def act_matmul(
        self, name: str, left: str, right: str, k: int, groups: int, transposed: bool = False
    ) -> str:
        """Two-activation GEMM, ``groups`` independent [M×C/g]·[C/g×K/g] products (one per head);
        ``transposed``: the right tensor is stored [K/g×C/g] per group and used transposed (Q·Kᵀ)."""
        c, h, w = self.shapes[left]
        fields = {"name": name, "op": "matmul", "in_channels": c, "out_channels": k, "in_h": h, "in_w": w,
                  "groups": groups, "weights_are_activations": True}  # fmt: skip
        if transposed:
            fields["rhs_transposed"] = True
        return self._add(fields, [left, right], always=True)

    def add(self, name: str, srcs: list[str], act: str = "none", precision: dict | None = None) -> str:
        shapes = {self.shapes[s] for s in srcs}
        if len(shapes) != 1:
            raise ValueError(f"{name}: add of different shapes {shapes}")
        c, h, w = shapes.pop()
        fields: dict[str, Any] = {"name": name, "op": "add", "in_channels": c, "out_channels": c,
                                  "in_h": h, "in_w": w, "activation": act}  # fmt: skip
        if precision:
            fields["precision"] = precision
        return self._add(fields, srcs, always=True)

    def concat(self, name: str, srcs: list[str], precision: dict | None = None) -> str:
        """Channel concat: in_channels = out_channels = Σ producer channels (same H×W)."""
        hw = {self.shapes[s][1:] for s in srcs}
        if len(hw) != 1:
            raise ValueError(f"{name}: concat of different spatial sizes {hw}")
        h, w = hw.pop()
        c = sum(self.shapes[s][0] for s in srcs)
        fields: dict[str, Any] = {"name": name, "op": "concat", "in_channels": c, "out_channels": c,
                                  "in_h": h, "in_w": w}  # fmt: skip
        if precision:
            fields["precision"] = precision
        return self._add(fields, srcs, always=True)


# ---- classic networks -----------------------------------------------------------------------------


def alexnet() -> tuple[dict, Builder]:
    b = Builder((3, 227, 227))
    b.conv("conv1", 96, 11, stride=4, act="relu")
    b.pool("pool1", "max", 3, 2)
    b.conv("conv2", 256, 5, padding=2, groups=2, act="relu")
    b.pool("pool2", "max", 3, 2)
    b.conv("conv3", 384, 3, padding=1, act="relu")
    b.conv("conv4", 384, 3, padding=1, groups=2, act="relu")
    b.conv("conv5", 256, 3, padding=1, groups=2, act="relu")
    b.pool("pool5", "max", 3, 2)
    b.fc("fc6", 4096, act="relu")
    b.fc("fc7", 4096, act="relu")
    b.fc("fc8", 1000)
    meta = {
        "name": "alexnet",
        "description": "AlexNet (original two-GPU grouping: conv2/4/5 groups 2), 227x227x3 input",
        "source": "Krizhevsky, Sutskever, Hinton, ImageNet classification with deep CNNs, NIPS 2012; "
        "the AlexNet of Eyeriss (Chen et al., ISSCC 2016 / JSSC 2017)",
        "notes": ["LRN layers are not modelled (no MACs). Dropout is an inference no-op."],
    }
    return meta, b


def vgg16() -> tuple[dict, Builder]:
    b = Builder((3, 224, 224))
    cfg = [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]]
    for s, widths in enumerate(cfg, start=1):
        for i, k in enumerate(widths, start=1):
            b.conv(f"conv{s}_{i}", k, 3, padding=1, act="relu")
        b.pool(f"pool{s}", "max", 2, 2)
    b.fc("fc6", 4096, act="relu")
    b.fc("fc7", 4096, act="relu")
    b.fc("fc8", 1000)
    meta = {
        "name": "vgg16",
        "description": "VGG-16 (configuration D), 224x224x3 input",
        "source": "Simonyan, Zisserman, Very deep convolutional networks, ICLR 2015 (configuration D)",
    }
    return meta, b


def _resnet_stem(b: Builder) -> None:
    b.conv("conv1", 64, 7, stride=2, padding=3, act="relu")
    b.pool("maxpool", "max", 3, 2, padding=1)


def _basic_block(b: Builder, prefix: str, k: int, stride: int, project: bool) -> None:
    """conv3x3(stride)-relu, conv3x3, [1x1(stride) projection of the block input], add, relu."""
    x = b.last
    b.conv(f"{prefix}.conv1", k, 3, stride=stride, padding=1, act="relu")
    y = b.conv(f"{prefix}.conv2", k, 3, padding=1)
    shortcut = b.conv(f"{prefix}.downsample", k, 1, stride=stride, src=x) if project else x
    b.add(f"{prefix}.add", [y, shortcut], act="relu")


def _bottleneck(b: Builder, prefix: str, width: int, stride: int, project: bool) -> None:
    """torchvision v1.5 bottleneck: 1x1-relu, 3x3(stride)-relu, 1x1 (4·width), add, relu."""
    x = b.last
    b.conv(f"{prefix}.conv1", width, 1, act="relu")
    b.conv(f"{prefix}.conv2", width, 3, stride=stride, padding=1, act="relu")
    y = b.conv(f"{prefix}.conv3", 4 * width, 1)
    shortcut = b.conv(f"{prefix}.downsample", 4 * width, 1, stride=stride, src=x) if project else x
    b.add(f"{prefix}.add", [y, shortcut], act="relu")


def resnet18() -> tuple[dict, Builder]:
    b = Builder((3, 224, 224))
    _resnet_stem(b)
    for s, k in enumerate([64, 128, 256, 512], start=1):
        for i in range(2):
            stride = 2 if (s > 1 and i == 0) else 1
            _basic_block(b, f"layer{s}.{i}", k, stride, project=stride != 1)
    b.global_avg_pool("avgpool")
    b.fc("fc", 1000)
    meta = {
        "name": "resnet18",
        "description": "ResNet-18 (torchvision), 224x224x3 input",
        "source": "He et al., Deep residual learning for image recognition, CVPR 2016; torchvision resnet18",
    }
    return meta, b


def resnet50() -> tuple[dict, Builder]:
    b = Builder((3, 224, 224))
    _resnet_stem(b)
    for s, (width, blocks) in enumerate([(64, 3), (128, 4), (256, 6), (512, 3)], start=1):
        for i in range(blocks):
            stride = 2 if (s > 1 and i == 0) else 1
            _bottleneck(b, f"layer{s}.{i}", width, stride, project=i == 0)
    b.global_avg_pool("avgpool")
    b.fc("fc", 1000)
    meta = {
        "name": "resnet50",
        "description": "ResNet-50 v1.5 (torchvision: stride on the 3x3 conv), 224x224x3 input",
        "source": "He et al., CVPR 2016; torchvision resnet50 (v1.5 bottleneck, stride on conv2)",
    }
    return meta, b


def resnet20() -> tuple[dict, Builder]:
    b = Builder((3, 32, 32))
    b.conv("conv1", 16, 3, padding=1, act="relu")
    for s, k in enumerate([16, 32, 64], start=1):
        for i in range(3):
            stride = 2 if (s > 1 and i == 0) else 1
            _basic_block(b, f"layer{s}.{i}", k, stride, project=stride != 1)
    b.global_avg_pool("avgpool")
    b.fc("fc", 10)
    meta = {
        "name": "resnet20",
        "description": "ResNet-20 for CIFAR-10 (3 stages x 3 basic blocks, 16/32/64), 32x32x3 input",
        "source": "He et al., CVPR 2016, section 4.2 (CIFAR-10, n = 3)",
        "notes": [
            "Down-sampling shortcuts are 1x1 stride-2 projection convs (option B): the IR has no zero-channel "
            "padding op for option A. They add 262,144 MACs (0.65 %) to the option-A count."
        ],
    }
    return meta, b


def mobilenetv2() -> tuple[dict, Builder]:
    b = Builder((3, 224, 224))
    b.conv("conv_stem", 32, 3, stride=2, padding=1, act="relu6")
    settings = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]  # fmt: skip  (expansion t, channels c, repeats n, first stride s)
    idx = 0
    for t, c, n, s in settings:
        for i in range(n):
            idx += 1
            stride = s if i == 0 else 1
            x = b.last
            cin = b.shapes[x][0]
            p = f"block{idx}"
            if t != 1:
                b.conv(f"{p}.expand", cin * t, 1, act="relu6")
            b.conv(f"{p}.dw", cin * t, 3, stride=stride, padding=1, depthwise=True, act="relu6")
            y = b.conv(f"{p}.project", c, 1)
            if stride == 1 and cin == c:
                b.add(f"{p}.add", [y, x])
    b.conv("conv_last", 1280, 1, act="relu6")
    b.global_avg_pool("avgpool")
    b.fc("fc", 1000)
    meta = {
        "name": "mobilenetv2",
        "description": "MobileNet-V2, width 1.0, 224x224x3 input",
        "source": "Sandler et al., MobileNetV2: inverted residuals and linear bottlenecks, CVPR 2018; "
        "torchvision mobilenet_v2",
    }
    return meta, b


def bert_base_encoder() -> tuple[dict, Builder]:
    seq, hidden, heads, ffn = 128, 768, 12, 3072
    d = hidden // heads
    b = Builder((hidden, seq, 1))  # tokens as rows: C = hidden features, H = sequence length
    b.linear("attn.q", hidden, src=INPUT)
    b.linear("attn.k", hidden, src=INPUT)
    b.linear("attn.v", hidden, src=INPUT)
    # per head h: S_h = Q_h·K_hᵀ, [seq×d]·[d×seq]; groups = heads, C = heads·d, K = heads·seq
    b.act_matmul("attn.scores", "attn.q", "attn.k", heads * seq, groups=heads, transposed=True)
    # per head h: O_h = softmax(S_h)·V_h, [seq×seq]·[seq×d]; C = heads·seq, K = heads·d
    b.act_matmul("attn.context", "attn.scores", "attn.v", heads * d, groups=heads)
    b.linear("attn.out", hidden)
    b.add("attn.residual", ["attn.out", INPUT])
    b.linear("ffn.fc1", ffn)
    b.linear("ffn.fc2", hidden)
    b.add("ffn.residual", ["ffn.fc2", "attn.residual"])
    meta = {
        "name": "bert-base-encoder",
        "description": "One BERT-base encoder layer: seq 128, hidden 768, 12 heads, FFN 3072",
        "source": "Devlin et al., BERT, NAACL 2019 (BERT-base: L=12, H=768, A=12); one of the 12 layers",
        "notes": [
            "Tensors are [rows x features]: in_h = sequence length (128), in_channels = features, in_w = 1.",
            "Q/K/V/out projections and the FFN are matmul layers with stored weights (weights_are_activations "
            "false). attn.scores and attn.context are two-activation matmuls with groups = 12 heads: each "
            "group is one head's [128x64]x[64x128] (scores) or [128x128]x[128x64] (context) GEMM, so MACs "
            "= K*P*(C/groups) = 12*128*128*64 each, exactly.",
            "The right operand of attn.scores is attn.k, stored [seq x hidden] and used transposed "
            "(rhs_transposed: true), of attn.context attn.v (not transposed). Softmax, "
            "the 1/sqrt(d) scale, LayerNorm, GELU and biases are not modelled (no MACs); so the FFN's GELU "
            "is not an activation here.",
        ],
    }
    return meta, b


CLASSIC: dict[str, Callable[[], tuple[dict, Builder]]] = {
    "alexnet": alexnet,
    "vgg16": vgg16,
    "resnet18": resnet18,
    "resnet50": resnet50,
    "resnet20": resnet20,
    "mobilenetv2": mobilenetv2,
    "bert-base-encoder": bert_base_encoder,
}


# ---- Bit Fusion suite -----------------------------------------------------------------------------


def _pads(hw: tuple[int, int], kernel: int, stride: int, mode: str) -> tuple[int, int, int, int]:
    if mode == "VALID":
        return (0, 0, 0, 0)
    if mode != "SAME":
        raise ValueError(f"unknown padding mode {mode!r}")
    top, bottom = same_padding(hw[0], kernel, stride)
    left, right = same_padding(hw[1], kernel, stride)
    return (top, bottom, left, right)


def _prec(w: int | None, a: int, out: int | None) -> dict[str, int]:
    """Reference bits -> Precision fields. out_bits null (raw accumulator, last layer) -> 32."""
    return {"w_bits": w if w is not None else a, "a_bits": a, "out_bits": out if out is not None else 32}


def bitfusion_net(key: str, spec: dict, reference_name: str) -> tuple[dict, Builder]:
    batch = int(spec["batch"])
    inp = spec["input"]
    if "hwc" in inp:
        h, w, c = inp["hwc"]
        b = Builder((c, h, w), batch=batch)
    else:
        b = Builder((int(inp["features"]), 1, 1), batch=batch)
    alias: dict[str, str] = {"input": INPUT}  # reference producer name -> our layer name (flatten dropped)

    def src_of(x: str) -> str:
        return alias[x]

    for ly in spec["layers"]:
        op = ly["op"]
        name = ly["name"]
        if op == "conv":
            src = src_of(ly["input"])
            h, w, c = ly["in_hwc"]
            if b.shapes[src] != (c, h, w):
                raise ValueError(f"{key}/{name}: producer shape {b.shapes[src]} != in_hwc {ly['in_hwc']}")
            k = ly["kernel"]
            b.conv(name, ly["K"], k, stride=ly["stride"], padding=_pads((h, w), k, ly["stride"], ly["pad"]),
                   src=src, precision=_prec(ly["w_bits"], ly["a_bits"], ly["out_bits"]))  # fmt: skip
            oh, ow, oc = ly["out_hwc"]
            if b.shapes[name] != (oc, oh, ow):
                raise ValueError(f"{key}/{name}: computed {b.shapes[name]} != out_hwc {ly['out_hwc']}")
        elif op == "pool":
            src = src_of(ly["input"])
            h, w, _ = ly["in_hwc"]
            k = ly["kernel"]
            b.pool(name, ly["type"], k, ly["stride"], padding=_pads((h, w), k, ly["stride"], ly["pad"]),
                   src=src, precision=_prec(None, ly["a_bits"], ly["a_bits"]))  # fmt: skip
            oh, ow, oc = ly["out_hwc"]
            if b.shapes[name] != (oc, oh, ow):
                raise ValueError(f"{key}/{name}: computed {b.shapes[name]} != out_hwc {ly['out_hwc']}")
        elif op in ("concat", "add"):
            srcs = [src_of(x) for x in ly["input"]]
            bits = ly["out_bits"]
            fn = b.concat if op == "concat" else b.add
            fn(name, srcs, precision=_prec(None, bits, bits))
            oh, ow, oc = ly["out_hwc"]
            if b.shapes[name] != (oc, oh, ow):
                raise ValueError(f"{key}/{name}: computed {b.shapes[name]} != out_hwc {ly['out_hwc']}")
        elif op == "flatten":
            src = src_of(ly["input"])
            c, h, w = b.shapes[src]
            if c * h * w != ly["out_features"]:
                raise ValueError(f"{key}/{name}: flatten of {b.shapes[src]} != {ly['out_features']}")
            alias[name] = src  # fc layers flatten their input themselves (in_channels = C·H·W)
            continue
        elif op in ("fc", "rnn-gemm"):
            src = src_of(ly["input"])
            c, h, w = b.shapes[src]
            if c * h * w != ly["in_features"]:
                raise ValueError(f"{key}/{name}: fc input {b.shapes[src]} != {ly['in_features']} features")
            b.fc(name, ly["K"], src=src, precision=_prec(ly["w_bits"], ly["a_bits"], ly["out_bits"]))
        else:
            raise ValueError(f"{key}/{name}: unknown op {op!r}")
        alias[name] = name
        if "macs" in ly:
            got = Layer.model_validate(b.layers[-1]).macs
            if got != ly["macs"] * batch:
                raise ValueError(f"{key}/{name}: {got} MACs != reference {ly['macs']} x batch {batch}")

    total = sum(Layer.model_validate(f).macs_per_image for f in b.layers)
    if total != spec["macs_per_image"]:
        raise ValueError(f"{key}: {total} MACs/image != reference {spec['macs_per_image']}")
    meta = {
        "name": bitfusion_name(key),
        "description": f"Bit Fusion benchmark {key} ({spec['graph_name']}, {spec['dataset']}), batch {batch}",
        "source": f"Sharma et al., Bit Fusion, ISCA 2018; github.com/hsharma35/bitfusion@04ec1c8 "
        f"bitfusion/src/benchmarks/benchmarks.py {spec['function']}, via shared/reference/{reference_name}",
        "notes": list(spec.get("notes", [])),
    }
    return meta, b


def bitfusion_name(key: str) -> str:
    return "bitfusion-" + key.lower()


# ---- emission -------------------------------------------------------------------------------------

FIELD_ORDER = ["name", "op", "pool_type", "batch", "in_channels", "out_channels", "in_h", "in_w", "kernel",
               "stride", "padding", "groups", "activation", "weights_are_activations", "rhs_transposed",
               "inputs", "precision"]  # fmt: skip


_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_./-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _scalar(v: Any) -> str:
    """Flow-style YAML for ints, bools, identifiers (bare), other strings (JSON-quoted), lists, dicts."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v if _BARE.fullmatch(v) and v.lower() not in _YAML_WORDS else json.dumps(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_scalar(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_scalar(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot emit {v!r}")


def _compact(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop defaults (stride 1, padding 0, groups 1, activation none); keep the full input shape."""
    out: dict[str, Any] = {}
    op = fields["op"]
    for key in FIELD_ORDER:
        if key not in fields:
            continue
        v = fields[key]
        if key == "kernel":
            if isinstance(v, tuple | list):
                v = v[0] if v[0] == v[1] else list(v)
        elif key == "stride":
            if v == 1:
                continue
        elif key == "padding":
            if isinstance(v, tuple | list):
                v = v[0] if len(set(v)) == 1 else list(v)
            if v == 0:
                continue
        elif key == "groups":
            if v == 1 or op == "depthwise_conv2d":
                continue
        elif key == "activation":
            if v == "none":
                continue
        out[key] = v
    return out


def render(meta: dict, b: Builder, precision: dict | None = None) -> str:
    net = Network.model_validate(
        {
            "name": meta["name"],
            "description": meta["description"],
            "source": meta["source"],
            "input": dict(zip(("channels", "height", "width"), b.shapes[INPUT], strict=True)),
            "precision": precision or {"w_bits": 8, "a_bits": 8},
            "layers": b.layers,
        }
    )
    per_image = sum(layer.macs_per_image for layer in net.layers)
    lines = [
        "# GENERATED by tools/gen_workloads.py -- do not edit; rerun the script instead.",
        f"# {meta['description']}",
        f"# MACs per image: {per_image:,}; parameters: {net.total_params:,}; layers: {len(net.layers)}"
        + (f"; batch {b.batch}" if b.batch != 1 else ""),
        "# Conventions (docs/workloads.md): inputs = producer layers when not the previous layer, 'input' = the",
        "# network input; fc reads its producer flattened (in_channels = C*H*W); BN is folded (not listed).",
    ]
    for note in meta.get("notes", []):
        words = note.split()
        line = "# -"
        for word in words:
            if len(line) + 1 + len(word) > 110:
                lines.append(line)
                line = "#  "
            line += " " + word
        lines.append(line)
    c, h, w = b.shapes[INPUT]
    lines += [
        f"name: {_scalar(meta['name'])}",
        f"description: {json.dumps(meta['description'])}",
        f"source: {json.dumps(meta['source'])}",
        f"input: {{channels: {c}, height: {h}, width: {w}}}",
        f"precision: {_scalar(precision or {'w_bits': 8, 'a_bits': 8})}",
        "layers:",
    ]
    lines += [f"  - {_scalar(_compact(f))}" for f in b.layers]
    return "\n".join(lines) + "\n"


def generate(reference: Path) -> dict[str, str]:
    """File name -> text of every generated file."""
    files: dict[str, str] = {}
    for name, fn in CLASSIC.items():
        meta, b = fn()
        assert meta["name"] == name
        files[f"{name}.yaml"] = render(meta, b)
    ref = yaml.safe_load(reference.read_text())
    for key, spec in ref["networks"].items():
        meta, b = bitfusion_net(key, spec, reference.name)
        files[f"{meta['name']}.yaml"] = render(meta, b)
    bench = [bitfusion_name(k) for k in ref["benchlist"]]
    for n in bench:
        if f"{n}.yaml" not in files:
            raise ValueError(f"benchlist network {n} not generated")
    wrpn = [bitfusion_name(k + "-WRPN") if f"{bitfusion_name(k + '-WRPN')}.yaml" in files else n
            for k, n in zip(ref["benchlist"], bench, strict=True)]  # fmt: skip
    files["_suites.yaml"] = (
        "# GENERATED by tools/gen_workloads.py -- do not edit.\n"
        "# bitfusion: the 8 Bit Fusion benchmarks in the authors' benchlist order (benchmarks.py).\n"
        "# bitfusion-wrpn: the same list with the WRPN graphs the authors' Bit Fusion sweep simulated\n"
        "#   (sweep.py calls get_bench_nn(..., WRPN=True)) in place of AlexNet and RESNET-18.\n"
        f"bitfusion: {_scalar(bench)}\n"
        f"bitfusion-wrpn: {_scalar(wrpn)}\n"
    )
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: the package's)")
    ap.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE, help="bitfusion_benchmarks.yaml")
    ap.add_argument("--check", action="store_true", help="compare with --out instead of writing")
    args = ap.parse_args(argv)
    files = generate(args.reference)
    if args.check:
        bad = [
            n
            for n, text in files.items()
            if not (args.out / n).exists() or (args.out / n).read_text() != text
        ]
        for n in bad:
            print(f"differs: {args.out / n}")
        return 1 if bad else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for n, text in sorted(files.items()):
        (args.out / n).write_text(text)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
