"""Closed-form systolic timing vs the cycle-stepped numba reference (values and cycles, exactly)."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.systolic import (
    fold_cycles,
    link_hops,
    mapping_efficiency,
    operand_slices,
    pe_register_accesses,
    plan_gemm,
    plan_layer,
    psum_sram_reads,
    sram_accesses,
    total_cycles,
)
from accelsim.dataflow.systolic_reference import reference_gemm, reference_gemm_detailed
from accelsim.errors import AccelsimInputError
from accelsim.workload import Layer


@settings(max_examples=examples(60), deadline=None)
@given(
    M=st.integers(1, 9),
    N=st.integers(1, 9),
    K=st.integers(1, 9),
    R=st.integers(1, 5),
    C=st.integers(1, 5),
    dataflow=st.sampled_from(["os", "ws", "is"]),
    mode=st.sampled_from(["native", "scalesim"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_reference_equals_gemm_and_closed_form(M, N, K, R, C, dataflow, mode, seed):
    rng = np.random.default_rng(seed)
    A = rng.integers(-128, 128, size=(M, K))
    B = rng.integers(-128, 128, size=(K, N))
    out, cycles = reference_gemm(A, B, R, C, dataflow, mode)
    np.testing.assert_array_equal(out, A.astype(np.int64) @ B.astype(np.int64))
    plan = plan_gemm(M, N, K, R, C, dataflow)
    assert cycles == total_cycles(plan, mode)
    assert cycles == int(fold_cycles(plan, mode).sum())


def test_scalesim_table_full_array():
    # a single full fold: os T+R+C-2, ws/is T+2R+C-2
    assert total_cycles(plan_gemm(4, 3, 7, 4, 3, "os"), "scalesim") == 7 + 4 + 3 - 2
    assert total_cycles(plan_gemm(7, 3, 4, 4, 3, "ws"), "scalesim") == 7 + 8 + 3 - 2
    assert total_cycles(plan_gemm(3, 7, 4, 4, 3, "is"), "scalesim") == 7 + 8 + 3 - 2


def test_partial_fold_modes_differ():
    # 5 rows on a 4-row array: second row fold has 1 occupied row
    plan = plan_gemm(5, 4, 10, 4, 4, "os")
    assert list(fold_cycles(plan, "scalesim")) == [16, 16]
    assert list(fold_cycles(plan, "native")) == [16, 13]


def test_sram_accesses_and_efficiency():
    plan = plan_gemm(5, 6, 10, 4, 4, "os")  # rf=2, cf=2
    acc = sram_accesses(plan)
    assert acc == {"ifmap_sram_reads": 10 * 2 * 5, "filter_sram_reads": 10 * 2 * 6, "ofmap_sram_writes": 30}
    assert mapping_efficiency(plan) == pytest.approx(30 / 64)


def test_link_hops_os_drain():
    plan = plan_gemm(4, 2, 3, 4, 2, "os")
    # one fold: r=4, c=2: drain 2 * (1+2+3+4)
    assert link_hops(plan)["output_hops"] == 2 * 10


def test_conv_mapping_padding_groups_dilation():
    layer = Layer(name="c", op="conv2d", batch=2, in_channels=8, out_channels=16, in_h=9, in_w=9,
                  kernel=3, stride=2, padding=1, dilation=2, groups=2)  # fmt: skip
    plan = plan_layer(layer, 4, 4, "ws")
    g = layer.gemm()
    assert (plan.M, plan.N, plan.K, plan.groups) == (g.M, g.N, g.K, 2)
    assert plan.macs == layer.macs
    dw = Layer(name="d", op="depthwise_conv2d", in_channels=6, out_channels=6, in_h=5, in_w=5, kernel=3)
    plan = plan_layer(dw, 4, 4, "os")
    assert (plan.N, plan.K, plan.groups) == (1, 9, 6)
    assert plan.macs == dw.macs


def test_scalesim_convention_output_size():
    layer = Layer(name="c", op="conv2d", in_channels=3, out_channels=4, in_h=10, in_w=10, kernel=3,
                  stride=2, padding=1)  # fmt: skip
    native = plan_layer(layer, 4, 4, "os", "native")
    ss = plan_layer(layer, 4, 4, "os", "scalesim")
    assert native.M == 5 * 5  # floor((10 + 2 - 3)/2) + 1
    assert ss.M == 6 * 6  # padding added to the input first: ceil((12 - 3 + 2)/2) = 6
    layer2 = layer.model_copy(update={"in_h": 11, "in_w": 11, "padding": (0, 0, 0, 0)})
    assert plan_layer(layer2, 4, 4, "os", "scalesim").M == 5 * 5  # ceil(10/2)
    assert plan_layer(layer2, 4, 4, "os", "native").M == 5 * 5  # floor(8/2)+1


@pytest.mark.parametrize("bad", [{"rows": 0}, {"cols": 0}])
def test_bad_array(bad):
    kw = {"rows": 4, "cols": 4, **bad}
    with pytest.raises(AccelsimInputError):
        plan_gemm(4, 4, 4, kw["rows"], kw["cols"], "os")


def test_dataflow_typo():
    with pytest.raises(AccelsimInputError, match="allowed: os, ws, is"):
        plan_gemm(4, 4, 4, 4, 4, "wss")


@settings(max_examples=examples(30), deadline=None)
@given(
    M=st.integers(1, 9),
    N=st.integers(1, 9),
    K=st.integers(1, 9),
    R=st.integers(1, 4),
    C=st.integers(1, 4),
    chunk=st.integers(1, 5),
    dataflow=st.sampled_from(["ws", "is"]),
    mode=st.sampled_from(["native", "scalesim"]),
)
def test_stream_split_equals_reference_pass_by_pass(M, N, K, R, C, chunk, dataflow, mode):
    """Splitting T into passes = running the reference on each slice of the streamed operand."""
    rng = np.random.default_rng(M * 1000 + N * 100 + K)
    A = rng.integers(-8, 8, size=(M, K))
    B = rng.integers(-8, 8, size=(K, N))
    plan = plan_gemm(M, N, K, R, C, dataflow, t_chunk=chunk)
    T = M if dataflow == "ws" else N
    cycles = 0
    out = np.zeros((M, N), dtype=np.int64)
    for t0 in range(0, T, chunk):
        t1 = min(T, t0 + chunk)
        if dataflow == "ws":
            part, cyc = reference_gemm(A[t0:t1], B, R, C, dataflow, mode)
            out[t0:t1] = part
        else:
            part, cyc = reference_gemm(A, B[:, t0:t1], R, C, dataflow, mode)
            out[:, t0:t1] = part
        cycles += cyc
    np.testing.assert_array_equal(out, A @ B)
    assert cycles == total_cycles(plan, mode) == int(fold_cycles(plan, mode).sum())


@settings(max_examples=examples(40), deadline=None)
@given(
    M=st.integers(1, 9),
    N=st.integers(1, 9),
    K=st.integers(1, 9),
    R=st.integers(1, 5),
    C=st.integers(1, 5),
    dataflow=st.sampled_from(["os", "ws", "is"]),
)
def test_link_hops_equal_reference_register_moves(M, N, K, R, C, dataflow):
    """Native mode: every valid register write in the reference is one hop of the energy model."""
    A = np.ones((M, K), dtype=np.int64)
    B = np.ones((K, N), dtype=np.int64)
    res = reference_gemm_detailed(A, B, R, C, dataflow, "native")
    hops = link_hops(plan_gemm(M, N, K, R, C, dataflow))
    for kind in ("act_hops", "weight_hops", "psum_hops"):
        assert res.hops[kind] == hops[kind], kind


# ---- operands wider than the array's native MAC width ----------------------------------------------------


def _slices(x: np.ndarray, native: int, n: int) -> list[np.ndarray]:
    """Two's-complement slices of x (Σ slice_i·2^(native·i) = x): lower slices unsigned, the top signed."""
    out = [(x >> (native * i)) & ((1 << native) - 1) for i in range(n - 1)]
    return [*out, x >> (native * (n - 1))]


