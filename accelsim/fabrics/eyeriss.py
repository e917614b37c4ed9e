"""``eyeriss``: Eyeriss v1 (JSSC'17) and v2 (JETCAS'19) row-stationary accelerators.

Per MAC layer (whole batch), :func:`accelsim.dataflow.row_stationary.search_mapping` picks the RS mapping
of minimum ``mapping_objective`` and returns closed-form cycles and access counts per level. This module
adds what the mapper does not know:

* activation sparsity: the zero fraction of the layer's input activations is ``activation_sparsity``
  (or ``activation_sparsity_per_layer[name]``); the output zero fraction is the same value for layers
  with a ReLU/ReLU6 and 0 otherwise. Real activation tensors enter through
  :func:`with_measured_activations` (measured zero fractions and measured RLC sizes per layer);
* DRAM compression: v1 RLC (:mod:`accelsim.memory.rlc`, expected size for i.i.d. zeros, bypassed when it
  would expand the data); v2 CSC, ``density · (bits + index_bits)/bits`` (bypassed likewise);
* zero gating (v1, energy only): a zero ifmap skips the MAC, the filter read and the psum update;
* sparse processing (v2): zero activations and zero weights are skipped in time, MAC cycles scale by
  ``(1 − s_a)·(1 − s_w)``;
* DRAM bandwidth: ``stall = max(0, ceil(dram_bytes / bandwidth) − compute_cycles)``;
* energy: normalized ISCA'16 units (ALU 1, RF 1, array 2, GLB 6, DRAM 200 per 16-bit access) and
  absolute pJ: on-chip units × one MAC of the native widths at ``technology_nm``
  (:func:`accelsim.tech.int_mac_energy_pj`, 1.228 pJ for 16×16+16 at 65 nm), DRAM at
  ``dram.energy_pj_per_bit``.

Non-MAC layers (pool, add, concat) run on the host in Eyeriss: reported with zero cycles and energy,
unless ``pool_on_array`` (pooling on the PE array, as the Bit Fusion authors' Eyeriss table charges it).
``filter_load_overlap`` hides filter loads behind compute (a double-banked filter spad);
``normalized_unit_pj`` replaces the tech-model pJ per normalized unit (the Bit Fusion authors used 3.2 pJ).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from accelsim import tech
from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.dataflow.row_stationary import (
    NORMALIZED_COST,
    ConvShape,
    RSHardware,
    conv_shape,
    search_mapping,
)
from accelsim.errors import AccelsimInputError
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.mappings import OffArrayMapping, PoolOnArrayMapping, RowStationaryMapping
from accelsim.memory.rlc import compression_ratio, measured_compression_ratio
from accelsim.noc.hierarchical_mesh import HierarchicalMesh
from accelsim.workload import Layer, Precision


class EyerissArch(ArchitectureBase):
    """Eyeriss v1 (multicast buses, rigid 12×14 array) or v2 (hierarchical mesh, 192 PEs, sparse)."""

    fabric: Literal["eyeriss"] = "eyeriss"
    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ("pe_rows", "pe_cols")
    version: Literal["v1", "v2"] = Field("v1", description="v1: JSSC'17 chip; v2: JETCAS'19 chip")
    pe_rows: int = Field(12, ge=1, description="PE array rows (v2: logical rows of the 192-PE pool)")
    pe_cols: int = Field(14, ge=1, description="PE array columns")
    clusters: int = Field(1, ge=1, description="PE clusters (v2: 16 clusters of 12 PEs); 1 for v1")
    weight_bits: int = Field(16, ge=1, le=32, description="native weight width in bits")
    act_bits: int = Field(16, ge=1, le=32, description="native activation width in bits")
    psum_bits: int = Field(16, ge=1, le=48, description="partial-sum width in bits")
    filter_spad_words: int = Field(224, ge=1, description="filter scratchpad entries per PE")
    ifmap_spad_words: int = Field(12, ge=1, description="ifmap scratchpad entries per PE")
    psum_spad_words: int = Field(24, ge=1, description="psum scratchpad entries per PE")
    glb_bytes: int = Field(108 * 1024, gt=0, description="global buffer capacity for ifmaps and psums")
    noc: Literal["multicast_bus", "hierarchical_mesh"] = Field(
        "multicast_bus", description="v1 GIN/GON multicast buses (rigid PE-set geometry) or v2 mesh"
    )
    filter_bus_words_per_cycle: float = Field(
        4.0, gt=0, description="filter delivery bandwidth (words/cycle)"
    )
    ifmap_bus_words_per_cycle: float = Field(4.0, gt=0, description="ifmap delivery bandwidth (words/cycle)")
    psum_bus_words_per_cycle: float = Field(4.0, gt=0, description="psum GLB↔array bandwidth (words/cycle)")
    macs_per_pe_cycle: int = Field(1, ge=1, description="MACs per PE per cycle (v2 8-bit SIMD: 2)")
    activation_sparsity: float = Field(
        0.0, ge=0, le=1, description="zero fraction of input activations of every layer (default)"
    )
    activation_sparsity_per_layer: dict[str, float] = Field(
        default_factory=dict, description="zero fraction of a layer's input activations, by layer name"
    )
    input_dram_ratio_per_layer: dict[str, float] = Field(
        default_factory=dict,
        description="measured compressed/raw DRAM size of a layer's input activations (overrides the estimate)",
    )
    output_dram_ratio_per_layer: dict[str, float] = Field(
        default_factory=dict,
        description="measured compressed/raw DRAM size of a layer's output activations (overrides the estimate)",
    )
    weight_sparsity: float = Field(0.0, ge=0, le=1, description="zero fraction of weights (v2 sparse)")
    zero_gating: bool = Field(True, description="skip MAC/filter read/psum update on zero ifmaps (energy)")
    rlc_compression: bool = Field(True, description="compress activations to/from DRAM (v1 RLC, v2 CSC)")
    sparse_processing: bool = Field(False, description="v2: skip zero activations and weights in time")
    csc_index_bits: int = Field(4, ge=0, description="v2 CSC: index bits stored per non-zero")
    mapping_objective: Literal["energy", "cycles", "edp"] = Field(
        "energy", description="what the RS mapping search minimizes"
    )
    filter_load_overlap: bool = Field(
        False, description="load the next pass's filters during the current pass (v1 chip: false)"
    )
    pool_on_array: bool = Field(
        False, description="run pooling on the PE array (one window element per PE-cycle); false = host"
    )
    normalized_unit_pj: float | None = Field(
        None, gt=0, description="pJ of one normalized energy unit; null = one native MAC at technology_nm"
    )
    mesh_cluster_rows: int = Field(8, ge=1, description="v2 mesh: cluster rows (8 × 2 = 16 clusters)")
    mesh_cluster_cols: int = Field(2, ge=1, description="v2 mesh: cluster columns")
    mesh_link_words_per_cycle: float = Field(
        1.0, gt=0, description="v2 mesh: words per cycle of one link / router port, per data type (assumed)"
    )
    mesh_packet_words: int = Field(4, ge=1, description="v2 mesh: words per transfer (packet) (assumed)")

    def mesh(self) -> HierarchicalMesh:
        """The v2 hierarchical mesh of this arch (one per data type: iact, weight and psum networks)."""
        return HierarchicalMesh(
            self.mesh_cluster_rows,
            self.mesh_cluster_cols,
            self.num_pes // self.clusters,
            self.mesh_link_words_per_cycle,
        )

    @property
    def num_pes(self) -> int:
        return self.pe_rows * self.pe_cols

    def rs_hardware(self) -> RSHardware:
        """The mapper's view: geometry, scratchpads, GLB in words, bus bandwidths."""
        word_bytes = max(self.act_bits, self.psum_bits) / 8
        return RSHardware(
            array_rows=self.pe_rows,
            array_cols=self.pe_cols,
            filter_spad_words=self.filter_spad_words,
            ifmap_spad_words=self.ifmap_spad_words,
            psum_spad_words=self.psum_spad_words,
            glb_words=int(self.glb_bytes // word_bytes),
            filter_bus_words_per_cycle=self.filter_bus_words_per_cycle,
            ifmap_bus_words_per_cycle=self.ifmap_bus_words_per_cycle,
            psum_bus_words_per_cycle=self.psum_bus_words_per_cycle,
            macs_per_pe_cycle=self.macs_per_pe_cycle,
            rigid_geometry=self.noc == "multicast_bus",
            filter_load_overlap=self.filter_load_overlap,
        )

    def unit_energy_pj(self) -> float:
        """pJ of one normalized unit: ``normalized_unit_pj`` if set, else one native MAC (w×a multiply +
        psum add) at ``technology_nm``."""
        if self.normalized_unit_pj is not None:
            return self.normalized_unit_pj
        return tech.int_mac_energy_pj(self.weight_bits, self.act_bits, self.psum_bits, self.technology_nm)

    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """The ISCA'16 normalized costs × :meth:`unit_energy_pj`: mac.mac (ALU) 1, register read/write
        (RF) 1, noc.hop (array) 2, sram.glb read/write (GLB) 6 per native word; mac.add (pooling on the
        array) 1; dram (base)."""
        c = NORMALIZED_COST
        unit = {"mac": c["alu"], "register": c["rf"], "noc": c["array"], "sram.glb": c["glb"]}.get(component)
        if unit is not None:
            return unit * self.unit_energy_pj()
        return super().action_energy_pj(component, action, args)

    def scale_array(self, factor: float):
        """v1: the PE rows and columns scaled together; v2's clustered mesh is not resized."""
        if self.noc == "hierarchical_mesh":
            raise AccelsimInputError(
                "--iso-area", "the v2 hierarchical mesh (clusters of PEs) is not resized"
            )
        return super().scale_array(factor)

    def component_areas_mm2(self) -> dict[str, float]:
        """Per PE ``macs_per_pe_cycle`` multipliers of the native widths with ``psum_bits`` adders (Horowitz
        areas) and the three scratchpads as flip-flop registers (filter, ifmap, psum words × their widths);
        the global buffer at ``glb_bytes`` (:func:`accelsim.tech.sram_area_mm2`). The NoC, the RLC codec
        and control have no area model."""
        node = self.technology_nm
        mac = tech.int_mult_area_um2(self.weight_bits, self.act_bits, node) + tech.int_add_area_um2(
            self.psum_bits, node
        )
        spad_bits = (
            self.filter_spad_words * self.weight_bits
            + self.ifmap_spad_words * self.act_bits
            + self.psum_spad_words * self.psum_bits
        )
        return {
            "mac": self.num_pes * self.macs_per_pe_cycle * mac * 1e-6,
            "register": self.num_pes * tech.register_area_um2(spad_bits, node) * 1e-6,
            "sram.glb": tech.sram_area_mm2(self.glb_bytes, node),
        }

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """All PEs busy; power = per MAC one ALU op + 4 RF accesses (normalized units × unit pJ)."""
        _check_bits(self, w_bits, a_bits)
        macs_per_cycle = self.num_pes * self.macs_per_pe_cycle
        gops = 2 * macs_per_cycle * self.frequency_hz / 1e9
        pj_per_mac = (NORMALIZED_COST["alu"] + 4 * NORMALIZED_COST["rf"]) * self.unit_energy_pj()
        power_w = macs_per_cycle * self.frequency_hz * pj_per_mac * 1e-12
        area = sum(self.component_areas_mm2().values())
        return PeakFigures(
            w_bits=w_bits,
            a_bits=a_bits,
            macs_per_cycle=macs_per_cycle,
            gops=gops,
            power_w=power_w,
            area_mm2=area,
            tops_per_w=gops / 1e3 / power_w,
            tops_per_mm2=gops / 1e3 / area,
            notes=f"Eyeriss {self.version}: native {self.weight_bits}/{self.act_bits}-bit; core only",
        )


def _check_bits(arch: EyerissArch, w_bits: int, a_bits: int) -> None:
    if w_bits > arch.weight_bits or a_bits > arch.act_bits:
        raise AccelsimInputError(
            "bits",
            f"eyeriss {arch.version} runs up to {arch.weight_bits}/{arch.act_bits}, got {w_bits}/{a_bits}",
        )


def sparsity_from_tensors(tensors: dict[str, np.ndarray]) -> dict[str, float]:
    """Zero fraction of each layer's real input activation tensor (for ``activation_sparsity_per_layer``)."""
    return {name: float(np.mean(np.asarray(t) == 0)) for name, t in tensors.items()}


def with_measured_activations(
    arch: EyerissArch,
    inputs: dict[str, np.ndarray],
    outputs: dict[str, np.ndarray] | None = None,
) -> EyerissArch:
    """Arch copy driven by real integer activation tensors, keyed by layer name.

    Input zero fractions set zero gating / sparse processing; DRAM sizes are the measured RLC sizes
    (:func:`accelsim.memory.rlc.measured_compression_ratio`, v1) of the tensors, capped at 1 (encoder
    bypassed when it would expand the data). v2 uses the CSC estimate from the measured zero fraction.
    """
    sparsity = sparsity_from_tensors(inputs)
    update: dict[str, object] = {
        "activation_sparsity_per_layer": {**arch.activation_sparsity_per_layer, **sparsity}
    }
    if arch.version == "v1" and arch.rlc_compression:
        ins = {k: min(1.0, measured_compression_ratio(v, arch.act_bits)) for k, v in inputs.items()}
        outs = {k: min(1.0, measured_compression_ratio(v, arch.act_bits)) for k, v in (outputs or {}).items()}
        update["input_dram_ratio_per_layer"] = {**arch.input_dram_ratio_per_layer, **ins}
        update["output_dram_ratio_per_layer"] = {**arch.output_dram_ratio_per_layer, **outs}
    return arch.model_copy(update=update)


def with_measured_execution(
    arch: EyerissArch,
    network,
    tensors: dict[str, np.ndarray],
    zero_points: dict[str, int] | None = None,
) -> EyerissArch:
    """Arch copy whose per-layer sparsity and DRAM sizes come from a functional run.

    ``tensors``: integer activation tensors by name as :func:`accelsim.functional.executor.run_integer`
    returns them (``Execution.tensors``: ``'input'`` and every layer's output codes); ``zero_points``: the
    code that means real 0 for each tensor (``model.input_q.zero_point`` for ``'input'``,
    ``model.layers[name].output.zero_point``; missing = 0). Each MAC layer's input is the tensor of its
    producer, shifted by its zero point, so a zero is a real zero; its output likewise. Then
    :func:`with_measured_activations`.
    """
    from accelsim.functional.ptq import producers

    zps = zero_points or {}
    src = producers(network)
    inputs: dict[str, np.ndarray] = {}
    outputs: dict[str, np.ndarray] = {}
    for layer in network.layers:
        if not layer.has_macs:
            continue
        name = src[layer.name][0]
        if name in tensors:
            inputs[layer.name] = np.asarray(tensors[name], np.int64) - int(zps.get(name, 0))
        if layer.name in tensors:
            outputs[layer.name] = np.asarray(tensors[layer.name], np.int64) - int(zps.get(layer.name, 0))
    return with_measured_activations(arch, inputs, outputs)


def measured_arch(arch: EyerissArch, model, execution) -> EyerissArch:
    """:func:`with_measured_execution` from a :class:`~accelsim.functional.ptq.QuantizedModel` and its
    integer :class:`~accelsim.functional.executor.Execution` (zero points taken from the model: the input's
    and every layer output's; raw-accumulator outputs count 0 as zero)."""
    zps = {"input": int(model.input_q.zero_point)}
    for name, lq in model.layers.items():
        zps[name] = 0 if lq.output is None else int(lq.output.zero_point)
    return with_measured_execution(arch, model.network, execution.tensors, zps)


def _dram_ratio(arch: EyerissArch, sparsity: float, bits: int) -> float:
    if not arch.rlc_compression:
        return 1.0
    if arch.version == "v2":
        ratio = (1.0 - sparsity) * (bits + arch.csc_index_bits) / bits
    else:
        ratio = compression_ratio(sparsity, bits)
    return min(1.0, ratio)


@lru_cache(maxsize=4096)
def _search_cached(
    shape: ConvShape, hw: RSHardware, objective: str, dens: float, ri: float, ro: float, zg: bool
):
    return search_mapping(shape, hw, objective, dens, ri, ro, zg)  # type: ignore[arg-type]


def _pool_on_array(layer: Layer, arch: EyerissArch) -> LayerResult:
    """Pooling on the PE array, as the Bit Fusion authors' Eyeriss table charges it: every window element
    is one ALU op, one per PE per cycle, ``cycles = ceil(N·C·P·Q·R·S / PEs)`` and no DRAM stall (the
    table's pooling times are exactly ops / 256); energy: one ALU op and one RF access per window element,
    the input read from and the output written to DRAM once (RLC-compressed like conv layers)."""
    ops = layer.N * layer.K * layer.P * layer.Q * layer.R * layer.S
    pes = arch.num_pes * arch.macs_per_pe_cycle
    compute = math.ceil(ops / pes)
    s_in = arch.activation_sparsity_per_layer.get(layer.name, arch.activation_sparsity)
    ratio = _dram_ratio(arch, s_in, arch.act_bits)
    read_bytes = layer.N * layer.C * layer.H * layer.W * arch.act_bits / 8 * ratio
    write_bytes = layer.N * layer.K * layer.P * layer.Q * arch.act_bits / 8 * ratio
    word = (arch.act_bits,)
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=0,
        actions={
            ("mac", "add", word): ops,
            ("register", "read", word): ops,
            ("dram", "read", ()): 8 * read_bytes,
            ("dram", "write", ()): 8 * write_bytes,
        },
        accesses={"dram_read_bytes": read_bytes, "dram_write_bytes": write_bytes},
        peak_macs_per_cycle=float(pes),
        mapping_efficiency=ops / (compute * pes),
        mapping=PoolOnArrayMapping(ops),
    )


