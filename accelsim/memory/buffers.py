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

import math
from dataclasses import dataclass

import numba
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


_ROLES: dict[str, dict[str, str]] = {
    "os": {"ifmap": "row", "filter": "col", "ofmap": "both"},
    "ws": {"ifmap": "row", "filter": "both", "ofmap": "col"},
    "is": {"ifmap": "both", "filter": "row", "ofmap": "col"},
}


def _role(dataflow: str) -> dict[str, str]:
    """Which fold index each operand depends on: 'row', 'col' or 'both'."""
    return _ROLES[dataflow]


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


# ---- fast path: closed-form totals and a numba fold schedule -----------------------------------------
#
# plan_traffic above is the readable reference: it builds every per-fold array with numpy. The fabric
# uses the equivalent below, which never builds an array to get the totals: a fold's bytes only depend on
# its pass kind (first / middle / last pass of the stream, at most 3 kinds), whether it is the last row
# (column) fold — full R (C) or remainder rows (columns) — and whether it is the first or last row
# (column) fold. Totals are therefore counts × sizes; per-fold values (needed only by the stall model)
# are generated inside a numba loop from the same scalars, with the same float expressions as the
# reference, so they are bit-identical. tests/test_memory_systolic.py checks both against plan_traffic.

_ROLE_CODE = {"both": 0, "col": 1, "row": 2}
#: role codes of (ifmap, filter) per dataflow, as :func:`_role`
_ROLE_CODES = {df: (_ROLE_CODE[r["ifmap"]], _ROLE_CODE[r["filter"]]) for df, r in _ROLES.items()}


@dataclass(frozen=True, slots=True)
class TrafficModel:
    """Scalars that determine every fold's DRAM bytes (see :func:`traffic_model`); ``totals`` as in
    :class:`TrafficPlan`. Pass kinds k = 0 (first pass), 1 (middle passes), 2 (last pass); with one pass
    only kind 0 exists, with two passes kinds 0 and 2."""

    totals: dict[str, float]
    roles: tuple[int, int]  # role code of ifmap, filter (0 both, 1 col, 2 row)
    per_group: tuple[float, float]  # bytes per group of ifmap, filter
    resident: bool  # "both" operand kept on chip across passes
    col_fits: bool  # os filter: one column block fits
    pass_len: tuple[int, int, int]  # streamed length of each pass kind
    row_bytes: tuple[float, float, float]  # bytes per group of the "row" operand in each pass kind
    row_fits: tuple[bool, bool, bool]
    spill: tuple[bool, bool, bool]
    out_total: float
    acc_bits: int
    ofmap_both: bool


