"""``systolic``: an R×C systolic array (TPU-style) running output-, weight- or input-stationary dataflow.

Per layer (whole batch), closed form (see ``docs/systolic.md``):

* timing: :mod:`accelsim.dataflow.systolic` — the layer's ``groups`` GEMMs folded on the array, per-fold
  cycles os T+r+c−2, ws/is T+2r+c−2 (``mode: native`` uses the occupied rows/columns of a partial fold,
  ``mode: scalesim`` the full array, as SCALE-Sim does), pinned by a cycle-stepped reference;
* traffic: :mod:`accelsim.memory.systolic_traffic` (buffers: :mod:`accelsim.memory.buffers`) — per-operand SRAM buffers, real tensor bytes plus the refetches
  forced by capacity, psum spills; SRAM reads per operand counted per fold as SCALE-Sim counts them;
* stream tiling (native mode, ws/is): when the psums of a column block (T·C words) do not fit the
  ofmap buffer, T is split into passes that fit (each pass pays its own fill/drain and stationary load);
* stalls: :mod:`accelsim.memory.dram` — an in-order DMA engine at fold granularity (folds merged into at
  most ``max_tiles_per_layer`` tiles), prefetch of tile i+1 overlapping tile i when the input buffers are
  double-buffered; simpy event model or its exact recurrence (``stall_model``); exactly 0 with unlimited
  bandwidth;
* operands wider than ``native_operand_bits`` n (null: width-independent, as SCALE-Sim): split into
  n-bit slices, p = ceil(w/n)·ceil(a/n) passes of the MACs (:func:`accelsim.dataflow.systolic.operand_slices`:
  stationary slices repeat the fold with its preload/fill/drain, streamed slices extend the stream);
  peak MACs/cycle R·C/p; the fold (stall tile) compute is the longer one; per-MAC energies (MAC,
  registers, links, array-side SRAM reads, psum writes) are paid once per slice pair at slice width;
* energy (Horowitz 45 nm via :mod:`accelsim.tech`, scaled to ``technology_nm``):

  - ``mac``: MACs · (w×a multiply + ``acc_bits`` add);
  - ``rf``: PE register reads/writes per MAC (:func:`accelsim.dataflow.systolic.pe_register_accesses`),
    each access of b bits costing ``register_pj_per_bit``·b (default: the tech SRAM model at a
    one-word capacity, ``sram_access_energy_pj(b, b/8)/b``);
  - ``noc``: PE-to-PE link hops (:func:`accelsim.dataflow.systolic.link_hops`) × operand bits ×
    ``link_pj_per_bit_hop`` (default 2× the 8-bit register energy per bit: Eyeriss ISCA'16 normalized
    costs RF 1×, PE-to-PE 2×);
  - ``sram_ifmap`` / ``sram_filter`` / ``sram_ofmap``: each access costs
    ``sram_access_energy_pj(word bits, buffer capacity)``; array reads, DRAM fills, psum read-backs,
    output drains;
  - ``dram``: bytes · 8 · ``dram.energy_pj_per_bit``.

Layers without MACs (pool, add, concat) run on a ``cols``-lane vector unit at the array edge:
ceil(elements read / cols) cycles, one add per element, traffic of their input and output once.
"""

from __future__ import annotations

import functools
import math
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from accelsim import tech
from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.dataflow.systolic import (
    FoldPlan,
    layer_gemm,
    link_hops,
    mapping_efficiency,
    operand_slices,
    pe_register_accesses,
    plan_gemm,
    psum_sram_reads,
    sram_accesses,
    total_cycles,
)
from accelsim.errors import AccelsimInputError
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.mappings import SystolicMapping, VectorUnitMapping
from accelsim.memory.buffers import OperandBits, SystolicBuffers, choose_stream_chunk
from accelsim.memory.dram import coarsen_tiles, simulate_stalls, transfer_cycles
from accelsim.memory.systolic_traffic import TrafficModel, fold_classes, traffic_model
from accelsim.memory.tile_stalls import expand_folds, layer_stall_cycles
from accelsim.workload import Layer, Precision

#: widest operand any systolic array accepts (wider is an input error, not more passes)
MAX_OPERAND_BITS = 32


