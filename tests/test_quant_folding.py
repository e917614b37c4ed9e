"""Zero-point folding, bias and batch-norm folding, fake vs real quantization of an fc layer."""

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.quant import (
    conv2d_fake_vs_real,
    fc_fake_vs_real,
    fold_batchnorm,
    fold_zero_points,
    gemm_int_folded,
    im2col,
    mismatch,
    quantize,
    quantize_bias,
    quantize_multiplier,
    requantize,
)
from accelsim.quant.folding import gemm_int_reference
from accelsim.quant.qtensor import QTensor


def test_zero_point_folding_by_hand():
    # x_q = [3, 5], z_x = 2; w_q = [[1, −2], [4, 0]], z_w = [1, −1] (per channel)
    # reference: (x − z_x) = [1, 3]; (w − z_w) = [[0, −3], [5, 1]] → acc = [−9, 8]
    # folded: x·wᵀ = [−7, 12]; const = −2·Σw + K·z_x·z_w = −2·[−1, 4] + 4·[1, −1] = [6, −12];
    #         run-time −z_w·Σx = −[1, −1]·8 = [−8, 8] → [−7 + 6 − 8, 12 − 12 + 8] = [−9, 8]
    xq, wq, zw = np.array([[3, 5]]), np.array([[1, -2], [4, 0]]), np.array([1, -1])
    assert fold_zero_points(wq, zw, 2).tolist() == [6, -12]
    assert gemm_int_folded(xq, 2, wq, zw).tolist() == [[-9, 8]]
    assert gemm_int_reference(xq, 2, wq, zw).tolist() == [[-9, 8]]


@settings(max_examples=examples(60), deadline=None)
@given(
    m=st.integers(1, 6),
    k=st.integers(1, 16),
    n=st.integers(1, 6),
    a_bits=st.integers(2, 8),
    w_bits=st.integers(2, 8),
    per_channel=st.booleans(),
    seed=st.integers(0, 2**31),
)
def test_folded_integer_gemm_equals_reference_and_float(m, k, n, a_bits, w_bits, per_channel, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 3, size=(m, k))
    w = rng.normal(size=(n, k))
    xq = quantize(x, a_bits, "asymmetric")
    wq = quantize(w, w_bits, "asymmetric", axis=0 if per_channel else None, signed=True)
    bias_q = rng.integers(-1000, 1000, size=n)
    acc = gemm_int_folded(xq.q, xq.zero_point, wq.q, wq.zero_point, bias_q)
    ref = gemm_int_reference(xq.q, xq.zero_point, wq.q, wq.zero_point) + bias_q
    assert np.array_equal(acc, ref)  # exact, int64
    sw = np.broadcast_to(wq.scale, (n,))
    y_float = xq.dequantize() @ wq.dequantize().T + bias_q * sw * xq.scale
    assert np.allclose(acc * sw * xq.scale, y_float, rtol=1e-9, atol=1e-9)


def test_bias_quantization_by_hand():
    # b/(S_w·S_x) = [0.3, −0.25]/0.05 = [6, −5]
    assert quantize_bias(np.array([0.3, -0.25]), 0.1, 0.5).tolist() == [6, -5]
    with pytest.raises(AccelsimInputError, match="bias"):
        quantize_bias(np.array([1e12]), 1e-3, 1e-3)


def test_batchnorm_folding_by_hand():
    # σ = sqrt([4, 0.25]) = [2, 0.5]; W' = W·γ/σ = [[1, 2]·1, [3, 4]·2]; b' = β + γ(b − μ)/σ = [0, 1 − 4] = [0, −3]
    w_f, b_f = fold_batchnorm(
        np.array([[1.0, 2.0], [3.0, 4.0]]),
        np.array([0.5, -1.0]),
        gamma=np.array([2.0, 1.0]),
        beta=np.array([0.0, 1.0]),
        mean=np.array([0.5, 1.0]),
        var=np.array([4.0, 0.25]),
        eps=0.0,
    )
    assert w_f.tolist() == [[1.0, 2.0], [6.0, 8.0]] and b_f.tolist() == [0.0, -3.0]
    with pytest.raises(AccelsimInputError, match="gamma"):
        fold_batchnorm(np.ones((2, 2)), None, np.ones(3), np.ones(2), np.ones(2), np.ones(2))


@settings(max_examples=examples(30), deadline=None)
@given(seed=st.integers(0, 2**31), conv=st.booleans())
def test_batchnorm_folding_equals_layer_then_bn(seed, conv):
    rng = np.random.default_rng(seed)
    k = 3
    w = rng.normal(size=(k, 2, 3, 3) if conv else (k, 5))
    b = rng.normal(size=k)
    g, be, mu, var = rng.normal(size=k), rng.normal(size=k), rng.normal(size=k), rng.uniform(0.1, 2, size=k)
    x = rng.normal(size=w.shape[1:])
    y = np.tensordot(w, x, axes=w.ndim - 1) + b  # one output pixel of the conv / the fc output
    y_bn = g * (y - mu) / np.sqrt(var + 1e-5) + be
    w_f, b_f = fold_batchnorm(w, b, g, be, mu, var)
    assert np.allclose(np.tensordot(w_f, x, axes=w.ndim - 1) + b_f, y_bn, rtol=1e-10, atol=1e-10)