def traffic_model(
    plan: FoldPlan,
    buffers: SystolicBuffers,
    bits: OperandBits,
    ifmap_elems: int,
    filter_elems: int,
    output_elems: int,
) -> TrafficModel:
    """Closed form of :func:`plan_traffic`: the same totals (within float round-off of the sums, removed
    by the 1e-6 B rounding both apply) without building per-fold arrays.

    Σ over one pass's folds: Σ r·c = Sr·Sc, Σ_fc c = Sc, Σ_fr r = Sr, so an operand indexed by both fold
    indices costs its bytes B once; by the column fold B (fits) or rf·B; by the row fold B_pass (fits) or
    cf·B_pass, B_pass = B·T_pass/T for the streamed operand of ws/is; spilled psums (rf−1)·T_pass·Sc·acc/8
    written and read; final outputs out·T_pass/T per pass.
    """
    check_buffers(buffers, plan, bits)
    g = plan.groups
    rf, cf, Sc, T = plan.row_folds, plan.col_folds, plan.Sc, plan.T
    df = plan.dataflow
    is_os = df == "os"
    acc = bits.acc_bits
    b_ifmap = ifmap_elems / g * bits.ifmap_bits / 8
    b_filter = filter_elems / g * bits.filter_bits / 8
    cap_ifmap, cap_filter = buffers.ifmap.reusable_bytes, buffers.filter.reusable_bytes
    # the operand indexed by the row fold (os/ws ifmap, is filter) and by both (ws filter, is ifmap)
    b_row, cap_row = (b_filter, cap_filter) if df == "is" else (b_ifmap, cap_ifmap)
    b_both, cap_both = (b_ifmap, cap_ifmap) if df == "is" else (b_filter, cap_filter)
    out_total = output_elems / g * bits.out_bits / 8
    ofmap_cap = buffers.ofmap.reusable_bytes
    n = plan.n_chunks
    chunk = plan.chunk
    # pass kinds: (streamed length, number of passes of this kind); the first pass is always kind 0
    kinds = ((chunk if n > 1 else T, 1), (chunk, max(n - 2, 0)), (T - (n - 1) * chunk, 1 if n > 1 else 0))
    resident = not is_os and n > 1 and b_both <= cap_both
    c_max = plan.cols if cf > 1 else plan.last_cols
    col_fits = not is_os or b_filter * c_max / Sc <= cap_filter

    row_bytes, row_fits, spill = [], [], []
    row_read = both_read = col_read = psum_read = write = 0.0
    any_spill = False
    for k, (t_len, count) in enumerate(kinds):
        bp = b_ifmap if is_os else b_row * (t_len / T)
        fits = bp <= cap_row
        sp = not is_os and t_len * c_max * acc / 8 > ofmap_cap
        row_bytes.append(bp)
        row_fits.append(fits)
        spill.append(sp)
        if count == 0:
            continue
        row_read += count * (bp if fits else cf * bp)
        if is_os:
            col_read += count * (b_filter if col_fits else rf * b_filter)
            write += count * out_total
        else:
            both_read += count * (b_both if k == 0 or not resident else 0.0)
            write += count * out_total * (t_len / T)
            if sp:
                any_spill = True
                block = (rf - 1) * t_len * Sc * acc / 8
                psum_read += count * block
                write += count * block
    if is_os:
        ifmap_read, filter_read = row_read, col_read
    elif df == "ws":
        ifmap_read, filter_read = row_read, both_read
    else:
        ifmap_read, filter_read = both_read, row_read
    # refetch factors: the row operand's as in the last pass; os filter ×rf when a column block does
    # not fit; the stationary operand (ws filter, is ifmap; the ifmap for os) ×passes unless it fits
    row_refetch = 1.0 if row_fits[2 if n > 1 else 0] else float(cf)
    refetch_ifmap = 1.0 if df == "is" else row_refetch
    refetch_filter = row_refetch if df == "is" else (1.0 if col_fits else float(rf))
    if n > 1:
        if df == "ws":
            refetch_filter = 1.0 if b_filter <= cap_filter else float(n)
        else:
            refetch_ifmap = 1.0 if b_ifmap <= cap_ifmap else float(n)
    ifmap_b, filter_b, psum_b = _clean(g * ifmap_read), _clean(g * filter_read), _clean(g * psum_read)
    write_b = _clean(g * write)
    totals = {
        "dram_ifmap_read_bytes": ifmap_b,
        "dram_filter_read_bytes": filter_b,
        "dram_ofmap_read_bytes": psum_b,
        "dram_ofmap_write_bytes": write_b,
        "ifmap_refetch_factor": refetch_ifmap,
        "filter_refetch_factor": refetch_filter,
        "psum_spill": float(any_spill),
        "dram_read_bytes": ifmap_b + filter_b + psum_b,
        "dram_write_bytes": write_b,
    }
    return TrafficModel(
        totals=totals,
        roles=_ROLE_CODES[df],
        per_group=(b_ifmap, b_filter),
        resident=resident,
        col_fits=col_fits,
        pass_len=(kinds[0][0], kinds[1][0], kinds[2][0]),
        row_bytes=(row_bytes[0], row_bytes[1], row_bytes[2]),
        row_fits=(row_fits[0], row_fits[1], row_fits[2]),
        spill=(spill[0], spill[1], spill[2]),
        out_total=out_total,
        acc_bits=acc,
        ofmap_both=is_os,
    )


@numba.njit(cache=True, inline="always")
def _operand_read(role, B, row_b, row_fit, col_fit, resident, first, r, c, fr, fc, Sr, Sc):
    """One fold's DRAM read of one operand: the reference's per-element expression, same float order."""
    if role == 0:  # both
        return B * r * c / (Sr * Sc) * (1.0 if first or not resident else 0.0)
    if role == 1:  # col (os filter)
        v = B * c / Sc
        return v if fr == 0 or not col_fit else 0.0
    v = row_b * r / Sr  # row
    return v if fc == 0 or not row_fit else 0.0


@numba.njit(cache=True, inline="always")
def _fold_class(i, n):
    """Class of fold index i among n (row or column folds): 0 middle, 1 first, 2 last, 3 first and last
    (n = 1). A fold's values depend on its row and column indices only through these classes."""
    return (1 if i == 0 else 0) + (2 if i == n - 1 else 0)