class SystolicArch(ArchitectureBase):
    """An R×C systolic array with per-operand SRAM buffers and a DRAM channel."""

    fabric: Literal["systolic"] = "systolic"
    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ("rows", "cols")
    rows: int = Field(ge=1, description="PE rows R of the array")
    cols: int = Field(ge=1, description="PE columns C of the array")
    dataflow: Literal["os", "ws", "is"] = Field(
        description="os (output stationary), ws (weight stationary) or is (input stationary)"
    )
    buffers: SystolicBuffers = Field(description="ifmap / filter / ofmap SRAM buffers")
    acc_bits: int = Field(32, ge=1, le=64, description="accumulator / partial-sum width in bits")
    mode: Literal["native", "scalesim"] = Field(
        "native",
        description="native: real conv arithmetic, partial folds use their occupied rows/cols; scalesim: "
        "SCALE-Sim's conventions (ceil output size, no padding, full-array folds, its SRAM counting)",
    )
    stall_model: Literal["recurrence", "simpy"] = Field(
        "recurrence",
        description="recurrence: the stall machine's exact recurrence (numba, fast); simpy: the same machine "
        "as a simpy event simulation (tests require equal results)",
    )
    max_tiles_per_layer: int = Field(
        1024, ge=1, description="stall-model granularity: folds merged into at most this many tiles per layer"
    )
    native_operand_bits: int | None = Field(
        None,
        ge=1,
        le=MAX_OPERAND_BITS,
        description="operand width the MACs multiply in one pass; wider operands take ceil(w/n)*ceil(a/n) "
        "passes (null = throughput independent of width, as SCALE-Sim, which models no precision)",
    )
    register_pj_per_bit: float | None = Field(
        None, ge=0, description="PE register energy per bit accessed; null = tech SRAM model at one word"
    )
    sram_energy_model: Literal["horowitz", "cacti"] = Field(
        "horowitz",
        description="SRAM access energy: horowitz (Horowitz 45 nm points by capacity, linear in the word "
        "width) or cacti (the 45 nm CACTI 7 fit by capacity, word width and ports; accelsim.tech)",
    )
    link_pj_per_bit_hop: float | None = Field(
        None, ge=0, description="PE-to-PE link energy per bit per hop; null = 2x the 8-bit register energy"
    )

    # ---- derived energies --------------------------------------------------------------------
    def register_pj(self, bits: int) -> float:
        """Energy of one register access of ``bits``."""
        if self.register_pj_per_bit is not None:
            return self.register_pj_per_bit * bits
        return tech.sram_access_energy_pj(bits, bits / 8, self.technology_nm)

    def link_pj(self, bits: int) -> float:
        """Energy of moving ``bits`` one PE-to-PE hop."""
        per_bit = self.link_pj_per_bit_hop
        if per_bit is None:
            per_bit = 2 * tech.sram_access_energy_pj(8, 1, self.technology_nm) / 8
        return per_bit * bits

    def sram_pj(self, buffer: str, bits: int, write: bool = False) -> float:
        """Energy of one access of a ``bits`` word in the named buffer (ifmap, filter, ofmap):
        ``sram_energy_model`` horowitz (reads = writes) or cacti (reads and writes, by ports)."""
        buf = getattr(self.buffers, buffer)
        if self.sram_energy_model == "cacti":
            return tech.sram_cacti_energy_pj(bits, buf.capacity_bytes, self.technology_nm, buf.ports, write)
        return tech.sram_access_energy_pj(bits, buf.capacity_bytes, self.technology_nm)

    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """mac.mac (w×a multiply + acc add), mac.add (vector unit), register read/write of ``bits``
        (:meth:`register_pj`), noc.hop of ``bits`` (:meth:`link_pj`), sram.<buffer> read/write of ``bits``
        (:meth:`sram_pj`), dram (base)."""
        node = self.technology_nm
        if component == "mac":
            if action == "mac":
                return tech.int_mac_energy_pj(*args, node_nm=node)
            return tech.int_add_energy_pj(args[0], node)
        if component == "register":
            return self.register_pj(args[0])
        if component == "noc":
            return self.link_pj(args[0])
        if component.startswith("sram."):
            return self.sram_pj(component[5:], args[0], write=action == "write")
        return super().action_energy_pj(component, action, args)

    #: operand width of a PE's multiplier and registers for the area model when ``native_operand_bits`` is
    #: null (a SCALE-Sim style array models no precision)
    AREA_OPERAND_BITS: ClassVar[int] = 8

    def component_areas_mm2(self) -> dict[str, float]:
        """Per PE a b×b multiplier and an ``acc_bits`` adder (Horowitz areas, :mod:`accelsim.tech`) and
        2·b + ``acc_bits`` register bits (the two operand registers and the partial sum, one flip-flop
        each), b = ``native_operand_bits`` (8 when null); the three buffers at their capacities
        (:func:`accelsim.tech.sram_area_mm2`: the CACTI fit, 64-bit words, the buffer's ports). PE-to-PE links
        and control have no area model."""
        node = self.technology_nm
        b = self.native_operand_bits or self.AREA_OPERAND_BITS
        pes = self.rows * self.cols
        mac_um2 = tech.int_mult_area_um2(b, b, node) + tech.int_add_area_um2(self.acc_bits, node)
        out = {
            "mac": pes * mac_um2 * 1e-6,
            "register": pes * tech.register_area_um2(2 * b + self.acc_bits, node) * 1e-6,
        }
        for name in ("ifmap", "filter", "ofmap"):
            buf = getattr(self.buffers, name)
            out[f"sram.{name}"] = tech.sram_area_mm2(buf.capacity_bytes, node, ports=buf.ports)
        return out

    def slices(self, w_bits: int, a_bits: int) -> tuple[int, int, int, int]:
        """(stream slices, stationary slices, weight slice bits, activation slice bits) of w×a operands
        (:func:`accelsim.dataflow.systolic.operand_slices`); (1, 1, w, a) at or below the native width.
        Widths above :data:`MAX_OPERAND_BITS` are input errors."""
        for name, bits in (("w_bits", w_bits), ("a_bits", a_bits)):
            if not 1 <= bits <= MAX_OPERAND_BITS:
                raise AccelsimInputError(name, f"{bits} bits; allowed: 1..{MAX_OPERAND_BITS}")
        s, q = operand_slices(w_bits, a_bits, self.native_operand_bits, self.dataflow)
        nat = self.native_operand_bits
        if nat is None:
            return s, q, w_bits, a_bits
        return s, q, min(w_bits, nat), min(a_bits, nat)

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """R·C MACs per cycle (2 ops per MAC), divided by ceil(w/n)·ceil(a/n) when an operand is wider than
        the native width n (``native_operand_bits``; the array then computes one native-width slice pair
        per PE per cycle). Power at full occupancy: per PE and cycle the slice MAC, its register accesses
        and link hops of the dataflow; per cycle the R + C edge words (slices) read from or written to
        SRAM (os: R ifmap + C filter reads; ws: R ifmap reads + C psum writes; is: R filter reads + C psum
        writes). Area: :meth:`component_areas_mm2`."""
        s, q, w_bits_s, a_bits_s = self.slices(w_bits, a_bits)
        passes = s * q
        macs = self.rows * self.cols / passes if passes > 1 else self.rows * self.cols
        w_bits, a_bits, w_in, a_in = w_bits_s, a_bits_s, w_bits, a_bits
        acc = self.acc_bits
        node = self.technology_nm
        mac = tech.int_mac_energy_pj(w_bits, a_bits, acc, node)
        if self.dataflow == "os":
            rf = 2 * (self.register_pj(a_bits) + self.register_pj(w_bits)) + 2 * self.register_pj(acc)
            noc = self.link_pj(a_bits) + self.link_pj(w_bits)
            edge = self.rows * self.sram_pj("ifmap", a_bits) + self.cols * self.sram_pj("filter", w_bits)
        else:
            stat, strm = (w_bits, a_bits) if self.dataflow == "ws" else (a_bits, w_bits)
            rf = self.register_pj(stat) + 2 * self.register_pj(strm) + 2 * self.register_pj(acc)
            noc = self.link_pj(strm) + self.link_pj(acc)
            src = "ifmap" if self.dataflow == "ws" else "filter"
            edge = self.rows * self.sram_pj(src, strm) + self.cols * self.sram_pj("ofmap", acc, write=True)
        pj_per_cycle = self.rows * self.cols * (mac + rf + noc) + edge
        power_w = pj_per_cycle * self.frequency_hz * 1e-12
        gops = 2 * macs * self.frequency_hz / 1e9
        notes = f"{self.rows}x{self.cols} {self.dataflow}; power at full occupancy, no DRAM"
        if passes > 1:
            notes += f"; {passes} passes of {self.native_operand_bits}-bit slices per MAC"
        area = sum(self.component_areas_mm2().values())
        return PeakFigures(
            w_bits=w_in,
            a_bits=a_in,
            macs_per_cycle=macs,
            gops=gops,
            power_w=power_w,
            area_mm2=area,
            tops_per_w=gops / 1e3 / power_w,
            tops_per_mm2=gops / 1e3 / area,
            notes=notes,
        )


