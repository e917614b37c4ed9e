"""A 2-D array of precision-scalable PEs behind double-buffered W/I/O buffers, timed exactly as the Bit
Fusion simulator times its Fusion-Unit array (shared/reference/bitfusion_config.md). Every fabric of
this family (``stripes``, ``loom``, ``bismo``, ``bitfusion``, ``unpu``, ``bitblade``, ``envision``,
``quest``) is this engine plus a PE model from :mod:`accelsim.pe`.

PE model: a PE does ``products`` MACs every ``cycles`` cycles at (w_bits, a_bits) (``pe_pass``);
``products`` plays the role of Bit Fusion's perf factor, ``cycles`` multiplies the compute time
(bit-serial PEs).

Per layer (per group of a grouped conv; fc/matmul = 1×1 conv over ``batch·rows`` inputs): input channels
over the ``rows`` (N), output channels over the ``cols`` (M); the loop-tiling search of
:mod:`accelsim.pe.tiling` (power-of-two tiles, 120 loop orders, double-buffered halves, DRAM roofline
stall with first-tile load and last write-back, SRAM inner order) gives cycles, stalls and every
buffer and DRAM access in bits. Only the layer that reads the network input is mapped im2col
(:func:`is_input_layer`), as in the simulator.

Energy (all dynamic, as the simulator's ``Stats.get_energy``): core = ``compute_cycles · rows·cols ·
pe_energy_pj_per_cycle``; WBUF/IBUF/OBUF reads and writes × per-bit energies (Bit Fusion: the CACTI
numbers of bitfusion_config.md; null fields: :func:`accelsim.tech.sram_access_energy_pj` at the
buffer capacity); DRAM bits × ``dram.energy_pj_per_bit``. Pooling, add and concat cost nothing (the
simulator times only conv and MatMul).

Peak (:meth:`ArrayArchBase.peak`): ``rows·cols·products/cycles`` MACs per cycle; power = core + one
operand word per PE from the WBUF, one per row from the IBUF and one 32-bit partial sum per column per
pass; area = PE area model + ``sram_area_mm2``.
"""

from __future__ import annotations

import math
from typing import ClassVar

from pydantic import Field

from accelsim import tech
from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.errors import AccelsimInputError
from accelsim.mappings import OffArrayMapping, TilingMapping
from accelsim.pe import tiling
from accelsim.results import LayerResult
from accelsim.workload import Layer, Precision