def test_operand_slices_by_dataflow():
    assert operand_slices(16, 16, None, "ws") == (1, 1)
    assert operand_slices(8, 8, 8, "ws") == (1, 1)
    assert operand_slices(4, 2, 8, "os") == (1, 1)
    assert operand_slices(16, 8, 8, "ws") == (1, 2)  # weight slices stationary: folds repeat
    assert operand_slices(8, 16, 8, "ws") == (2, 1)  # activation slices streamed
    assert operand_slices(8, 16, 8, "is") == (1, 2)
    assert operand_slices(12, 24, 8, "os") == (6, 1)  # every pair in one stream


@settings(max_examples=examples(40), deadline=None)
@given(
    M=st.integers(1, 7),
    N=st.integers(1, 7),
    K=st.integers(1, 7),
    R=st.integers(1, 4),
    C=st.integers(1, 4),
    w_bits=st.sampled_from([4, 8, 12, 16, 24]),
    a_bits=st.sampled_from([8, 16, 13]),
    dataflow=st.sampled_from(["os", "ws", "is"]),
    mode=st.sampled_from(["native", "scalesim"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_wide_operands_on_8bit_array_equal_gemm_and_closed_form(
    M, N, K, R, C, w_bits, a_bits, dataflow, mode, seed
):
    """An 8-bit reference array run on 8-bit slices, products shifted by 8·(i + j) and accumulated, equals
    the int64 GEMM of the wide operands bit for bit, and its cycles equal the closed form:

    * ws / is: one run per slice of the stationary operand, the streamed operand's slices stacked along
      the streamed dimension (their outputs are separate rows/columns, shifted and added afterwards);
    * os: values from one run per slice pair; timing from one run whose stream (K) is every slice pair
      one after another (its value is the unshifted sum: the shift is the PE adder's input wiring,
      which the timing does not see)."""
    nat = 8
    rng = np.random.default_rng(seed)
    A = rng.integers(-(2 ** (a_bits - 1)), 2 ** (a_bits - 1), size=(M, K))
    B = rng.integers(-(2 ** (w_bits - 1)), 2 ** (w_bits - 1), size=(K, N))
    sa, sw = -(-a_bits // nat), -(-w_bits // nat)
    A_sl, B_sl = _slices(A, nat, sa), _slices(B, nat, sw)
    for x in (*A_sl, *B_sl):  # every value the array multiplies is an 8-bit (signed or unsigned) integer
        assert x.min() >= -128 and x.max() <= 255
    stream, stat = operand_slices(w_bits, a_bits, nat, dataflow)
    plan = plan_gemm(M, N, K, R, C, dataflow, stream_slices=stream, stationary_slices=stat)
    out = np.zeros((M, N), dtype=np.int64)
    cycles = 0
    if dataflow == "ws":
        for j in range(sw):
            part, cyc = reference_gemm(np.vstack(A_sl), B_sl[j], R, C, "ws", mode)
            cycles += cyc
            for i in range(sa):
                out += part[i * M : (i + 1) * M] << (nat * (i + j))
    elif dataflow == "is":
        for i in range(sa):
            part, cyc = reference_gemm(A_sl[i], np.hstack(B_sl), R, C, "is", mode)
            cycles += cyc
            for j in range(sw):
                out += part[:, j * N : (j + 1) * N] << (nat * (i + j))
    else:
        pairs = [(i, j) for i in range(sa) for j in range(sw)]
        for i, j in pairs:
            out += reference_gemm(A_sl[i], B_sl[j], R, C, "os", mode)[0] << (nat * (i + j))
        a_cat = np.hstack([A_sl[i] for i, _ in pairs])
        b_cat = np.vstack([B_sl[j] for _, j in pairs])
        unshifted, cycles = reference_gemm(a_cat, b_cat, R, C, "os", mode)
        np.testing.assert_array_equal(unshifted, sum(A_sl[i] @ B_sl[j] for i, j in pairs))
    np.testing.assert_array_equal(out, A.astype(np.int64) @ B.astype(np.int64))
    assert cycles == total_cycles(plan, mode) == int(fold_cycles(plan, mode).sum())


def test_wide_operands_counts_scale_per_pass():
    """ws 16/16 on an 8-bit array: per-MAC register accesses and hops ×4, preload ×2 (weight slices),
    streamed reads ×4, stationary reads ×2, psum writes ×4 and read-modify-writes T·(4·rf − 1)·Sc."""
    base = plan_gemm(9, 6, 10, 4, 4, "ws")
    wide = plan_gemm(9, 6, 10, 4, 4, "ws", stream_slices=2, stationary_slices=2)
    b, w = sram_accesses(base), sram_accesses(wide)
    assert w["ifmap_sram_reads"] == 4 * b["ifmap_sram_reads"]
    assert w["filter_sram_reads"] == 2 * b["filter_sram_reads"]
    assert w["ofmap_sram_writes"] == 4 * b["ofmap_sram_writes"]
    assert psum_sram_reads(wide) == 9 * (4 * 3 - 1) * 6
    hb, hw = link_hops(base), link_hops(wide)
    assert hw["act_hops"] == 4 * hb["act_hops"] and hw["psum_hops"] == 4 * hb["psum_hops"]
    assert hw["weight_hops"] == 2 * hb["weight_hops"]
    rb, rw = pe_register_accesses(base), pe_register_accesses(wide)
    assert rw["operand_reads"] == 4 * rb["operand_reads"] and rw["psum_writes"] == 4 * rb["psum_writes"]
    assert rw["operand_writes"] - 4 * base.macs == 2 * (rb["operand_writes"] - base.macs)