@functools.lru_cache(maxsize=4096)
def _touched(size: int, pad_before: int, out: int, kernel: int, stride: int, dilation: int) -> int:
    """Input rows (or columns) of ``size`` that at least one window reads: |{p·s + j·d} ∩ real rows|.

    Undilated windows that overlap or abut (s ≤ R) cover one interval, [−pad, (out−1)·s + R − 1 − pad],
    counted in closed form; other cases enumerate the positions (memoized: shapes repeat)."""
    if dilation == 1 and stride <= kernel:
        lo = max(-pad_before, 0)
        hi = min((out - 1) * stride + kernel - 1 - pad_before, size - 1)
        return max(hi - lo + 1, 0)
    pos = (np.arange(out)[:, None] * stride + np.arange(kernel)[None, :] * dilation).ravel() - pad_before
    pos = np.unique(pos)
    return int(np.count_nonzero((pos >= 0) & (pos < size)))


def _operand_elems(layer: Layer, M: int, N: int, K: int, groups: int, mode: str) -> tuple[int, int, int]:
    """Real tensor sizes (all groups): ifmap elements the windows touch (each once: a strided 1×1 conv
    skips rows and columns), filter (the right GEMM operand), output."""
    if layer.op in ("conv2d", "depthwise_conv2d"):
        pt, _, pl, _ = layer.padding
        rows = _touched(layer.in_h, pt, layer.P, layer.kernel_h, layer.stride[0], layer.dilation[0])
        cols = _touched(layer.in_w, pl, layer.Q, layer.kernel_w, layer.stride[1], layer.dilation[1])
        ifmap = layer.batch * layer.in_channels * rows * cols
    else:
        ifmap = layer.batch * layer.in_channels * layer.in_h * layer.in_w
    if layer.weights_are_activations:
        filt = layer.batch * layer.in_channels * layer.out_channels
    else:
        filt = layer.weight_elems
    out = groups * M * N if mode == "scalesim" else layer.output_elems
    return ifmap, filt, out


