"""Mapping of MAC layers onto an R×C systolic array: folds and their closed-form timing.

Every MAC layer is ``groups`` independent GEMMs ``[M×K]·[K×N]`` (:meth:`accelsim.workload.Layer.gemm`).
Following SCALE-Sim (Samajdar et al., "A systematic methodology for characterizing scalability of DNN
accelerators using SCALE-Sim", ISPASS 2020) each dataflow puts two GEMM dimensions on the array and
streams the third:

========== ======== ======== ========== =====================
dataflow   rows Sr  cols Sc  streamed T cycles per fold
========== ======== ======== ========== =====================
os         M        N        K          T + r + c − 2
ws         K        N        M          T + 2r + c − 2
is         K        M        N          T + 2r + c − 2
========== ======== ======== ========== =====================

Folds = ceil(Sr/R) · ceil(Sc/C), run back to back, column fold outer, row fold inner (SCALE-Sim's order).
``r``/``c`` in the per-fold formula depend on the *mode*:

* ``"scalesim"``: r = R and c = C for every fold, partial folds included — operands are skewed across
  the whole physical array and psums pass through every row, as SCALE-Sim's demand matrices do (they pad
  a partial fold with null requests up to R rows and C columns).
* ``"native"``: r and c are the rows/columns the fold actually occupies; data only travels through the
  occupied sub-array (unused rows/columns are bypassed), so a partial fold is shorter.

Both modes are checked register by register against :mod:`accelsim.dataflow.systolic_reference`.
Where the time goes in one fold (cycle-stepped reference, same numbers):

* os: A enters row i skewed by i, B enters column j skewed by j, PE(i,j) does MAC k at cycle k+i+j;
  the fold lasts until the last MAC (T + r + c − 2 cycles). Results are read out of the accumulators
  through a shadow chain that overlaps the next fold.
* ws/is: r cycles to shift the stationary block down into the array, then T + r + c − 2 cycles for the
  streamed operand (skewed by row) to cross the array and the psums (moving down) to leave the bottom row.

SRAM accesses (SCALE-Sim counting, per fold with r, c the *occupied* rows/columns):

* os: ifmap reads T·r, filter reads T·c, ofmap writes r·c;
* ws: ifmap reads T·r, filter reads r·c, ofmap writes T·c (psums written once per row fold);
* is: ifmap reads r·c, filter reads T·r, ofmap writes T·c.

Summed over folds these are closed forms: Σr = cf·Sr, Σc = rf·Sc, Σr·c = Sr·Sc.

Stream passes (``t_chunk``): the streamed dimension may be split into passes run one after another,
each a full set of folds with its own fill/drain and stationary preload (used by the native ws/is
tiling when the psums of a column block do not fit the ofmap buffer); T terms are unchanged, the
others are paid once per pass.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.mappings import FoldPlan  # the typed mapping this module produces (re-exported)
from accelsim.workload import Layer

Dataflow = Literal["os", "ws", "is"]
Mode = Literal["native", "scalesim"]
DATAFLOWS: tuple[str, ...] = ("os", "ws", "is")
MODES: tuple[str, ...] = ("native", "scalesim")


def check_dataflow(dataflow: str, field: str = "dataflow") -> str:
    """Return ``dataflow`` if it is os/ws/is, else raise a one-line :class:`AccelsimInputError`."""
    if dataflow not in DATAFLOWS:
        raise AccelsimInputError(field, f"unknown dataflow {dataflow!r}; allowed: {', '.join(DATAFLOWS)}")
    return dataflow


def array_dims(dataflow: str, M: int, N: int, K: int) -> tuple[int, int, int]:
    """(Sr, Sc, T) of the SCALE-Sim table for a GEMM [M×K]·[K×N]."""
    check_dataflow(dataflow)
    if dataflow == "os":
        return M, N, K
    if dataflow == "ws":
        return K, N, M
    return K, M, N


def operand_slices(w_bits: int, a_bits: int, native_bits: int | None, dataflow: str) -> tuple[int, int]:
    """(stream_slices, stationary_slices) of a w-bit weight × a-bit activation GEMM on an array whose MACs
    multiply ``native_bits``-wide operands (None: width-independent, (1, 1)).

    An operand wider than native is split into ceil(bits/native) slices (two's complement: the top slice
    signed, the others unsigned) and the array computes every slice pair (i, j) of weight × activation,
    the result shifted by native·(i + j) before it is accumulated: ceil(w/native)·ceil(a/native) passes
    of the MACs (Jouppi et al., ISCA'17: TPU v1's 8-bit matrix unit runs 8×16-bit at half speed and
    16×16-bit at quarter speed). How the passes are scheduled:

    * the *stationary* operand (ws: weights, is: activations) is held in the PEs one slice at a time, so
      a fold runs once per stationary slice, each run with its own preload, fill and drain;
    * the *streamed* operand's slices follow each other in the stream of one run (the psums of slice
      i + 1 go to the same accumulators, shifted), so fill and drain are paid once per run;
    * os streams both operands: all slice pairs follow each other in one stream, one fill/drain per fold
      (the accumulator stays in the PE, the shift is on its adder input).
    """
    if native_bits is None:
        return 1, 1
    sw = -(-w_bits // native_bits)
    sa = -(-a_bits // native_bits)
    check_dataflow(dataflow)
    if dataflow == "os":
        return sw * sa, 1
    if dataflow == "ws":
        return sa, sw
    return sw, sa


def plan_gemm(
    M: int,
    N: int,
    K: int,
    rows: int,
    cols: int,
    dataflow: str,
    groups: int = 1,
    t_chunk: int = 0,
    stream_slices: int = 1,
    stationary_slices: int = 1,
) -> FoldPlan:
    """Fold ``groups`` GEMMs [M×K]·[K×N] onto a ``rows``×``cols`` array with ``dataflow``.

    ``t_chunk`` > 0 splits the streamed dimension T into passes of that length (the last one shorter),
    run one after another, each a full set of folds (stream tiling, used when the psums of a column
    block do not fit the ofmap buffer). 0 = no split (SCALE-Sim). ``stream_slices`` and
    ``stationary_slices`` (:func:`operand_slices`) make each fold ``stationary_slices`` runs of
    ``stream_slices``·t + (fill/drain) cycles.
    """
    if stream_slices < 1 or stationary_slices < 1:
        raise AccelsimInputError("native_operand_bits", "operand slices must be >= 1")
    if rows < 1:
        raise AccelsimInputError("rows", f"the array needs at least 1 row, got {rows}")
    if cols < 1:
        raise AccelsimInputError("cols", f"the array needs at least 1 column, got {cols}")
    if min(M, N, K, groups) < 1:
        raise AccelsimInputError("layer", f"GEMM dimensions must be >= 1, got M={M} N={N} K={K}")
    Sr, Sc, T = array_dims(dataflow, M, N, K)
    rf = -(-Sr // rows)
    cf = -(-Sc // cols)
    return FoldPlan(
        dataflow=dataflow, rows=rows, cols=cols, M=M, N=N, K=K, groups=groups, Sr=Sr, Sc=Sc, T=T,
        row_folds=rf, col_folds=cf, last_rows=Sr - (rf - 1) * rows, last_cols=Sc - (cf - 1) * cols,
        t_chunk=t_chunk, stream_slices=stream_slices, stationary_slices=stationary_slices,
    )  # fmt: skip


def scalesim_output_size(size: int, kernel: int, stride: int) -> int:
    """SCALE-Sim's output size: ceil((size − kernel + stride)/stride), no padding, no dilation."""
    return math.ceil((size - kernel + stride) / stride)


