"""The fixed-point shift requantizer (``activation_impl: shift``): its numerics equal the exact quantized
activation, its LUT price is checked against Yosys, it replaces FINN's thresholds in the MVAU/VVAU estimate
only when asked (FINN parity untouched), and it carries wide activations through a streaming pipeline."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim import simulate
from accelsim.fabrics import load_arch
from accelsim.fpga.finn_estimates import YOSYS_REQUANT_LUTS, Mvau, Vvau, shift_requant_luts
from accelsim.fpga.requant import shift_requantize
from accelsim.fpga.requant_ref import shift_requantize_ref
from accelsim.workload import load_network


@settings(max_examples=examples(200), deadline=None)
@given(
    acc=st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=40),
    shift=st.integers(0, 24),
    out_bits=st.integers(1, 16),
)
def test_shift_requantize_equals_the_exact_quantized_activation(acc, shift, out_bits):
    assert shift_requantize(np.array(acc), shift, out_bits).tolist() == shift_requantize_ref(
        acc, shift, out_bits
    )


def test_shift_requantize_rounds_half_up_and_saturates():
    assert shift_requantize(np.array([-5, 1, 2, 3, 6, 1000]), 2, 3).tolist() == [0, 0, 1, 1, 2, 7]
    with pytest.raises(ValueError, match="shift"):
        shift_requantize(np.array([1]), -1, 4)


def test_requantizer_luts_against_yosys():
    """O + ⌈(A − O)/6⌉ against Yosys 0.23 synth_xilinx of the unit, the worst of its three shifts per width:
    −2 to +1 LUTs on all 18 widths (the check the docstring states)."""
    worst: dict[tuple[int, int], int] = {}
    with YOSYS_REQUANT_LUTS.open() as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            key = (int(row["acc_bits"]), int(row["out_bits"]))
            worst[key] = max(worst.get(key, 0), int(row["luts"]))
    assert len(worst) == 18
    errors = [shift_requant_luts(a, o) - luts for (a, o), luts in worst.items()]
    assert min(errors) >= -2 and max(errors) <= 1, errors


COMMON = dict(mw=576, mh=64, pe=8, simd=9, w_bits=4, a_bits=16, out_bits=16, num_input_vectors=(1, 56, 56))


def test_mvau_shift_requant_replaces_thresholds_only_when_asked():
    thr = Mvau(**COMMON, ram_style_thresholds="distributed")
    shift = Mvau(**COMMON, ram_style_thresholds="distributed", activation_impl="shift")
    raw = Mvau(**COMMON, no_activation=True, activation_impl="shift")
    assert thr.tmem() == 8 and shift.tmem() == 0
    assert shift.cycles() == thr.cycles() and shift.bram18() == thr.bram18()
    # the threshold memory and 65,535 comparators per PE give way to one requantizer per PE
    assert thr.lut() > 100 * shift.lut()
    assert raw.lut() == Mvau(**COMMON, no_activation=True).lut()  # no activation: nothing to requantize
    v_thr = Vvau(channels=64, kernel=(3, 3), dim=(56, 56), pe=4, simd=3, w_bits=4, a_bits=8, out_bits=8)
    v_shift = Vvau(channels=64, kernel=(3, 3), dim=(56, 56), pe=4, simd=3, w_bits=4, a_bits=8, out_bits=8,
                   activation_impl="shift")  # fmt: skip
    assert v_shift.tmem() == 0 and v_shift.lut() < v_thr.lut()


def test_mvau_shift_lut_formula_is_exact():
    shift = Mvau(**COMMON, activation_impl="shift")
    raw = Mvau(**COMMON, no_activation=True)
    acc = int(shift._acc_width())
    mult = 9 * (2 * -(-20 // 6) - 1) * 20  # FINN's LUT multiplier, 9 lanes of 4x16
    tree = 20 * (2 * 9 - 1)
    assert raw.lut() == int(300 + 1.1 * 8 * (mult + tree + acc))
    assert shift.lut() == int(300 + 1.1 * 8 * (mult + tree + acc + shift_requant_luts(acc, 16)))


def test_streaming_pipeline_carries_16_bit_activations_by_shifts():
    """A 16-bit streaming pipeline: with shifts every MVAU emits 16-bit codes (the FIFOs and generators are
    sized for them), with no threshold memory; the folding and cycles do not change."""
    net = load_network("lenet5-digits").with_bits(4, 16)
    arch = load_arch("finn-cnv-pynq", folding={}, swg_simd={}, target_fps=1000, activation_bits=16)
    p_thr = simulate(net, arch).pipeline
    p_shift = simulate(net, arch.model_copy(update={"activation_impl": "shift"})).pipeline
    assert p_shift["initiation_interval_cycles"] == p_thr["initiation_interval_cycles"]
    assert p_shift["total_resources"]["lut"] != p_thr["total_resources"]["lut"]
