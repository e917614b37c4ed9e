"""The seeds' quantizers on hand-computed values (seed 000 §3–4, seed 001 §3) and the registry."""

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from accelsim.errors import AccelsimInputError
from accelsim.quant import (
    available_quantizers,
    bwn_weights,
    dorefa_activations,
    dorefa_weights,
    get_quantizer,
    pact,
    qnn_binarize,
    qnn_linear_quant,
    ttq_weights,
    twn_weights,
    xnor_activations,
)


def test_qnn_linear_quant_by_hand():
    # b = 3: x·2^2 = [−4.8, −1.2, 0.4, 0.5, 1.5, 3.6] → RNE [−5, −1, 0, 0, 2, 4] → clip [−4, 3]
    t = qnn_linear_quant(np.array([-1.2, -0.3, 0.1, 0.125, 0.375, 0.9]), 3)
    assert t.q.tolist() == [-4, -1, 0, 0, 2, 3]
    assert t.dequantize().tolist() == [-1.0, -0.25, 0.0, 0.0, 0.5, 0.75]


def test_qnn_binarize_sign_of_zero_is_plus_one():
    assert qnn_binarize(np.array([-0.1, 0.0, 2.0])).q.tolist() == [-1, 1, 1]
    assert qnn_linear_quant(np.array([-0.1, 0.0]), 1).q.tolist() == [-1, 1]


def test_qnn_range_that_needs_an_extra_bit_is_rejected():
    with pytest.raises(AccelsimInputError, match="max_v"):
        qnn_linear_quant(np.ones(2), 3, max_v=1.0)  # code 4 does not fit int3


def test_dorefa_weights_by_hand():
    # tanh(w) = [−0.8, 0, 0.2, 0.4, 0.8], max|tanh| = 0.8; t/1.6 + 0.5 = [0, 0.5, 0.625, 0.75, 1]
    # ×3 = [0, 1.5, 1.875, 2.25, 3] → RNE [0, 2, 2, 2, 3]; w_q = 2u/3 − 1 = [−1, 1/3, 1/3, 1/3, 1]
    w = np.arctanh(np.array([-0.8, 0.0, 0.2, 0.4, 0.8]))
    t = dorefa_weights(w, 2)
    assert t.q.tolist() == [0, 2, 2, 2, 3]
    assert t.zero_point == 1.5
    assert np.allclose(t.dequantize(), [-1, 1 / 3, 1 / 3, 1 / 3, 1])


def test_dorefa_binary_weights_by_hand():
    # E|w| over the layer = (1 + 3 + 0.5 + 0)/4 = 1.125; sign(0) = −1 (seed 000 Eq. 2)
    w = np.array([[1.0, -3.0], [0.5, 0.0]])
    assert dorefa_weights(w, 1).dequantize().tolist() == [[1.125, -1.125], [1.125, -1.125]]
    # per output channel (seed 001 §3.3): E = [2, 0.25]
    assert dorefa_weights(w, 1, axis=0).dequantize().tolist() == [[2.0, -2.0], [0.25, -0.25]]


def test_dorefa_activations_by_hand():
    # clip → [0, 0.2, 0.5, 0.9, 1]; ×3 = [0, 0.6, 1.5, 2.7, 3] → [0, 1, 2, 3, 3]
    t = dorefa_activations(np.array([-1.0, 0.2, 0.5, 0.9, 3.0]), 2)
    assert t.q.tolist() == [0, 1, 2, 3, 3] and t.scale == pytest.approx(1 / 3)


def test_bwn_per_filter_l1_scale_by_hand():
    # α = mean|W| per filter: [(1+2+3)/3, (0.5+0.5+0)/3] = [2, 1/3]; sign(0) = +1 (seed 001 Eq. 2)
    t = bwn_weights(np.array([[1.0, -2.0, 3.0], [-0.5, 0.5, 0.0]]))
    assert t.q.tolist() == [[1, -1, 1], [-1, 1, 1]]
    assert np.allclose(t.scale, [2.0, 1 / 3])
    assert np.allclose(t.dequantize(), [[2, -2, 2], [-1 / 3, 1 / 3, 1 / 3]])
    assert xnor_activations(np.array([-1.0, 0.0, 2.0])).q.tolist() == [-1, 1, 1]


