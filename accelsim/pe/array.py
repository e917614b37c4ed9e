"""A 2-D array of precision-scalable PEs behind double-buffered W/I/O buffers, timed the way the Bit
Fusion simulator times its Fusion-Unit array (shared/reference/bitfusion_config.md). Every fabric of
this family (``stripes``, ``loom``, ``bismo``, ``bitfusion``, ``unpu``, ``bitblade``, ``envision``,
``quest``) is this engine plus a PE model from :mod:`accelsim.pe`.

PE model: a PE does ``products`` MACs every ``cycles`` cycles at (w_bits, a_bits) (``pe_pass``).

Mapping (per group of a grouped conv; fc = 1×1 conv, matmul = fc with ``in_h`` rows): input channels
over the ``rows`` (N), ``rows·products`` reduced per pass, output channels over the ``cols`` (M)::

    channel mapping  passes = B·P·Q·R·S·ceil(K_g/M)·ceil(C_g/(N·products))
    im2col mapping   passes = B·P·Q·ceil(K_g/M)·ceil(R·S·C_g/(N·products))

The simulator uses im2col for the first layer only; this engine takes the cheaper of the two for
every layer (it is the first layer's, C = 3, that differs). ``compute_cycles = groups·passes·cycles``.
Power-of-two tile padding of the simulator's tiling search is not modeled.

DRAM traffic (bytes at the stored widths w_bits / a_bits / out_bits): weights W, inputs I, outputs O.
If W fits half the WBUF or I half the IBUF (double buffering), each crosses DRAM once; otherwise the
cheaper loop order: ``W + I·ceil(W/(WBUF/2))`` or ``I + W·ceil(I/(IBUF/2))``. Outputs are written once.

Stall (the simulator's double-buffered roofline): ``first = ceil(8·(min(W, WBUF/2) + min(I, IBUF/2))/if)``,
``last = ceil(8·min(O, OBUF/2)/if)``, ``middle = ceil(8·traffic/if) − first − last``,
``stall = first + last + max(0, middle − compute)``; zero with unlimited bandwidth.

Energy (all dynamic):

* core: ``compute_cycles · rows·cols · pe_energy_pj_per_cycle`` (every PE clocked every busy cycle, as
  the simulator's 235.104 pJ/cycle array figure);
* WBUF reads ``passes·N·M·products·w_bits`` bits (each PE reads its own bank every pass), IBUF reads
  ``passes·N·products·a_bits`` (broadcast along a row), OBUF ``passes·M·psum_bits`` writes (+ the same
  reads when the reduction is folded); buffer fills/drains = DRAM traffic bits; per-bit SRAM energies
  from the preset (Bit Fusion: the CACTI numbers of bitfusion_config.md) or, when null, from
  :func:`accelsim.tech.sram_access_energy_pj` at the buffer's capacity;
* DRAM: traffic bits × ``dram.energy_pj_per_bit``.

Pooling, add and concat cost nothing (the simulator times only conv and MatMul).
"""

from __future__ import annotations

import math

from pydantic import Field

from accelsim import tech
from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.fabrics.registry import LayerResult
from accelsim.workload import Layer, Precision


class ArrayArchBase(ArchitectureBase):
    """Fields shared by every precision-scalable array fabric."""

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
        power_w = pj_per_cycle * 1e-12 * self.frequency_hz
        gops = 2 * macs * self.frequency_hz / 1e9
        core = self.core_area_mm2()
        area = None if core is None or self.sram_area_mm2 is None else core + self.sram_area_mm2
        return PeakFigures(
            w_bits=w_bits,
            a_bits=a_bits,
            macs_per_cycle=macs,
            gops=gops,
            power_w=power_w,
            area_mm2=area,
            tops_per_w=gops / 1e3 / power_w,
            tops_per_mm2=None if area is None else gops / 1e3 / area,
            notes=f"{self.rows}x{self.cols} PEs, {products} MACs per {cycles} cycle(s) per PE",
        )


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


