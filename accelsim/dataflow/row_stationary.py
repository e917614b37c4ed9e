"""Eyeriss v1 row-stationary (RS) mapping: closed-form cycles, per-level access counts, energy, search.

Follows Chen, Emer, Sze, "Eyeriss: a spatial architecture for energy-efficient dataflow for CNNs",
ISCA 2016, and Chen et al., "Eyeriss: an energy-efficient reconfigurable accelerator for deep CNNs",
JSSC 2017 (mapping parameters of Table IV).

The 2-D convolution is split into 1-D row convolutions. One PE convolves one filter row (S weights) with
one ifmap row and produces one row of partial sums (F = Q outputs). A *logical PE set* is R filter rows ×
e output rows: filter row i is reused horizontally (all PEs of row i), ifmap row ``j·U + i·d`` diagonally
(PE (i, j)), and the R psum rows are accumulated vertically into output row j. Letters (JSSC Table IV):

* ``p`` filters and ``q`` channels share one PE (filter spad ``p·q·S ≤ 224``, ifmap spad ``q·S ≤ 12``,
  psum spad ``p ≤ 24``); ``n`` images stream through a PE per pass (filter reuse);
* ``e`` output rows per set (strip mining of E); a set of width e > 14 is folded into
  ``ceil(e/14)`` segments stacked vertically;
* ``r`` sets process different channels, ``t`` sets different filter bundles (or groups) concurrently;
* ``m`` filters keep their psums in the global buffer (GLB) across all channel passes.

Loop nest (outer → inner): image groups (N/n) → output-row strips (E/e) → filter groups of m →
filter bundles of p·t → channel groups of q·r → one *pass* (all active PEs compute in lockstep).

Per pass, closed form:

* compute cycles ``n·F·p·q·S / macs_per_pe_cycle`` (1 MAC per PE per cycle in v1), plus one cycle per
  output and filter in which the PE's adder adds the psum from the PE below, plus the chain skew
  ``R·r − 2`` (:func:`pe_set_cycles`, equal to the cycle-stepped reference);
* filter load: the pass's unique filter words ``t·r·p·q·R·S`` arrive over the filter bus before the
  pass starts (filter spads are not double buffered), ``ceil(words / filter_bus_words_per_cycle)``;
  with ``filter_load_overlap`` the next pass's filters load during the current one, so a pass lasts
  ``max(load, compute)`` and only the first load is exposed;
* ifmap and psum streaming overlap with compute; the pass lasts at least
  ``ceil(unique_ifmap_words / ifmap_bus_words_per_cycle)`` and ``ceil(psum_words / psum_bus)``.

Access counts per level (words, the whole batch, see :class:`RSCost`) follow the ISCA'16 analysis
framework: a datum used ``a·b·c·d`` times is fetched ``a`` times from DRAM, ``a·b`` times from the GLB,
delivered ``a·b·c`` times over the array and read ``a·b·c·d`` times from the RF; a psum accumulated
``a·b·c·d`` times costs ``(2a−1)`` DRAM, ``2a(b−1)`` GLB, ``ab(c−1)`` array and ``2abc(d−1)`` RF accesses.
For RS:

* RF: every MAC reads its ifmap (zero detection) and, unless gated, its filter weight; psums accumulate
  ``d = q·S`` products in the psum spad: ``2·(MACs − chains)`` accesses, chains = outputs × channel
  passes × R·r (zero-gated MACs skip the filter read and psum update);
* array: every word written into a spad (filter rows to the e PEs of their row, ifmap rows to the PEs
  of their diagonal) plus ``R·r − 1`` vertical psum hops per output per channel pass;
* GLB: ifmap words read once per pass (one read multicast to all PEs on the GIN), psums read and written
  ``(channel passes − 1)`` times per output;
* DRAM: filters (bypass the GLB) once per image group and strip; ifmaps once per strip when the whole
  strip stays in the GLB, else once per filter group; outputs written once. Activations are
  RLC-compressed by the caller's ratios.

Energy (ISCA'16 normalized units): ``ALU·1 + RF·1 + array·2 + GLB·6 + DRAM·200`` per access.
The search enumerates the legal (n, p, q, e, r, t, ifmap-residency) space as numpy arrays, takes the
largest m the GLB allows for each, and returns the minimum-energy candidate (ties → fewer cycles).
:func:`accelsim.dataflow.row_stationary_ref.search_mapping_full` evaluates the whole space (its cost grows with the batch through the tiles
n); :func:`search_mapping` returns the same result at a batch-independent cost (exact bound pruning over
the n-free space, see the comment above :func:`_x_space`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import numba
import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.mappings import RSMapping
from accelsim.workload import Layer

#: ISCA'16 normalized energy per access (relative to one 16-bit MAC).
NORMALIZED_COST: dict[str, float] = {"alu": 1.0, "rf": 1.0, "array": 2.0, "glb": 6.0, "dram": 200.0}

Objective = Literal["energy", "cycles", "edp"]


@dataclass(frozen=True)
class RSHardware:
    """The RS machine as the mapper sees it (word = one activation/weight element)."""

    array_rows: int = 12
    array_cols: int = 14
    filter_spad_words: int = 224
    ifmap_spad_words: int = 12
    psum_spad_words: int = 24
    glb_words: int = 108 * 1024 // 2
    filter_bus_words_per_cycle: float = 4.0
    ifmap_bus_words_per_cycle: float = 4.0
    psum_bus_words_per_cycle: float = 4.0
    macs_per_pe_cycle: int = 1
    #: True: PE sets must tile the physical rows × cols grid (v1 buses); False: any PE can join any set
    #: (v2 hierarchical mesh), so ``floor(PEs / set_size)`` sets fit.
    rigid_geometry: bool = True
    #: True: the next pass's filters stream into a second filter-spad bank while the current pass
    #: computes (only the first load is exposed); False: the v1 chip, filters load between passes.
    filter_load_overlap: bool = False

    @property
    def num_pes(self) -> int:
        return self.array_rows * self.array_cols


@dataclass(frozen=True)
class ConvShape:
    """A layer as the RS mapper sees it (fc/matmul as 1×1 conv; per-group channel counts)."""

    N: int
    G: int
    Cg: int
    Kg: int
    H: int
    W: int
    Hp: int
    Wp: int
    R: int
    S: int
    Uh: int
    Uw: int
    dh: int
    dw: int
    E: int
    F: int

    @property
    def macs(self) -> int:
        return self.N * self.G * self.Kg * self.Cg * self.R * self.S * self.E * self.F

    @property
    def outputs(self) -> int:
        return self.N * self.G * self.Kg * self.E * self.F

    @property
    def weights(self) -> int:
        return self.G * self.Kg * self.Cg * self.R * self.S

    @property
    def inputs(self) -> int:
        return self.N * self.G * self.Cg * self.H * self.W


def conv_shape(layer: Layer) -> ConvShape:
    """The RS view of a MAC layer; fc/matmul become 1×1 convolutions over P×Q output pixels."""
    if not layer.has_macs:
        raise AccelsimInputError(
            "layer.op", f"{layer.op!r} has no MACs; RS maps conv2d, depthwise, fc, matmul"
        )
    pt, pb, pl, pr = layer.padding if layer.op in ("conv2d", "depthwise_conv2d") else (0, 0, 0, 0)
    return ConvShape(
        N=layer.N,
        G=layer.groups,
        Cg=layer.C // layer.groups,
        Kg=layer.K // layer.groups,
        H=layer.H,
        W=layer.W,
        Hp=layer.H + pt + pb,
        Wp=layer.W + pl + pr,
        R=layer.R,
        S=layer.S,
        Uh=layer.stride[0],
        Uw=layer.stride[1],
        dh=layer.dilation[0],
        dw=layer.dilation[1],
        E=layer.P,
        F=layer.Q,
    )


@dataclass
class RSCost:
    """Closed-form result of one layer under one RS mapping (whole batch; words are elements)."""

    macs: int
    compute_cycles: int
    mac_cycles: int
    filter_load_cycles: int
    bus_stall_cycles: int
    active_pes: int
    alu_ops: float
    rf_reads: float
    rf_writes: float
    array_hops: float
    glb_reads: float
    glb_writes: float
    dram_filter_reads: float
    dram_ifmap_reads: float
    dram_ofmap_writes: float
    energy_norm: dict[str, float] = field(default_factory=dict)
    #: words one pass moves from the GLB/DRAM side to the PEs (filters, ifmaps) and GLB↔array (psums)
    filter_words_per_pass: int = 0
    ifmap_words_per_pass: int = 0
    psum_words_per_pass: int = 0

    @property
    def dram_words(self) -> float:
        return self.dram_filter_reads + self.dram_ifmap_reads + self.dram_ofmap_writes

    @property
    def energy_norm_total(self) -> float:
        return float(sum(self.energy_norm.values()))


def _ceil_div(a, b):
    return -(-a // b)


def _distinct_tiles(total: int, upper: int) -> np.ndarray:
    """Tile sizes t ≤ upper giving distinct tile counts ceil(total/t), each the smallest such t."""
    upper = max(1, min(upper, total))
    counts = np.unique(_ceil_div(total, np.arange(1, upper + 1)))
    return np.unique(_ceil_div(total, counts))


@lru_cache(maxsize=1024)
def _batch_tiles(N: int) -> np.ndarray:
    """``_distinct_tiles(N, N)``, the batch tiles of the reference space (memoized per batch, read-only)."""
    out = _distinct_tiles(N, N)
    out.flags.writeable = False
    return out


def _candidates(shape: ConvShape, hw: RSHardware) -> dict[str, np.ndarray]:
    """Every legal (p, q, e, n, r, t) of the space, as flat int64 arrays (before the GLB check)."""
    r_fold = _ceil_div(shape.R, hw.array_rows) if hw.rigid_geometry else _ceil_div(shape.R, hw.num_pes)
    s_fold = _ceil_div(shape.S, hw.ifmap_spad_words)
    rr = _ceil_div(shape.R, r_fold)
    ss = _ceil_div(shape.S, s_fold)
    cge = shape.Cg * r_fold * s_fold
    p_vals = _distinct_tiles(shape.Kg, hw.psum_spad_words)
    q_vals = _distinct_tiles(cge, hw.ifmap_spad_words // ss)
    if hw.rigid_geometry:
        e_max = hw.array_cols * (hw.array_rows // rr)
    else:
        e_max = hw.num_pes // rr
    e_vals = _distinct_tiles(shape.E, e_max)
    n_vals = _distinct_tiles(shape.N, shape.N)
    P, Qc, Ev, Nv = (a.ravel() for a in np.meshgrid(p_vals, q_vals, e_vals, n_vals, indexing="ij"))
    ok = (P * Qc * ss <= hw.filter_spad_words) & (Qc * ss <= hw.ifmap_spad_words)
    P, Qc, Ev, Nv = P[ok], Qc[ok], Ev[ok], Nv[ok]
    if hw.rigid_geometry:
        seg = _ceil_div(Ev, hw.array_cols)
        cols = _ceil_div(Ev, seg)
        rows = rr * seg
        fit = (hw.array_rows // rows) * (hw.array_cols // cols)
    else:
        cols = Ev
        rows = np.full_like(Ev, rr)
        fit = hw.num_pes // (rr * Ev)
    # (r, t) pairs: r over distinct channel-group counts, t as large as fits (and useful).
    nb_total = shape.G * _ceil_div(shape.Kg, P)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("p", "q", "e", "n", "r", "t", "fit", "rows", "cols")}
    max_fit = int(fit.max()) if fit.size else 0
    for r in _distinct_tiles(cge, max_fit).tolist():
        sel = (fit >= r) & (r <= _ceil_div(cge, Qc))
        if not sel.any():
            continue
        t_max = np.minimum(fit[sel] // r, nb_total[sel])
        for arr, key in (
            (P, "p"),
            (Qc, "q"),
            (Ev, "e"),
            (Nv, "n"),
            (fit, "fit"),
            (rows, "rows"),
            (cols, "cols"),
        ):
            out[key].append(arr[sel])
        out["r"].append(np.full(t_max.shape, r, dtype=np.int64))
        out["t"].append(t_max)
    cand = {k: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for k, v in out.items()}
    cand["rr"] = np.int64(rr)
    cand["ss"] = np.int64(ss)
    cand["r_fold"] = np.int64(r_fold)
    cand["s_fold"] = np.int64(s_fold)
    cand["cge"] = np.int64(cge)
    return cand


def evaluate_candidates(
    shape: ConvShape,
    hw: RSHardware,
    cand: dict[str, np.ndarray],
    ifmap_resident: bool,
    ifmap_density: float = 1.0,
    ifmap_dram_ratio: float = 1.0,
    ofmap_dram_ratio: float = 1.0,
    zero_gating: bool = True,
) -> dict[str, np.ndarray]:
    """Vectorized closed form of every candidate: cycles, per-level accesses, normalized energy.

    ``ifmap_density`` is the non-zero fraction of input activations (zero gating skips the rest);
    ``*_dram_ratio`` multiply activation DRAM words (RLC compression, 1.0 = uncompressed).
    """
    p, q, e, n, r, t = (cand[k].astype(np.int64) for k in ("p", "q", "e", "n", "r", "t"))
    rr, ss, cge = int(cand["rr"]), int(cand["ss"]), int(cand["cge"])
    s = shape
    nb = _ceil_div(s.Kg, p)  # filter bundles per group
    ncg = _ceil_div(cge, q * r)  # channel passes
    tpass = _ceil_div(s.G * nb, t)  # bundle passes (t sets may span groups)
    groups_per_pass = np.minimum(s.G, _ceil_div(t, nb))
    strips = _ceil_div(s.E, e)
    igroups = _ceil_div(s.N, n)
    passes = igroups * strips * tpass * ncg

    e_unique, e_inv = np.unique(e, return_inverse=True)
    rows_in = np.array([distinct_ifmap_rows(int(x), rr, s.Uh, s.dh) for x in e_unique], dtype=np.int64)[e_inv]
    width_in = ifmap_row_words(s.F, ss, s.Uw, s.dw)
    strip_rows = np.minimum((e - 1) * s.Uh + (s.R - 1) * s.dh + 1, s.H)

    # GLB footprint: psums of m filters (in bundles of p·t) + ifmap (whole strip, or a double-buffered chunk)
    if ifmap_resident:
        ifmap_fp = n * s.G * s.Cg * strip_rows * s.W
    else:
        ifmap_fp = 2 * n * q * r * groups_per_pass * rows_in * width_in
    psum_unit = n * e * s.F * p * t
    mb = (hw.glb_words - ifmap_fp) // psum_unit
    mb = np.minimum(mb, tpass)
    feasible = mb >= 1
    mb = np.maximum(mb, 1)

    # ---- cycles
    mac_per_pass = _ceil_div(n * s.F * p * q * ss, hw.macs_per_pe_cycle)
    filt_words_pass = t * r * p * q * rr * ss
    load_pass = np.ceil(filt_words_pass / hw.filter_bus_words_per_cycle).astype(np.int64)
    ifm_words_pass = n * q * r * groups_per_pass * rows_in * width_in
    psum_words_pass = n * p * t * e * s.F * (1 + (ncg > 1))
    bus_pass = np.maximum(
        np.ceil(ifm_words_pass / hw.ifmap_bus_words_per_cycle),
        np.ceil(psum_words_pass / hw.psum_bus_words_per_cycle),
    ).astype(np.int64)
    chain = rr * r
    body = np.where(chain >= 2, mac_per_pass + n * s.F * p + chain - 2, mac_per_pass)
    stall_pass = np.maximum(0, bus_pass - body)
    if hw.filter_load_overlap:
        cycles = load_pass + passes * np.maximum(load_pass, body + stall_pass)
    else:
        cycles = passes * (load_pass + body + stall_pass)

    # ---- accesses (words, whole batch), ISCA'16 framework (see module docstring)
    macs = float(s.macs)
    dens = ifmap_density if zero_gating else 1.0
    alu = macs * dens
    out_words = float(s.outputs)
    chains = out_words * (ncg * rr * r)  # RF-level psum chains (one per PE row-pass and output)
    psum_rf = 2.0 * np.maximum(macs - chains, 0.0) * dens  # 2·abc·(d−1)
    rf_reads = macs * (1.0 + dens) + psum_rf / 2  # ifmap read always (zero detect), filter if non-zero
    rf_writes = psum_rf / 2
    deliveries = passes * (filt_words_pass * e + t * r * rr * e * n * q * width_in)  # GLB/DRAM -> spads
    psum_hops = out_words * ncg * (rr * r - 1)  # ab·(c−1)
    array_hops = deliveries.astype(float) + psum_hops
    glb_ifmap_reads = (passes * ifm_words_pass).astype(float)
    ifmap_strip_words = float(s.N * s.G * s.Cg * s.W) * strip_rows * strips
    ifmap_rereads = np.where(ifmap_resident, 1, _ceil_div(tpass, mb))
    dram_ifmap = ifmap_strip_words * ifmap_rereads
    dram_filter = float(s.weights) * igroups * strips
    glb_reads = glb_ifmap_reads + out_words * (ncg - 1)  # ifmap ab + psum a·(b−1)
    glb_writes = out_words * (ncg - 1)  # psum a·(b−1)
    dram_ofmap = out_words  # psum 2a − 1 with a = 1
    dram_words = dram_filter + dram_ifmap * ifmap_dram_ratio + dram_ofmap * ofmap_dram_ratio

    c = NORMALIZED_COST
    e_alu = alu * c["alu"]
    e_rf = (rf_reads + rf_writes) * c["rf"]
    e_arr = array_hops * c["array"]
    e_glb = (glb_reads + glb_writes) * c["glb"]
    e_dram = dram_words * c["dram"]
    energy = e_alu + e_rf + e_arr + e_glb + e_dram
    energy = np.where(feasible, energy, np.inf)
    return {
        "energy": energy,
        "cycles": cycles,
        "mac_cycles": passes * body,
        "load_cycles": cycles - passes * (body + stall_pass),
        "stall_cycles": passes * stall_pass,
        "passes": passes,
        "m": mb * p * t,
        "alu": np.broadcast_to(alu, energy.shape),
        "rf_reads": rf_reads,
        "rf_writes": rf_writes,
        "array_hops": array_hops,
        "psum_hops": psum_hops,
        "deliveries": deliveries,
        "glb_reads": glb_reads,
        "glb_writes": glb_writes,
        "dram_filter": np.broadcast_to(dram_filter, energy.shape),
        "dram_ifmap": dram_ifmap * ifmap_dram_ratio,
        "dram_ofmap": np.broadcast_to(dram_ofmap * ofmap_dram_ratio, energy.shape),
        "e_alu": np.broadcast_to(e_alu, energy.shape),
        "e_rf": e_rf,
        "e_array": e_arr,
        "e_glb": e_glb,
        "e_dram": e_dram,
        "active_pes": r * t * rr * e,
        "filt_words_pass": filt_words_pass,
        "ifm_words_pass": ifm_words_pass,
        "psum_words_pass": psum_words_pass,
    }


def _check_space(shape: ConvShape, hw: RSHardware, size: int) -> None:
    if size == 0:
        raise AccelsimInputError(
            "arch", f"no legal RS mapping: R={shape.R}, S={shape.S} do not fit the PE array/scratchpads"
        )


def _build_result(
    shape: ConvShape, cand: dict[str, np.ndarray], res: dict[str, np.ndarray], i: int, resident: bool
) -> tuple[RSMapping, RSCost]:
    """RSMapping and RSCost of candidate i of ``cand`` evaluated as ``res`` (:func:`evaluate_candidates`)."""
    mapping = RSMapping(
        n=int(cand["n"][i]),
        p=int(cand["p"][i]),
        q=int(cand["q"][i]),
        r=int(cand["r"][i]),
        t=int(cand["t"][i]),
        e=int(cand["e"][i]),
        m=int(min(res["m"][i], shape.G * shape.Kg)),
        ifmap_resident=resident,
        rows_per_set=int(cand["rr"]),
        cols_per_set=int(cand["e"][i]),
        r_fold=int(cand["r_fold"]),
        s_fold=int(cand["s_fold"]),
        sets_fit=int(cand["fit"][i]),
        passes=int(res["passes"][i]),
    )
    cost = RSCost(
        macs=shape.macs,
        compute_cycles=int(res["cycles"][i]),
        mac_cycles=int(res["mac_cycles"][i]),
        filter_load_cycles=int(res["load_cycles"][i]),
        bus_stall_cycles=int(res["stall_cycles"][i]),
        active_pes=int(res["active_pes"][i]),
        alu_ops=float(res["alu"][i]),
        rf_reads=float(res["rf_reads"][i]),
        rf_writes=float(res["rf_writes"][i]),
        array_hops=float(res["array_hops"][i]),
        glb_reads=float(res["glb_reads"][i]),
        glb_writes=float(res["glb_writes"][i]),
        dram_filter_reads=float(res["dram_filter"][i]),
        dram_ifmap_reads=float(res["dram_ifmap"][i]),
        dram_ofmap_writes=float(res["dram_ofmap"][i]),
        energy_norm={k: float(res[f"e_{k}"][i]) for k in ("alu", "rf", "array", "glb", "dram")},
        filter_words_per_pass=int(res["filt_words_pass"][i]),
        ifmap_words_per_pass=int(res["ifm_words_pass"][i]),
        psum_words_per_pass=int(res["psum_words_pass"][i]),
    )
    return mapping, cost


def distinct_ifmap_rows(e: int, R: int, U: int, d: int) -> int:
    """Ifmap rows a R×e set needs: ``|{j·U + i·d : 0 ≤ j < e, 0 ≤ i < R}|`` (one GIN multicast each).

    Dilation 1: ``(e−1)·U + R`` when ``U ≤ R`` (rows overlap), else ``e·R``.
    """
    if d == 1:
        return (e - 1) * U + R if U <= R else e * R
    return int(np.unique(np.add.outer(np.arange(e) * U, np.arange(R) * d)).size)


def ifmap_row_words(F: int, S: int, U: int, d: int) -> int:
    """Ifmap words of one row a PE loads for F outputs: ``min((F−1)·U + span, F·span)``, span = (S−1)·d + 1."""
    span = (S - 1) * d + 1
    return min((F - 1) * U + span, F * span)


def pe_set_psum_hops(n: int, F: int, p: int, e: int, R: int, r: int = 1) -> int:
    """Vertical PE-to-PE psum transfers of one pass of r stacked sets: ``(R·r − 1)·e·n·p·F``."""
    return (R * r - 1) * e * n * p * F


def pe_set_ifmap_deliveries(n: int, q: int, F: int, S: int, U: int, d: int, R: int, e: int) -> int:
    """Ifmap words written into ifmap spads in one set pass: every PE loads its row, ``R·e·n·q·row_words``."""
    return R * e * n * q * ifmap_row_words(F, S, U, d)


def pe_row_conv_cycles(n: int, F: int, p: int, q: int, S: int, macs_per_pe_cycle: int = 1) -> int:
    """Cycles of one PE's 1-D row convolution pass: ``ceil(n·F·p·q·S / macs_per_pe_cycle)``."""
    return _ceil_div(n * F * p * q * S, macs_per_pe_cycle)