def test_dyadic_scales_make_real_quantization_bit_exact():
    # S_x = 2^-3, S_w = 2^-4, S_y = 2^-5 → M = 2^-2 exactly; float64 fake path is exact too
    rng = np.random.default_rng(3)
    xq = QTensor(q=rng.integers(0, 256, size=(8, 16)), scale=2.0**-3, zero_point=17, bits=8, signed=False)
    wq = QTensor(q=rng.integers(-127, 128, size=(5, 16)), scale=2.0**-4, zero_point=0, bits=8, signed=True)
    y = xq.dequantize() @ wq.dequantize().T
    q_fake = np.clip(np.rint(y / 2.0**-5) + 7, -(2**15), 2**15 - 1).astype(np.int64)
    m0, n = quantize_multiplier(2.0**-3 * 2.0**-4 / 2.0**-5)
    acc = gemm_int_folded(xq.q, 17, wq.q, 0)
    q_real = requantize(acc, m0, n, 7, 16, True, rounding="half_even")
    mm = mismatch(q_real, q_fake)
    assert (mm.max_abs_diff_lsb, mm.fraction_bit_exact) == (0, 1.0)


@settings(max_examples=examples(30), deadline=None)
@given(
    seed=st.integers(0, 2**31),
    per_channel=st.booleans(),
    rounding=st.sampled_from(["gemmlowp", "half_even"]),
    bits=st.sampled_from([(8, 8, 8), (4, 4, 8), (8, 8, 4)]),
)
def test_fake_vs_real_fc_differs_by_at_most_one_lsb(seed, per_channel, rounding, bits):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 2, size=(6, 12))
    w = rng.normal(size=(4, 12))
    b = rng.normal(size=4)
    wb, ab, ob = bits
    r = fc_fake_vs_real(
        x, w, b, w_bits=wb, a_bits=ab, out_bits=ob, per_channel=per_channel, rounding=rounding
    )
    # |q_real − q_fake| < 1.5 (gemmlowp: floor/ceil; fake: ≤ 0.5) + 0.5·M (bias rounded at S_w·S_x):
    # at most 1 LSB while M = S_w·S_x/S_y < 1 (and < 2 where gemmlowp does a single rounding, M ≥ 1)
    m_max = float(np.max(np.asarray(r.w_q.scale) * r.x_q.scale / r.scale_y))
    bound = 1 if m_max < 2 else int(np.ceil(1 + 0.5 * m_max))
    assert r.mismatch.max_abs_diff_lsb <= bound
    assert r.q_real.min() >= 0 and r.q_real.max() <= 2**ob - 1


def test_mismatch_metric():
    mm = mismatch(np.array([1, 2, 3, 4]), np.array([1, 2, 5, 3]))
    assert (mm.max_abs_diff_lsb, mm.fraction_bit_exact, mm.count) == (2, 0.5, 4)


def _conv_direct(x, w, stride, padding):
    """Naive float conv2d reference (groups = 1)."""
    n, c, h, wd = x.shape
    k, _, r, s = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    p, q = (h + 2 * padding - r) // stride + 1, (wd + 2 * padding - s) // stride + 1
    y = np.zeros((n, k, p, q))
    for i in range(p):
        for j in range(q):
            patch = xp[:, :, i * stride : i * stride + r, j * stride : j * stride + s]
            y[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return y


def test_im2col_by_hand():
    # 1×1×3×3 input 0..8, 2×2 kernel, stride 1: patches [0,1,3,4], [1,2,4,5], [3,4,6,7], [4,5,7,8]
    x = np.arange(9).reshape(1, 1, 3, 3)
    assert im2col(x, (2, 2)).tolist() == [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    # padding 1 with pad value 9 (a zero point), stride 2: the four corner windows
    assert im2col(x, (2, 2), stride=2, padding=1, pad_value=9).tolist() == [
        [9, 9, 9, 0],
        [9, 9, 1, 2],
        [9, 3, 9, 6],
        [4, 5, 7, 8],
    ]


@settings(max_examples=examples(25), deadline=None)
@given(
    seed=st.integers(0, 2**31),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
    per_channel=st.booleans(),
    rounding=st.sampled_from(["gemmlowp", "half_even"]),
)
def test_conv2d_fake_vs_real(seed, stride, padding, per_channel, rounding):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(2, 3, 5, 5))
    w = rng.normal(size=(4, 3, 3, 3))
    b = rng.normal(size=4)
    r = conv2d_fake_vs_real(
        x, w, b, stride=stride, padding=padding, per_channel=per_channel, rounding=rounding
    )
    # the fake path is the float conv of the dequantized operands (padding with real 0)
    ref = _conv_direct(r.x_q.dequantize(), r.w_q.dequantize(), stride, padding) + b[None, :, None, None]
    assert np.allclose(r.y_float, ref, rtol=1e-12, atol=1e-12)
    assert r.q_real.shape == ref.shape and r.mismatch.max_abs_diff_lsb <= 1
