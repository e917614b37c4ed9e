"""Quantization-aware training (accelsim.functional.qat): its float passes against the executor and finite
differences, and what it buys at low bit widths on the shipped digit networks (DNN2FPGA's Algorithm 1, last
step: `accelsim fpga build --qat`)."""

from __future__ import annotations

import numpy as np
import pytest

from accelsim.errors import AccelsimInputError
from accelsim.functional.executor import dequantize_outputs, float_execution, run_integer
from accelsim.functional.metrics import accuracy, shipped_model, shipped_training_data
from accelsim.functional.ptq import ptq
from accelsim.functional.qat import _ChainQAT, float_forward, qat_finetune
from accelsim.workload import load_network


@pytest.mark.parametrize("name", ["dnn2fpga-digits", "lenet5-digits"])
def test_float_forward_equals_the_executor(name):
    net = load_network(name)
    w, b, x, _, cal = shipped_model(net)
    ref = float_execution(ptq(net, w, cal, b), x[:64]).output
    assert np.array_equal(float_forward(net, w, b, x[:64]), ref)


def test_backward_equals_finite_differences():
    """The hand-written backward pass (conv by im2col, max-pool, flatten, fc, ReLU) against central
    differences of the cross-entropy, quantization off."""
    net = load_network("lenet5-digits")
    w, b, x, y, _ = shipped_model(net)
    params = {f"{k}.weight": np.asarray(v, np.float64) for k, v in w.items()}
    params |= {f"{k}.bias": np.asarray(v, np.float64) for k, v in b.items()}
    model = _ChainQAT(net, quantize=False)
    xb, yb = x[:16].astype(np.float64), y[:16]

    def loss(p):
        logits, _ = model.forward(xb, p, train=False)
        z = logits - logits.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(yb)), yb]))

    logits, tape = model.forward(xb, params, train=False)
    z = logits - logits.max(axis=1, keepdims=True)
    prob = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    prob[np.arange(len(yb)), yb] -= 1.0
    grads = model.backward(prob / len(yb), tape)
    rng = np.random.default_rng(0)
    for key in ("conv1.weight", "conv2.weight", "fc1.weight", "fc3.bias"):
        for _ in range(3):
            idx = tuple(rng.integers(0, n) for n in params[key].shape)
            eps = 1e-6
            up = {k: v.copy() for k, v in params.items()}
            dn = {k: v.copy() for k, v in params.items()}
            up[key][idx] += eps
            dn[key][idx] -= eps
            numeric = (loss(up) - loss(dn)) / (2 * eps)
            assert grads[key][idx] == pytest.approx(numeric, rel=1e-4, abs=1e-8), (key, idx)


def _int_accuracy(net, w, b, cal, x, y):
    m = ptq(net, w, cal, b)
    return accuracy(dequantize_outputs(m, run_integer(m, x))[net.layers[-1].name], y)


def test_qat_recovers_accuracy_at_3_bits():
    """dnn2fpga-digits at W3A3, 600 Adam steps on the shipped training split: PTQ alone 0.8130, QAT then PTQ
    0.9593 (measured); the test asks for +0.10 and deterministic weights for a seed."""
    net = load_network("dnn2fpga-digits").with_bits(3, 3)
    w, b, x, y, cal = shipped_model(net)
    tx, ty = shipped_training_data(net)
    before = _int_accuracy(net, w, b, cal, x, y)
    w2, b2 = qat_finetune(net, w, b, tx, ty, steps=600, seed=0)
    after = _int_accuracy(net, w2, b2, cal, x, y)
    assert after >= before + 0.10
    assert all(not np.array_equal(w2[k], w[k]) for k in w)  # the shipped weights were not touched in place
    short = [qat_finetune(net, w, b, tx, ty, steps=20, seed=s)[0] for s in (0, 0, 1)]
    assert all(np.array_equal(short[0][k], short[1][k]) for k in w)  # deterministic for a seed
    assert not all(np.array_equal(short[0][k], short[2][k]) for k in w)  # the seed orders the batches


def test_qat_rejects_what_it_cannot_train():
    net = load_network("dnn2fpga-digits")
    w, b, *_ = shipped_model(net)
    tx, ty = shipped_training_data(net)
    with pytest.raises(AccelsimInputError, match="at least 2 bits"):
        qat_finetune(net.with_bits(1, 2), w, b, tx[:8], ty[:8], steps=1)
    with pytest.raises(AccelsimInputError, match="steps"):
        qat_finetune(net, w, b, tx, ty, steps=0)
    with pytest.raises(AccelsimInputError, match="QAT covers"):
        qat_finetune(load_network("resnet20"), {}, {}, tx, ty, steps=1)