def pe_set_cycles(
    n: int, F: int, p: int, q: int, S: int, R: int, r: int = 1, macs_per_pe_cycle: int = 1
) -> int:
    """Cycles of one pass of r stacked R-row sets until the last output leaves the top row.

    Every non-bottom PE spends one extra cycle per output adding the psum from below with its MAC adder:
    ``O·(q·S + 1) + R·r − 2`` for a chain of ``R·r ≥ 2`` rows, ``O·q·S`` for one row, O = n·F·p.
    """
    mac = pe_row_conv_cycles(n, F, p, q, S, macs_per_pe_cycle)
    chain = R * r
    if chain < 2:
        return mac
    return mac + n * F * p + chain - 2


# ---------------------------------------------------------------------------------------------------------
# Batch-independent search: the n-free space once per layer shape, bounds per query, exact re-evaluation.
#
# For fixed (p, q, e, r, t) ("x") and residency, every term of evaluate_candidates depends on the batch N
# and the batch tile n only through N, k = ceil(N/n) (image groups) and k·n, and the GLB feasibility limit
# n ≤ nmax(x) does not depend on N:
#   energy(n) = N·(a + d·rereads(n)) + k·c0 + k·n·c1     (a, c0, c1, d ≥ 0 per x; rereads ↑ in n)
#   cycles(n) = k·K·(load + max(body(n), bus(n)))        (overlap: load + k·K·max(load, body, bus))
# with body, bus non-decreasing in n. Hence, over every n ≤ min(N, nmax), with kmin = ceil(N/min(N,nmax)):
#   energy ≥ N·(a + d·rereads(1) + c1) + kmin·c0,
#   cycles ≥ K·(kmin·load + max(N·body_slope + kmin·body_const, N·bus_slope))  (overlap: analogous),
# and the value at n = min(N, nmax) is an upper bound on the best candidate of x (the n of the reference
# space with the same k is no larger: dominance of the smallest n per tile count). Every x whose lower
# bound exceeds the smallest upper bound (times 1 + 1e-9 for rounding) cannot hold the optimum or a tie
# with it; the rest are expanded with the reference n values and evaluated by evaluate_candidates, in the
# reference order, so the chosen mapping, its tie-breaking and every number are the reference's.