def router_modes(layer: Layer, t_sets: int, clusters: int) -> dict[str, tuple[str, int]]:
    """v2 router mode and group size per data type, by the reuse the layer type leaves across clusters (the
    v2 paper's rule, JETCAS'19 Sec. III-A: broadcast for data every cluster uses, grouped multicast for data
    shared by a group, unicast — the high-bandwidth mode — for data no two clusters share).

    * depthwise CONV: no cross-channel reuse: iacts, weights and psums unicast;
    * FC / matmul: every filter reads the same input: iacts broadcast, weights unicast;
    * CONV and pointwise CONV: the ``t`` RS sets of a pass that work on different filters read the same
      iacts, so iacts go to groups of ``g = min(t, clusters)`` (rounded down to a divisor of the cluster
      count): broadcast when ``g`` covers all clusters, grouped multicast otherwise; within a pass every
      set holds different weights (weights unicast). Psums always return to their own GLB bank (unicast).
    """
    uni = ("unicast", 1)
    if layer.op in ("fc", "matmul"):
        return {"iact": ("broadcast", 1), "weight": uni, "psum": uni}
    if layer.groups > 1 and layer.C // layer.groups == 1:
        return {"iact": uni, "weight": uni, "psum": uni}
    g = max(d for d in range(1, clusters + 1) if clusters % d == 0 and d <= max(1, min(t_sets, clusters)))
    iact = ("broadcast", 1) if g == clusters else ("multicast", g) if g > 1 else uni
    return {"iact": iact, "weight": uni, "psum": uni}


