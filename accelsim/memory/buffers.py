"""The per-operand SRAM buffers of a systolic array: their configuration, the minimum they must hold, and
the stream split they force.

One :class:`SramBuffer` per operand (ifmap, filter, ofmap), each with a capacity in bytes and a
double-buffering flag. A double-buffered buffer keeps half its capacity for the prefetch of the next
tile, so the data it can *reuse* must fit in ``capacity/2``. What the buffers cause — DRAM traffic per
fold — is :mod:`accelsim.memory.systolic_traffic`; the stalls it causes, :mod:`accelsim.memory.tile_stalls`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from accelsim.errors import AccelsimInputError
from accelsim.mappings import FoldPlan
from accelsim.workload import StrictModel


class SramBuffer(StrictModel):
    """One on-chip SRAM buffer."""

    capacity_bytes: int = Field(gt=0, description="capacity in bytes")
    double_buffered: bool = Field(
        True,
        description="half the capacity holds the prefetch of the next tile while the other half computes",
    )
    ports: int = Field(
        1, ge=1, le=2, description="read/write ports (area, and energy with sram_energy_model cacti)"
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


__all__ = ["OperandBits", "SramBuffer", "SystolicBuffers", "check_buffers", "choose_stream_chunk"]
