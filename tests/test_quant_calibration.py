"""Range calibration (seed 002 §III-C/D): min/max, percentile, MSE search, KL (TensorRT) by hand."""

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from accelsim.errors import AccelsimInputError
from accelsim.quant import calibrate, quantize
from accelsim.quant.calibration import kl_threshold, subsample


def test_minmax_by_hand():
    lo, hi = calibrate(np.array([-2.0, 1.0, 3.0]), "minmax")
    assert (float(lo), float(hi)) == (-2.0, 3.0)


def test_minmax_per_channel():
    lo, hi = calibrate(np.array([[1.0, -4.0], [2.0, 5.0]]), "minmax", axis=0)
    assert lo.tolist() == [-4.0, 2.0] and hi.tolist() == [1.0, 5.0]


def test_percentile_by_hand():
    # x = 0, 1, …, 100: the 99th percentile is 99 and the 1st is 1 (linear interpolation hits them exactly)
    lo, hi = calibrate(np.arange(101.0), "percentile", percentile=99.0)
    assert (float(lo), float(hi)) == (1.0, 99.0)


def test_mse_search_by_hand():
    # x = twenty 3s and one 12; unsigned 2-bit symmetric, candidates hi = c·12, c ∈ {1/4, 2/4, 3/4, 1}:
    #   S = 1: 12 → 3, SSE 81            → MSE 81/21 = 3.86
    #   S = 2: 3 → round(1.5) = 2 → 4 (err 1 ×20), 12 → 6 (err 36) → 56/21 = 2.67
    #   S = 3: 3 exact, 12 → 9 (err 9)   → 9/21 = 0.43   ← minimum
    #   S = 4: 3 → round(0.75) = 1 → 4 (err 1 ×20), 12 exact → 20/21 = 0.95
    lo, hi = calibrate(np.array([3.0] * 20 + [12.0]), "mse", 2, "symmetric", signed=False, num_candidates=4)
    assert float(hi) == 9.0 and float(lo) == 2.25  # lo = c·min = 0.75·3 (irrelevant to a symmetric scheme)


def test_kl_by_hand():
    # |x| histogram [6, 2, 0, 0, 0, 1] on edges 0..6, n_q = 2 quantized bins:
    #  i=2: P = [6, 2+1] /9, Q = [6, 2]/8:  KL = 2/3 ln((2/3)/0.75) + 1/3 ln((1/3)/0.25) = 0.0174  ← minimum
    #  i=3: P = [6, 2, 1]/9, Q = [6, 2, 0]/8 → smoothed [.74995, .24995, 1e-4]: KL = 0.675
    #  i=4: P = [6, 2, 0, 1]/9, Q = [4, 4, 0, 0]/8 (groups [0:2], [2:4]) → KL = 0.791
    #  i=6: P = [6, 2, 0, 0, 0, 1]/9, Q = [4, 4, 0, 0, 0, 1]/9 → KL = 0.116
    # threshold = upper edge of bin 2 = 2.0
    assert kl_threshold(np.array([6, 2, 0, 0, 0, 1]), np.arange(7.0), 2) == 2.0
    # with no outliers beyond the bulk, nothing is clipped: [4, 4, 0, 1] → i=4 reproduces P exactly (KL 0)
    assert kl_threshold(np.array([4, 4, 0, 1]), np.arange(5.0), 2) == 4.0


def test_kl_clips_outliers_of_a_gaussian():
    x = np.random.default_rng(0).normal(size=20000)
    x[:5] = 50.0
    # TensorRT's 2048 bins: the threshold lands near 4σ, far below the outliers at 50
    lo, hi = calibrate(x, "kl", 8)
    assert 3.0 < float(hi) < 6.0 and float(lo) == -float(hi)
    # the method never clips below n_q bins: with 512 bins (n_q = 128 covers 12.5) it keeps the outliers
    assert float(calibrate(x, "kl", 8, num_bins=512)[1]) == 50.0


def test_subsampling_is_seeded():
    x = np.random.default_rng(1).normal(size=5000)
    a = calibrate(x, "percentile", percentile=99.0, sample_size=500, seed=7)
    b = calibrate(x, "percentile", percentile=99.0, sample_size=500, seed=7)
    c = calibrate(x, "percentile", percentile=99.0, sample_size=500, seed=8)
    assert a == b and a != c
    assert subsample(x, 500, 3).shape == (500,)


def test_bad_calibration_inputs():
    with pytest.raises(AccelsimInputError, match="method"):
        calibrate(np.ones(3), "entropyy")
    with pytest.raises(AccelsimInputError, match="percentile"):
        calibrate(np.ones(3), "percentile", percentile=20.0)
    with pytest.raises(AccelsimInputError, match="axis"):
        calibrate(np.ones((2, 2)), "kl", axis=0)
    with pytest.raises(AccelsimInputError, match="scheme"):
        calibrate(np.ones(3), "kl", scheme="asymmetric")


@settings(max_examples=examples(25), deadline=None)
@given(
    x=hnp.arrays(np.float64, (5, 8), elements=st.floats(-10, 10, allow_nan=False)),
    bits=st.integers(2, 6),
    scheme=st.sampled_from(["symmetric", "asymmetric"]),
)
def test_mse_never_worse_than_minmax_and_per_channel_is_per_slice(x, bits, scheme):
    lo, hi = calibrate(x, "mse", bits, scheme, num_candidates=20)
    mse_opt = np.mean((quantize(x, bits, scheme, lo=lo, hi=hi).dequantize() - x) ** 2)
    mse_mm = np.mean((quantize(x, bits, scheme).dequantize() - x) ** 2)
    assert mse_opt <= mse_mm + 1e-12
    lo_c, hi_c = calibrate(x, "mse", bits, scheme, axis=0, num_candidates=20)
    for i in range(x.shape[0]):
        lo_i, hi_i = calibrate(x[i], "mse", bits, scheme, num_candidates=20)
        assert (lo_c[i], hi_c[i]) == (lo_i, hi_i)
