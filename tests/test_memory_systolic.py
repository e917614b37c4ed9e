"""Systolic memory hierarchy: tiling traffic, buffer checks, simpy stalls vs closed form and a hand schedule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.systolic import plan_gemm
from accelsim.errors import AccelsimInputError
from accelsim.memory.buffers import (
    OperandBits,
    SramBuffer,
    SystolicBuffers,
    choose_stream_chunk,
    plan_traffic,
)
from accelsim.memory.dram import coarsen_tiles, simulate_stalls, stall_cycles_closed_form

tiles = st.lists(st.tuples(st.integers(0, 50), st.floats(0, 400), st.floats(0, 100)), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(tiles=tiles, double=st.booleans())
def test_unlimited_bandwidth_has_zero_stalls(tiles, double):
    compute, reads, writes = zip(*tiles, strict=True)
    res = simulate_stalls(compute, reads, writes, None, double)
    assert res.stall_cycles == 0
    assert res.total_cycles == sum(compute)


@settings(max_examples=80, deadline=None)
@given(tiles=tiles, double=st.booleans(), bw=st.floats(0.5, 64))
def test_simpy_equals_closed_form(tiles, double, bw):
    compute, reads, writes = zip(*tiles, strict=True)
    res = simulate_stalls(compute, reads, writes, bw, double)
    assert res.stall_cycles == stall_cycles_closed_form(compute, reads, writes, bw, double)
    assert res.total_cycles >= sum(compute)


def test_simpy_matches_hand_schedule():
    # bw 4 B/cycle: loads 10, 13, 10 cycles; write-backs 2 cycles each; computes 10 each; double-buffered.
    # DMA program: L0 [0,10] L1 [10,23] | compute0 [10,20] -> L2 [23,33], W0 [33,35]
    # compute1 [23,33] -> W1 [35,37] | compute2 [33,43] -> W2 [43,45]: end 45, stall 45 - 30 = 15
    res = simulate_stalls([10, 10, 10], [40, 52, 40], [8, 8, 8], 4.0, True)
    assert res.compute_start == [10, 23, 33]
    assert res.total_cycles == 45
    assert res.stall_cycles == 15
    # single-buffered, no write-backs: load, compute, load, ... = 10+10+13+10+10+10
    single = simulate_stalls([10, 10, 10], [40, 52, 40], [0, 0, 0], 4.0, False)
    assert single.total_cycles == 63
    assert stall_cycles_closed_form([10, 10, 10], [40, 52, 40], [0, 0, 0], 4.0, False) == 33


def test_coarsening_sums_tiles():
    c, r, w = coarsen_tiles(np.arange(10), np.ones(10), np.full(10, 2.0), 4)  # 3 folds per tile
    assert c.tolist() == [3, 12, 21, 9] and r.tolist() == [3, 3, 3, 1] and w.tolist() == [6, 6, 6, 2]


def _buffers(ifmap=1 << 20, filt=1 << 20, ofmap=1 << 20, double=True):
    return SystolicBuffers(
        ifmap=SramBuffer(capacity_bytes=ifmap, double_buffered=double),
        filter=SramBuffer(capacity_bytes=filt, double_buffered=double),
        ofmap=SramBuffer(capacity_bytes=ofmap, double_buffered=double),
    )


BITS = OperandBits(ifmap_bits=8, filter_bits=8, out_bits=8, acc_bits=32)


@pytest.mark.parametrize("dataflow", ["os", "ws", "is"])
def test_everything_fits_moves_each_tensor_once(dataflow):
    # a 3x3 conv seen as GEMM: M=64 pixels, N=16 filters, K=72; real input 8 ch x 10x10
    plan = plan_gemm(64, 16, 72, 8, 8, dataflow)
    t = plan_traffic(plan, _buffers(), BITS, ifmap_elems=800, filter_elems=16 * 72, output_elems=64 * 16)
    assert t.totals["dram_ifmap_read_bytes"] == pytest.approx(800)  # not the 64*72 im2col words
    assert t.totals["dram_filter_read_bytes"] == pytest.approx(16 * 72)
    assert t.totals["dram_ofmap_write_bytes"] == pytest.approx(64 * 16)
    assert t.totals["dram_ofmap_read_bytes"] == 0
    assert t.read_bytes.sum() == pytest.approx(800 + 16 * 72)


def test_capacity_forces_refetch_os():
    plan = plan_gemm(64, 16, 72, 8, 8, "os")  # rf=8, cf=2; ifmap indexed by row fold
    small = _buffers(ifmap=600, double=False)  # 800 B of ifmap does not fit -> fetched once per column fold
    t = plan_traffic(plan, small, BITS, 800, 16 * 72, 64 * 16)
    assert t.totals["dram_ifmap_read_bytes"] == pytest.approx(800 * 2)
    assert t.totals["ifmap_refetch_factor"] == 2


def test_psum_spill_ws():
    plan = plan_gemm(64, 16, 72, 8, 8, "ws")  # rf=9, cf=2, psum block 64 x 8 x 4 B = 2048 B
    t = plan_traffic(plan, _buffers(ofmap=1024, double=False), BITS, 800, 16 * 72, 64 * 16)
    spill = 2 * 8 * 2048  # per column fold: 8 spilled writes and 8 read-backs
    assert t.totals["dram_ofmap_read_bytes"] == pytest.approx(spill)
    assert t.totals["dram_ofmap_write_bytes"] == pytest.approx(spill + 64 * 16)


def test_buffer_smaller_than_a_tile_row():
    plan = plan_gemm(64, 16, 72, 32, 32, "os")
    with pytest.raises(AccelsimInputError, match=r"buffers\.ifmap\.capacity_bytes"):
        plan_traffic(plan, _buffers(ifmap=40), BITS, 800, 16 * 72, 64 * 16)


@settings(max_examples=60, deadline=None)
@given(
    M=st.integers(1, 80),
    N=st.integers(1, 40),
    K=st.integers(1, 60),
    R=st.integers(1, 8),
    C=st.integers(1, 8),
    groups=st.integers(1, 3),
    dataflow=st.sampled_from(["os", "ws", "is"]),
)
def test_fitting_buffers_move_every_tensor_once(M, N, K, R, C, groups, dataflow):
    plan = plan_gemm(M, N, K, R, C, dataflow, groups)
    ifmap, filt, out = groups * (M + 7), groups * K * N, groups * M * N
    t = plan_traffic(plan, _buffers(), BITS, ifmap, filt, out)
    assert t.totals["dram_ifmap_read_bytes"] == pytest.approx(ifmap)
    assert t.totals["dram_filter_read_bytes"] == pytest.approx(filt)
    assert t.totals["dram_ofmap_write_bytes"] == pytest.approx(out)
    assert len(t.read_bytes) == plan.folds
    assert t.read_bytes.sum() == pytest.approx(ifmap + filt)


def test_stream_split_keeps_psums_on_chip():
    plan = plan_gemm(64, 16, 72, 8, 8, "ws")  # psum block T x C x 4 B = 2048 B
    bufs = _buffers(ofmap=1024, double=False)
    chunk = choose_stream_chunk(plan, bufs, 32)
    assert chunk == 1024 // (8 * 4)  # 32 rows of M per pass
    split = plan_gemm(64, 16, 72, 8, 8, "ws", t_chunk=chunk)
    assert split.n_chunks == 2
    t = plan_traffic(split, bufs, BITS, 800, 16 * 72, 64 * 16)
    assert t.totals["psum_spill"] == 0
    assert t.totals["dram_ofmap_read_bytes"] == 0
    assert t.totals["dram_ofmap_write_bytes"] == pytest.approx(64 * 16)
    assert t.totals["dram_filter_read_bytes"] == pytest.approx(16 * 72)  # 1152 B filter stays resident
    small_filter = _buffers(ofmap=1024, filt=1024, double=False)
    t2 = plan_traffic(split, small_filter, BITS, 800, 16 * 72, 64 * 16)
    assert t2.totals["dram_filter_read_bytes"] == pytest.approx(2 * 16 * 72)  # refetched for each pass
    assert choose_stream_chunk(plan_gemm(64, 16, 72, 8, 8, "os"), bufs, 32) == 0