def test_bwn_alpha_minimises_l2_error():
    # seed 001 Eq. 3: α* = ‖W‖₁/n is the least-squares scale for B = sign(W)
    w = np.random.default_rng(0).normal(size=(1, 50))
    t = bwn_weights(w)
    best = np.mean((t.dequantize() - w) ** 2)
    for a in (0.9 * t.scale[0], 1.1 * t.scale[0]):
        assert np.mean((a * t.q - w) ** 2) > best


def test_twn_by_hand():
    # mean|W| = 3.9/5 = 0.78, Δ = 0.546; ternary [1, 0, 0, −1, 1]; α = (1 + 2 + 0.6)/3 = 1.2
    t = twn_weights(np.array([1.0, -0.2, 0.1, -2.0, 0.6]))
    assert t.q.tolist() == [1, 0, 0, -1, 1]
    assert t.scale == pytest.approx(1.2)
    assert np.allclose(t.dequantize(), [1.2, 0, 0, -1.2, 1.2])
    assert (t.bits, t.qmin, t.qmax) == (2, -1, 1)


def test_ttq_by_hand():
    # Δ = 0.1·max|W| = 0.1; ternary [0, −1, 1, 0, 1]; decode with W_p = 2, W_n = 3
    t = ttq_weights(np.array([0.05, -0.5, 1.0, -0.02, 0.3]), wp=2.0, wn=3.0, t=0.1)
    assert (t.codes - 1).tolist() == [0, -1, 1, 0, 1]
    assert t.dequantize().tolist() == [0.0, -3.0, 2.0, 0.0, 2.0]
    with pytest.raises(AccelsimInputError, match="wp"):
        ttq_weights(np.ones(3), wp=0.0, wn=1.0)


def test_pact_by_hand():
    # α = 2, k = 2: clip → [0, 0.5, 1, 1.9, 2]; ×3/2 = [0, 0.75, 1.5, 2.85, 3] → [0, 1, 2, 3, 3]
    t = pact(np.array([-1.0, 0.5, 1.0, 1.9, 5.0]), 2.0, 2)
    assert t.q.tolist() == [0, 1, 2, 3, 3]
    assert np.allclose(t.dequantize(), [0, 2 / 3, 4 / 3, 2, 2])
    with pytest.raises(AccelsimInputError, match="alpha"):
        pact(np.ones(2), 0.0, 4)


NAMES = ["bwn", "dorefa", "fp8", "kmeans", "log2", "log4", "pact", "qnn", "ttq", "twn", "uniform", "xnor"]
NATIVE_BITS = {"xnor": (1, 1), "bwn": (1, 8), "twn": (2, 8), "ttq": (2, 8), "fp8": (8, 8), "log4": (4, 4)}


def test_registry_names():
    assert available_quantizers() == NAMES
    with pytest.raises(AccelsimInputError, match="did you mean 'dorefa'"):
        get_quantizer("dorefa-net")
    with pytest.raises(AccelsimInputError, match="w_bits"):
        get_quantizer("xnor").quantize_weights(np.ones((2, 2)), 4)


@settings(max_examples=examples(30), deadline=None)
@given(
    name=st.sampled_from(NAMES),
    w=hnp.arrays(np.float64, (4, 6), elements=st.floats(-3, 3, allow_nan=False)),
    x=hnp.arrays(np.float64, (3, 6), elements=st.floats(0, 5, allow_nan=False)),
)
def test_every_registered_quantizer_round_trips_shape_and_is_deterministic(name, w, x):
    spec = get_quantizer(name)
    wb, ab = NATIVE_BITS.get(name, (4, 4))
    qw = spec.quantize_weights(w, wb)
    qa = spec.quantize_activations(x, ab)
    assert qw.dequantize().shape == w.shape and qa.dequantize().shape == x.shape
    assert np.all(np.isfinite(qw.dequantize())) and np.all(np.isfinite(qa.dequantize()))
    assert np.array_equal(spec.quantize_weights(w, wb).dequantize(), qw.dequantize())