def layer_gemm(layer: Layer, mode: str = "native") -> tuple[int, int, int, int]:
    """(M, N, K, groups) of a MAC layer.

    native: :meth:`Layer.gemm` (padding, stride, dilation, batch, groups). scalesim: SCALE-Sim's
    convention — output ceil((H' − R' + s)/s) × ceil((W' − S' + s)/s) where H', W' are the input
    sizes with any padding added beforehand (as SCALE-Sim users pre-pad their topologies; a SCALE-Sim
    CSV has none) and R', S' the dilated kernel extents; M = batch·P·Q, K = R·S·C/groups,
    N = filters/groups.
    """
    if mode == "native" or layer.op in ("fc", "matmul"):
        g = layer.gemm()
        return g.M, g.N, g.K, g.groups
    pt, pb, pl, pr = layer.padding
    eff_r = layer.dilation[0] * (layer.kernel_h - 1) + 1
    eff_s = layer.dilation[1] * (layer.kernel_w - 1) + 1
    p = scalesim_output_size(layer.in_h + pt + pb, eff_r, layer.stride[0])
    q = scalesim_output_size(layer.in_w + pl + pr, eff_s, layer.stride[1])
    cg = layer.in_channels // layer.groups
    return (
        layer.batch * p * q,
        layer.out_channels // layer.groups,
        layer.kernel_h * layer.kernel_w * cg,
        (layer.groups),
    )