class ArrayArchBase(ArchitectureBase):
    """Fields shared by every precision-scalable array fabric."""

    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ("rows", "cols")

    rows: int = Field(gt=0, description="PE rows N (input channels / reduction)")
    cols: int = Field(gt=0, description="PE columns M (output channels)")
    wbuf_bytes: int = Field(gt=0, description="weight buffer capacity in bytes (double-buffered)")
    ibuf_bytes: int = Field(gt=0, description="input-activation buffer capacity in bytes (double-buffered)")
    obuf_bytes: int = Field(gt=0, description="output / partial-sum buffer capacity in bytes")
    psum_bits: int = Field(32, gt=0, description="partial-sum width stored in the OBUF")
    wbuf_read_pj_per_bit: float | None = Field(None, ge=0, description="WBUF read energy; null = tech model")
    wbuf_write_pj_per_bit: float | None = Field(
        None, ge=0, description="WBUF write energy; null = tech model"
    )
    ibuf_read_pj_per_bit: float | None = Field(None, ge=0, description="IBUF read energy; null = tech model")
    ibuf_write_pj_per_bit: float | None = Field(
        None, ge=0, description="IBUF write energy; null = tech model"
    )
    obuf_read_pj_per_bit: float | None = Field(None, ge=0, description="OBUF read energy; null = tech model")
    obuf_write_pj_per_bit: float | None = Field(
        None, ge=0, description="OBUF write energy; null = tech model"
    )
    sram_area_mm2: float | None = Field(None, ge=0, description="area of the three buffers; null = unknown")

    # ---- what a PE family provides --------------------------------------------------------------
    def pe_pass(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> tuple[int, int]:
        """(MACs, cycles) of one PE pass at these widths."""
        raise NotImplementedError

    def pe_energy_pj_per_cycle(self, w_bits: int, a_bits: int) -> float:
        """Energy of one PE for one busy cycle, at this preset's node."""
        raise NotImplementedError

    def pe_area_um2(self) -> float | None:
        """Area of one PE at this node (None = unknown)."""
        return None

    # ---- derived --------------------------------------------------------------------------------
    @property
    def n_pes(self) -> int:
        return self.rows * self.cols

    def _sram_pj_per_bit(self, value: float | None, capacity_bytes: int) -> float:
        if value is not None:
            return value
        return tech.sram_access_energy_pj(64, capacity_bytes, self.technology_nm) / 64.0

    def sram_pj_per_bit(self) -> dict[str, float]:
        return {
            "wbuf_read": self._sram_pj_per_bit(self.wbuf_read_pj_per_bit, self.wbuf_bytes),
            "wbuf_write": self._sram_pj_per_bit(self.wbuf_write_pj_per_bit, self.wbuf_bytes),
            "ibuf_read": self._sram_pj_per_bit(self.ibuf_read_pj_per_bit, self.ibuf_bytes),
            "ibuf_write": self._sram_pj_per_bit(self.ibuf_write_pj_per_bit, self.ibuf_bytes),
            "obuf_read": self._sram_pj_per_bit(self.obuf_read_pj_per_bit, self.obuf_bytes),
            "obuf_write": self._sram_pj_per_bit(self.obuf_write_pj_per_bit, self.obuf_bytes),
        }

    def core_area_mm2(self) -> float | None:
        pe = self.pe_area_um2()
        return None if pe is None else pe * self.n_pes * 1e-6

    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """mac.pe_cycle: :meth:`pe_energy_pj_per_cycle`; sram.<wbuf|ibuf|obuf> read/write of a ``bits``
        word: ``bits`` × the buffer's per-bit energy (:meth:`sram_pj_per_bit`); dram (base)."""
        if component == "mac" and action == "pe_cycle":
            return self.pe_energy_pj_per_cycle(*args)
        if component.startswith("sram."):
            return args[0] * self.sram_pj_per_bit()[f"{component[5:]}_{action}"]
        return super().action_energy_pj(component, action, args)

    def component_areas_mm2(self) -> dict[str, float]:
        """``mac`` (PE array: PE area model × PEs) and ``sram`` (the three buffers: ``sram_area_mm2`` when
        the preset gives it, else :func:`accelsim.tech.sram_area_mm2` of their capacities); empty when the
        PE family has no area model."""
        core = self.core_area_mm2()
        if core is None:
            return {}
        sram = self.sram_area_mm2
        if sram is None:
            sram = sum(
                tech.sram_area_mm2(b, self.technology_nm)
                for b in (self.wbuf_bytes, self.ibuf_bytes, self.obuf_bytes)
            )
        return {"mac": core, "sram": sram}

    def macs_per_cycle(self, w_bits: int, a_bits: int, fully_connected: bool = False) -> float:
        products, cycles = self.pe_pass(w_bits, a_bits, fully_connected)
        return self.n_pes * products / cycles

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """Array peak: rows·cols·products/cycles MACs per cycle; power = core + operand SRAM reads per
        cycle at full rate; area = PE area model + buffers."""
        products, cycles = self.pe_pass(w_bits, a_bits)
        macs = self.n_pes * products / cycles
        e = self.sram_pj_per_bit()
        pj_per_cycle = (
            self.n_pes * self.pe_energy_pj_per_cycle(w_bits, a_bits)
            + (
                self.n_pes * products * w_bits * e["wbuf_read"]
                + self.rows * products * a_bits * e["ibuf_read"]
                + self.cols * self.psum_bits * e["obuf_write"]
            )
            / cycles
        )
        areas = self.component_areas_mm2()
        area = sum(areas.values()) if areas else None
        return PeakFigures.from_rates(
            w_bits, a_bits, macs, self.frequency_hz, pj_per_cycle, area,
            notes=f"{self.rows}x{self.cols} PEs, {products} MACs per {cycles} cycle(s) per PE",
        )  # fmt: skip


def _passes(layer: Layer, rows_products: int, cols: int) -> tuple[int, str, int]:
    """(passes, mapping kind, reduction folds) for the whole layer (all groups)."""
    g = layer.groups
    c_g, k_g = layer.C // g, layer.K // g
    pixels = layer.N * layer.P * layer.Q
    oc_folds = math.ceil(k_g / cols)
    ch_folds = math.ceil(c_g / rows_products)
    channel = pixels * layer.R * layer.S * oc_folds * ch_folds
    col_folds = math.ceil(layer.R * layer.S * c_g / rows_products)
    im2col = pixels * oc_folds * col_folds
    if im2col < channel:
        return g * im2col, "im2col", col_folds
    return g * channel, "channel", layer.R * layer.S * ch_folds


def is_input_layer(layer: Layer) -> bool:
    """A layer reading the network input (the simulator maps only that one im2col): ``inputs: [input]``,
    or no producer given and at most 4 input channels (an image)."""
    if layer.inputs is not None:
        return layer.inputs == ["input"]
    return layer.C <= 4


def evaluate_array_layer(layer: Layer, precision: Precision, arch: ArrayArchBase) -> LayerResult:
    """Closed-form timing, traffic and energy of one layer on a precision-scalable PE array: the Bit
    Fusion simulator's tiling search (:mod:`accelsim.pe.tiling`) with this fabric's PE pass."""
    w_bits, a_bits = precision.w_bits, precision.a_bits
    fc = layer.op in ("fc", "matmul")
    products, cycles_per_pass = arch.pe_pass(w_bits, a_bits, fc)
    peak = arch.n_pes * products / cycles_per_pass
    if not layer.has_macs:
        return LayerResult(
            0, 0, {}, {}, peak, 0.0, OffArrayMapping("skipped (not timed, as in the Bit Fusion simulator)")
        )

    g = layer.groups
    if fc:
        kh = kw = p = q = sh = sw = 1
        batch = layer.N * layer.P * layer.Q
    else:
        kh, kw, p, q = layer.R, layer.S, layer.P, layer.Q
        sh, sw = layer.stride
        batch = layer.N
    im2col = (not fc) and is_input_layer(layer)
    e = arch.sram_pj_per_bit()
    core_pj_per_cycle = arch.n_pes * arch.pe_energy_pj_per_cycle(w_bits, a_bits)
    bw = arch.dram.bandwidth_bytes_per_cycle
    res = tiling.search(
        kh, kw, p, q, sh, sw, layer.C // g, layer.K // g, batch, a_bits, w_bits, products, cycles_per_pass,
        arch.rows, arch.cols, im2col, arch.wbuf_bytes, arch.ibuf_bytes, arch.obuf_bytes,
        math.inf if bw is None else 8 * bw,
        (core_pj_per_cycle, e["wbuf_read"], e["wbuf_write"], e["ibuf_read"], e["ibuf_write"], e["obuf_read"],
         e["obuf_write"], arch.dram.energy_pj_per_bit),
    )  # fmt: skip
    if not res:
        raise AccelsimInputError(
            "arch", f"layer {layer.name}: no tiling fits the buffers (wbuf/ibuf/obuf_bytes too small)"
        )
    compute = g * int(res["compute"])
    stall = g * int(res["stall"])
    bits = {k: g * res[k] for k in res if k.endswith("_bits")}
    # actions: buffer traffic in words of the operand each buffer holds
    word = {"wbuf": w_bits, "ibuf": a_bits, "obuf": arch.psum_bits}
    actions: dict[tuple, float] = {("mac", "pe_cycle", (w_bits, a_bits)): compute * arch.n_pes}
    for buf, width in word.items():
        for kind in ("read", "write"):
            n = bits[f"{buf}_{kind}_bits"]
            if n:
                actions[(f"sram.{buf}", kind, (width,))] = n / width
    actions[("dram", "read", ())] = bits["dram_read_bits"]
    actions[("dram", "write", ())] = bits["dram_write_bits"]
    accesses = dict(bits)
    accesses["dram_read_bytes"] = bits["dram_read_bits"] / 8
    accesses["dram_write_bytes"] = bits["dram_write_bits"] / 8
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=stall,
        actions=actions,
        accesses=accesses,
        peak_macs_per_cycle=peak,
        mapping_efficiency=layer.macs / (compute * peak) if compute else 0.0,
        mapping=TilingMapping(
            kind="im2col" if im2col else "channel",
            products_per_pe=products,
            cycles_per_pass=cycles_per_pass,
            groups=g,
            tile_b=int(res["tile_b"]),
            tile_ow=int(res["tile_ow"]),
            tile_ic=int(res["tile_ic"]),
            tile_oc=int(res["tile_oc"]),
            loop_order_outer_to_inner=res["order_loops"],
        ),
    )
