"""Systolic memory hierarchy: tiling traffic, buffer checks, simpy stalls vs closed form and a hand schedule."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.systolic import fold_cycles, plan_gemm
from accelsim.errors import AccelsimInputError
from accelsim.memory.buffers import OperandBits, SramBuffer, SystolicBuffers, choose_stream_chunk
from accelsim.memory.dram import _transfers, coarsen_tiles, simulate_stalls, stall_cycles_closed_form
from accelsim.memory.systolic_traffic import fold_classes, traffic_model
from accelsim.memory.systolic_traffic_ref import plan_traffic
from accelsim.memory.tile_stalls import (
    _pairwise_sum,
    _segment_sum,
    expand_folds,
    stall_cycles_tiles,
    tile_transfers,
)
from accelsim.memory.tile_stalls_ref import coarse_tiles

tiles = st.lists(st.tuples(st.integers(0, 50), st.floats(0, 400), st.floats(0, 100)), min_size=1, max_size=12)


@settings(max_examples=examples(60), deadline=None)
@given(tiles=tiles, double=st.booleans())
def test_unlimited_bandwidth_has_zero_stalls(tiles, double):
    compute, reads, writes = zip(*tiles, strict=True)
    res = simulate_stalls(compute, reads, writes, None, double)
    assert res.stall_cycles == 0
    assert res.total_cycles == sum(compute)


@settings(max_examples=examples(80), deadline=None)
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


@settings(max_examples=examples(60), deadline=None)
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


# ---- the fast path (traffic_model, fold_classes, coarse_tiles) equals the numpy reference ----------------


def _fast(plan, bufs, bits, ie, fe, oe, mode):
    tm = traffic_model(plan, bufs, bits, ie, fe, oe)
    classes = fold_classes(
        plan.rows, plan.cols, plan.row_folds, plan.col_folds, plan.last_rows, plan.last_cols, plan.Sr,
        plan.Sc, plan.T, 1 if plan.dataflow == "os" else 2, mode == "scalesim", tm.roles, tm.per_group,
        tm.resident, tm.col_fits, tm.pass_len, tm.row_bytes, tm.row_fits, tm.spill, tm.out_total,
        tm.acc_bits, tm.ofmap_both, plan.stream_slices, plan.stationary_slices,
    )  # fmt: skip
    return tm, classes


shapes = dict(
    M=st.integers(1, 40), N=st.integers(1, 40), K=st.integers(1, 40), rows=st.integers(1, 6),
    cols=st.integers(1, 6), dataflow=st.sampled_from(["os", "ws", "is"]), groups=st.integers(1, 3),
    t_chunk=st.integers(0, 12), mode=st.sampled_from(["native", "scalesim"]),
    caps=st.tuples(st.integers(64, 3000), st.integers(64, 3000), st.integers(256, 3000)),
    double=st.booleans(), wa=st.sampled_from([(8, 8), (4, 4), (2, 8), (16, 16)]),
    slices=st.sampled_from([(1, 1), (1, 1), (2, 1), (1, 2), (2, 2), (4, 1), (3, 2)]),
)  # fmt: skip


@settings(max_examples=examples(150), deadline=None)
@given(**shapes, max_tiles=st.integers(1, 40))
def test_fast_traffic_and_tiles_equal_reference(
    M, N, K, rows, cols, dataflow, groups, t_chunk, mode, caps, double, wa, slices, max_tiles
):
    """Totals within 1e-12 (sums of the same shares in another order, both rounded to 1e-6 B), refetch
    factors and spill flag equal; per-fold cycles and bytes bit-identical to fold_cycles/plan_traffic;
    merged tiles bit-identical to coarsen_tiles of the expanded folds; the stall recurrence equal."""
    plan = plan_gemm(
        M, N, K, rows, cols, dataflow, groups, t_chunk=t_chunk, stream_slices=slices[0],
        stationary_slices=slices[1],
    )  # fmt: skip
    bufs = SystolicBuffers(
        ifmap=SramBuffer(capacity_bytes=caps[0], double_buffered=double),
        filter=SramBuffer(capacity_bytes=caps[1], double_buffered=double),
        ofmap=SramBuffer(capacity_bytes=caps[2], double_buffered=double),
    )
    bits = OperandBits(ifmap_bits=wa[1], filter_bits=wa[0], out_bits=8, acc_bits=32)
    ie, fe, oe = groups * (M + 3) * 2, groups * N * K, groups * M * N
    try:
        ref = plan_traffic(plan, bufs, bits, ie, fe, oe)
    except AccelsimInputError:
        with pytest.raises(AccelsimInputError):
            traffic_model(plan, bufs, bits, ie, fe, oe)
        return
    tm, classes = _fast(plan, bufs, bits, ie, fe, oe, mode)
    for key, want in ref.totals.items():
        assert tm.totals[key] == pytest.approx(want, rel=1e-12, abs=0), key
        assert type(tm.totals[key]) is type(want), key
    folds = expand_folds(*classes, plan.row_folds, plan.col_folds, plan.n_chunks, plan.groups)
    ref_cycles = np.tile(fold_cycles(plan, mode), groups)
    assert np.array_equal(folds[0], ref_cycles)
    assert np.array_equal(folds[1], ref.read_bytes)  # bit-identical floats
    assert np.array_equal(folds[2], ref.write_bytes)
    ref_tiles = coarsen_tiles(ref_cycles, ref.read_bytes, ref.write_bytes, max_tiles)
    tiles = coarse_tiles(*classes, plan.row_folds, plan.col_folds, plan.n_chunks, plan.groups, max_tiles)
    for got, want in zip(tiles, ref_tiles, strict=True):
        assert np.array_equal(got, want)
    for bw in (0.7, 3.0, 16.0):
        for slots in (1, 2):
            want = stall_cycles_closed_form(*ref_tiles, bw, slots == 2)
            assert stall_cycles_tiles(*tiles, bw, slots) == want
        # the O(1)-per-tile transfers equal ceil(b/bw − 1e-9) of the reference tiles' sums
        tc, loads, stores, _ = tile_transfers(
            *classes, plan.row_folds, plan.col_folds, plan.n_chunks, plan.groups, max_tiles, bw
        )
        assert np.array_equal(tc, ref_tiles[0])
        assert np.array_equal(loads, _transfers(ref_tiles[1], bw))
        assert np.array_equal(stores, _transfers(ref_tiles[2], bw))


@settings(max_examples=examples(60), deadline=None)
@given(
    n=st.integers(1, 3000),
    scale=st.sampled_from([1.0, 1e3, 1e7]),
    seed=st.integers(0, 2**31),
    max_tiles=st.integers(1, 50),
)
def test_segment_sums_equal_numpy(n, scale, seed, max_tiles):
    """numpy's pairwise summation (np.sum) and np.add.reduceat's segment sums, replicated bit for bit."""
    x = np.random.default_rng(seed).random(n) * scale
    assert _pairwise_sum(x, 0, n) == np.sum(x)
    size = -(-n // max_tiles)
    want = np.add.reduceat(x, np.arange(0, n, size))
    got = [_segment_sum(x[s : s + size], min(size, n - s)) for s in range(0, n, size)]
    assert np.array_equal(np.array(got), want)
