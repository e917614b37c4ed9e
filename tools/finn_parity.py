"""Run FINN's own estimator functions on a grid of cases and record their values (tests/data/finn/
estimates.json), so that tests/test_finn_estimates.py can check accelsim.fpga.finn_estimates against FINN
without installing FINN.

FINN is github.com/Xilinx/finn at FINN_COMMIT, read from a git directory (FINN_GIT, default
/work/.mirror/Xilinx+finn/repo: the `fetch` mirror). The named methods are taken verbatim from the source
(by ``ast``), compiled into a stub class whose ``get_nodeattr`` and data-type getters serve the case's
attributes (FINN's DataType only enters through ``bitwidth()`` and ``signed()``), and called.

    .venv/bin/python tools/finn_parity.py [--check]
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

FINN_COMMIT = "39f0c9a6b7675f62d47390fbf9a591707bcbac9b"
FINN_GIT = os.environ.get("FINN_GIT", "/work/.mirror/Xilinx+finn/repo")
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "finn" / "estimates.json"
BASE = "src/finn/custom_op/fpgadataflow/"


def source(path: str) -> str:
    return subprocess.run(["git", f"--git-dir={FINN_GIT}", "show", f"{FINN_COMMIT}:{BASE}{path}"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


def methods(path: str, names: set[str]) -> dict[str, str]:
    tree = ast.parse(source(path))
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            out[node.name] = ast.unparse(node)
    missing = names - set(out)
    if missing:
        raise SystemExit(f"{path}: methods not found: {missing}")
    return out


class DT:
    def __init__(self, bits: int, signed: bool = False):
        self._bits, self._signed = bits, signed

    def bitwidth(self) -> int:
        return self._bits

    def signed(self) -> bool:
        return self._signed


class Node:
    name = "stub"


def util_functions(names: set[str]) -> dict:
    """Module-level functions of FINN's ``src/finn/util/basic.py`` at FINN_COMMIT, compiled."""
    text = subprocess.run(["git", f"--git-dir={FINN_GIT}", "show", f"{FINN_COMMIT}:src/finn/util/basic.py"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    ns: dict = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            exec(ast.unparse(node), ns)  # noqa: S102
    if names - set(ns):
        raise SystemExit(f"util/basic.py: functions not found: {names - set(ns)}")
    return {k: ns[k] for k in names}


def stub_class(sources: dict[str, str], extra: dict | None = None):
    ns = {"math": math, "np": np, "warnings": warnings, "ceil": math.ceil, "log2": math.log2, **(extra or {})}
    body = "\n".join(sources.values())
    exec("class Stub:\n" + "\n".join("    " + line for line in body.splitlines()), ns)  # noqa: S102
    cls = ns["Stub"]

    def init(self, attrs, dtypes):
        self.attrs, self.dtypes, self.onnx_node = attrs, dtypes, Node()

    cls.__init__ = init
    cls.get_nodeattr = lambda self, n: self.attrs[n]
    cls.get_weight_datatype = lambda self: self.dtypes["w"]
    cls.get_input_datatype = lambda self, ind=0: self.dtypes["a"]
    cls.get_output_datatype = lambda self, ind=0: self.dtypes["o"]
    cls.get_accumulator_datatype = lambda self: self.dtypes["acc"]
    cls.get_swu_variant = lambda self: "ConvolutionInputGenerator"
    cls.is_1d = lambda self: False
    cls.get_1d_attrs_normalized = lambda self: (
        self.attrs["ImgDim"],
        self.attrs["PoolDim"],
        self.attrs["NumChannels"],
    )
    return cls


def mvau_cases():
    cls = stub_class({**methods("matrixvectoractivation.py", {"calc_wmem", "calc_tmem", "uram_estimation",
                                                               "bram_estimation", "get_exp_cycles"}),
                      **methods("hls/matrixvectoractivation_hls.py", {"lut_estimation", "dsp_estimation"})})  # fmt: skip
    shapes = [(27, 64, 16, 3), (576, 64, 32, 32), (576, 128, 16, 32), (1152, 256, 4, 32), (2304, 256, 1, 32),
              (256, 512, 1, 4), (512, 10, 5, 1), (784, 1024, 32, 49), (1024, 1024, 64, 32), (64, 64, 1, 1),
              (16, 16, 16, 16), (4096, 4096, 8, 8)]  # fmt: skip
    out = []
    for (mw, mh, pe, simd), (w, a), mode, style, res, noact, tstyle in itertools.product(
        shapes, [(1, 1), (4, 8)], ["internal_decoupled", "internal_embedded", "external"],
        ["auto", "block", "distributed", "ultra"], ["auto", "dsp"], [0, 1], ["auto", "distributed"],
    ):  # fmt: skip
        if (mode != "internal_decoupled" and style in ("ultra", "block")) or (noact and tstyle != "auto"):
            continue
        vecs = [1, 4, 4] if mw % 9 == 0 else [1]
        attrs = {"MW": mw, "MH": mh, "PE": pe, "SIMD": simd, "mem_mode": mode, "ram_style": style,
                 "resType": res, "noActivation": noact, "ram_style_thresholds": tstyle, "numInputVectors": vecs}  # fmt: skip
        dts = {"w": DT(w, True), "a": DT(a, a > 1), "o": DT(2), "acc": DT(32, True)}
        node = cls(attrs, dts)
        out.append({"op": "mvau", "params": {"mw": mw, "mh": mh, "pe": pe, "simd": simd, "w_bits": w, "a_bits": a,
                    "a_signed": a > 1, "out_bits": 2, "acc_bits": 32, "num_input_vectors": vecs,
                    "no_activation": bool(noact), "mem_mode": mode, "ram_style": style,
                    "ram_style_thresholds": tstyle, "res_type": res},
                    "finn": {"cycles": int(node.get_exp_cycles()), "bram18": int(node.bram_estimation()),
                             "uram": int(node.uram_estimation()), "lut": int(node.lut_estimation()),
                             "dsp": int(node.dsp_estimation("xc7z020"))}})  # fmt: skip
    return out


def mvau_rtl_cases():
    """FINN's RTL MVU: its DSP packing (per DSP block of the part) and its LUT estimate."""
    util = util_functions({"is_versal", "get_dsp_block"})
    cls = stub_class(methods("rtl/matrixvectoractivation_rtl.py", {"lut_estimation", "dsp_estimation"}), util)
    out = []
    for (mw, mh, pe, simd), part in itertools.product(
        [(27, 64, 16, 3), (576, 64, 32, 32), (1152, 256, 4, 32), (512, 10, 5, 1), (64, 64, 1, 1), (4096, 4096, 8, 8),
         (147, 64, 2, 49), (256, 252, 6, 16)],
        ["xc7z020clg400-1", "xczu9eg-ffvb1156-2-e", "xcvc1902-vsva2197-2MP-e-S"],
    ):  # fmt: skip
        node = cls({"MW": mw, "MH": mh, "PE": pe, "SIMD": simd}, {})
        block = util["get_dsp_block"](part)
        out.append({"op": "mvau_rtl", "params": {"mw": mw, "mh": mh, "pe": pe, "simd": simd, "w_bits": 4, "a_bits": 4,
                    "no_activation": True, "res_type": "dsp", "impl": "rtl", "dsp_block": block},
                    "finn": {"lut": int(node.lut_estimation()), "dsp": int(node.dsp_estimation(part))}})  # fmt: skip
    return out


def vvau_cases():
    cls = stub_class({**methods("vectorvectoractivation.py", {"calc_wmem", "calc_tmem", "uram_estimation",
                                                               "bram_estimation", "get_exp_cycles"}),
                      **methods("hls/vectorvectoractivation_hls.py", {"lut_estimation", "dsp_estimation"})})  # fmt: skip
    out = []
    for (ch, k, dim, pe, simd), (w, a), mode, style, res, noact in itertools.product(
        [(32, 3, 112, 32, 9), (64, 3, 56, 16, 3), (128, 3, 28, 8, 1), (512, 3, 14, 64, 9), (1024, 5, 7, 1, 1),
         (256, 3, 7, 256, 9)],
        [(4, 4), (8, 8)], ["internal_decoupled", "internal_embedded", "external"], ["auto", "block", "distributed", "ultra"],
        ["auto", "dsp"], [0, 1],
    ):  # fmt: skip
        attrs = {"Channels": ch, "Kernel": [k, k], "Dim": [dim, dim], "PE": pe, "SIMD": simd, "mem_mode": mode,
                 "ram_style": style, "resType": res, "noActivation": noact}  # fmt: skip
        node = cls(attrs, {"w": DT(w, True), "a": DT(a, False), "o": DT(4), "acc": DT(32, True)})
        out.append({"op": "vvau", "params": {"channels": ch, "kernel": [k, k], "dim": [dim, dim], "pe": pe,
                    "simd": simd, "w_bits": w, "a_bits": a, "a_signed": False, "out_bits": 4, "acc_bits": 32,
                    "no_activation": bool(noact), "mem_mode": mode, "ram_style": style, "res_type": res},
                    "finn": {"cycles": int(node.get_exp_cycles()), "bram18": int(node.bram_estimation()),
                             "uram": int(node.uram_estimation()), "lut": int(node.lut_estimation()),
                             "dsp": int(node.dsp_estimation("xc7z020"))}})  # fmt: skip
    return out


def swg_cases():
    cls = stub_class(methods("hls/convolutioninputgenerator_hls.py", {"get_exp_cycles", "bram_estimation"}))
    out = []
    for (c, ifm, k, s, simd), a, style in itertools.product(
        [(3, 32, 3, 1, 3), (64, 30, 3, 1, 32), (128, 12, 3, 1, 32), (256, 5, 3, 1, 32), (32, 224, 3, 2, 1),
         (512, 14, 1, 1, 64), (16, 1024, 3, 1, 1), (64, 300, 5, 2, 4)],
        [1, 2, 8], ["auto", "block", "distributed"],
    ):  # fmt: skip
        ofm = (ifm - k) // s + 1
        attrs = {"SIMD": simd, "is1D": False, "IFMChannels": c, "ConvKernelDim": [k, k], "IFMDim": [ifm, ifm],
                 "OFMDim": [ofm, ofm], "Stride": [s, s], "Dilation": [1, 1], "ram_style": style}  # fmt: skip
        node = cls(attrs, {"a": DT(a)})
        out.append({"op": "swg", "params": {"channels": c, "ifm_dim": [ifm, ifm], "ofm_dim": [ofm, ofm],
                    "kernel": [k, k], "stride": [s, s], "simd": simd, "a_bits": a, "ram_style": style},
                    "finn": {"cycles": int(node.get_exp_cycles()), "bram18": int(node.bram_estimation())}})  # fmt: skip
    return out


def swg_rtl_cases():
    cls = stub_class({
        **methods("rtl/convolutioninputgenerator_rtl.py", {"get_number_input_values", "get_buffer_depth",
                   "get_exp_cycles", "bram_estimation", "lut_estimation", "uram_estimation", "select_impl_style"}),
        **methods("convolutioninputgenerator.py", {"get_folded_input_shape"}),
    })  # fmt: skip
    out = []
    for (c, ifm, k, s, d, simd, par, dw), a, style in itertools.product(
        [(3, 230, 7, 2, 1, 3, 1, 0), (3, 230, 7, 2, 1, 1, 0, 0), (64, 58, 3, 1, 1, 64, 1, 0), (64, 58, 3, 1, 1, 8, 0, 0),
         (256, 56, 1, 1, 1, 32, 0, 0), (128, 30, 3, 2, 1, 16, 0, 0), (512, 9, 3, 1, 1, 512, 1, 0),
         (32, 114, 3, 2, 1, 4, 0, 1), (32, 114, 3, 2, 1, 8, 1, 1), (96, 30, 3, 1, 2, 96, 1, 0),
         (16, 1024, 3, 1, 1, 1, 0, 0), (64, 300, 5, 2, 1, 4, 0, 0)],
        [1, 4, 8], ["auto", "block", "distributed", "ultra"],
    ):  # fmt: skip
        ofm = (ifm - ((k - 1) * d + 1)) // s + 1
        attrs = {"SIMD": simd, "M": 1, "IFMChannels": c, "ConvKernelDim": [k, k], "IFMDim": [ifm, ifm],
                 "OFMDim": [ofm, ofm], "Stride": [s, s], "Dilation": [d, d], "ram_style": style,
                 "parallel_window": par, "depthwise": dw}  # fmt: skip
        node = cls(attrs, {"a": DT(a)})
        out.append({"op": "swg_rtl", "params": {"channels": c, "ifm_dim": [ifm, ifm], "ofm_dim": [ofm, ofm],
                    "kernel": [k, k], "stride": [s, s], "dilation": [d, d], "simd": simd, "a_bits": a,
                    "ram_style": style, "parallel_window": bool(par), "depthwise": bool(dw)},
                    "finn": {"cycles": int(node.get_exp_cycles()), "bram18": int(node.bram_estimation()),
                             "lut": int(node.lut_estimation()), "uram": int(node.uram_estimation())}})  # fmt: skip
    return out


def thresholding_cases():
    cls = stub_class({**methods("thresholding.py", {"calc_tmem", "get_exp_cycles", "get_folded_input_shape",
                                                    "get_folded_output_shape"}),
                      **methods("hls/thresholding_hls.py", {"bram_estimation", "lut_estimation"})})  # fmt: skip
    out = []
    for (c, pe, vecs), a, style in itertools.product(
        [(64, 1, [1, 30, 30]), (256, 16, [1, 5, 5]), (784, 49, [1]), (1024, 1, [1]), (10, 10, [1]), (4096, 64, [4])],
        [1, 8, 16], ["distributed", "block"],
    ):  # fmt: skip
        node = cls({"NumChannels": c, "PE": pe, "numInputVectors": vecs, "ram_style": style}, {"a": DT(a)})
        out.append({"op": "thresholding", "params": {"channels": c, "pe": pe, "a_bits": a,
                    "num_input_vectors": vecs, "ram_style": style},
                    "finn": {"cycles": int(node.get_exp_cycles()), "bram18": int(node.bram_estimation()),
                             "lut": int(node.lut_estimation())}})  # fmt: skip
    return out


def maxpool_cases():
    cls = stub_class(methods("streamingmaxpool.py", {"get_exp_cycles"}))
    out = []
    for ifm, k in [(28, 2), (10, 2), (32, 2), (112, 3), (7, 7), (13, 2)]:
        node = cls({"ImgDim": [ifm, ifm], "PoolDim": [k, k], "NumChannels": 64}, {})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cycles = int(node.get_exp_cycles())
        out.append({"op": "maxpool", "params": {"ifm_dim": ifm, "kernel": k}, "finn": {"cycles": cycles}})
    return out


def stream_cases():
    """AddStreams, DuplicateStreams, StreamingConcat, GlobalAccPool and Pool cycles (``get_exp_cycles`` with the folded shapes
    it reads)."""
    add = stub_class(
        methods("addstreams.py", {"get_exp_cycles", "get_folded_output_shape", "get_folded_input_shape"})
    )
    out = []
    for ch, pe, vecs in [(64, 1, [1, 56, 56]), (64, 4, [1, 56, 56]), (256, 16, [1, 14, 14]), (24, 3, [1, 28, 28]),
                         (10, 5, [1]), (512, 512, [1, 7, 7])]:  # fmt: skip
        node = add({"NumChannels": ch, "PE": pe, "numInputVectors": vecs}, {})
        out.append({"op": "addstreams", "params": {"channels": ch, "pe": pe, "num_input_vectors": vecs},
                    "finn": {"cycles": int(node.get_exp_cycles())}})  # fmt: skip
    dup = stub_class(methods("duplicatestreams.py", {"get_exp_cycles", "get_folded_output_shape",
                                                      "get_folded_input_shape"}))  # fmt: skip
    for ch, pe, vecs in [(64, 1, [1, 56, 56]), (256, 8, [1, 14, 14]), (16, 16, [1, 32, 32])]:
        node = dup({"NumChannels": ch, "PE": pe, "numInputVectors": vecs, "NumOutputStreams": 2}, {})
        out.append({"op": "duplicatestreams", "params": {"channels": ch, "pe": pe, "num_input_vectors": vecs},
                    "finn": {"cycles": int(node.get_exp_cycles())}})  # fmt: skip
    concat = stub_class(methods("concat.py", {"get_exp_cycles", "get_folded_output_shape", "get_normal_output_shape",
                                              "get_total_elems"}))  # fmt: skip
    for elems, vecs in [([64, 64], [1, 56, 56]), ([16, 32, 8], [1, 28, 28]), ([128, 128], [1])]:
        node = concat({"ElemsPerStream": elems, "numInputVectors": vecs}, {})
        out.append({"op": "concat", "params": {"channels": sum(elems), "num_input_vectors": vecs},
                    "finn": {"cycles": int(node.get_exp_cycles())}})  # fmt: skip
    gap = stub_class(methods("globalaccpool.py", {"get_exp_cycles", "get_folded_input_shape"}))
    for ch, pe, vecs in [
        (512, 1, [1, 7, 7]),
        (2048, 8, [1, 7, 7]),
        (64, 4, [1, 8, 8]),
        (1280, 1280, [1, 7, 7]),
    ]:
        node = gap({"NumChannels": ch, "PE": pe, "numInputVectors": vecs}, {})
        out.append({"op": "globalaccpool", "params": {"channels": ch, "pe": pe, "num_input_vectors": vecs},
                    "finn": {"cycles": int(node.get_exp_cycles())}})  # fmt: skip
    pool = stub_class(methods("pool.py", {"get_exp_cycles"}))
    for ch, pe, k, odim in [(64, 1, [3, 3], [56, 56]), (64, 8, [3, 3], [56, 56]), (6, 3, [2, 2], [14, 14]),
                            (16, 16, [2, 2], [5, 5]), (32, 2, [3, 3], [7, 7])]:  # fmt: skip
        node = pool({"Channels": ch, "PE": pe, "KernelSize": k, "OutImgDims": odim, "BatchSize": 1}, {})
        out.append({"op": "pool", "params": {"channels": ch, "pe": pe, "kernel": k, "ofm_dim": odim},
                    "finn": {"cycles": int(node.get_exp_cycles())}})  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    doc = {"finn_commit": FINN_COMMIT, "cases": mvau_cases() + mvau_rtl_cases() + vvau_cases() + swg_cases() + swg_rtl_cases()
           + thresholding_cases() + maxpool_cases() + stream_cases()}  # fmt: skip
    text = json.dumps(doc, indent=0) + "\n"
    if args.check:
        same = OUT.read_text() == text
        print("identical" if same else "differs")
        return 0 if same else 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text)
    print(f"wrote {OUT}: {len(doc['cases'])} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
