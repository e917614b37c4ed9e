"""The readable reference of :mod:`accelsim.memory.systolic_traffic`: every fold's DRAM bytes as numpy
arrays (tests/test_memory_systolic.py checks the closed form and the fold-class tables against it)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.mappings import FoldPlan
from accelsim.memory.buffers import OperandBits, SystolicBuffers, check_buffers
from accelsim.memory.systolic_traffic import _clean, _role


@dataclass(slots=True)
class TrafficPlan:
    """Per-fold DRAM transfers (bytes, float: real tensor shares) and whole-layer totals."""

    read_bytes: np.ndarray
    write_bytes: np.ndarray
    totals: dict[str, float]


def plan_traffic(
    plan: FoldPlan,
    buffers: SystolicBuffers,
    bits: OperandBits,
    ifmap_elems: int,
    filter_elems: int,
    output_elems: int,
) -> TrafficPlan:
    """DRAM reads/writes of every fold (all groups, execution order) and totals per operand.

    ``*_elems`` are the real tensor sizes of the whole layer (all groups); each group owns 1/groups.
    With the stream split into passes (:attr:`FoldPlan.n_chunks` > 1, ws/is), the streamed operand and
    the outputs are divided among the passes (share T_pass/T); the stationary operand is fetched again
    for every pass unless the whole per-group operand fits its buffer.
    """
    check_buffers(buffers, plan, bits)
    g = plan.groups
    rf, cf, Sr, Sc, T = plan.row_folds, plan.col_folds, plan.Sr, plan.Sc, plan.T
    r, c = plan.fold_rows_cols()
    r = r.astype(np.float64)
    c = c.astype(np.float64)
    fr = np.tile(np.arange(rf), cf)
    fc = np.repeat(np.arange(cf), rf)
    roles = _role(plan.dataflow)
    per_group = {
        "ifmap": ifmap_elems / g * bits.ifmap_bits / 8,
        "filter": filter_elems / g * bits.filter_bits / 8,
    }
    out_total = output_elems / g * bits.out_bits / 8
    refetch = {"ifmap": 1.0, "filter": 1.0}
    spills = False

    def one_pass(t_len: int, first: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ifmap reads, filter reads, psum reads, writes) per fold of one pass of length t_len."""
        nonlocal spills
        share = t_len / T
        reads = {}
        for name in ("ifmap", "filter"):
            B = per_group[name]
            cap = getattr(buffers, name).reusable_bytes
            role = roles[name]
            if role == "both":  # stationary block (ws filter, is ifmap) or os output: never split by T
                resident = plan.n_chunks > 1 and B <= cap
                reads[name] = B * r * c / (Sr * Sc) * (1.0 if first or not resident else 0.0)
            elif role == "col":  # os filter
                block = B * c / Sc
                fits = bool(np.all(block <= cap))
                reads[name] = block * (fr == 0) if fits else block
                refetch[name] = 1.0 if fits else float(rf)
            else:  # "row": os/ws ifmap, is filter; the streamed operand of ws/is is split by passes
                Bp = B * share if plan.dataflow != "os" else B
                fits = Bp <= cap
                reads[name] = Bp * r / Sr * (fc == 0) if fits else Bp * r / Sr
                refetch[name] = 1.0 if fits else float(cf)
        psum_read = np.zeros(plan.folds_per_pass)
        if roles["ofmap"] == "both":
            write = out_total * r * c / (Sr * Sc)
        else:
            psum_block = t_len * c * bits.acc_bits / 8
            spill = bool(np.any(psum_block > buffers.ofmap.reusable_bytes))
            spills = spills or spill
            write = np.where(fr == rf - 1, out_total * share * c / Sc, 0.0)
            if spill:
                write = write + np.where(fr < rf - 1, psum_block, 0.0)
                psum_read = np.where(fr > 0, psum_block, 0.0)
        return reads["ifmap"], reads["filter"], psum_read, write

    cache: dict[tuple[int, bool], tuple[np.ndarray, ...]] = {}
    parts = []
    for i, t_len in enumerate(plan.chunk_lengths.tolist()):
        key = (t_len, i == 0)
        if key not in cache:
            cache[key] = one_pass(t_len, i == 0)
        parts.append(cache[key])
    ifmap_r, filter_r, psum_r, write = (np.concatenate(x) for x in zip(*parts, strict=True))
    if plan.n_chunks > 1:
        stat = "filter" if plan.dataflow == "ws" else "ifmap"
        refetch[stat] = 1.0 if per_group[stat] <= getattr(buffers, stat).reusable_bytes else plan.n_chunks
    read = ifmap_r + filter_r + psum_r
    totals = {  # shares of a tensor sum back to whole bytes: drop the float round-off
        "dram_ifmap_read_bytes": _clean(g * float(ifmap_r.sum())),
        "dram_filter_read_bytes": _clean(g * float(filter_r.sum())),
        "dram_ofmap_read_bytes": _clean(g * float(psum_r.sum())),
        "dram_ofmap_write_bytes": _clean(g * float(write.sum())),
        "ifmap_refetch_factor": float(refetch["ifmap"]),
        "filter_refetch_factor": float(refetch["filter"]),
        "psum_spill": float(spills),
    }
    totals["dram_read_bytes"] = (
        totals["dram_ifmap_read_bytes"] + totals["dram_filter_read_bytes"] + totals["dram_ofmap_read_bytes"]
    )
    totals["dram_write_bytes"] = totals["dram_ofmap_write_bytes"]
    if g > 1:
        read, write = np.tile(read, g), np.tile(write, g)
    return TrafficPlan(read_bytes=read, write_bytes=write, totals=totals)


# ---- fast path: closed-form totals and a numba fold schedule -----------------------------------------
#


__all__ = ["TrafficPlan", "plan_traffic"]
