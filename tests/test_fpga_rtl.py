"""RTL of the streaming pipeline (accelsim.fpga.rtl, issue 15 item 6): the Amaranth design, simulated in
Amaranth's Python simulator, computes accelsim's integer outputs bit for bit, and runs accelsim's pipeline
schedule cycle for cycle (every token of every unit, hence the initiation interval and the overlapped
latency). Amaranth is part of the test install (the ``fpga`` extra); running the emitted Verilog in Icarus
Verilog, which the project does not install, is tools/iverilog_cosim.py."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from accelsim.errors import AccelsimInputError
from accelsim.fpga.rtl import cosimulate, write_verilog
from accelsim.fpga.rtl.examples import LENET_FOLDING, LENET_SWG, example_arch, mlp_example
from accelsim.functional.executor import run_integer
from accelsim.functional.metrics import shipped_model
from accelsim.functional.ptq import ptq, random_weights
from accelsim.workload import Layer, Network, NetworkInput, load_network

_arch = example_arch


@pytest.fixture(scope="module")
def mlp():
    return mlp_example()


@pytest.fixture(scope="module")
def lenet():
    net = load_network("lenet5-digits")
    w, b, x, _, cal = shipped_model(net)
    return net, w, b, x, cal


def _same_schedule(run) -> None:
    assert run.token_done.keys() == run.model_token_done.keys()
    for name, done in run.token_done.items():
        assert np.array_equal(done, run.model_token_done[name]), name


def test_mlp_rtl_equals_accelsim(mlp):
    model, arch, x = mlp
    assert model.input_q.zero_point != 0
    run = cosimulate(model, arch, x)
    assert np.array_equal(run.out_codes, run_integer(model, x, x_is_codes=True).output)
    # fc1: NF·SF = 3·2 = 6 cycles, fc2: 2·3 = 6; measured II 6, latency 12 (= the model's)
    assert run.cycles_per_frame == run.model_ii == 6
    assert run.latency_cycles == run.model_latency == 12
    _same_schedule(run)


def test_lenet5_digits_rtl_equals_accelsim(lenet):
    """Shipped weights, W8A8 PTQ, two test images: codes bit-exact; every token of every unit done in the
    cycle accelsim's token model says; II 606 (conv1's generator, FINN's formula), latency 742."""
    net, w, b, x, cal = lenet
    model = ptq(net, w, cal, b, w_bits=8, a_bits=8)
    xq = model.input_q.quantize(x[:2])
    run = cosimulate(model, _arch(LENET_FOLDING, LENET_SWG), xq)
    assert np.array_equal(run.out_codes, run_integer(model, xq, x_is_codes=True).output)
    assert run.cycles_per_frame == run.model_ii == 606
    assert run.latency_cycles == run.model_latency == 742
    _same_schedule(run)
    assert run.rtl_unit_cycles == run.finn_unit_cycles


def test_lenet5_digits_natural_pace_beats_finns_window_formulas(lenet):
    """Window units at their own speed (generator: k²·C/SIMD cycles a window, max-pool: one a pixel): the
    RTL follows the token model on its own unit cycles; it is faster than FINN's formulas say —
    II 576 against 606 (FINN's generator counts k_h input lines of fill, ``W_in·k_h·C/SIMD`` = 30 cycles,
    which this generator's frame buffer does not spend), latency 703 against 742."""
    net, w, b, x, cal = lenet
    model = ptq(net, w, cal, b, w_bits=4, a_bits=4)
    xq = model.input_q.quantize(x[2:5])
    run = cosimulate(model, _arch(LENET_FOLDING, LENET_SWG), xq, pace="natural")
    assert np.array_equal(run.out_codes, run_integer(model, xq, x_is_codes=True).output)
    _same_schedule(run)
    assert (run.cycles_per_frame, run.model_ii) == (576, 606)
    assert (run.latency_cycles, run.model_latency) == (703, 742)
    assert run.rtl_unit_cycles["conv1.swg"] == 576 and run.finn_unit_cycles["conv1.swg"] == 606
    assert run.rtl_unit_cycles["pool1"] == 16 and run.finn_unit_cycles["pool1"] == 80


def test_unsupported_layers_are_one_line_errors():
    net = Network(name="dw", input=NetworkInput(channels=4, height=4, width=4),
                  layers=[Layer(name="dw", op="depthwise_conv2d", in_channels=4, out_channels=4, in_h=4, in_w=4,
                                kernel=3, padding=1, groups=4)])  # fmt: skip
    w, b = random_weights(net, 0)
    model = ptq(net, w, np.random.default_rng(0).uniform(0, 1, (8, 4, 4, 4)), b, w_bits=4, a_bits=4)
    with pytest.raises(AccelsimInputError, match="no RTL unit"):
        cosimulate(model, _arch({}), np.zeros((1, 4, 4, 4), np.int64))


def test_write_verilog_emits_the_top_module(mlp, tmp_path):
    model, arch, x = mlp
    paths = write_verilog(model, arch, tmp_path)
    v = next(p for p in paths if p.suffix == ".v")
    text = v.read_text()
    assert re.search(r"^module mlp_pipeline\(", text, re.M) and "endmodule" in text
    meta = json.loads(next(p for p in paths if p.suffix == ".json").read_text())
    assert meta["top"] == "mlp_pipeline"
    assert meta["model"] == {"initiation_interval_cycles": 6, "latency_cycles": 12}
    assert [u["cycles_per_frame"] for u in meta["units"]] == [6, 6]
