"""Accuracy of the shipped LeNet-5 digits network versus bit width, float / fake-quant / integer-only.

PTQ (accelsim.functional.ptq) from the float weights with the 128 shipped calibration images, per-channel
symmetric weights, asymmetric unsigned activations; evaluated on the 540 held-out test images. For every
W/A (same width for weights and activations of every layer; the logits keep the layer's out_bits = 8) and
calibration method, prints the float, fake-quantized and integer-only accuracies, the fraction of all
layer outputs where integer and fake quantization agree bit for bit (end to end, and layer-local with the
same inputs), and the output SQNR of the integer execution versus float.

Run: ``.venv/bin/python examples/accuracy_vs_bits.py [--methods minmax,mse] [--rounding gemmlowp]``.
"""

from __future__ import annotations

import argparse

from accelsim.functional.metrics import compare, shipped_model
from accelsim.functional.ptq import ptq
from accelsim.workload import load_network

BITS = (8, 7, 6, 5, 4, 3, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description="LeNet-5 digits accuracy versus bit width")
    ap.add_argument("--methods", default="minmax,percentile,mse,kl")
    ap.add_argument("--rounding", default="gemmlowp", choices=["gemmlowp", "half_even"])
    ap.add_argument("--per-tensor", action="store_true", help="per-tensor weight scales")
    ap.add_argument("--keep-first-last", type=int, default=None, help="bits of the first and last layers")
    args = ap.parse_args()
    net = load_network("lenet5-digits")
    w, b, x, y, cal = shipped_model(net)
    print(f"lenet5-digits, {x.shape[0]} test images, requant rounding {args.rounding}")
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