def plan_layer(layer: Layer, rows: int, cols: int, dataflow: str, mode: str = "native") -> FoldPlan:
    """Fold a MAC layer onto the array (see :func:`layer_gemm` for the two conventions)."""
    M, N, K, groups = layer_gemm(layer, mode)
    return plan_gemm(M, N, K, rows, cols, dataflow, groups)


def _stationary_factor(dataflow: str) -> int:
    """Coefficient of r in the fold formula: 1 for os, 2 for ws/is (r cycles of preload)."""
    return 1 if dataflow == "os" else 2


def fold_cycles(plan: FoldPlan, mode: str = "native") -> np.ndarray:
    """Cycles of every fold of ONE group, in execution order (pass outer), vectorized closed form.

    os: T + r + c − 2; ws/is: T + 2r + c − 2, with r = R, c = C (scalesim) or the occupied rows and
    columns of the fold (native). Operands wider than the native width (:func:`operand_slices`):
    q·(s·T + overhead) with s = ``stream_slices``, q = ``stationary_slices``.
    """
    a = _stationary_factor(plan.dataflow)
    if mode == "scalesim":
        overhead = np.full(plan.folds_per_pass, a * plan.rows + plan.cols - 2, dtype=np.int64)
    elif mode == "native":
        r, c = plan.fold_rows_cols()
        overhead = a * r + c - 2
    else:
        raise AccelsimInputError("mode", f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    s, q = plan.stream_slices, plan.stationary_slices
    return (q * (s * plan.chunk_lengths[:, None] + overhead[None, :])).ravel()


def total_cycles(plan: FoldPlan, mode: str = "native") -> int:
    """Σ over all folds of all groups of the per-fold cycles, without enumerating folds.

    scalesim: groups·rf·cf·(T + n·(a·R + C − 2)); native: groups·(rf·cf·(T − 2n) + n·(a·cf·Sr + rf·Sc)),
    using Σ r = cf·Sr and Σ c = rf·Sc over the folds of one pass, Σ over the n passes of their streamed
    lengths = T (a = 1 for os, 2 for ws/is; n = 1 unless the stream is split). Operand slices: T → s·T
    and the whole sum × q (s = ``stream_slices``, q = ``stationary_slices``).
    """
    a = _stationary_factor(plan.dataflow)
    f = plan.folds_per_pass
    n = plan.n_chunks
    sT = plan.stream_slices * plan.T
    if mode == "scalesim":
        per_group = f * sT + n * f * (a * plan.rows + plan.cols - 2)
    elif mode == "native":
        per_group = f * (sT - 2 * n) + n * (a * plan.col_folds * plan.Sr + plan.row_folds * plan.Sc)
    else:
        raise AccelsimInputError("mode", f"unknown mode {mode!r}; allowed: {', '.join(MODES)}")
    return plan.groups * plan.stationary_slices * per_group


def mapping_efficiency(plan: FoldPlan) -> float:
    """Average fraction of the R·C PEs a fold occupies: Sr·Sc / (rf·cf·R·C)."""
    return plan.Sr * plan.Sc / (plan.folds_per_pass * plan.rows * plan.cols)


def sram_accesses(plan: FoldPlan) -> dict[str, int]:
    """Array-side SRAM accesses in words, SCALE-Sim counting, whole layer (all groups).

    os: ifmap T·cf·Sr, filter T·rf·Sc, ofmap writes Sr·Sc; ws: ifmap T·cf·Sr, filter Sr·Sc, ofmap writes
    T·rf·Sc; is: ifmap Sr·Sc, filter T·cf·Sr, ofmap writes T·rf·Sc. With the stream split into n passes
    the T terms are unchanged (Σ of the pass lengths is T) and the others are paid n times.

    Operands wider than native (p = ``operand_passes`` slice pairs, q = ``stationary_slices``) count
    slice accesses: the streamed operand(s) ×p (each slice is streamed once per slice of the other
    operand), the stationary block ×q, the ws/is psum writes ×p (one per slice pair).
    """
    g, T, Sr, Sc, rf, cf = plan.groups, plan.T, plan.Sr, plan.Sc, plan.row_folds, plan.col_folds
    n = plan.n_chunks
    p, q = plan.operand_passes, plan.stationary_slices
    if plan.dataflow == "os":
        ifmap, filt, ofmap = p * T * cf * Sr, p * T * rf * Sc, n * Sr * Sc
    elif plan.dataflow == "ws":
        ifmap, filt, ofmap = p * T * cf * Sr, q * n * Sr * Sc, p * T * rf * Sc
    else:
        ifmap, filt, ofmap = q * n * Sr * Sc, p * T * cf * Sr, p * T * rf * Sc
    return {"ifmap_sram_reads": g * ifmap, "filter_sram_reads": g * filt, "ofmap_sram_writes": g * ofmap}


def psum_sram_reads(plan: FoldPlan) -> int:
    """ws/is: psums read back from the ofmap buffer to continue accumulation in row folds 2..rf
    (T·(rf−1)·Sc words); os accumulates in place (0). SCALE-Sim does not count these. With p operand slice
    pairs every psum write but the first of an output is a read-modify-write: T·(p·rf − 1)·Sc."""
    if plan.dataflow == "os":
        return 0
    return plan.groups * plan.T * (plan.operand_passes * plan.row_folds - 1) * plan.Sc


def pe_register_accesses(plan: FoldPlan) -> dict[str, int]:
    """Register reads/writes inside the PEs, whole layer, per operand (documented per dataflow).

    Per useful MAC:

    * os: operand registers — read a and w (2 reads), forward both into the neighbours' registers
      (2 writes); accumulator — read and write in place (1 read, 1 write of acc_bits).
    * ws: weight register read (1); input register read + forward write (1 + 1); psum — read the
      incoming psum register and write the outgoing one (1 read, 1 write of acc_bits).
    * is: as ws with the roles of input and weight swapped.

    Plus the stationary preload of ws/is: the block is shifted down the columns, one register write
    per hop (see :func:`link_hops`).

    Operands wider than native: every per-MAC access happens once per slice pair (``operand_passes``,
    each of a native-width slice), the preload once per stationary slice.
    """
    macs = plan.macs * plan.operand_passes
    operand_reads = 2 * macs
    operand_writes = 2 * macs if plan.dataflow == "os" else macs
    preload = 0 if plan.dataflow == "os" else _shift_hops(plan)
    return {
        "operand_reads": operand_reads,
        "operand_writes": operand_writes + preload,
        "psum_reads": macs,
        "psum_writes": macs,
    }


def _shift_hops(plan: FoldPlan) -> int:
    """Σ over folds of c·r(r+1)/2: a block of r rows shifted down c columns (value of row i: i+1 hops)."""
    R = plan.rows
    tri = (plan.row_folds - 1) * R * (R + 1) // 2 + plan.last_rows * (plan.last_rows + 1) // 2
    # Σ over column folds of c is Sc; ws/is preload once per stationary slice
    return plan.stationary_slices * plan.n_chunks * plan.groups * tri * plan.Sc


def link_hops(plan: FoldPlan) -> dict[str, int]:
    """PE-to-PE (and edge-to-PE) transfers, whole layer, by kind of value moved.

    Each useful MAC receives its streamed operand(s) over one link: os moves a and w one hop per MAC;
    ws/is move the streamed operand and the psum one hop per MAC. Stationary preload (ws/is): a block
    of r rows is shifted down, the value for row i travels i+1 hops: c·r(r+1)/2 per fold. os output
    drain: the r·c results of a fold shift down their column, r(r+1)/2·c hops. Σ over folds uses
    Σ r(r+1)/2 = cf·(full·R(R+1)/2 + last(last+1)/2) per group. Operands wider than native: per-MAC hops
    once per slice pair (``operand_passes``, native-width slices), preload once per stationary slice, os
    drain once.
    """
    drain_or_preload = _shift_hops(plan)
    macs = plan.macs * plan.operand_passes
    if plan.dataflow == "os":
        return {"act_hops": macs, "weight_hops": macs, "psum_hops": 0, "output_hops": drain_or_preload}
    stationary = "weight_hops" if plan.dataflow == "ws" else "act_hops"
    streamed = "act_hops" if plan.dataflow == "ws" else "weight_hops"
    return {streamed: macs, stationary: drain_or_preload, "psum_hops": macs, "output_hops": 0}


__all__ = [
    "DATAFLOWS",
    "MODES",
    "Dataflow",
    "FoldPlan",
    "Mode",
    "array_dims",
    "check_dataflow",
    "fold_cycles",
    "layer_gemm",
    "link_hops",
    "mapping_efficiency",
    "operand_slices",
    "pe_register_accesses",
    "plan_gemm",
    "plan_layer",
    "psum_sram_reads",
    "scalesim_output_size",
    "sram_accesses",
    "total_cycles",
]
