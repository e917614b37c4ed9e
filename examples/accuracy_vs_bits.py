"""Accuracy of the shipped LeNet-5 digits network versus bit width, float / fake-quant / integer-only.

PTQ (accelsim.functional.ptq) from the float weights with the 128 shipped calibration images, per-channel
symmetric weights, asymmetric unsigned activations; evaluated on the 540 held-out test images. For every
W/A (same width for weights and activations of every layer; the logits keep the layer's out_bits = 8) and
calibration method, prints the float, fake-quantized and integer-only accuracies, the fraction of all
layer outputs where integer and fake quantization agree bit for bit (end to end, and layer-local with the
same inputs), and the output SQNR of the integer execution versus float.

Run: ``.venv/bin/python examples/accuracy_vs_bits.py [--methods minmax,mse] [--rounding gemmlowp]``.

``--quantizers`` instead prints one row per weight format of ``accelsim.quant`` (and PACT activations) at
8/8, 4/4, 2/2 or the format's native weight width (BWN 1, TWN/TTQ 2, log4 4, fp8 8), with and without the
first and last layers kept at 8-bit uniform; fp8 and kmeans have no integer-only execution (fake only).
"""

from __future__ import annotations

import argparse

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import run_fake
from accelsim.functional.metrics import accuracy, compare, shipped_model
from accelsim.functional.ptq import ptq
from accelsim.workload import load_network

BITS = (8, 7, 6, 5, 4, 3, 2)
NATIVE_W = {"bwn": 1, "twn": 2, "ttq": 2, "log4": 4, "fp8": 8}
QUANTIZERS = ("uniform", "qnn", "dorefa", "bwn", "twn", "ttq", "log2", "log4", "fp8", "kmeans", "pact-act")


def quantizer_table(net, w, b, x, y, cal, rounding: str) -> None:
    """One row per (format, W/A): fake and integer accuracy, plain and with first/last kept at 8 bits."""
    print(f"{'format':>9} {'W/A':>5} {'fake':>7} {'int':>7} {'local':>7} {'fake k8':>8} {'int k8':>7}")
    for name in QUANTIZERS:
        for bits in (8, 4, 2):
            wb = NATIVE_W.get(name, bits)
            row = [f"{name:>9}", f"{wb}/{bits}".rjust(5)]
            for keep in (None, 8):
                kw = {"act_quantizer": "pact"} if name == "pact-act" else {"quantizer": name}
                model = ptq(net, w, cal, b, w_bits=wb, a_bits=bits, keep_first_last_bits=keep, **kw)
                model.rounding = rounding
                try:
                    o = compare(model, x, y)["overall"]
                    fake, it, local = (
                        o["accuracy_fake"],
                        f"{o['accuracy_int']:7.4f}",
                        o["local_frac_bit_exact_int_vs_fake"],
                    )
                except AccelsimInputError:  # fp8 / kmeans: no integer-only execution
                    fake, it, local = accuracy(run_fake(model, x).output, y), "      -", float("nan")
                row += [f"{fake:7.4f}", it] + ([f"{local:7.4f}"] if keep is None else [])
            print(" ".join(row[:5]) + f" {row[5]:>8} {row[6]:>7}")


def main() -> None:
    ap = argparse.ArgumentParser(description="LeNet-5 digits accuracy versus bit width")
    ap.add_argument("--methods", default="minmax,percentile,mse,kl")
    ap.add_argument("--rounding", default="gemmlowp", choices=["gemmlowp", "half_even"])
    ap.add_argument("--per-tensor", action="store_true", help="per-tensor weight scales")
    ap.add_argument("--keep-first-last", type=int, default=None, help="bits of the first and last layers")
    ap.add_argument("--quantizers", action="store_true", help="table of weight formats instead")
    args = ap.parse_args()
    net = load_network("lenet5-digits")
    w, b, x, y, cal = shipped_model(net)
    print(f"lenet5-digits, {x.shape[0]} test images, requant rounding {args.rounding}")
    if args.quantizers:
        quantizer_table(net, w, b, x, y, cal, args.rounding)
        return
    head = f"{'W/A':>5} {'method':>10} {'float':>7} {'fake':>7} {'int':>7} {'exact':>7} {'local':>7} {'SQNR dB':>8}"
    print(head)
    for bits in BITS:
        for method in args.methods.split(","):
            model = ptq(
                net,
                w,
                cal,
                b,
                w_bits=bits,
                a_bits=bits,
                method=method,
                per_channel=not args.per_tensor,
                keep_first_last_bits=args.keep_first_last,
            )
            model.rounding = args.rounding
            o = compare(model, x, y)["overall"]
            print(
                f"{bits}/{bits:<3} {method:>10} {o['accuracy_float']:7.4f} {o['accuracy_fake']:7.4f} "
                f"{o['accuracy_int']:7.4f} {o['all_layers_frac_bit_exact_int_vs_fake']:7.4f} "
                f"{o['local_frac_bit_exact_int_vs_fake']:7.4f} {o['output_sqnr_db_int_vs_float']:8.2f}"
            )


if __name__ == "__main__":
    main()
