"""Uniform affine quantization (seed 002 §III-B/C): hand-computed values and hypothesis properties."""

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from accelsim.errors import AccelsimInputError
from accelsim.quant import QTensor, compute_qparams, fake_quantize, int_range, quantize, quantize_with


def test_int_ranges():
    assert int_range(8, True) == (-128, 127)
    assert int_range(8, True, restricted=True) == (-127, 127)
    assert int_range(8, False) == (0, 255)
    assert int_range(1, True) == (-1, 1)  # binary ±1 format
    assert int_range(2, True, restricted=True) == (-1, 1)  # ternary


def test_symmetric_full_range_by_hand():
    # S = 2·max|x|/(2^8 − 1) = 2/255; x/S = [−127.5, 0, 63.75, 127.5] → RNE [−128, 0, 64, 128] → clamp 127
    t = quantize(np.array([-1.0, 0.0, 0.5, 1.0]), 8, "symmetric")
    assert t.scale == pytest.approx(2 / 255)
    assert t.q.tolist() == [-128, 0, 64, 127]
    assert t.zero_point == 0


def test_symmetric_restricted_by_hand():
    # S = 1/127; x/S = [−127, 0, 63.5, 127]; 63.5 rounds half to even → 64
    t = quantize(np.array([-1.0, 0.0, 0.5, 1.0]), 8, "symmetric", restricted=True)
    assert t.q.tolist() == [-127, 0, 64, 127]
    assert (t.qmin, t.qmax) == (-127, 127)


def test_symmetric_unsigned_by_hand():
    # unsigned symmetric 4 bit: S = 3/15 = 0.2; x/S = [0, 5, 15]
    t = quantize(np.array([0.0, 1.0, 3.0]), 4, "symmetric", signed=False)
    assert t.q.tolist() == [0, 5, 15]


def test_asymmetric_unsigned_by_hand():
    # [−1, 2], 2 bits: S = 3/3 = 1, z = 0 − round(−1/1) = 1; q = round(x) + 1 = [0, 1, 1, 3]
    t = quantize(np.array([-1.0, 0.0, 0.4, 2.0]), 2, "asymmetric")
    assert (t.scale, t.zero_point) == (1.0, 1)
    assert t.q.tolist() == [0, 1, 1, 3]
    assert t.dequantize().tolist() == [-1.0, 0.0, 0.0, 2.0]


def test_asymmetric_signed_with_tie_by_hand():
    # [−0.25, 1.5], 3 bits signed: S = 1.75/7 = 0.25, z = −4 − round(−1) = −3
    # q = round(x/S) − 3: −0.25 → −4; 0 → −3; 0.625/0.25 = 2.5 → 2 (half even) → −1; 1.5 → 6 − 3 = 3
    t = quantize(np.array([-0.25, 0.0, 0.625, 1.5]), 3, "asymmetric", signed=True)
    assert (t.scale, t.zero_point) == (0.25, -3)
    assert t.q.tolist() == [-4, -3, -1, 3]


def test_per_channel_by_hand():
    # restricted 8 bit, channel 0: S = 1/127 → [127, −63.5 → −64]; channel 1: S = 0.25/127 → [127, 50.8 → 51]
    t = quantize(np.array([[1.0, -0.5], [0.25, 0.1]]), 8, "symmetric", restricted=True, axis=0)
    assert np.allclose(t.scale, [1 / 127, 0.25 / 127])
    assert t.q.tolist() == [[127, -64], [127, 51]]
    assert t.per_channel and t.axis == 0


def test_zero_range_gets_unit_scale():
    t = quantize(np.zeros(4), 8, "asymmetric")
    assert t.scale == 1.0 and t.dequantize().tolist() == [0.0] * 4


def test_bad_inputs():
    with pytest.raises(AccelsimInputError, match="bits"):
        quantize(np.ones(3), 0)
    with pytest.raises(AccelsimInputError, match="bits"):
        quantize(np.ones(3), 33)
    with pytest.raises(AccelsimInputError, match="scheme"):
        quantize(np.ones(3), 8, "symetric")
    with pytest.raises(AccelsimInputError, match="bits"):
        quantize(np.ones(3), 1, "symmetric")
    with pytest.raises(AccelsimInputError, match="axis"):
        quantize(np.ones((2, 3)), 8, axis=2)
    with pytest.raises(AccelsimInputError, match="scale"):
        quantize_with(np.ones(3), 0.0, 0, 8)
    with pytest.raises(AccelsimInputError, match="zero_point"):
        quantize_with(np.ones(3), 1.0, 0.5, 8)


def test_qtensor_check_rejects_out_of_range():
    with pytest.raises(ValueError):
        QTensor(q=np.array([200]), scale=1.0, bits=8, signed=True).check()
    with pytest.raises(ValueError):
        QTensor(q=np.array([0]), scale=1.0, bits=1, signed=True).check()


floats = st.floats(-1e3, 1e3, allow_nan=False, width=64)
arrays_2d = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6), elements=floats
)


@settings(max_examples=examples(60), deadline=None)
@given(
    x=arrays_2d,
    bits=st.integers(2, 16),
    scheme=st.sampled_from(["symmetric", "asymmetric"]),
    restricted=st.booleans(),
    per_channel=st.booleans(),
)
def test_roundtrip_error_at_most_half_step_inside_range(x, bits, scheme, restricted, per_channel):
    axis = 0 if per_channel else None
    t = quantize(x, bits, scheme, restricted=restricted and scheme == "symmetric", axis=axis)
    t.check()
    s = t.scale_b()
    z = t.zero_point_b()
    lo, hi = s * (t.qmin - z), s * (t.qmax - z)
    inside = (x >= lo) & (x <= hi)
    err = np.abs(t.dequantize() - x)
    tol = np.broadcast_to(s / 2 * (1 + 1e-9) + 1e-12, x.shape)
    assert np.all(err[inside] <= tol[inside])
    # outside the representable range the value is clamped to the nearest end
    assert np.all(
        np.abs(t.dequantize()[~inside] - np.clip(x, lo, hi)[~inside]) <= 1e-9 * (1 + np.abs(x[~inside]))
    )


@settings(max_examples=examples(60), deadline=None)
@given(x=arrays_2d, bits=st.integers(2, 12), scheme=st.sampled_from(["symmetric", "asymmetric"]))
def test_per_channel_equals_per_tensor_per_slice(x, bits, scheme):
    pc = quantize(x, bits, scheme, axis=1)
    for j in range(x.shape[1]):
        pt = quantize(x[:, j], bits, scheme)
        assert np.array_equal(pc.q[:, j], pt.q)
        assert pc.scale[j] == pt.scale and pc.zero_point[j] == pt.zero_point


@settings(max_examples=examples(40), deadline=None)
@given(lo=st.floats(-100, 0), hi=st.floats(0, 100), bits=st.integers(2, 16), signed=st.booleans())
def test_asymmetric_zero_is_exact(lo, hi, bits, signed):
    s, z = compute_qparams(lo, hi, bits, "asymmetric", signed=signed)
    t = quantize_with(np.array([0.0]), s, z, bits, signed)
    assert t.dequantize()[0] == 0.0


def test_fake_quantize_is_dequantized_quantize():
    x = np.linspace(-2, 3, 17)
    assert np.array_equal(fake_quantize(x, 4, "asymmetric"), quantize(x, 4, "asymmetric").dequantize())
