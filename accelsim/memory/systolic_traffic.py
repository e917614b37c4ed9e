"""DRAM traffic of a systolic layer, fold by fold, from its fold plan and its operand buffers
(:mod:`accelsim.memory.buffers`): closed form (:func:`traffic_model`) and per-fold-class tables
(:func:`fold_classes`), equal to the readable per-fold reference
:func:`accelsim.memory.systolic_traffic_ref.plan_traffic`.

Tiling: a tile is one fold of :mod:`accelsim.dataflow.systolic` (column fold
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

import numba
import numpy as np

from accelsim.mappings import FoldPlan
from accelsim.memory.buffers import OperandBits, SystolicBuffers, check_buffers

_ROLES: dict[str, dict[str, str]] = {
    "os": {"ifmap": "row", "filter": "col", "ofmap": "both"},
    "ws": {"ifmap": "row", "filter": "both", "ofmap": "col"},
    "is": {"ifmap": "both", "filter": "row", "ofmap": "col"},
}


def _role(dataflow: str) -> dict[str, str]:
    """Which fold index each operand depends on: 'row', 'col' or 'both'."""
    return _ROLES[dataflow]


def _clean(x: float) -> float:
    """Round a sum of fractional shares to 1e-6 B (removes float round-off such as 215295.9999999)."""
    return round(x, 6)


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


__all__ = ["TrafficModel", "fold_classes", "traffic_model"]
