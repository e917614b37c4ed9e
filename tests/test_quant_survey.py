"""The measured comparison tables of docs/quantization.md behave as theory says (seeded, small)."""

import numpy as np

from accelsim.quant.survey import calibration_table, quantizer_table, sqnr_db


def test_sqnr_by_hand():
    # Σx² = 1 + 4 = 5, Σ(x − x̂)² = 0.25 + 0 → 10·log10(20) = 13.01 dB
    assert abs(sqnr_db(np.array([1.0, 2.0]), np.array([1.5, 2.0])) - 10 * np.log10(20)) < 1e-12
    assert sqnr_db(np.ones(3), np.ones(3)) == float("inf")


def test_quantizer_table_orderings():
    rows = {(n, b): (w, a) for n, b, w, a in quantizer_table(seed=0)}
    # uniform: ≈ 6.02 dB per bit between 4 and 8 bits (measured 6.15 dB/bit)
    per_bit = (rows[("uniform", 8)][0] - rows[("uniform", 4)][0]) / 4
    assert 5.5 < per_bit < 6.5
    # Lloyd-Max (k-means) beats uniform on Gaussian weights at equal bits
    for b in (2, 4, 8):
        assert rows[("kmeans", b)][0] > rows[("uniform", b)][0]
    # ternary beats binary (one more level); TWN's least-squares α beats BWN's
    assert rows[("twn", 2)][0] > rows[("bwn", 1)][0]
    # FP8 (2 mantissa bits) has a flat ≈ 25 dB SQNR, below 8-bit uniform's on a bounded Gaussian
    assert 20 < rows[("fp8", 8)][0] < rows[("uniform", 8)][0]


def test_calibration_table_orderings():
    rows = {(m, b): s for m, b, s in calibration_table(seed=0)}
    # with 20σ outliers, clipping (mse) beats min/max at 4 bits; mse is never worse than minmax
    assert rows[("mse", 4)] > rows[("minmax", 4)] + 2.0
    assert rows[("mse", 8)] >= rows[("minmax", 8)] - 1e-9