def _vector_layer(layer: Layer, precision: Precision, arch: SystolicArch) -> LayerResult:
    touched = layer.input_elems
    compute = math.ceil(touched / arch.cols)
    in_bytes = touched * precision.a_bits / 8
    out_bytes = layer.output_elems * precision.out_bits / 8
    bw = arch.dram.bandwidth_bytes_per_cycle
    stall = max(0, transfer_cycles(in_bytes + out_bytes, bw) - compute)
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=stall,
        actions={
            ("mac", "add", (precision.a_bits,)): touched,
            ("sram.ifmap", "read", (precision.a_bits,)): touched,
            ("sram.ofmap", "write", (precision.out_bits,)): layer.output_elems,
            ("dram", "read", ()): 8 * in_bytes,
            ("dram", "write", ()): 8 * out_bytes,
        },
        accesses={
            "ifmap_sram_reads": touched,
            "ofmap_sram_writes": layer.output_elems,
            "dram_read_bytes": in_bytes,
            "dram_write_bytes": out_bytes,
        },
        peak_macs_per_cycle=float(arch.rows * arch.cols),
        mapping_efficiency=0.0,
        mapping=VectorUnitMapping(arch.cols),
    )


def _count(actions: dict[tuple, float], key: tuple, n: float) -> None:
    if n:
        actions[key] = actions.get(key, 0.0) + n


def _stall_cycles(plan: FoldPlan, traffic: TrafficModel, arch: SystolicArch, bw: float, double: bool) -> int:
    """Stall cycles of the layer's fold schedule: fold values by class (:func:`fold_classes`), merged
    into at most ``max_tiles_per_layer`` tiles without expanding them (:func:`coarse_tiles`), run through
    the numba recurrence (:func:`layer_stall_cycles`, one call); ``stall_model: simpy`` expands the folds
    and runs the simpy machine on the tiles of :func:`coarsen_tiles` (equal tiles, tested)."""
    args = (
        plan.rows, plan.cols, plan.row_folds, plan.col_folds, plan.last_rows, plan.last_cols, plan.Sr,
        plan.Sc, plan.T, 1 if plan.dataflow == "os" else 2, arch.mode == "scalesim",
        traffic.roles, traffic.per_group, traffic.resident, traffic.col_fits, traffic.pass_len,
        traffic.row_bytes, traffic.row_fits, traffic.spill, traffic.out_total, traffic.acc_bits,
        traffic.ofmap_both, plan.stream_slices, plan.stationary_slices,
    )  # fmt: skip
    if arch.stall_model == "simpy":
        classes = fold_classes(*args)
        folds = expand_folds(*classes, plan.row_folds, plan.col_folds, plan.n_chunks, plan.groups)
        return simulate_stalls(*coarsen_tiles(*folds, arch.max_tiles_per_layer), bw, double).stall_cycles
    return int(
        layer_stall_cycles(
            *args, plan.n_chunks, plan.groups, arch.max_tiles_per_layer, float(bw), 2 if double else 1
        )
    )


