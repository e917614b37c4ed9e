"""The overlapped pipeline model (accelsim.fpga.pipeline): the numba token recurrence equals the cycle-stepped
reference, throughput stays FINN's, and the latency lies between the bottleneck and FINN's no-overlap sum."""

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.fpga.pipeline import (
    Fifo,
    Stage,
    edge_occupancy_tokens,
    max_occupancy_tokens,
    optimize_depth,
    pipeline_timing,
    proportional_need,
    schedule,
    window_need,
)
from accelsim.fpga.pipeline_ref import simulate_cycles, to_arrays


@st.composite
def chains(draw, max_stages=5):
    stages = []
    for i in range(draw(st.integers(1, max_stages))):
        n = draw(st.integers(1, 12))
        c = draw(st.integers(0, 40))
        if i == 0:
            need = np.zeros(n, np.int64)
        else:
            n_up = stages[-1].tokens
            need = np.sort(
                np.array(draw(st.lists(st.integers(-1, n_up - 1), min_size=n, max_size=n)), np.int64)
            )
        stages.append(Stage(f"s{i}", n, c, need, eager=draw(st.booleans())))
    return stages


def equal_to_reference(stages, frames):
    """Every token's completion cycle and every stream's maximum occupancy equal the cycle-stepped
    reference's; returns (starts, dones, the reference's occupancies)."""
    starts, dones = schedule(stages, frames)
    ref_done, ref_occ = simulate_cycles(stages, frames)
    for a, b in zip(dones, to_arrays(ref_done), strict=True):
        assert np.array_equal(a, b)
    assert edge_occupancy_tokens(stages, starts, dones) == ref_occ
    return starts, dones, ref_occ


@settings(max_examples=examples(60), deadline=None)
@given(stages=chains(), frames=st.integers(1, 3))
def test_token_recurrence_equals_the_cycle_stepped_reference(stages, frames):
    starts, dones, ref_occ = equal_to_reference(stages, frames)
    assert max_occupancy_tokens(stages, starts, dones) == [0] + [
        ref_occ[(i - 1, i)] for i in range(1, len(stages))
    ]


@st.composite
def dags(draw, max_stages=6):
    """Random pipelines with branches: each stage after the first reads 1-2 earlier stages (fan-out and
    skip streams, as a residual add or a concat has)."""
    stages = []
    for i in range(draw(st.integers(1, max_stages))):
        n = draw(st.integers(1, 10))
        c = draw(st.integers(0, 30))
        sources = None
        if i > 0:
            srcs = sorted(set(draw(st.lists(st.integers(0, i - 1), min_size=1, max_size=2))))
            sources = tuple(
                (k, np.sort(np.array(draw(st.lists(st.integers(-1, stages[k].tokens - 1), min_size=n, max_size=n)),
                                     np.int64)))
                for k in srcs
            )  # fmt: skip
        stages.append(Stage(f"s{i}", n, c, np.zeros(n, np.int64), eager=draw(st.booleans()), sources=sources))
    return stages


@settings(max_examples=examples(60), deadline=None)
@given(stages=dags(), frames=st.integers(1, 3))
def test_branching_pipelines_equal_the_cycle_stepped_reference(stages, frames):
    equal_to_reference(stages, frames)


@settings(max_examples=examples(40), deadline=None)
@given(stages=chains(), frames=st.integers(4, 6))
def test_throughput_is_finns_and_latency_between_the_bottleneck_and_the_no_overlap_sum(stages, frames):
    stages = [s for s in stages if s.cycles > 0] or [Stage("x", 3, 7, np.zeros(3, np.int64))]
    stages = [stages[0]] + [
        Stage(s.name, s.tokens, s.cycles, np.minimum(s.need, stages[i].tokens - 1), s.eager)
        for i, s in enumerate(stages[1:])
    ]
    for i in range(1, len(stages)):  # re-chain: a later stage's needs must index the one before it
        up = stages[i - 1].tokens
        stages[i] = Stage(stages[i].name, stages[i].tokens, stages[i].cycles,
                          proportional_need(stages[i].tokens, up), stages[i].eager)  # fmt: skip
    t = pipeline_timing(stages, frames)
    assert max(s.cycles for s in stages) <= t.first_frame_cycles <= sum(s.cycles for s in stages)
    steady = np.diff(t.frame_done_cycles)[-1]
    assert steady == max(s.cycles for s in stages)


def test_window_need_is_the_last_pixel_of_each_window():
    # 4×4 input, 3×3 window, stride 1, no padding: window (0,0) needs pixel (2,2) = 10
    need = window_need(4, 4, 0, 0, 3, 1, 2, 2)
    assert need.tolist() == [10, 11, 14, 15]
    # padding 1: window (0,0) spans padded rows 0..2 → unpadded rows −1..1, cols −1..1: last pixel (1,1)
    need = window_need(4, 4, 1, 1, 3, 1, 4, 4)
    assert need[0] == 5 and need[3] == 7 and need[-1] == 15
    # a window entirely in the top padding needs nothing
    assert window_need(4, 4, 3, 0, 2, 1, 6, 3)[0] == -1


def test_fifo_estimates_follow_finn():
    assert [optimize_depth(d) for d in (0, 2, 3, 32, 33, 300)] == [2, 2, 32, 32, 33, 300]
    small = Fifo("a", 20, 64)  # depth 32: an SRL FIFO (Q_srl), LUTs only
    assert (small.impl_style, small.bram18(), small.lut()) == ("rtl", 0, 2 * 5 + 1 * 32)
    big = Fifo("b", 300, 64)  # depth 300 > 256: Vivado FIFO, rounded to 512, block RAM
    assert (big.impl_style, big.adjusted_depth, big.bram18(), big.lut()) == ("vivado", 512, 2, 18)
    assert Fifo("c", 300, 64, ram_style="ultra").uram() == 1


def test_single_stage_latency_is_its_cycles():
    t = pipeline_timing([Stage("a", 5, 17, np.zeros(5, np.int64))], frames=3)
    assert t.frame_done_cycles == [17, 34, 51]


@pytest.mark.parametrize("frames", [1, 2])
def test_fully_dependent_chain_is_finns_sum(frames):
    """When every unit needs its upstream's whole frame, the overlap vanishes: FINN's sum is exact."""
    stages = [Stage("a", 4, 10, np.zeros(4, np.int64))]
    for name, n, c in (("b", 2, 6), ("c", 3, 9)):
        stages.append(Stage(name, n, c, np.full(n, stages[-1].tokens - 1, np.int64)))
    t = pipeline_timing(stages, frames)
    assert t.first_frame_cycles == 25
