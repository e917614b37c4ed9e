"""Crossbar functional model: exactness when lossless, equality with the bit-level reference when lossy,
seeded non-idealities, mapping and conv layers."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.crossbar_mapping import crossbar_layer, im2col, map_layer, weights_to_gemm
from accelsim.memory.adc import AdcConfig, quantize_reference
from accelsim.memory.crossbar import CrossbarConfig, crossbar_gemm
from accelsim.memory.crossbar_reference import crossbar_gemm_reference
from accelsim.memory.dac import slice_inputs
from accelsim.workload import Layer, Precision


def _operands(data, w_bits, a_bits, w_signed, a_signed, m, k, n):
    rng = np.random.default_rng(data)
    alo, ahi = (-(2 ** (a_bits - 1)), 2 ** (a_bits - 1)) if a_signed else (0, 2**a_bits)
    wlo, whi = (-(2 ** (w_bits - 1)), 2 ** (w_bits - 1)) if w_signed else (0, 2**w_bits)
    x = rng.integers(alo, ahi, size=(m, k))
    w = rng.integers(wlo, whi, size=(k, n))
    # include the extreme values
    x.flat[0], w.flat[0] = alo, wlo
    x.flat[-1], w.flat[-1] = ahi - 1, whi - 1
    return x, w


shape = st.fixed_dictionaries(
    {
        "m": st.integers(1, 6),
        "k": st.integers(1, 40),
        "n": st.integers(1, 5),
        "w_bits": st.integers(1, 8),
        "a_bits": st.integers(1, 8),
        "w_signed": st.booleans(),
        "a_signed": st.booleans(),
        "cell_bits": st.integers(1, 4),
        "dac_bits": st.integers(1, 4),
        "rows": st.integers(2, 17),
        "encoding": st.sampled_from(["offset", "differential", "flipped"]),
        "seed": st.integers(0, 2**31 - 1),
    }
)


def _xbar(p, adc_bits=None, **adc):
    base = CrossbarConfig(
        rows=p["rows"],
        cols=32,
        cell_bits=p["cell_bits"],
        encoding=p["encoding"],
        cols_per_adc=8,
        dac={"bits": p["dac_bits"]},
    )
    bits = adc_bits if adc_bits is not None else base.adc_bits_needed(p["a_bits"], p["a_signed"])
    return base.model_copy(update={"adc": AdcConfig(bits=min(bits, 16), **adc)})


@settings(max_examples=examples(60), deadline=None)
@given(shape)
def test_lossless_equals_integer_gemm(p):
    x, w = _operands(
        p["seed"], p["w_bits"], p["a_bits"], p["w_signed"], p["a_signed"], p["m"], p["k"], p["n"]
    )
    xb = _xbar(p)
    r = crossbar_gemm(x, w, xb, p["w_bits"], p["a_bits"], p["w_signed"], p["a_signed"], seed=p["seed"])
    assert r.metrics["lossless"]
    np.testing.assert_array_equal(r.y_int, x @ w)
    assert r.metrics["int_max_abs_err"] == 0.0


@settings(max_examples=examples(40), deadline=None)
@given(shape, st.integers(1, 6), st.floats(-0.4, 0.4), st.floats(-0.5, 0.5), st.sampled_from([0.0, 0.2]))
def test_lossy_adc_equals_bit_level_reference(p, adc_bits, offset, inl, dnl):
    """Truncating ADC with offset/INL/DNL: the fused kernel equals the loop reference exactly."""
    x, w = _operands(
        p["seed"], p["w_bits"], p["a_bits"], p["w_signed"], p["a_signed"], p["m"], p["k"], p["n"]
    )
    xb = _xbar(p, adc_bits, offset_lsb=offset, inl_lsb=inl, dnl_lsb=dnl)
    r = crossbar_gemm(x, w, xb, p["w_bits"], p["a_bits"], p["w_signed"], p["a_signed"], seed=p["seed"])
    ref = crossbar_gemm_reference(x, w, xb, p["w_bits"], p["a_bits"], p["w_signed"], p["a_signed"], r.adc_dnl)
    np.testing.assert_allclose(r.y, ref, rtol=0, atol=1e-6 * max(1.0, np.abs(ref).max()))


def test_isaac_flipped_encoding_saves_one_adc_bit():
    for enc, bits in (("offset", 9), ("flipped", 8), ("differential", 10)):
        xb = CrossbarConfig(rows=128, cols=128, cell_bits=2, encoding=enc, dac={"bits": 1})
        assert xb.adc_bits_needed(16, False) == bits


def test_truncating_adc_reports_mismatch():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(20, 200))
    w = rng.integers(-128, 128, size=(200, 16))
    xb = CrossbarConfig(rows=128, cols=128, cell_bits=2, encoding="offset", adc={"bits": 6}, dac={"bits": 1})
    r = crossbar_gemm(x, w, xb, 8, 8, True, False, seed=0)
    assert not r.metrics["lossless"]
    assert r.metrics["adc_step_counts"] == 8.0  # worst case 384 -> 6 bits hold 63 -> step 8
    assert 0 < r.metrics["int_nrmse"] < 0.5
    assert r.metrics["int_mismatch_fraction"] > 0.5


NONIDEAL = [
    {"device": {"conductance_levels": 3}},
    {"device": {"programming_noise": "gaussian", "programming_sigma": 0.02}},
    {"device": {"programming_noise": "lognormal", "programming_sigma": 0.05}},
    {"device": {"programming_noise": "pcm", "programming_sigma": 1.0}},
    {"device": {"read_noise_sigma": 0.01}},
    {"device": {"stuck_at_0_rate": 0.05}},
    {"device": {"stuck_at_1_rate": 0.05}},
    {"device": {"drift_nu": 0.05, "drift_nu_std": 0.01, "drift_t_s": 3600}},
    {"device": {"ir_drop": 0.5}},
    {"adc": {"bits": 12, "offset_lsb": 0.7}},
    {"adc": {"bits": 12, "inl_lsb": 1.5}},
    {"adc": {"bits": 6, "dnl_lsb": 0.3}},
    {"dac": {"bits": 2, "inl_lsb": 0.3}},
    {"adc": {"bits": 12, "range_mode": "calibrated", "calibration_percentile": 99.0}},
    {"adc": {"bits": 6, "range_mode": "full_scale", "full_scale_counts": 100.0}},
]


@pytest.mark.parametrize("cfg", NONIDEAL, ids=lambda c: "-".join(f"{k}.{'.'.join(v)}" for k, v in c.items()))
def test_each_nonideality_changes_result_and_is_seeded(cfg):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 16, size=(12, 60))
    w = rng.integers(-8, 8, size=(60, 10))
    base = {
        "rows": 32,
        "cols": 64,
        "cell_bits": 2,
        "encoding": "differential",
        "adc": {"bits": 12},
        "dac": {"bits": 1},
    }
    for key, val in cfg.items():
        base[key] = {**base.get(key, {}), **val}
    xb = CrossbarConfig.model_validate(base)
    a = crossbar_gemm(x, w, xb, 4, 4, True, False, seed=3)
    b = crossbar_gemm(x, w, xb, 4, 4, True, False, seed=3)
    c = crossbar_gemm(x, w, xb, 4, 4, True, False, seed=4)
    assert not a.metrics["lossless"]
    np.testing.assert_array_equal(a.y, b.y)
    clean = {**base, "device": {}, "adc": {"bits": base["adc"]["bits"]}, "dac": {"bits": base["dac"]["bits"]}}
    ref = crossbar_gemm(x, w, CrossbarConfig.model_validate(clean), 4, 4, True, False, seed=3)
    assert np.abs(a.y - ref.y).max() > 0
    random_model = (
        "device" in cfg
        and set(cfg["device"]) - {"conductance_levels", "ir_drop"}
        or "dnl_lsb" in cfg.get("adc", {})
    )
    if random_model:
        assert np.abs(a.y - c.y).max() > 0  # another seed, another draw


def test_drift_compensation_reduces_error():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 16, size=(30, 64))
    w = rng.integers(-8, 8, size=(64, 16))
    dev = {"drift_nu": 0.06, "drift_nu_std": 0.005, "drift_t_s": 86400.0}
    errs = []
    for comp in (False, True):
        xb = CrossbarConfig(
            rows=64,
            cols=64,
            cell_bits=2,
            encoding="differential",
            adc={"bits": 14},
            device={**dev, "drift_compensation": comp},
        )
        errs.append(crossbar_gemm(x, w, xb, 4, 4, True, False, seed=1).metrics["int_nrmse"])
    assert errs[1] < 0.5 * errs[0]


def test_read_noise_scales_with_sigma():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 16, size=(40, 64))
    w = rng.integers(-8, 8, size=(64, 16))
    e = []
    for s in (0.05, 0.2):
        xb = CrossbarConfig(
            rows=64,
            cols=64,
            cell_bits=2,
            encoding="differential",
            adc={"bits": 14},
            device={"read_noise_sigma": s},
        )
        e.append(crossbar_gemm(x, w, xb, 4, 4, True, False, seed=1).metrics["int_rmse"])
    assert 3.0 < e[1] / e[0] < 5.0


def test_slice_inputs_roundtrip():
    x = np.arange(-128, 128).reshape(16, 16)
    for d in (1, 2, 3, 8):
        ch = slice_inputs(x, 8, True, d)
        np.testing.assert_array_equal(sum(c * 2 ** (j * d) for j, c in enumerate(ch)), x)


def test_adc_quantize_reference_clip_and_round():
    cfg = AdcConfig(bits=3)
    v = np.array([-1.0, 0.4, 0.5, 1.5, 2.5, 6.6, 9.0])
    np.testing.assert_array_equal(quantize_reference(v, 1.0, cfg, False), [0, 0, 0, 2, 2, 7, 7])


def test_conv_layer_through_crossbars_is_exact():
    layer = Layer(
        name="c",
        op="conv2d",
        in_channels=4,
        out_channels=6,
        in_h=7,
        in_w=6,
        kernel=3,
        stride=2,
        padding=1,
        groups=2,
    )
    prec = Precision(w_bits=4, a_bits=4)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 16, size=(1, 4, 7, 6))
    w = rng.integers(-8, 8, size=(6, 2, 3, 3))
    xb = CrossbarConfig(rows=8, cols=32, cell_bits=2, encoding="offset", adc={"bits": 8})
    y, metrics = crossbar_layer(x, w, layer, prec, xb, seed=0)
    # direct convolution
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    ref = np.zeros((1, 6, layer.P, layer.Q), dtype=np.int64)
    for k in range(6):
        g = k // 3
        for p in range(layer.P):
            for q in range(layer.Q):
                patch = xp[0, 2 * g : 2 * g + 2, 2 * p : 2 * p + 3, 2 * q : 2 * q + 3]
                ref[0, k, p, q] = int((patch * w[k]).sum())
    assert metrics["lossless"]
    np.testing.assert_array_equal(y, ref)
    assert im2col(x, layer).shape == (2, layer.P * layer.Q, 18)
    assert weights_to_gemm(w, layer).shape == (2, 18, 3)


def test_float_metrics_reported():
    layer = Layer(name="f", op="fc", in_channels=50, out_channels=8)
    rng = np.random.default_rng(0)
    xf = rng.random((1, 50))
    wf = rng.normal(size=(8, 50))
    sx, sw = 1 / 255, np.abs(wf).max() / 127
    xi, wi = np.rint(xf / sx).astype(int), np.rint(wf / sw).astype(int)
    xb = CrossbarConfig(rows=32, cols=64, cell_bits=2, adc={"bits": 5})
    y, m = crossbar_layer(
        xi,
        wi,
        layer,
        Precision(w_bits=8, a_bits=8),
        xb,
        seed=0,
        x_scale=sx,
        w_scale=sw,
        y_float_ref=xf @ wf.T,
    )
    assert y.shape == (1, 8)
    assert m["float_nrmse"] > m["float_nrmse_ideal"] > 0


def test_mapping_counts_and_replication():
    layer = Layer(
        name="c", op="conv2d", in_channels=64, out_channels=64, in_h=56, in_w=56, kernel=3, padding=1
    )
    xb = CrossbarConfig(rows=128, cols=128, cell_bits=2, dac={"bits": 1})
    mp = map_layer(layer, Precision(w_bits=8, a_bits=8), xb, available_crossbars=1000, max_replication=4)
    assert (mp.row_tiles, mp.col_tiles, mp.crossbars) == (5, 2, 10)  # K=576, N·4 cols = 256
    assert mp.replication == 4 and mp.folds == 1
    assert mp.reads_per_crossbar == 56 * 56 // 4 * 8
    few = map_layer(layer, Precision(w_bits=8, a_bits=8), xb, available_crossbars=7, max_replication=4)
    assert few.folds == 2 and few.replication == 1


def test_read_seed_redraws_only_read_noise():
    rng = np.random.default_rng(4)
    x = rng.integers(0, 16, size=(10, 40))
    w = rng.integers(-8, 8, size=(40, 6))
    prog = {"programming_noise": "gaussian", "programming_sigma": 0.05}
    xb = CrossbarConfig(rows=32, cols=64, encoding="differential", adc={"bits": 12}, device=prog)
    a = crossbar_gemm(x, w, xb, 4, 4, seed=1, read_seed=1).y
    b = crossbar_gemm(x, w, xb, 4, 4, seed=1, read_seed=2).y
    np.testing.assert_array_equal(a, b)  # no read noise: the read seed changes nothing
    xn = xb.model_copy(update={"device": xb.device.model_copy(update={"read_noise_sigma": 0.05})})
    a = crossbar_gemm(x, w, xn, 4, 4, seed=1, read_seed=1).y
    b = crossbar_gemm(x, w, xn, 4, 4, seed=1, read_seed=2).y
    assert np.abs(a - b).max() > 0


def test_sense_amplifier_on_differential_column_outputs_the_sign():
    rng = np.random.default_rng(6)
    x = rng.integers(0, 2, size=(30, 64))
    w = rng.choice([-1, 1], size=(64, 12))
    xb = CrossbarConfig(
        rows=64, cols=64, cell_bits=2, encoding="differential", sense="sense_amp", dac={"bits": 1}
    )
    r = crossbar_gemm(x, w, xb, w_bits=2, a_bits=1, seed=0)
    ref = x @ w
    np.testing.assert_array_equal(np.sign(r.y), np.where(ref >= 0, 1, -1))
    assert len(np.unique(np.abs(r.y))) == 1  # ±full scale
    assert not r.metrics["lossless"]


def test_user_mistakes_are_input_errors():
    from accelsim.errors import AccelsimInputError
    from accelsim.fabrics import load_arch

    xb = CrossbarConfig(rows=8, cols=16)
    with pytest.raises(AccelsimInputError, match="w_int"):
        crossbar_gemm(np.ones((2, 4), int), np.full((4, 3), 200), xb, 8, 8)
    with pytest.raises(AccelsimInputError, match="x_int"):
        crossbar_gemm(np.full((2, 4), 300), np.ones((4, 3), int), xb, 8, 8)
    with pytest.raises(AccelsimInputError, match="full_scale_counts"):
        load_arch("isaac", **{"crossbar.adc.range_mode": "full_scale"})


def test_isaac_16_bit_lossless():
    rng = np.random.default_rng(9)
    x = rng.integers(0, 2**16, size=(3, 300))
    w = rng.integers(-(2**15), 2**15, size=(300, 5))
    xb = CrossbarConfig(rows=128, cols=128, cell_bits=2, encoding="flipped", adc={"bits": 8}, dac={"bits": 1})
    r = crossbar_gemm(x, w, xb, 16, 16, True, False, seed=0)
    assert r.metrics["lossless"]
    np.testing.assert_array_equal(r.y_int, x @ w)


def test_ir_drop_matches_documented_first_order_formula():
    """One row tile, one input chunk, fine ADC: y ≈ Σ_r x·ℓ·(1 − ρ·d(r,n)·|I|/I_max)."""
    rng = np.random.default_rng(10)
    rows, k, n = 16, 16, 5
    x = rng.integers(0, 2, size=(7, k))
    w = rng.integers(0, 4, size=(k, n))
    rho = 0.3
    fs = 2.0**15 / 64  # step 1/64 with a 16-bit unsigned ADC
    xb = CrossbarConfig(
        rows=rows,
        cols=32,
        cell_bits=2,
        encoding="offset",
        dac={"bits": 1},
        adc={"bits": 16, "range_mode": "full_scale", "full_scale_counts": fs * 2 - 1 / 64},
        device={"ir_drop": rho},
    )
    r = crossbar_gemm(x, w, xb, 2, 1, w_signed=False, a_signed=False, seed=0)
    worst = rows * 3 * 1
    ideal = x @ w
    ref = np.zeros_like(ideal, dtype=np.float64)
    for m in range(x.shape[0]):
        for col in range(n):
            frac = abs(ideal[m, col]) / worst
            for row in range(k):
                d = ((col + 1) / 32 + (rows - row) / rows) / 2
                ref[m, col] += x[m, row] * w[row, col] * (1 - rho * d * frac)
    np.testing.assert_allclose(r.y, ref, atol=1 / 64)


def test_drift_formula_and_compensation():
    from accelsim.memory.devices import DeviceConfig, program_levels

    levels = np.arange(4).repeat(50).reshape(8, 25)
    dev = DeviceConfig(
        drift_nu=0.05, drift_nu_std=0.0, drift_t_s=2000.0, drift_t0_s=20.0, g_min_us=0.0, g_max_us=3.0
    )
    g = program_levels(levels, 2, dev, np.random.default_rng(0))
    np.testing.assert_allclose(g, levels * 100.0**-0.05, rtol=1e-6)
    comp = dev.model_copy(update={"drift_compensation": True})
    np.testing.assert_allclose(program_levels(levels, 2, comp, np.random.default_rng(0)), levels, rtol=1e-5)