def _mesh_timing(
    layer: Layer, arch: EyerissArch, passes: int, t_sets: int, mac_cycles: int, cost, s_in: float
) -> tuple[int, dict[str, object]]:
    """Compute cycles with every pass's deliveries timed on the v2 hierarchical mesh.

    Per pass: the filter words arrive over the weight network before the pass (``load``; with
    ``filter_load_overlap`` behind the previous pass), iacts and psums stream during it:
    ``pass = load + max(body, iact, psum)`` with ``body = mac_cycles / passes`` (after sparse skipping) and
    each network's cycles from :meth:`HierarchicalMesh.pass_cycles` (packets of ``mesh_packet_words``,
    store-and-forward, contention of interleaved groups simulated with simpy). With sparse processing the
    networks carry CSC-compressed iacts / weights (same ratio as DRAM).
    """
    mesh = arch.mesh()
    modes = router_modes(layer, t_sets, mesh.clusters)
    iact_ratio = w_ratio = 1.0
    if arch.sparse_processing and arch.rlc_compression:
        iact_ratio = _dram_ratio(arch, s_in, arch.act_bits)
        if arch.weight_sparsity > 0:
            w_ratio = min(
                1.0, (1 - arch.weight_sparsity) * (arch.weight_bits + arch.csc_index_bits) / arch.weight_bits
            )
    pw = arch.mesh_packet_words
    load = _pass_cycles(mesh, *_mode_words(modes["weight"], cost.filter_words_per_pass * w_ratio), pw)
    iact = _pass_cycles(mesh, *_mode_words(modes["iact"], cost.ifmap_words_per_pass * iact_ratio), pw)
    psum = _pass_cycles(mesh, *_mode_words(modes["psum"], cost.psum_words_per_pass), pw)
    body = mac_cycles / passes if passes else 0.0
    stream = max(body, iact, psum)
    if arch.filter_load_overlap:
        compute = load + passes * max(load, stream)
    else:
        compute = passes * (load + stream)
    noc = {
        "noc_modes": {
            k: f"{m}/{g}" if m in ("multicast", "interleaved") else m for k, (m, g) in modes.items()
        },
        "noc_weight_cycles_per_pass": load,
        "noc_iact_cycles_per_pass": iact,
        "noc_psum_cycles_per_pass": psum,
        "noc_stall_cycles": int(math.ceil(passes * (stream - body))),
    }
    return int(math.ceil(compute)), noc


