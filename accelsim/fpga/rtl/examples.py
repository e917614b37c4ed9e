"""The designs the RTL emitter is checked on (tests/test_fpga_rtl.py in Amaranth's simulator,
tools/iverilog_cosim.py in Icarus Verilog): a W4A4 MLP and LeNet-5-digits at W8A8 with its shipped weights."""

from __future__ import annotations

import numpy as np

from accelsim.fabrics.streaming import StreamingArch
from accelsim.functional.metrics import shipped_model
from accelsim.functional.ptq import ptq, random_weights
from accelsim.workload import Layer, Network, NetworkInput, Precision, load_network

#: LeNet-5-digits' folding (PE, SIMD) and generator SIMD
LENET_FOLDING = {"conv1": (2, 9), "conv2": (4, 24), "fc1": (8, 16), "fc2": (8, 16), "fc3": (5, 16)}
LENET_SWG = {"conv1": 1, "conv2": 8}


def example_arch(folding: dict, swg: dict | None = None) -> StreamingArch:
    """A streaming architecture with this folding (a U250 at 100 MHz: the budget never binds)."""
    return StreamingArch(name="rtl", device="u250", frequency_hz=1e8, folding=folding, swg_simd=swg or {})


def mlp_example():
    """(model, arch, input codes): 16 → 12 (ReLU) → 10 at W4A4, random weights (seed 0), signed inputs (a
    nonzero input zero point folded into the bias), four frames."""
    net = Network(name="mlp", input=NetworkInput(channels=16), precision=Precision(w_bits=4, a_bits=4, out_bits=4),
                  layers=[Layer(name="fc1", op="fc", in_channels=16, out_channels=12, activation="relu"),
                          Layer(name="fc2", op="fc", in_channels=12, out_channels=10)])  # fmt: skip
    w, b = random_weights(net, 0)
    rng = np.random.default_rng(0)
    model = ptq(net, w, rng.uniform(-1, 1, (64, 16)), b, w_bits=4, a_bits=4)
    x = model.input_q.quantize(rng.uniform(-1, 1, (4, 16)))
    return model, example_arch({"fc1": (4, 8), "fc2": (5, 4)}), x


def lenet_example(images: int = 2):
    """(model, arch, input codes): LeNet-5-digits at W8A8 (PTQ of the shipped weights) with
    :data:`LENET_FOLDING`, its first ``images`` test images."""
    net = load_network("lenet5-digits")
    w, b, x, _, cal = shipped_model(net)
    model = ptq(net, w, cal, b)
    return model, example_arch(LENET_FOLDING, LENET_SWG), model.input_q.quantize(x[:images])