_MARGIN = 1e-9


@lru_cache(maxsize=64)  # ≈ 1-3 MB per layer shape
def _x_space(shape1: ConvShape, hw: RSHardware) -> dict[str, np.ndarray]:
    """The n-free candidate space (``_candidates`` of the batch-1 shape: its only n is 1), in order."""
    cand = _candidates(shape1, hw)
    del cand["n"]
    return cand


@lru_cache(maxsize=64)  # ≈ 1-3 MB per layer shape
def _bound_terms(
    shape1: ConvShape, hw: RSHardware, dens: float, ri: float, ro: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-x coefficients of the bounds (see the comment above), N = 1; rows of a float and an int matrix."""
    cand = _x_space(shape1, hw)
    s = shape1
    p, q, e, r, t = (cand[k].astype(np.int64) for k in ("p", "q", "e", "r", "t"))
    rr, ss, cge = int(cand["rr"]), int(cand["ss"]), int(cand["cge"])
    nb = _ceil_div(s.Kg, p)
    ncg = _ceil_div(cge, q * r)
    tpass = _ceil_div(s.G * nb, t)
    gpp = np.minimum(s.G, _ceil_div(t, nb))
    strips = _ceil_div(s.E, e)
    kx = strips * tpass * ncg
    if e.size:
        e_unique, e_inv = np.unique(e, return_inverse=True)
        rows_in = np.array([distinct_ifmap_rows(int(x), rr, s.Uh, s.dh) for x in e_unique], np.int64)[e_inv]
    else:
        rows_in = np.zeros(0, np.int64)
    width_in = ifmap_row_words(s.F, ss, s.Uw, s.dw)
    strip_rows = np.minimum((e - 1) * s.Uh + (s.R - 1) * s.dh + 1, s.H)
    fp_res = s.G * s.Cg * strip_rows * s.W
    ifm1 = q * r * gpp * rows_in * width_in
    fp_non = 2 * ifm1
    pu1 = e * s.F * p * t
    fw = t * r * p * q * rr * ss
    c = NORMALIZED_COST
    macs1, out1 = float(s.macs), float(s.outputs)
    chains1 = out1 * (ncg * rr * r)
    a = (
        macs1 * dens * c["alu"]
        + (macs1 * (1.0 + dens) + 2.0 * np.maximum(macs1 - chains1, 0.0) * dens) * c["rf"]
        + out1 * ncg * (rr * r - 1) * c["array"]
        + 2.0 * out1 * (ncg - 1) * c["glb"]
        + out1 * ro * c["dram"]
    )
    c0 = kx * fw * e * c["array"] + float(s.weights) * strips * c["dram"]
    c1 = kx * (t * r * rr * e * q * width_in) * c["array"] + kx * ifm1 * c["glb"]
    d = float(s.G * s.Cg * s.W) * strip_rows * strips * ri * c["dram"]
    chain = rr * r
    cflag = (chain >= 2).astype(np.int64)
    ps1 = p * t * e * s.F * (1 + (ncg > 1))
    load = np.ceil(fw / hw.filter_bus_words_per_cycle).astype(np.int64)
    fmat = np.stack([a, c0, c1, d]).astype(np.float64) if e.size else np.zeros((4, 0))
    glb = hw.glb_words
    nmax_res = glb // (fp_res + pu1)
    nmax_non = glb // (fp_non + pu1)
    mb1 = np.minimum((glb - fp_non) // pu1, tpass)  # non-resident GLB share of psums at n = 1
    rere1 = np.where(nmax_non >= 1, _ceil_div(tpass, np.maximum(mb1, 1)), 0)
    imat = np.stack([kx, tpass, fp_non, pu1, load, s.F * p * q * ss, cflag * s.F * p, cflag * (chain - 2),
                     ifm1, ps1, nmax_res, nmax_non, rere1])  # fmt: skip
    return np.ascontiguousarray(fmat), np.ascontiguousarray(imat.astype(np.int64))


@numba.njit(cache=True)
def _level_keys(N, hi, rere, objective, overlap, mpc, bwi, bwp, fmat, imat, i):  # pragma: no cover - numba
    """(lower bound over n ≤ hi with ``ceil(N/n) ≥ ceil(N/hi)`` and re-reads ≥ ``rere``, value at n = hi)."""
    a, c0, c1, d = fmat[0, i], fmat[1, i], fmat[2, i], fmat[3, i]
    kx, load, mac1, bslope, bconst, ifm1, ps1 = (
        imat[0, i], imat[4, i], imat[5, i], imat[6, i], imat[7, i], imat[8, i], imat[9, i]
    )  # fmt: skip
    k = 1 if hi >= N else -(-N // hi)
    e_lb = N * (a + d * rere + c1) + k * c0
    e_ub = N * (a + d * rere) + k * (c0 + hi * c1)
    if objective == 0:
        return e_lb, e_ub
    body_lb = N * (mac1 / mpc + bslope) + k * bconst
    bus_lb = N * max(ifm1 / bwi, ps1 / bwp)
    body_m = -(-(hi * mac1) // mpc) + hi * bslope + bconst
    bus_m = max(np.ceil(hi * ifm1 / bwi), np.ceil(hi * ps1 / bwp))
    if overlap:
        c_lb = load + kx * max(k * load, max(body_lb, bus_lb))
        c_ub = load + k * kx * max(load, max(body_m, bus_m))
    else:
        c_lb = kx * (k * load + max(body_lb, bus_lb))
        c_ub = k * kx * (load + max(body_m, bus_m))
    if objective == 1:
        return c_lb, float(c_ub)
    return e_lb * c_lb, e_ub * c_ub


@numba.njit(cache=True)
def _x_keys(objective, overlap, glb, mpc, bwi, bwp, fmat, imat, inv_n):  # pragma: no cover - numba
    """Per-image lower bound of the objective of every x, valid at every batch N ≤ 1/``inv_n`` (inf: no
    feasible n).

    A level (residency, constant ifmap re-reads ``rere`` over n ∈ [lo, hi], hi uncapped by N) has
    image groups k = ⌈N/n⌉ ≥ max(1, N/hi), so k/N ≥ κ = max(inv_n, 1/hi): energy ≥ N·(a + d·rere + c1 +
    κ·c0) and cycles ≥ N·kx·(κ·load + max(mac1/mpc + bslope + κ·bconst, ifm1/bwi, ps1/bwp)) (filter-load
    overlap: N·kx·max(κ·load, …)); edp ≥ N²·their product. Capping n at N only raises each term, so the
    minimum over the levels bounds x."""
    nx = fmat.shape[1]
    keys = np.full(nx, np.inf)
    for i in range(nx):
        a, c0, c1, d = fmat[0, i], fmat[1, i], fmat[2, i], fmat[3, i]
        kx, tpass, fp, pu1, load = imat[0, i], imat[1, i], imat[2, i], imat[3, i], imat[4, i]
        bus = max(imat[8, i] / bwi, imat[9, i] / bwp)
        for resident in (True, False):
            nmax = imat[10, i] if resident else imat[11, i]
            if nmax < 1:
                continue
            # the cycles bound falls with hi and does not depend on re-reads: only the last level counts;
            # energy (edp) levels stop once the re-read part alone (times the fewest cycles) reaches the key
            c_last = 0.0
            if objective == 2:
                kl = max(inv_n, 1.0 / nmax)
                sl = max(imat[5, i] / mpc + imat[6, i] + kl * imat[7, i], bus)
                c_last = kx * max(kl * load, sl) if overlap else kx * (kl * load + sl)
            lo = nmax if objective == 1 else 1
            while lo <= nmax:
                if resident:
                    rere, hi = 1, nmax
                else:
                    mb = min((glb - lo * fp) // (lo * pu1), tpass)
                    rere = -(-tpass // mb)
                    hi = min(glb // (fp + (-(-tpass // rere)) * pu1), nmax)
                if objective == 0 and a + d * rere + c1 >= keys[i]:
                    break
                if objective == 2 and (a + d * rere + c1) * c_last >= keys[i]:
                    break
                kappa = max(inv_n, 1.0 / hi)
                e = a + d * rere + c1 + kappa * c0
                stream = max(imat[5, i] / mpc + imat[6, i] + kappa * imat[7, i], bus)
                if overlap:
                    c = kx * max(kappa * load, stream)
                else:
                    c = kx * (kappa * load + stream)
                key = e if objective == 0 else (c if objective == 1 else e * c)
                keys[i] = min(keys[i], key)
                lo = hi + 1
    return keys


@lru_cache(maxsize=192)  # ≈ 1-3 MB per layer shape and objective
def _bound_order(
    shape1: ConvShape, hw: RSHardware, dens: float, ri: float, ro: float, objective: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The x with a feasible batch tile in ascending order of :func:`_x_keys` (a per-image lower bound
    valid at every batch), those keys, and the bound coefficients of :func:`_bound_terms` in that order,
    one x per row (``_survivors`` walks them in sequence and stops at the first x whose bound exceeds
    the running upper bound)."""
    fmat, imat = _bound_terms(shape1, hw, dens, ri, ro)
    key = _x_keys(
        objective, hw.filter_load_overlap, hw.glb_words, hw.macs_per_pe_cycle,
        float(hw.ifmap_bus_words_per_cycle), float(hw.psum_bus_words_per_cycle), fmat, imat,
        0.0,
    )  # fmt: skip
    idx = np.flatnonzero(np.isfinite(key))
    order = np.ascontiguousarray(idx[np.argsort(key[idx])].astype(np.int64))  # ties: any order will do
    f_rows = fmat.T[order]  # C-contiguous rows
    i_rows = imat.T[order]
    return order, np.ascontiguousarray(key[order]), f_rows, i_rows


@numba.njit(cache=True)
def _survivors(N, objective, overlap, glb, mpc, bwi, bwp, fmat, imat, margin, hint, okey):  # pragma: no cover
    """Positions (in the bound order: ``fmat``/``imat`` columns are the x in that order) of the x whose
    lower bound of the objective (0 energy, 1 cycles, 2 edp) over every legal n reaches the smallest upper
    bound within ``margin`` (relative), and the position of the x holding that upper bound.

    x ``hint`` (the last query's) goes first so that the running upper bound is tight early: an x whose
    quick bound (fewest image groups, fewest ifmap re-reads) exceeds it skips the per-level bounds (its
    exact lower bound is no smaller, and its upper bounds no smaller than its lower bound)."""
    nx = fmat.shape[1]
    seen_x = np.empty(nx + 1, dtype=np.int64)  # the x bounded, and their lower bounds
    seen_lb = np.empty(nx + 1)
    n_seen = 0
    best = np.inf
    arg = -1
    scale = float(N) * float(N) if objective == 2 else float(N)
    for j in range(-1, nx):
        if j < 0:
            if hint < 0 or hint >= nx:
                continue
            i = hint
        else:
            # x in ascending order of a batch-independent per-image lower bound: once it exceeds the
            # running upper bound (with a 1e-12 allowance for its own rounding), so do all the rest
            if okey[j] * scale * (1.0 - 1e-12) > best * (1.0 + margin):
                break
            i = j
            if i == hint:
                continue
        tpass, fp, pu1 = imat[1, i], imat[2, i], imat[3, i]
        xlb = np.inf
        for resident in (True, False):
            nmax = imat[10, i] if resident else imat[11, i]
            if nmax < 1:
                continue
            nm = min(N, nmax)
            rere1 = 1 if resident else imat[12, i]
            key_lb, key_ub = _level_keys(N, nm, rere1, objective, overlap, mpc, bwi, bwp, fmat, imat, i)
            if resident:  # one level: re-reads 1, the quick bounds are the level's
                xlb = min(xlb, key_lb)
                if key_ub < best:
                    best, arg = key_ub, i
                continue
            if key_lb > best * (1.0 + margin):  # key_ub is no upper bound here (re-reads at n = 1)
                xlb = min(xlb, key_lb)
                continue
            # non-resident: levels of constant ifmap re-reads, n in [lo, hi]. Re-reads grow with n, so
            # for energy (edp) every level from this one on costs at least N·(a + d·rere + c1) + kmin·c0
            # (times the cycles bound at n = nm, the fewest image groups): stop once that exceeds the
            # running upper bound (1e-12 allowance for rounding); cycles do not depend on re-reads.
            kmin = 1 if nm >= N else -(-N // nm)
            c_min = 1.0
            if objective == 2:
                c_min = _level_keys(N, nm, rere1, 1, overlap, mpc, bwi, bwp, fmat, imat, i)[0]
            lo = 1
            while lo <= nm:
                mb = min((glb - lo * fp) // (lo * pu1), tpass)
                rere = -(-tpass // mb)
                if objective != 1:
                    tail = N * (fmat[0, i] + fmat[3, i] * rere + fmat[2, i]) + kmin * fmat[1, i]
                    if tail * c_min * (1.0 - 1e-12) > best * (1.0 + margin):
                        break
                hi = min(glb // (fp + (-(-tpass // rere)) * pu1), nm)
                key_lb, key_ub = _level_keys(N, hi, rere, objective, overlap, mpc, bwi, bwp, fmat, imat, i)
                xlb = min(xlb, key_lb)
                if key_ub < best:
                    best, arg = key_ub, i
                lo = hi + 1
        seen_x[n_seen] = i
        seen_lb[n_seen] = xlb
        n_seen += 1
    keep = seen_x[:n_seen][(seen_lb[:n_seen] < np.inf) & (seen_lb[:n_seen] <= best * (1.0 + margin))]
    return keep, arg


# ---- the survivors' evaluation in one compiled call ------------------------------------------------------
#
# evaluate_candidates (numpy) is the reference closed form; on the few survivors of the bound pass its
# per-array overhead dominated a query. _eval_one is the same closed form for one candidate, statement by
# statement with the same operand order (IEEE operations on scalars round as numpy's elementwise ones; no
# reductions are involved), and _select_compiled the same choice as _select. The golden test
# (tests/test_eyeriss_golden.py) and the search_mapping == search_mapping_full property check it.

#: fields of :func:`_eval_one`'s float and int outputs, named as :func:`evaluate_candidates`' keys
_EVAL_FLOAT_KEYS = (
    "energy", "alu", "rf_reads", "rf_writes", "array_hops", "psum_hops", "glb_reads", "glb_writes",
    "dram_filter", "dram_ifmap", "dram_ofmap", "e_alu", "e_rf", "e_array", "e_glb", "e_dram",
)  # fmt: skip
_EVAL_INT_KEYS = (
    "cycles", "mac_cycles", "load_cycles", "stall_cycles", "passes", "m", "deliveries", "active_pes",
    "filt_words_pass", "ifm_words_pass", "psum_words_pass",
)  # fmt: skip


@numba.njit(cache=True)
def _distinct_rows_nb(e, R, U, d):  # pragma: no cover - numba
    """:func:`distinct_ifmap_rows` in numba."""
    if d == 1:
        return (e - 1) * U + R if U <= R else e * R
    seen = np.zeros((e - 1) * U + (R - 1) * d + 1, dtype=np.bool_)
    for j in range(e):
        for i in range(R):
            seen[j * U + i * d] = True
    return int(seen.sum())


@numba.njit(cache=True)
def _eval_one(p, q, e, n, r, t, resident, sh, hw, fl, out_f, out_i):  # pragma: no cover - numba
    """:func:`evaluate_candidates` for one candidate (same expressions, same order). ``sh`` int64
    [rr, ss, cge, G, Kg, Cg, E, F, R, H, W, N, Uh, dh, width_in, glb, mpc, overlap]; ``hw`` unused
    placeholder; ``fl`` float64 [filter bus, ifmap bus, psum bus, macs, outputs, weights, dens, ifmap
    ratio, ofmap ratio, cost alu, rf, array, glb, dram]. Fills ``out_f``/``out_i`` (_EVAL_*_KEYS)."""
    rr, ss, cge, G, Kg, Cg, E, F, R, H, W, N, Uh, dh, width_in, glb, mpc, overlap = (
        sh[0], sh[1], sh[2], sh[3], sh[4], sh[5], sh[6], sh[7], sh[8], sh[9], sh[10], sh[11], sh[12],
        sh[13], sh[14], sh[15], sh[16], sh[17],
    )  # fmt: skip
    nb = -(-Kg // p)
    ncg = -(-cge // (q * r))
    tpass = -(-(G * nb) // t)
    gpp = min(G, -(-t // nb))
    strips = -(-E // e)
    igroups = -(-N // n)
    passes = igroups * strips * tpass * ncg
    rows_in = _distinct_rows_nb(e, rr, Uh, dh)
    strip_rows = min((e - 1) * Uh + (R - 1) * dh + 1, H)
    if resident:
        ifmap_fp = n * G * Cg * strip_rows * W
    else:
        ifmap_fp = 2 * n * q * r * gpp * rows_in * width_in
    psum_unit = n * e * F * p * t
    mb = (glb - ifmap_fp) // psum_unit
    mb = min(mb, tpass)
    feasible = mb >= 1
    mb = max(mb, 1)
    mac_per_pass = -(-(n * F * p * q * ss) // mpc)
    filt = t * r * p * q * rr * ss
    load = np.int64(np.ceil(filt / fl[0]))
    ifm = n * q * r * gpp * rows_in * width_in
    psw = n * p * t * e * F * (1 + (1 if ncg > 1 else 0))
    bus = np.int64(max(np.ceil(ifm / fl[1]), np.ceil(psw / fl[2])))
    chain = rr * r
    body = mac_per_pass + n * F * p + chain - 2 if chain >= 2 else mac_per_pass
    stall = max(0, bus - body)
    if overlap:
        cycles = load + passes * max(load, body + stall)
    else:
        cycles = passes * (load + body + stall)
    macs, out_words, dens = fl[3], fl[4], fl[6]
    alu = macs * dens
    chains = out_words * (ncg * rr * r)
    psum_rf = 2.0 * max(macs - chains, 0.0) * dens
    rf_reads = macs * (1.0 + dens) + psum_rf / 2
    rf_writes = psum_rf / 2
    deliveries = passes * (filt * e + t * r * rr * e * n * q * width_in)
    psum_hops = out_words * ncg * (rr * r - 1)
    array_hops = float(deliveries) + psum_hops
    glb_ifmap_reads = float(passes * ifm)
    ifmap_strip_words = float(N * G * Cg * W) * strip_rows * strips
    rereads = 1 if resident else -(-tpass // mb)
    dram_ifmap = ifmap_strip_words * rereads
    dram_filter = fl[5] * igroups * strips
    glb_reads = glb_ifmap_reads + out_words * (ncg - 1)
    glb_writes = out_words * (ncg - 1)
    dram_words = dram_filter + dram_ifmap * fl[7] + out_words * fl[8]
    e_alu = alu * fl[9]
    e_rf = (rf_reads + rf_writes) * fl[10]
    e_arr = array_hops * fl[11]
    e_glb = (glb_reads + glb_writes) * fl[12]
    e_dram = dram_words * fl[13]
    energy = e_alu + e_rf + e_arr + e_glb + e_dram
    if not feasible:
        energy = np.inf
    out_f[0], out_f[1], out_f[2], out_f[3] = energy, alu, rf_reads, rf_writes
    out_f[4], out_f[5], out_f[6], out_f[7] = array_hops, psum_hops, glb_reads, glb_writes
    out_f[8], out_f[9], out_f[10] = dram_filter, dram_ifmap * fl[7], out_words * fl[8]
    out_f[11], out_f[12], out_f[13], out_f[14], out_f[15] = e_alu, e_rf, e_arr, e_glb, e_dram
    out_i[0], out_i[1], out_i[2], out_i[3] = (
        cycles,
        passes * body,
        cycles - passes * (body + stall),
        passes * stall,
    )
    out_i[4], out_i[5], out_i[6], out_i[7] = passes, mb * p * t, deliveries, r * t * rr * e
    out_i[8], out_i[9], out_i[10] = filt, ifm, psw


@numba.njit(cache=True)
def _select_compiled(p, q, e, n, r, t, sh, fl, objective):  # pragma: no cover - numba
    """:func:`_select`'s choice over the candidates: per residency (resident first) the candidate with the
    smallest (key1, key2, index) — np.lexsort's order — then the smaller (key1, key2, resident-first)
    score. Returns (resident, index, float fields, int fields); index −1 when nothing is feasible."""
    nf, ni = 16, 11
    out_f = np.empty(nf)
    out_i = np.empty(ni, dtype=np.int64)
    best_f = np.empty(nf)
    best_i = np.empty(ni, dtype=np.int64)
    b1, b2 = np.inf, np.inf
    b_res, b_idx = True, -1
    for resident in (True, False):
        r1, r2, ri = np.inf, np.inf, -1
        for j in range(p.shape[0]):
            _eval_one(p[j], q[j], e[j], n[j], r[j], t[j], resident, sh, 0, fl, out_f, out_i)
            energy, cycles = out_f[0], float(out_i[0])
            if objective == 0:
                k1, k2 = energy, cycles
            elif objective == 1:
                k1, k2 = cycles, energy
            else:
                k1, k2 = energy * cycles, energy
            if not np.isfinite(energy):
                k1 = np.inf
            if ri < 0 or k1 < r1 or (k1 == r1 and k2 < r2):
                r1, r2, ri = k1, k2, j
        if ri < 0 or not np.isfinite(r1):
            continue
        if b_idx < 0 or r1 < b1 or (r1 == b1 and r2 < b2):  # ties: resident (evaluated first) stays
            b1, b2, b_res, b_idx = r1, r2, resident, ri
            _eval_one(p[ri], q[ri], e[ri], n[ri], r[ri], t[ri], resident, sh, 0, fl, best_f, best_i)
    return b_res, b_idx, best_f, best_i


#: last query's best x per (n-free shape, hardware, objective, densities): where the next query starts
_HINTS: dict[tuple, int] = {}


_OBJECTIVE_CODE = {"energy": 0, "cycles": 1, "edp": 2}


def search_mapping(
    shape: ConvShape,
    hw: RSHardware,
    objective: Objective = "energy",
    ifmap_density: float = 1.0,
    ifmap_dram_ratio: float = 1.0,
    ofmap_dram_ratio: float = 1.0,
    zero_gating: bool = True,
) -> tuple[RSMapping, RSCost]:
    """Minimum-``objective`` RS mapping of ``shape`` on ``hw`` (ties broken by cycles, then energy).

    Same result as :func:`search_mapping_full` (exact: bound pruning, then the reference evaluation of the
    survivors in the reference order) at a cost independent of the batch size: the n-free space and its
    bound coefficients are built once per (layer shape without batch, hardware, densities), a numba pass
    over it bounds every x, and only the surviving x are expanded with their batch tiles.
    """
    if shape.S > hw.ifmap_spad_words * hw.filter_spad_words:
        raise AccelsimInputError("kernel_w", f"{shape.S} is too wide for the RS scratchpads")
    shape1 = replace(shape, N=1)
    xs = _x_space(shape1, hw)
    _check_space(shape, hw, xs["p"].size)
    dens = ifmap_density if zero_gating else 1.0
    fmat, imat = _bound_terms(shape1, hw, float(dens), float(ifmap_dram_ratio), float(ofmap_dram_ratio))
    key = (shape1, hw, objective, dens, ifmap_dram_ratio, ofmap_dram_ratio)
    order, okey, f_rows, i_rows = _bound_order(
        shape1, hw, float(dens), float(ifmap_dram_ratio), float(ofmap_dram_ratio), _OBJECTIVE_CODE[objective]
    )
    pos, arg = _survivors(
        shape.N, _OBJECTIVE_CODE[objective], hw.filter_load_overlap, hw.glb_words, hw.macs_per_pe_cycle,
        float(hw.ifmap_bus_words_per_cycle), float(hw.psum_bus_words_per_cycle), f_rows.T, i_rows.T, _MARGIN,
        _HINTS.get(key, -1), okey,
    )  # fmt: skip
    if len(_HINTS) > 4096:
        _HINTS.clear()
    _HINTS[key] = int(arg)  # a position in the bound order
    idx = np.sort(order[pos])
    if idx.size == 0:  # no x has a feasible batch tile (what the reference finds after evaluating all)
        raise AccelsimInputError("arch.glb_bytes", "global buffer too small for any RS mapping of this layer")
    n_vals = _batch_tiles(shape.N)
    nmax = np.maximum(imat[10, idx], imat[11, idx])
    counts = np.searchsorted(n_vals, nmax, side="right")  # the reference's n values that can be feasible
    sel = np.repeat(idx, counts)
    cand: dict[str, np.ndarray] = {k: xs[k][sel] for k in ("p", "q", "e", "r", "t")}
    cand["n"] = n_vals[np.arange(sel.size) - np.repeat(np.cumsum(counts) - counts, counts)]
    for k in ("rr", "ss", "cge", "r_fold", "s_fold"):
        cand[k] = xs[k]
    s = shape
    c = NORMALIZED_COST
    sh = np.array(
        [cand["rr"], cand["ss"], cand["cge"], s.G, s.Kg, s.Cg, s.E, s.F, s.R, s.H, s.W, s.N, s.Uh, s.dh,
         ifmap_row_words(s.F, int(cand["ss"]), s.Uw, s.dw), hw.glb_words, hw.macs_per_pe_cycle,
         int(hw.filter_load_overlap)],
        dtype=np.int64,
    )  # fmt: skip
    fl = np.array(
        [hw.filter_bus_words_per_cycle, hw.ifmap_bus_words_per_cycle, hw.psum_bus_words_per_cycle,
         s.macs, s.outputs, s.weights, dens, ifmap_dram_ratio, ofmap_dram_ratio,
         c["alu"], c["rf"], c["array"], c["glb"], c["dram"]],
        dtype=np.float64,
    )  # fmt: skip
    resident, i, f_vals, i_vals = _select_compiled(
        *(np.ascontiguousarray(cand[k], dtype=np.int64) for k in ("p", "q", "e", "n", "r", "t")),
        sh, fl, _OBJECTIVE_CODE[objective],
    )  # fmt: skip
    if i < 0:
        raise AccelsimInputError("arch.glb_bytes", "global buffer too small for any RS mapping of this layer")
    res = {k: f_vals[j : j + 1] for j, k in enumerate(_EVAL_FLOAT_KEYS)}
    res.update({k: i_vals[j : j + 1] for j, k in enumerate(_EVAL_INT_KEYS)})
    one = {k: (v[i : i + 1] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in cand.items()}
    one["fit"] = xs["fit"][sel[i] : sel[i] + 1]
    return _build_result(shape, one, res, 0, bool(resident))
