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
    reads = {}
    refetch = {}
    for name in ("ifmap", "filter"):
        B = per_group[name]
        cap = getattr(buffers, name).reusable_bytes
        role = roles[name]
        if role == "both":
            reads[name] = B * r * c / (Sr * Sc)
            refetch[name] = 1
        elif role == "col":
            block = B * c / Sc
            fits = bool(np.all(block <= cap))
            reads[name] = block * (fr == 0) if fits else block
            refetch[name] = 1 if fits else rf
        else:
            fits = B <= cap
            share = B * r / Sr
            reads[name] = share * (fc == 0) if fits else share
            refetch[name] = 1 if fits else cf
    out_total = output_elems / g * bits.out_bits / 8
    psum_read = np.zeros(plan.folds_per_group)
    if roles["ofmap"] == "both":
        write = out_total * r * c / (Sr * Sc)
        spills = False
    else:
        psum_block = T * c * bits.acc_bits / 8
        spills = bool(np.any(psum_block > buffers.ofmap.reusable_bytes))
        final = out_total * c / Sc
        write = np.where(fr == rf - 1, final, 0.0)
        if spills:
            write = write + np.where(fr < rf - 1, psum_block, 0.0)
            psum_read = np.where(fr > 0, psum_block, 0.0)
    read = reads["ifmap"] + reads["filter"] + psum_read
    totals = {
        "dram_ifmap_read_bytes": g * float(reads["ifmap"].sum()),
        "dram_filter_read_bytes": g * float(reads["filter"].sum()),
        "dram_ofmap_read_bytes": g * float(psum_read.sum()),
        "dram_ofmap_write_bytes": g * float(write.sum()),
        "ifmap_refetch_factor": float(refetch["ifmap"]),
        "filter_refetch_factor": float(refetch["filter"]),
        "psum_spill": float(spills),
    }
    totals["dram_read_bytes"] = (
        totals["dram_ifmap_read_bytes"] + totals["dram_filter_read_bytes"] + totals["dram_ofmap_read_bytes"]
    )
    totals["dram_write_bytes"] = totals["dram_ofmap_write_bytes"]
    return TrafficPlan(read_bytes=np.tile(read, g), write_bytes=np.tile(write, g), totals=totals)


__all__ = ["OperandBits", "SramBuffer", "SystolicBuffers", "TrafficPlan", "check_buffers", "plan_traffic"]