_PASS_CYCLES: dict[tuple, int] = {}


def _pass_cycles(mesh: HierarchicalMesh, mode: str, words: float, group_size: int, packet_words: int) -> int:
    """:meth:`HierarchicalMesh.pass_cycles`, memoized (a pure function of its arguments; the mesh is a
    frozen dataclass). Fresh layers of a known shape repeat the same per-pass words."""
    key = (mesh, mode, words, group_size, packet_words)
    got = _PASS_CYCLES.get(key)
    if got is None:
        if len(_PASS_CYCLES) > 65536:
            _PASS_CYCLES.clear()
        got = _PASS_CYCLES[key] = mesh.pass_cycles(mode, words, group_size, packet_words)
    return got


def _mode_words(mode: tuple[str, int], words: float) -> tuple[str, float, int]:
    return mode[0], words, mode[1]


@register_fabric(EyerissArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: EyerissArch) -> LayerResult:
    _check_bits(arch, precision.w_bits, precision.a_bits)
    if layer.op == "pool" and arch.pool_on_array:
        return _pool_on_array(layer, arch)
    if not layer.has_macs:
        return LayerResult(
            compute_cycles=0,
            stall_cycles=0,
            actions={},
            accesses={},
            peak_macs_per_cycle=float(arch.num_pes * arch.macs_per_pe_cycle),
            mapping_efficiency=0.0,
            mapping=OffArrayMapping("host", "pool/add/concat run off-chip in Eyeriss"),
        )
    s_in = arch.activation_sparsity_per_layer.get(layer.name, arch.activation_sparsity)
    s_out = arch.activation_sparsity if layer.activation != "none" else 0.0
    ratio_in = arch.input_dram_ratio_per_layer.get(layer.name, _dram_ratio(arch, s_in, arch.act_bits))
    ratio_out = arch.output_dram_ratio_per_layer.get(layer.name, _dram_ratio(arch, s_out, arch.act_bits))
    shape = conv_shape(layer)
    hw = arch.rs_hardware()
    mapping, cost = _search_cached(
        shape, hw, arch.mapping_objective, 1.0 - s_in, ratio_in, ratio_out, arch.zero_gating
    )
    mac_cycles = cost.mac_cycles
    compute = cost.compute_cycles
    if arch.sparse_processing:
        keep = (1.0 - s_in) * (1.0 - arch.weight_sparsity)
        skipped = mac_cycles - math.ceil(mac_cycles * keep)
        compute -= skipped
        mac_cycles -= skipped
    noc: dict[str, object] = {}
    if arch.noc == "hierarchical_mesh":
        compute, noc = _mesh_timing(layer, arch, mapping.passes, mapping.t, mac_cycles, cost, s_in)
    # DRAM words: filters at weight width (v2 CSC-compressed when sparse), activations compressed
    w_ratio = 1.0
    if arch.version == "v2" and arch.rlc_compression and arch.weight_sparsity > 0:
        w_ratio = min(
            1.0, (1 - arch.weight_sparsity) * (arch.weight_bits + arch.csc_index_bits) / arch.weight_bits
        )
    dram_filter_bytes = cost.dram_filter_reads * w_ratio * arch.weight_bits / 8
    dram_ifmap_bytes = cost.dram_ifmap_reads * arch.act_bits / 8
    dram_ofmap_bytes = cost.dram_ofmap_writes * arch.act_bits / 8
    dram_bytes = dram_filter_bytes + dram_ifmap_bytes + dram_ofmap_bytes
    bandwidth = arch.dram.bandwidth_bytes_per_cycle
    transfer = 0 if bandwidth is None else math.ceil(dram_bytes / bandwidth)
    stall = max(0, transfer - compute)

    en = cost.energy_norm
    word = (arch.act_bits,)  # the normalized model prices every on-chip access per native word
    actions = {
        ("mac", "mac", (arch.weight_bits, arch.act_bits, arch.psum_bits)): cost.alu_ops,
        ("register", "read", word): cost.rf_reads,
        ("register", "write", word): cost.rf_writes,
        ("noc", "hop", word): cost.array_hops,
        ("sram.glb", "read", word): cost.glb_reads,
        ("sram.glb", "write", word): cost.glb_writes,
        ("dram", "read", ()): 8 * (dram_filter_bytes + dram_ifmap_bytes),
        ("dram", "write", ()): 8 * dram_ofmap_bytes,
    }
    dram_words_16b = dram_bytes / 2
    return LayerResult(
        compute_cycles=int(compute),
        stall_cycles=int(stall),
        actions=actions,
        accesses={
            "rf_reads": cost.rf_reads,
            "rf_writes": cost.rf_writes,
            "noc_pe_to_pe": cost.array_hops,
            "glb_reads": cost.glb_reads,
            "glb_writes": cost.glb_writes,
            "dram_read_bytes": dram_filter_bytes + dram_ifmap_bytes,
            "dram_write_bytes": dram_ofmap_bytes,
            "dram_words_16b": dram_words_16b,
        },
        peak_macs_per_cycle=float(arch.num_pes * arch.macs_per_pe_cycle),
        mapping_efficiency=float(cost.macs / (cost.mac_cycles * arch.num_pes * arch.macs_per_pe_cycle)),
        mapping=RowStationaryMapping(
            rs=mapping,
            mac_cycles=mac_cycles,
            filter_load_cycles=cost.filter_load_cycles,
            bus_stall_cycles=cost.bus_stall_cycles,
            dram_transfer_cycles=transfer,
            active_pes=cost.active_pes,
            energy_normalized={**en, "dram_scaled": en["dram"]},
            ifmap_sparsity=s_in,
            dram_ratio_in=ratio_in,
            dram_ratio_out=ratio_out,
            noc=noc or None,
        ),
    )