@register_fabric(SystolicArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: SystolicArch) -> LayerResult:
    if not layer.has_macs:
        return _vector_layer(layer, precision, arch)
    mode = arch.mode
    w_bits = precision.a_bits if layer.weights_are_activations else precision.w_bits
    a_bits = precision.a_bits
    n_stream, n_stat, w_slice, a_slice = arch.slices(w_bits, a_bits)
    passes = n_stream * n_stat  # 1 unless an operand is wider than native_operand_bits
    sl = {"stream_slices": n_stream, "stationary_slices": n_stat}
    M, N, K, groups = layer_gemm(layer, mode)
    plan = plan_gemm(M, N, K, arch.rows, arch.cols, arch.dataflow, groups, **sl)
    acc = arch.acc_bits
    if mode == "native":
        chunk = choose_stream_chunk(plan, arch.buffers, acc)
        if chunk:
            plan = plan_gemm(M, N, K, arch.rows, arch.cols, arch.dataflow, groups, t_chunk=chunk, **sl)
    compute = total_cycles(plan, mode)
    bits = OperandBits(ifmap_bits=a_bits, filter_bits=w_bits, out_bits=precision.out_bits, acc_bits=acc)
    ifmap_elems, filter_elems, out_elems = _operand_elems(layer, M, N, K, groups, mode)
    traffic = traffic_model(plan, arch.buffers, bits, ifmap_elems, filter_elems, out_elems)
    t = traffic.totals

    bw = arch.dram.bandwidth_bytes_per_cycle
    double = arch.buffers.ifmap.double_buffered and arch.buffers.filter.double_buffered
    if bw is None:
        stall = 0  # every transfer takes 0 cycles (tests check simpy gives exactly 0 too)
    else:
        stall = _stall_cycles(plan, traffic, arch, bw, double)

    # ---- SRAM accesses (words) -----------------------------------------------------------------
    array = sram_accesses(plan)
    psum_reads = psum_sram_reads(plan)
    ofmap_writes = array["ofmap_sram_writes"]
    if mode == "scalesim" and arch.dataflow == "os":
        # SCALE-Sim 3.0.0 adds (R + C) per fold a second time to its OS ofmap write count
        ofmap_writes += plan.folds * (arch.rows + arch.cols)
    ifmap_fill = t["dram_ifmap_read_bytes"] * 8 / a_bits
    filter_fill = t["dram_filter_read_bytes"] * 8 / w_bits
    psum_fill = t["dram_ofmap_read_bytes"] * 8 / acc
    out_drain = out_elems + (t["dram_ofmap_write_bytes"] - out_elems * precision.out_bits / 8) * 8 / acc
    regs = pe_register_accesses(plan)
    hops = link_hops(plan)

    # actions; full-width words for DRAM fills and the ofmap, native-width slices for what the PEs move
    # (the full widths themselves at or below the native width)
    ws_, as_ = (w_bits, a_bits) if passes == 1 else (w_slice, a_slice)
    out_bits = precision.out_bits
    psum_bits = out_bits if arch.dataflow == "os" else acc
    pe_macs = plan.macs * passes  # MAC-unit operations: one per slice pair
    act: dict[tuple, float] = {("mac", "mac", (ws_, as_, acc)): pe_macs}
    if arch.dataflow == "os":  # per MAC both operand registers are read and written
        reads = ((as_, pe_macs), (ws_, pe_macs))
        writes = ((as_, pe_macs), (ws_, pe_macs))
    elif arch.dataflow == "ws":  # the stationary weight: read per MAC, loaded operand_writes − MACs times
        reads = ((ws_, pe_macs), (as_, pe_macs))
        writes = ((as_, pe_macs), (ws_, regs["operand_writes"] - pe_macs))
    else:  # is: the stationary input likewise
        reads = ((as_, pe_macs), (ws_, pe_macs))
        writes = ((ws_, pe_macs), (as_, regs["operand_writes"] - pe_macs))
    for kind, pairs in (("read", reads), ("write", writes)):
        for bits_, n in pairs:
            _count(act, ("register", kind, (bits_,)), n)
    _count(act, ("register", "read", (acc,)), regs["psum_reads"])
    _count(act, ("register", "write", (acc,)), regs["psum_writes"])
    _count(act, ("noc", "hop", (as_,)), hops["act_hops"])
    _count(act, ("noc", "hop", (ws_,)), hops["weight_hops"])
    _count(act, ("noc", "hop", (acc,)), hops["psum_hops"] + hops["output_hops"])
    _count(act, ("sram.ifmap", "read", (as_,)), array["ifmap_sram_reads"])
    _count(act, ("sram.ifmap", "write", (a_bits,)), ifmap_fill)
    _count(act, ("sram.filter", "read", (ws_,)), array["filter_sram_reads"])
    _count(act, ("sram.filter", "write", (w_bits,)), filter_fill)
    _count(act, ("sram.ofmap", "write", (psum_bits,)), array["ofmap_sram_writes"] + psum_fill)
    _count(act, ("sram.ofmap", "read", (acc,)), psum_reads)
    _count(act, ("sram.ofmap", "read", (out_bits,)), out_elems)
    _count(act, ("dram", "read", ()), 8 * t["dram_read_bytes"])
    _count(act, ("dram", "write", ()), 8 * t["dram_write_bytes"])
    accesses: dict[str, float] = {
        "ifmap_sram_reads": array["ifmap_sram_reads"],
        "filter_sram_reads": array["filter_sram_reads"],
        "ofmap_sram_writes": ofmap_writes,
        "ofmap_sram_reads": psum_reads + out_drain,
        "ifmap_sram_writes": ifmap_fill,
        "filter_sram_writes": filter_fill,
        "dram_ifmap_read_bytes": t["dram_ifmap_read_bytes"],
        "dram_filter_read_bytes": t["dram_filter_read_bytes"],
        "dram_ofmap_read_bytes": t["dram_ofmap_read_bytes"],
        "dram_ofmap_write_bytes": t["dram_ofmap_write_bytes"],
        "dram_read_bytes": t["dram_read_bytes"],
        "dram_write_bytes": t["dram_write_bytes"],
        "rf_reads": regs["operand_reads"] + regs["psum_reads"],
        "rf_writes": regs["operand_writes"] + regs["psum_writes"],
        "noc_hops": float(sum(hops.values())),
    }
    wide = passes > 1
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=int(stall),
        actions=act,
        accesses=accesses,
        peak_macs_per_cycle=float(arch.rows * arch.cols) / passes,
        mapping_efficiency=mapping_efficiency(plan),
        mapping=SystolicMapping(
            dataflow=arch.dataflow,
            mode=mode,
            M=M,
            N=N,
            K=K,
            groups=groups,
            Sr=plan.Sr,
            Sc=plan.Sc,
            T=plan.T,
            row_folds=plan.row_folds,
            col_folds=plan.col_folds,
            folds=plan.folds,
            stream_passes=plan.n_chunks,
            ifmap_refetch_factor=t["ifmap_refetch_factor"],
            filter_refetch_factor=t["filter_refetch_factor"],
            psum_spill=bool(t["psum_spill"]),
            operand_passes=passes if wide else None,
            stream_slices=n_stream if wide else None,
            stationary_slices=n_stat if wide else None,
        ),
    )


__all__ = ["SystolicArch", "evaluate_layer"]


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: SystolicArch, seed: int = 0):
    """Numbers through the array (registry contract): every PE computes exact integer products into
    ``arch.acc_bits``-wide accumulators, saturating or wrapping per ``precision.overflow``, in reduction order
    (:func:`accelsim.functional.run_layer`); overflows are counted. ``seed`` is unused (no random process)."""
    from accelsim.functional import run_layer

    prec = precision.model_copy(update={"acc_bits": arch.acc_bits})
    r = run_layer(layer, x_int, w_int, prec, check_ranges=False)
    return r.out, {
        "overflow_outputs": r.overflow_outputs,
        "overflow_events": r.overflow_events,
        "path": r.path,
    }