@numba.njit(cache=True)
def fold_classes(
    rows, cols, rf, cf, last_rows, last_cols, Sr, Sc, T, stationary, scalesim,
    roles, per_group, resident, col_fits, pass_len, row_bytes, row_fits, spill, out_total, acc_bits,
    ofmap_both, stream_slices, stationary_slices,
):  # fmt: skip
    """(compute cycles, DRAM read bytes, DRAM write bytes) of a fold by its class, each shaped [3, 4, 4]:
    [pass kind (0 first, 1 middle, 2 last pass), row-fold class, column-fold class] (:func:`_fold_class`;
    entries of absent classes stay 0). Fold cycles as :func:`accelsim.dataflow.systolic.fold_cycles`,
    bytes as :func:`plan_traffic`, element for element (same float expressions, so bit-identical).
    Operands wider than the array's native width: cycles q·(s·t + overhead) (``stream_slices`` s,
    ``stationary_slices`` q; the fold's DRAM bytes are the operands' real bytes, unchanged)."""
    compute = np.zeros((3, 4, 4), dtype=np.int64)
    read = np.zeros((3, 4, 4), dtype=np.float64)
    write = np.zeros((3, 4, 4), dtype=np.float64)
    # one representative fold index per class present: first, a middle one (if any), last
    fr_reps = (0, 1 if rf > 2 else 0, rf - 1)
    fc_reps = (0, 1 if cf > 2 else 0, cf - 1)
    for k in range(3):
        t_len = pass_len[k]
        share = t_len / T
        first = k == 0
        for fc in fc_reps:
            c_int = cols if fc < cf - 1 else last_cols
            c = float(c_int)
            fcc = _fold_class(fc, cf)
            for fr in fr_reps:
                r_int = rows if fr < rf - 1 else last_rows
                r = float(r_int)
                frc = _fold_class(fr, rf)
                if scalesim:
                    overhead = stationary * rows + cols - 2
                else:
                    overhead = stationary * r_int + c_int - 2
                compute[k, frc, fcc] = stationary_slices * (stream_slices * t_len + overhead)
                ifm = _operand_read(
                    roles[0], per_group[0], row_bytes[k], row_fits[k], col_fits, resident, first,
                    r, c, fr, fc, Sr, Sc,
                )  # fmt: skip
                flt = _operand_read(
                    roles[1], per_group[1], row_bytes[k], row_fits[k], col_fits, resident, first,
                    r, c, fr, fc, Sr, Sc,
                )  # fmt: skip
                psum = 0.0
                if ofmap_both:
                    w = out_total * r * c / (Sr * Sc)
                else:
                    w = out_total * share * c / Sc if fr == rf - 1 else 0.0
                    if spill[k]:
                        block = t_len * c * acc_bits / 8
                        w = w + (block if fr < rf - 1 else 0.0)
                        psum = block if fr > 0 else 0.0
                read[k, frc, fcc] = ifm + flt + psum
                write[k, frc, fcc] = w
    return compute, read, write


@numba.njit(cache=True)
def expand_folds(compute_c, read_c, write_c, rf, cf, n_passes, groups):
    """Every fold of the layer (all passes, all groups, execution order: group, pass, column fold, row
    fold) from the class tables of :func:`fold_classes`."""
    n = groups * n_passes * cf * rf
    compute = np.empty(n, dtype=np.int64)
    read = np.empty(n, dtype=np.float64)
    write = np.empty(n, dtype=np.float64)
    i = 0
    for _ in range(groups):
        for p in range(n_passes):
            k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
            for fc in range(cf):
                fcc = _fold_class(fc, cf)
                for fr in range(rf):
                    frc = _fold_class(fr, rf)
                    compute[i] = compute_c[k, frc, fcc]
                    read[i] = read_c[k, frc, fcc]
                    write[i] = write_c[k, frc, fcc]
                    i += 1
    return compute, read, write


