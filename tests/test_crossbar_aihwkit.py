"""aihwkit-compatible IO mode: hand-computed vectors from the REFERENCES.md semantics and, when present,
golden vectors produced by IBM aihwkit 1.2.0 (tests/data/aihwkit/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from accelsim.memory.crossbar_aihwkit import AihwkitIOConfig, aihwkit_forward

GOLDEN = Path(__file__).parent / "data" / "aihwkit" / "aihwkit_1.2.0_golden.npz"
GOLDEN_TORCH = Path(__file__).parent / "data" / "aihwkit" / "aihwkit_1.2.0_torch_tile_golden.npz"


def test_dac_step_is_res_times_two_bounds_quantize_then_clip():
    io = AihwkitIOConfig(noise_management="none", bound_management="none", out_res=0.0, out_bound=0.0)
    w = np.eye(4, dtype=np.float32)
    x = np.array([[0.5, -0.25, 1.2, 1.0 / 126]], dtype=np.float32)
    y = aihwkit_forward(x, w, io)
    # step = float32(1/126)·2 = 0.015873017 (slightly above 1/63, as aihwkit computes it in float32):
    # 0.5/step = 31.49999 -> 31 (a float64 computation would see the midpoint 31.5 -> 32);
    # -15.75 -> -16; 1.2 -> 75.6 -> 76 steps -> clipped to 1 (quantize first, then clip); 0.5 step -> 0 (even)
    np.testing.assert_allclose(y[0], [31 / 63, -16 / 63, 1.0, 0.0], rtol=0, atol=1e-7)


def test_adc_step_and_clip():
    io = AihwkitIOConfig(noise_management="none", bound_management="none", inp_res=0.0)
    w = np.array([[1.0, 1.0], [10.0, 10.0], [-0.5, 0.0]], dtype=np.float32)
    x = np.array([[0.3, 0.2]], dtype=np.float32)
    y = aihwkit_forward(x, w, io)
    step = 24 / 510
    assert y[0, 0] == pytest.approx(round(0.5 / step) * step, abs=1e-6)  # 10.625 -> 11 steps
    assert y[0, 1] == pytest.approx(106 * step, rel=1e-6)  # 5.0 -> 106.25 steps -> 106·step = 4.988
    assert y[0, 2] == pytest.approx(np.rint(-0.15 / step) * step, abs=1e-6)


def test_adc_step_and_clip_values():
    io = AihwkitIOConfig(noise_management="none", bound_management="none", inp_res=0.0, out_bound=2.0)
    w = np.array([[10.0]], dtype=np.float32)
    y = aihwkit_forward(np.array([[0.3], [0.05]], dtype=np.float32), w, io)
    assert y[0, 0] == pytest.approx(2.0)  # 3.0 clipped to the bound
    step = np.float32(1 / 510) * np.float32(4.0)
    assert y[1, 0] == pytest.approx(float(np.rint(np.float32(0.5) / step) * step), abs=1e-7)


def test_abs_max_noise_management_and_zero_vector():
    io = AihwkitIOConfig(bound_management="none")
    w = np.array([[1.0, 2.0]], dtype=np.float32)
    x = np.array([[4.0, 2.0], [0.0, 0.0]], dtype=np.float32)
    y = aihwkit_forward(x, w, io)
    # x/4 = [1, 0.5] -> exact on the 1/63 grid; y = 2.0 -> 2.0/(24/510) = 42.5 -> 42 (half-even)
    step = 24 / 510
    assert y[0, 0] == pytest.approx(42 * step * 4, rel=1e-6)
    assert y[1, 0] == 0.0


def test_iterative_bound_management_halves_input():
    io = AihwkitIOConfig(noise_management="none", inp_res=0.0, out_res=0.0, out_bound=1.0)
    w = np.array([[3.0]], dtype=np.float32)
    y = aihwkit_forward(np.array([[0.9], [0.2]], dtype=np.float32), w, io)
    # 2.7 > 1 -> /2 -> 1.35 > 1 -> /4 -> 0.675 inside: output 0.675·4 = 2.7; 0.6 passes at once
    np.testing.assert_allclose(y[:, 0], [2.7, 0.6], rtol=1e-6)
    no_bm = aihwkit_forward(
        np.array([[0.9]], dtype=np.float32), w, io.model_copy(update={"bound_management": "none"})
    )
    assert no_bm[0, 0] == pytest.approx(1.0)


def test_bound_management_stops_at_max_bm_res():
    # inp step 1/63 -> stop once reduction > 0.25·63 = 15.75, i.e. at 16
    io = AihwkitIOConfig(noise_management="none", out_res=0.0, out_bound=1.0)
    w = np.array([[1000.0]], dtype=np.float32)
    y = aihwkit_forward(np.array([[1.0]], dtype=np.float32), w, io)
    assert y[0, 0] == pytest.approx(16.0)  # clipped at 1 with the input reduced 16×


def test_batch_scope_reduces_the_whole_batch():
    io = AihwkitIOConfig(noise_management="none", inp_res=0.0, out_res=0.0, out_bound=1.0, bm_scope="batch")
    w = np.array([[3.0]], dtype=np.float32)
    y = aihwkit_forward(np.array([[0.9], [0.2]], dtype=np.float32), w, io)
    np.testing.assert_allclose(y[:, 0], [2.7, 0.6], rtol=1e-6)


def test_equals_aihwkit_1_2_0_golden_vectors():
    data = np.load(GOLDEN)
    meta = json.loads(str(data["meta_json"]))
    assert meta["aihwkit"] == "1.2.0"
    total = off_by_one = 0
    for case in meta["cases"]:
        name = case.pop("name")
        io = AihwkitIOConfig(**case)
        x, w, y_ref = data[f"{name}_x"], data[f"{name}_w"], data[f"{name}_y"]
        y = aihwkit_forward(x, w, io)
        assert y.shape == y_ref.shape
        ob = case["out_bound"]
        res = case["out_res"] if case["out_res"] <= 1 else 1.0 / case["out_res"]
        step = np.float32(res) * np.float32(2 * ob)
        diff = np.abs(y - y_ref)
        # scale of one ADC step in output units for each row: step · nm-scale · bm reduction
        close = diff <= 1e-5 * np.maximum(1.0, np.abs(y_ref))
        total += y.size
        if step > 0:
            nm = (
                np.abs(x).max(axis=1, keepdims=True)
                if case["noise_management"] == "abs_max"
                else np.ones((len(x), 1))
            )
            one_step = ~close & (diff <= 1.01 * step * nm * 16)
            off_by_one += int(one_step.sum())
            assert np.all(close | one_step), (
                f"{name}: {int((~close).sum())} outputs differ by more than one step"
            )
        else:
            assert np.all(close), name
    # midpoint cases (float32 GEMM summation order) must stay rare
    assert off_by_one <= 0.001 * total, (off_by_one, total)


def test_batch_scope_equals_aihwkit_torch_tile():
    """aihwkit's torch tile halves the whole batch while any output saturates: bm_scope='batch'."""
    data = np.load(GOLDEN_TORCH)
    meta = json.loads(str(data["meta_json"]))
    differs_from_vector = 0
    for case in meta["cases"]:
        name = case.pop("name")
        x, w, y_ref = data[f"{name}_x"], data[f"{name}_w"], data[f"{name}_y"]
        y = aihwkit_forward(x, w, AihwkitIOConfig(**case))
        np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-6)
        y_vec = aihwkit_forward(x, w, AihwkitIOConfig(**{**case, "bm_scope": "vector"}))
        differs_from_vector += int(np.abs(y_vec - y_ref).max() > 1e-3)
    assert differs_from_vector >= 2  # the two tiles do disagree where bound management acts
