"""The QAT table of docs/fpga.md: integer test accuracy of the shipped digit networks after PTQ alone and
after QAT (600 steps, seed 0) then PTQ, at W3A3 and W2A2 (540 test images, accelsim's integer executor).

    .venv/bin/python tools/qat_accuracy.py
"""

from __future__ import annotations

import sys
import time

from accelsim.functional.executor import dequantize_outputs, run_integer
from accelsim.functional.metrics import accuracy, shipped_model, shipped_training_data
from accelsim.functional.ptq import ptq
from accelsim.functional.qat import qat_finetune
from accelsim.workload import load_network


def int_accuracy(net, w, b, cal, x, y) -> float:
    m = ptq(net, w, cal, b)
    return accuracy(dequantize_outputs(m, run_integer(m, x))[net.layers[-1].name], y)


def main() -> int:
    print("| network | bits | PTQ | QAT + PTQ | QAT time |")
    print("|---|---|---|---|---|")
    for name in ("dnn2fpga-digits", "lenet5-digits"):
        for bits in ((3, 3), (2, 2)):
            net = load_network(name).with_bits(*bits)
            w, b, x, y, cal = shipped_model(net)
            tx, ty = shipped_training_data(net)
            t = time.perf_counter()
            w2, b2 = qat_finetune(net, w, b, tx, ty, steps=600, seed=0)
            dt = time.perf_counter() - t
            before, after = int_accuracy(net, w, b, cal, x, y), int_accuracy(net, w2, b2, cal, x, y)
            print(f"| {name} | W{bits[0]}A{bits[1]} | {before:.4f} | {after:.4f} | {dt:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