@numba.njit(cache=True, inline="always")
def _pairwise_block(a, lo, n):
    """numpy's pairwise summation of at most 128 terms: < 8 in sequence, else 8 interleaved partial sums
    combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remaining n mod 8 terms in sequence."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@numba.njit(cache=True)
def _pairwise_sum(a, lo, n):
    """Σ a[lo:lo+n] associated exactly as numpy's pairwise summation (np.sum, np.add.reduce): runs of more
    than 128 terms are split at n2 = ⌊n/2⌋ − (⌊n/2⌋ mod 8) and summed as pw(left) + pw(right). The tree is
    walked with an explicit stack (numba's cache cannot hold a recursive function safely)."""
    if n <= 128:
        return _pairwise_block(a, lo, n)
    lo_s = np.empty(128, dtype=np.int64)
    n_s = np.empty(128, dtype=np.int64)
    done_s = np.zeros(128, dtype=np.bool_)
    vals = np.empty(128, dtype=np.float64)
    sp, vsp = 0, 0
    lo_s[0], n_s[0] = lo, n
    while sp >= 0:
        m = n_s[sp]
        if m <= 128:  # leaf
            vals[vsp] = _pairwise_block(a, lo_s[sp], m)
            vsp += 1
            sp -= 1
        elif not done_s[sp]:  # expand: right child below, left child on top (evaluated first)
            done_s[sp] = True
            n2 = m // 2
            n2 -= n2 % 8
            l0 = lo_s[sp]
            lo_s[sp + 1], n_s[sp + 1], done_s[sp + 1] = l0 + n2, m - n2, False
            lo_s[sp + 2], n_s[sp + 2], done_s[sp + 2] = l0, n2, False
            sp += 2
        else:  # both children summed: left + right
            vals[vsp - 2] = vals[vsp - 2] + vals[vsp - 1]
            vsp -= 1
            sp -= 1
    return vals[0]


@numba.njit(cache=True)
def _segment_sum(a, n):
    """np.add.reduceat's sum of one segment a[0:n]: the first element plus the pairwise sum of the rest."""
    if n == 1:
        return a[0]
    return a[0] + _pairwise_sum(a, 1, n - 1)


@numba.njit(cache=True)
def coarse_tiles(compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles):
    """The layer's folds merged into tiles exactly as :func:`accelsim.memory.dram.coarsen_tiles` merges the
    expanded per-fold arrays (tiles of ceil(folds/max_tiles) folds, sums associated as np.add.reduceat),
    without expanding them.

    A fold's values depend only on its pass kind k, whether its row fold is the first, a middle or the
    last one, and whether its column fold is the first, a middle or the last one. So a full tile's sums
    depend only on: (a) (k, column class) when all its folds are middle row folds of one column fold;
    (b) (k, first row fold) when all its folds lie in the middle column folds of one pass; (c) its offset
    within the pass when it lies in the middle passes of one group; (d) its position within the group
    (the same for tiles t and t + fpg/gcd(size, fpg)). Equal tiles are summed once; the others fold by
    fold (O(tile size))."""
    fpp = rf * cf
    fpg = n_passes * fpp
    n = fpg * groups
    size = -(-n // max_tiles) if n > max_tiles else 1
    ntiles = -(-n // size)
    tc = np.empty(ntiles, dtype=np.int64)
    tr = np.empty(ntiles, dtype=np.float64)
    tw = np.empty(ntiles, dtype=np.float64)
    run_seen = np.full((3, 4), -1, dtype=np.int64)  # (a): tile holding the sums, per (k, column class)
    midcol_seen = np.full((3, rf if cf > 2 else 0), -1, dtype=np.int64)  # (b)
    midpass_seen = np.full(fpp if n_passes > 2 else 0, -1, dtype=np.int64)  # (c)
    period = fpg // math.gcd(size, fpg)  # (d)
    rbuf = np.empty(size, dtype=np.float64)
    wbuf = np.empty(size, dtype=np.float64)
    for t in range(ntiles):
        s = t * size
        length = min(size, n - s)
        local = s % fpg
        p = local // fpp
        q = local - p * fpp
        k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
        src = -1
        if length == size:
            fc, fr = q // rf, q % rf
            q_end = q + size - 1  # within the pass when < fpp
            if q_end < fpp and fr >= 1 and fr + size - 1 <= rf - 2:  # (a)
                cls = (1 if fc == 0 else 0) + (2 if fc == cf - 1 else 0)
                src = run_seen[k, cls]
                if src < 0:
                    run_seen[k, cls] = t
            elif q_end < fpp and fc >= 1 and q_end // rf <= cf - 2:  # (b)
                src = midcol_seen[k, fr]
                if src < 0:
                    midcol_seen[k, fr] = t
            elif local + size <= fpg and p >= 1 and (local + size - 1) // fpp <= n_passes - 2:  # (c)
                src = midpass_seen[q]
                if src < 0:
                    midpass_seen[q] = t
            elif t >= period:  # (d): tile t − period starts at the same position in its group
                src = t - period
        if src >= 0:
            tc[t] = tc[src]
            tr[t] = tr[src]
            tw[t] = tw[src]
            continue
        csum = 0
        fc, fr = q // rf, q % rf
        for m in range(length):  # walk the folds: row fold fr inner, column fold fc, pass p (kind k)
            frc, fcc = _fold_class(fr, rf), _fold_class(fc, cf)
            csum += compute_c[k, frc, fcc]
            rbuf[m] = read_c[k, frc, fcc]
            wbuf[m] = write_c[k, frc, fcc]
            fr += 1
            if fr == rf:
                fr = 0
                fc += 1
                if fc == cf:  # next pass; passes wrap at a group's end
                    fc = 0
                    p = p + 1 if p + 1 < n_passes else 0
                    k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
        tc[t] = csum
        tr[t] = _segment_sum(rbuf, length)
        tw[t] = _segment_sum(wbuf, length)
    return tc, tr, tw


@numba.njit(cache=True, inline="always")
def _transfer(b, bandwidth):
    """ceil(b/bw) cycles as :func:`accelsim.memory.dram.transfer_cycles` (0 for nothing to move)."""
    return max(math.ceil(b / bandwidth - 1e-9), 0) if b > 0 else 0


@numba.njit(cache=True)
def _stall_recurrence(compute, loads, stores, slots):
    """The recurrence of :func:`accelsim.memory.dram.stall_cycles_closed_form` on integer transfers:
    stall cycles = end of the schedule − Σ compute."""
    n = compute.shape[0]
    total_compute = 0
    for i in range(n):
        total_compute += compute[i]
    load_end = np.zeros(n, dtype=np.int64)
    dma = 0
    for i in range(min(slots, n)):
        dma += loads[i]
        load_end[i] = dma
    prev = 0
    for j in range(n):
        start = max(load_end[j], prev)
        prev = start + compute[j]
        if j + slots < n:
            dma = max(dma, prev) + loads[j + slots]
            load_end[j + slots] = dma
        if stores[j] > 0:
            dma = max(dma, prev) + stores[j]
    return max(prev, dma) - total_compute


@numba.njit(cache=True)
def stall_cycles_tiles(compute, read, write, bandwidth, slots):
    """Stall cycles of a tile schedule: transfers ceil(b/bw) as :func:`accelsim.memory.dram.transfer_cycles`
    (0 for nothing to move), then the recurrence of :func:`accelsim.memory.dram.stall_cycles_closed_form`
    (same machine, same integers), in one compiled pass."""
    n = compute.shape[0]
    loads = np.empty(n, dtype=np.int64)
    stores = np.empty(n, dtype=np.int64)
    for i in range(n):
        loads[i] = _transfer(read[i], bandwidth)
        stores[i] = _transfer(write[i], bandwidth)
    return _stall_recurrence(compute, loads, stores, slots)


# ---- tile transfers without summing folds ------------------------------------------------------------
#
# coarse_tiles sums every distinct tile fold by fold (its float sums must be associated as numpy's), so
# its cost grows with the number of folds: a small ofmap buffer splits a large-batch ws/is layer into
# thousands of passes (systolic-vwa: up to 10^6 folds). The stall model only needs each tile's compute
# cycles (an integer sum, exact in any order) and its transfer cycles ceil(b/bw − 1e-9). tile_transfers
# gets b from closed-form class counts (a few products per tile) and proves the transfer equal:
#
# * every fold value is ≥ 0; if every read (write) value is a multiple of 2^-m and the layer's total is
#   below 2^(52-m), every partial sum in any order is exactly representable: the closed form *is*
#   numpy's sum (no rounding at all);
# * otherwise both sums are within γ_D·S of the exact sum S (each term goes through at most D roundings:
#   numpy's pairwise sum, ≤ 25 in a 128-term block + tree depth + 1 < 90 for < 2^60 folds; the closed
#   form, < 20), so numpy's b lies in [S' − E, S' + E], E = 2^-46·S' (> (γ_90 + 2γ_20)·S'). fl(x/bw), fl(y − 1e-9)
#   and ceil are monotone, so when both ends give the same transfer, numpy's b gives it too; when they
#   differ (b/bw within ≈ 10^-14 relative of an integer + 1e-9) the tile is summed fold by fold
#   exactly as coarse_tiles does.

_EXACT_MAX_SHIFT = 40


@numba.njit(cache=True)
def _dyadic_shift(table):
    """Smallest m ≤ 40 with every entry of ``table`` a multiple of 2^-m (−1 if none, or an entry < 0)."""
    m = 0
    for v in table.ravel():
        if v < 0:
            return -1
        while m <= _EXACT_MAX_SHIFT and v * 2.0**m != math.floor(v * 2.0**m):
            m += 1
        if m > _EXACT_MAX_SHIFT:
            return -1
    return m


@numba.njit(cache=True)
def _row_range(tab, k, fcc, a, b, rf):
    """Σ of rows a..b−1 of one column fold (class fcc) of a pass of kind k: first/middle/last counts ×
    the class values."""
    if a >= b:
        return tab[k, 0, 0] * 0
    if rf == 1:
        return tab[k, 3, fcc]
    first = 1 if a == 0 else 0
    last = 1 if b == rf else 0
    mid = (b - a) - first - last
    return first * tab[k, 1, fcc] + last * tab[k, 2, fcc] + mid * tab[k, 0, fcc]


@numba.njit(cache=True)
def _col_range(tab, k, c0, c1, rf, cf):
    """Σ of whole column folds c0..c1−1 of a pass of kind k."""
    if c0 >= c1:
        return tab[k, 0, 0] * 0
    if cf == 1:
        return _row_range(tab, k, 3, 0, rf, rf)
    first = 1 if c0 == 0 else 0
    last = 1 if c1 == cf else 0
    mid = (c1 - c0) - first - last
    return (
        first * _row_range(tab, k, 1, 0, rf, rf)
        + last * _row_range(tab, k, 2, 0, rf, rf)
        + mid * _row_range(tab, k, 0, 0, rf, rf)
    )


@numba.njit(cache=True)
def _in_pass(tab, k, q0, q1, rf, cf):
    """Σ of folds q0..q1−1 (column fold outer, row fold inner) of one pass of kind k."""
    fc0, fr0 = q0 // rf, q0 % rf
    fc1, fr1 = q1 // rf, q1 % rf
    if fc0 == fc1:
        return _row_range(tab, k, _fold_class(fc0, cf), fr0, fr1, rf)
    s = _row_range(tab, k, _fold_class(fc0, cf), fr0, rf, rf) + _col_range(tab, k, fc0 + 1, fc1, rf, cf)
    if fr1 > 0:
        s = s + _row_range(tab, k, _fold_class(fc1, cf), 0, fr1, rf)
    return s


@numba.njit(cache=True, inline="always")
def _pass_kind(j, n_passes):
    """Kind of the global pass j (passes restart at every group): 0 first, 2 last, 1 middle."""
    p = j % n_passes
    return 0 if p == 0 else (2 if p == n_passes - 1 else 1)


@numba.njit(cache=True, inline="always")
def _count_residue(j0, j1, n, r):
    """Number of j in [j0, j1) with j mod n == r."""
    return (j1 - 1 - r + n) // n - (j0 - 1 - r + n) // n


@numba.njit(cache=True)
def _range_sum(tab, s, e, rf, cf, n_passes):
    """Σ of the layer's folds s..e−1 (global execution order over groups and passes) of one class table:
    the head of the first pass, the whole passes by kind (first, middle, last), the tail of the last one,
    added in that order. One call site of :func:`_in_pass`, inlined once (a cold compile of seconds, not
    minutes: every inlined call is type-inferred again)."""
    fpp = rf * cf
    p0, q0 = s // fpp, s % fpp
    p1, q1 = e // fpp, e % fpp
    if p0 == p1:
        return _in_pass(tab, _pass_kind(p0, n_passes), q0, q1, rf, cf)
    j0, j1 = p0 + 1, p1  # whole passes
    n0 = n1 = n2 = 0
    if j1 > j0:
        if n_passes == 1:
            n0 = j1 - j0
        else:
            n0 = _count_residue(j0 + n_passes, j1 + n_passes, n_passes, 0)
            n2 = _count_residue(j0 + n_passes, j1 + n_passes, n_passes, n_passes - 1)
            n1 = (j1 - j0) - n0 - n2
    total = tab[0, 0, 0] * 0
    for seg in range(5):  # 0 head, 1-3 whole passes of kind 0/1/2, 4 tail
        if seg == 0:
            k, a, b, count = _pass_kind(p0, n_passes), q0, fpp, 1
        elif seg == 4:
            k, a, b, count = _pass_kind(p1, n_passes), 0, q1, 1 if q1 > 0 else 0
        else:
            k, a, b = seg - 1, 0, fpp
            count = n0 if seg == 1 else (n1 if seg == 2 else n2)
        if count > 0:
            part = _in_pass(tab, k, a, b, rf, cf)
            total = total + (part if seg == 0 or seg == 4 else count * part)
    return total


@numba.njit(cache=True)
def _tile_walk(compute_c, read_c, write_c, rf, cf, n_passes, s, length, rbuf, wbuf):
    """One tile's (compute, read, write) sums, fold by fold, reads/writes associated as np.add.reduceat
    (first fold + numpy's pairwise sum of the rest)."""
    fpp = rf * cf
    local = s % (n_passes * fpp)
    p = local // fpp
    q = local - p * fpp
    k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
    csum = 0
    fc, fr = q // rf, q % rf
    for m in range(length):  # walk the folds: row fold fr inner, column fold fc, pass p (kind k)
        frc, fcc = _fold_class(fr, rf), _fold_class(fc, cf)
        csum += compute_c[k, frc, fcc]
        rbuf[m] = read_c[k, frc, fcc]
        wbuf[m] = write_c[k, frc, fcc]
        fr += 1
        if fr == rf:
            fr = 0
            fc += 1
            if fc == cf:  # next pass; passes wrap at a group's end
                fc = 0
                p = p + 1 if p + 1 < n_passes else 0
                k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
    return csum, _segment_sum(rbuf, length), _segment_sum(wbuf, length)


@numba.njit(cache=True, inline="always")
def _proved_transfer(b, exact, bandwidth):
    """Transfer cycles of numpy's tile sum given the closed-form sum ``b`` (exact, or within 2^-46·b);
    −1 when the bound does not decide it."""
    if exact or b == 0.0:
        return _transfer(b, bandwidth)
    err = b * 2.0**-46
    lo = _transfer(b - err, bandwidth) if b - err > 0 else -1
    hi = _transfer(b + err, bandwidth)
    return lo if lo == hi else -1


#: a layer whose compute cycles reach 2^53 cannot be summed exactly in float64 (tile_transfers' flag)
CYCLES_OVERFLOW = -1


@numba.njit(cache=True)
def _decided_transfers(compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth):
    """Tiles of :func:`coarse_tiles`: (compute cycles, load cycles, store cycles, copy source, undecided
    count). Every sum is the closed form of :func:`_range_sum` on float64 tables (compute cycles are
    integers below 2^53, so their float sums are exact); a tile whose transfer the error bound does not
    decide gets load or store −1 and is resolved by :func:`_walk_undecided`. Equal tiles are copied from
    their first holder (``copy_src``). Returns undecided = CYCLES_OVERFLOW when a layer reaches 2^53
    cycles."""
    fpg = n_passes * rf * cf
    n = fpg * groups
    size = -(-n // max_tiles) if n > max_tiles else 1
    ntiles = -(-n // size)
    tc = np.empty(ntiles, dtype=np.int64)
    loads = np.empty(ntiles, dtype=np.int64)
    stores = np.empty(ntiles, dtype=np.int64)
    copy_src = np.full(ntiles, -1, dtype=np.int64)
    compute_f = compute_c.astype(np.float64)
    if _range_sum(compute_f, 0, n, rf, cf, n_passes) >= 2.0**53:
        return tc, loads, stores, copy_src, CYCLES_OVERFLOW
    m_r = _dyadic_shift(read_c)
    m_w = _dyadic_shift(write_c)
    exact_r = m_r >= 0 and _range_sum(read_c, 0, n, rf, cf, n_passes) * 2.0**m_r < 2.0**52
    exact_w = m_w >= 0 and _range_sum(write_c, 0, n, rf, cf, n_passes) * 2.0**m_w < 2.0**52
    undecided = 0
    fpp = rf * cf
    run_seen = np.full((3, 4), -1, dtype=np.int64)  # equal tiles, as coarse_tiles
    midcol_seen = np.full((3, rf if cf > 2 else 0), -1, dtype=np.int64)
    midpass_seen = np.full(fpp if n_passes > 2 else 0, -1, dtype=np.int64)
    period = fpg // math.gcd(size, fpg)
    for t in range(ntiles):
        s = t * size
        e = min(s + size, n)
        if e - s == size:  # equal tiles, as in coarse_tiles (same classes, same holders)
            local = s % fpg
            p = local // fpp
            q = local - p * fpp
            k = 0 if p == 0 else (2 if p == n_passes - 1 else 1)
            src = -1
            fc, fr = q // rf, q % rf
            q_end = q + size - 1  # within the pass when < fpp
            if q_end < fpp and fr >= 1 and fr + size - 1 <= rf - 2:  # (a)
                cls = (1 if fc == 0 else 0) + (2 if fc == cf - 1 else 0)
                src = run_seen[k, cls]
                if src < 0:
                    run_seen[k, cls] = t
            elif q_end < fpp and fc >= 1 and q_end // rf <= cf - 2:  # (b)
                src = midcol_seen[k, fr]
                if src < 0:
                    midcol_seen[k, fr] = t
            elif local + size <= fpg and p >= 1 and (local + size - 1) // fpp <= n_passes - 2:  # (c)
                src = midpass_seen[q]
                if src < 0:
                    midpass_seen[q] = t
            elif t >= period:  # (d): tile t − period starts at the same position in its group
                src = t - period
            if src >= 0:
                tc[t], loads[t], stores[t] = tc[src], loads[src], stores[src]
                copy_src[t] = src
                continue
        tc[t] = int(_range_sum(compute_f, s, e, rf, cf, n_passes))
        ld = _proved_transfer(_range_sum(read_c, s, e, rf, cf, n_passes), exact_r, bandwidth)
        st = _proved_transfer(_range_sum(write_c, s, e, rf, cf, n_passes), exact_w, bandwidth)
        if ld < 0 or st < 0:
            undecided += 1
            ld = st = -1
        loads[t] = ld
        stores[t] = st
    return tc, loads, stores, copy_src, undecided


@numba.njit(cache=True)
def _walk_undecided(
    compute_c, read_c, write_c, rf, cf, n_passes, n, size, loads, stores, copy_src, bandwidth
):
    """Resolve the tiles :func:`_decided_transfers` left at −1: copies take their source's (resolved
    earlier, since a source precedes its copies); the others are summed fold by fold exactly as
    :func:`coarse_tiles` sums them. Returns the number of tiles walked. Compiled only when a layer needs it."""
    rbuf = np.empty(size, dtype=np.float64)
    wbuf = np.empty(size, dtype=np.float64)
    walked = 0
    for t in range(loads.shape[0]):
        if loads[t] >= 0 and stores[t] >= 0:
            continue
        src = copy_src[t]
        if src >= 0:
            loads[t], stores[t] = loads[src], stores[src]
            continue
        s = t * size
        _, r, w = _tile_walk(compute_c, read_c, write_c, rf, cf, n_passes, s, min(size, n - s), rbuf, wbuf)
        loads[t], stores[t] = _transfer(r, bandwidth), _transfer(w, bandwidth)
        walked += 1
    return walked


def tile_transfers(compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth):
    """(compute cycles, load cycles, store cycles) of the tiles of :func:`coarse_tiles`, equal to
    ceil(b/bw − 1e-9) of its sums, in O(1) per tile (see the comment above; undecided tiles are summed
    fold by fold). Returns also the number of tiles summed fold by fold.

    Two compiled passes: :func:`_decided_transfers` (always) and :func:`_walk_undecided` (only when some
    tile is undecided, so its compile is paid only by layers that need it)."""
    tc, loads, stores, copy_src, undecided = _decided_transfers(
        compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth
    )
    if undecided == CYCLES_OVERFLOW:
        from accelsim.errors import AccelsimInputError

        raise AccelsimInputError(
            "network", "a layer of 2^53 or more cycles cannot be timed exactly: too large"
        )
    walked = 0
    if undecided:
        n = n_passes * rf * cf * groups
        size = -(-n // max_tiles) if n > max_tiles else 1
        walked = _walk_undecided(
            compute_c, read_c, write_c, rf, cf, n_passes, n, size, loads, stores, copy_src, bandwidth
        )
    return tc, loads, stores, walked


def layer_stall_cycles(
    rows, cols, rf, cf, last_rows, last_cols, Sr, Sc, T, stationary, scalesim,
    roles, per_group, resident, col_fits, pass_len, row_bytes, row_fits, spill, out_total, acc_bits,
    ofmap_both, stream_slices, stationary_slices, n_passes, groups, max_tiles, bandwidth, slots,
):  # fmt: skip
    """:func:`fold_classes` → :func:`tile_transfers` (the transfers of :func:`coarse_tiles`' tiles) → the
    stall recurrence (the fabric's path: two or three compiled calls)."""
    compute_c, read_c, write_c = fold_classes(
        rows, cols, rf, cf, last_rows, last_cols, Sr, Sc, T, stationary, scalesim,
        roles, per_group, resident, col_fits, pass_len, row_bytes, row_fits, spill, out_total, acc_bits,
        ofmap_both, stream_slices, stationary_slices,
    )  # fmt: skip
    tc, loads, stores, _ = tile_transfers(
        compute_c, read_c, write_c, rf, cf, n_passes, groups, max_tiles, bandwidth
    )
    return _stall_recurrence(tc, loads, stores, slots)


__all__ = [
    "TrafficModel",
    "choose_stream_chunk",
    "coarse_tiles",
    "expand_folds",
    "fold_classes",
    "layer_stall_cycles",
    "stall_cycles_tiles",
    "tile_transfers",
    "traffic_model",
    "OperandBits",
    "SramBuffer",
    "SystolicBuffers",
    "TrafficPlan",
    "check_buffers",
    "plan_traffic",
]
