"""Per-operand SRAM buffers of a systolic array and the tiling that decides DRAM traffic.

Config: one :class:`SramBuffer` per operand (ifmap, filter, ofmap), each with a capacity in bytes and a
double-buffering flag. A double-buffered buffer keeps half its capacity for the prefetch of the next
tile, so the data it can *reuse* must fit in ``capacity/2``.

Tiling (:func:`plan_traffic`): a tile is one fold of :mod:`accelsim.dataflow.systolic` (column fold
outer, row fold inner, groups one after another). Each operand is indexed by the row fold, the column
fold or both (Sr/Sc of the dataflow table):

======== ============= ============= ======================
dataflow ifmap         filter        ofmap
======== ============= ============= ======================
os       row fold      column fold   both (final outputs)
ws       row fold      both          column fold (psums)
is       both          row fold      column fold (psums)
======== ============= ============= ======================

DRAM traffic counts the *real* tensor bytes (``elements · bits / 8``, no im2col duplication), a fold
fetching its share of the tensor (r/Sr, c/Sc or r·c/(Sr·Sc)), plus the refetches forced by capacity:

* indexed by both: every element is fetched once;
* indexed by the column fold (reused across the inner row-fold loop): once if one column block fits in
  the reusable capacity, else refetched for every row fold (× rf);
* indexed by the row fold (needed again for every column fold): once if the whole per-group operand fits,
  else refetched for every column fold (× cf);
* ws/is psums of one column block (T·c words at ``acc_bits``) stay in the ofmap buffer across the row
  folds if they fit; otherwise they spill: written after row folds 1..rf−1 and read back before row folds
  2..rf. Only the final outputs (``out_bits``) are written to DRAM when they fit.

Halo re-reads between neighbouring ifmap blocks are assumed to be served on chip (a line buffer).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from accelsim.dataflow.systolic import FoldPlan
from accelsim.errors import AccelsimInputError
from accelsim.workload import StrictModel


class SramBuffer(StrictModel):
    """One on-chip SRAM buffer."""

    capacity_bytes: int = Field(gt=0, description="capacity in bytes")
    double_buffered: bool = Field(
        True,
        description="half the capacity holds the prefetch of the next tile while the other half computes",
    )

    @property
    def reusable_bytes(self) -> float:
        """Bytes that can hold reused data: capacity/2 when double-buffered, else the capacity."""
        return self.capacity_bytes / 2 if self.double_buffered else float(self.capacity_bytes)


class SystolicBuffers(StrictModel):
    """The three operand buffers of a systolic array (SCALE-Sim's ifmap / filter / ofmap SRAMs)."""

    ifmap: SramBuffer = Field(description="input-activation buffer")
    filter: SramBuffer = Field(description="weight buffer")
    ofmap: SramBuffer = Field(description="output / partial-sum buffer (accumulators)")


@dataclass(frozen=True, slots=True)
class OperandBits:
    """Bit widths of what each buffer holds."""

    ifmap_bits: int
    filter_bits: int
    out_bits: int
    acc_bits: int


@dataclass(slots=True)
class TrafficPlan:
    """Per-fold DRAM transfers (bytes, float: real tensor shares) and whole-layer totals."""

    read_bytes: np.ndarray
    write_bytes: np.ndarray
    totals: dict[str, float]


def _role(dataflow: str) -> dict[str, str]:
    """Which fold index each operand depends on: 'row', 'col' or 'both'."""
    return {
        "os": {"ifmap": "row", "filter": "col", "ofmap": "both"},
        "ws": {"ifmap": "row", "filter": "both", "ofmap": "col"},
        "is": {"ifmap": "both", "filter": "row", "ofmap": "col"},
    }[dataflow]


def check_buffers(buffers: SystolicBuffers, plan: FoldPlan, bits: OperandBits) -> None:
    """Each buffer must hold at least one array edge of words per slot: max(R, C) words (×2 if double
    buffered) — the operands the array consumes or produces in one cycle."""
    words = max(plan.rows, plan.cols)
    for name, width in (("ifmap", bits.ifmap_bits), ("filter", bits.filter_bits), ("ofmap", bits.acc_bits)):
        buf: SramBuffer = getattr(buffers, name)
        need = words * width / 8 * (2 if buf.double_buffered else 1)
        if buf.capacity_bytes < need:
            raise AccelsimInputError(
                f"buffers.{name}.capacity_bytes",
                f"{buf.capacity_bytes} B cannot hold one tile row of the {plan.rows}x{plan.cols} array "
                f"({words} words of {width} bit{' ×2 double-buffered' if buf.double_buffered else ''} = "
                f"{need:g} B); allowed: >= {need:g}",
            )


def _clean(x: float) -> float:
    """Round a sum of fractional shares to 1e-6 B (removes float round-off such as 215295.9999999)."""
    return round(x, 6)


def choose_stream_chunk(plan: FoldPlan, buffers: SystolicBuffers, acc_bits: int) -> int:
    """Stream tiling for ws/is: the largest T-chunk whose psums of one column block (chunk · C words of
    ``acc_bits``) fit the reusable ofmap capacity; 0 (no split) when the whole T fits, and always for os
    (outputs accumulate inside the PEs)."""
    if plan.dataflow == "os":
        return 0
    word = plan.cols * acc_bits / 8
    if plan.T * word <= buffers.ofmap.reusable_bytes:
        return 0
    return max(1, int(buffers.ofmap.reusable_bytes // word))


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


__all__ = [
    "choose_stream_chunk",
    "OperandBits",
    "SramBuffer",
    "SystolicBuffers",
    "TrafficPlan",
    "check_buffers",
    "plan_traffic",
]