def evaluate_array_layer(layer: Layer, precision: Precision, arch: ArrayArchBase) -> LayerResult:
    """Closed-form timing, traffic and energy of one layer on a precision-scalable PE array."""
    w_bits, a_bits = precision.w_bits, precision.a_bits
    fc = layer.op in ("fc", "matmul")
    products, cycles_per_pass = arch.pe_pass(w_bits, a_bits, fc)
    peak = arch.n_pes * products / cycles_per_pass
    if not layer.has_macs:
        zero = dict.fromkeys(("core", "wbuf", "ibuf", "obuf", "dram"), 0.0)
        return LayerResult(
            0, 0, zero, {}, peak, 0.0, {"kind": "skipped (not timed, as in the Bit Fusion simulator)"}
        )

    passes, kind, red_folds = _passes(layer, arch.rows * products, arch.cols)
    compute = passes * cycles_per_pass

    w_bytes = layer.weight_elems * w_bits / 8
    i_bytes = layer.input_elems * a_bits / 8
    o_bytes = layer.output_elems * precision.out_bits / 8
    wb_half, ib_half, ob_half = arch.wbuf_bytes / 2, arch.ibuf_bytes / 2, arch.obuf_bytes / 2
    if w_bytes <= wb_half or i_bytes <= ib_half:
        w_reads, i_reads = 1, 1
    else:
        refetch_i = math.ceil(w_bytes / wb_half)
        refetch_w = math.ceil(i_bytes / ib_half)
        if w_bytes + i_bytes * refetch_i <= i_bytes + w_bytes * refetch_w:
            w_reads, i_reads = 1, refetch_i
        else:
            w_reads, i_reads = refetch_w, 1
    read_bytes = w_bytes * w_reads + i_bytes * i_reads
    traffic = read_bytes + o_bytes

    bw = arch.dram.bandwidth_bytes_per_cycle
    if bw is None:
        first = last = middle = stall = 0
    else:
        first = math.ceil((min(w_bytes, wb_half) + min(i_bytes, ib_half)) / bw)
        last = math.ceil(min(o_bytes, ob_half) / bw)
        middle = max(0, math.ceil(traffic / bw) - first - last)
        stall = first + last + max(0, middle - compute)

    e = arch.sram_pj_per_bit()
    wbuf_read_bits = passes * arch.n_pes * products * w_bits
    ibuf_read_bits = passes * arch.rows * products * a_bits
    obuf_write_bits = passes * arch.cols * arch.psum_bits
    obuf_read_bits = obuf_write_bits if red_folds > 1 else 0
    sram = {
        "wbuf": wbuf_read_bits * e["wbuf_read"] + 8 * w_bytes * w_reads * e["wbuf_write"],
        "ibuf": ibuf_read_bits * e["ibuf_read"] + 8 * i_bytes * i_reads * e["ibuf_write"],
        "obuf": obuf_write_bits * e["obuf_write"] + (obuf_read_bits + 8 * o_bytes) * e["obuf_read"],
    }
    core = compute * arch.n_pes * arch.pe_energy_pj_per_cycle(w_bits, a_bits)
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=stall,
        energy_breakdown_pj={
            "core": core,
            **sram,
            "dram": tech.dram_energy_pj(8 * traffic, arch.dram.energy_pj_per_bit),
        },
        accesses={
            "wbuf_read_bits": wbuf_read_bits,
            "ibuf_read_bits": ibuf_read_bits,
            "obuf_write_bits": obuf_write_bits,
            "obuf_read_bits": obuf_read_bits,
            "dram_read_bytes": read_bytes,
            "dram_write_bytes": o_bytes,
        },
        peak_macs_per_cycle=peak,
        mapping_efficiency=layer.macs / (compute * peak) if compute else 0.0,
        mapping={
            "kind": kind,
            "passes": passes,
            "products_per_pe": products,
            "cycles_per_pass": cycles_per_pass,
            "reduction_folds": red_folds,
            "weight_dram_reads": w_reads,
            "input_dram_reads": i_reads,
            "dram_first_tile_cycles": first,
            "dram_last_tile_cycles": last,
            "dram_middle_cycles": middle,
        },
    )
