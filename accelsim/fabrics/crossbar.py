"""``crossbar``: compute-in-memory accelerators (RRAM / SRAM crossbars with DACs, ADCs or sense amps).

Organization: ``tiles`` tiles of ``crossbars_per_tile`` crossbars (:class:`CrossbarConfig`), a digital
periphery per tile (buffers, bus, router share, activation units: ``tile_digital_power_w`` and
``tile_digital_area_mm2``) and a chip-level overhead (I/O: ``chip_overhead_power_w``/``_area_mm2``).

Peak (``peak``): every crossbar reads continuously; a read serves ``rows × floor(cols / cpw)`` weights
for one input chunk, so ``MAC/s = crossbars · rows · floor(cols/cpw) / (chunks · t_read)``. Power = per-read
energy (:mod:`accelsim.memory.crossbar_cost`: ADC/sense amps, DAC, cells V²·G·t, sample-and-hold,
shift-add) / t_read per crossbar + tile digital power + chip overhead. Area = crossbars (cells + ADC +
DAC + S&H) + tile digital area + chip overhead.

Per layer (``evaluate_layer``): the closed-form mapping of :mod:`accelsim.dataflow.crossbar_mapping`
(row/column tiles, replication, folds); latency = folds · ceil(M/replication) · chunks · t_read, in
core cycles; energy = reads × per-read energy of the layer's crossbars + partial-sum adds + the digital
periphery power of the tiles the layer occupies over its latency. Pool/add layers run on a digital
vector unit (``vector_lanes`` elements per cycle), and so do matmuls whose both operands are runtime
activations (``vector_lanes`` MACs per cycle: a crossbar cannot hold them without reprogramming).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field

from accelsim import tech
from accelsim.arch.base import ArchitectureBase, PeakFigures
from accelsim.dataflow.crossbar_mapping import crossbar_layer, map_layer
from accelsim.fabrics.registry import LayerResult, register_fabric
from accelsim.mappings import OffArrayMapping
from accelsim.memory.crossbar import CrossbarConfig
from accelsim.memory.crossbar_cost import crossbar_area_mm2, read_energy_pj, read_period_s
from accelsim.memory.devices import crossbar_read_energy_pj
from accelsim.workload import Layer, Precision


class CrossbarArch(ArchitectureBase):
    """A compute-in-memory accelerator built from crossbar tiles."""

    fabric: Literal["crossbar"] = "crossbar"
    ARRAY_FIELDS: ClassVar[tuple[str, ...]] = ("tiles",)
    crossbar: CrossbarConfig = Field(default_factory=CrossbarConfig, description="one crossbar and periphery")
    tiles: int = Field(1, ge=1, description="tiles on the chip")
    crossbars_per_tile: int = Field(1, ge=1, description="crossbars per tile")
    max_replication: int = Field(1, ge=1, description="largest number of copies of a layer's weights")
    input_activity: float = Field(
        0.5, ge=0, le=1, description="fraction of rows driven per read (cell energy)"
    )
    mean_level_fraction: float = Field(0.5, ge=0, le=1, description="mean cell level / (L−1) (cell energy)")
    cell_area_f2: float = Field(
        4.0, gt=0, description="cell area in F² (RRAM 1R ≈ 4, 1T1R ≈ 12, 6T SRAM ≈ 150)"
    )
    sample_hold_energy_pj: float = Field(0.001, ge=0, description="sample-and-hold energy per column read")
    sample_hold_area_mm2: float = Field(4e-8, ge=0, description="area of one sample-and-hold in mm²")
    shift_add_energy_pj: float = Field(0.0195, ge=0, description="shift-and-add energy per conversion in pJ")
    tile_digital_power_w: float = Field(
        0.0, ge=0, description="per-tile digital periphery power at peak (buffers, bus, router share, ...)"
    )
    tile_digital_area_mm2: float = Field(0.0, ge=0, description="per-tile digital periphery area")
    chip_overhead_power_w: float = Field(0.0, ge=0, description="chip-level power outside the tiles (I/O)")
    chip_overhead_area_mm2: float = Field(0.0, ge=0, description="chip-level area outside the tiles")
    vector_lanes: int = Field(64, ge=1, description="digital vector unit width for pool/add layers")
    peak_precision_note: str = Field("", description="bits at which the published figures were measured")

    @property
    def total_crossbars(self) -> int:
        return self.tiles * self.crossbars_per_tile

    def read_breakdown_pj(self, w_bits: int, w_signed: bool = True) -> dict[str, float]:
        """Energy of one full read of one crossbar (all rows, all weight columns) by component."""
        xb = self.crossbar
        cpw = xb.columns_per_weight(w_bits, w_signed)
        weights = xb.cols // cpw
        return read_energy_pj(
            xb,
            self.technology_nm,
            xb.rows,
            weights * cpw,
            weights * xb.weight_slices(w_bits, w_signed),
            self.input_activity,
            self.mean_level_fraction,
            self.sample_hold_energy_pj,
            self.shift_add_energy_pj,
        )

    def action_energy_pj(self, component: str, action: str, args: tuple) -> float:
        """dac.drive (:meth:`DacConfig.energy_pj_per_drive`), cell.read (V²·G·t of one cell at the mean
        level), adc.convert (Walden FoM·2^bits), sense_amp.sense, sample_hold.sample, shift_add.add (the
        preset's per-event energies), digital.vector mac/add and digital.psum_add add (Horowitz),
        digital.tile active_s (``tile_digital_power_w`` · 1 s)."""
        xb = self.crossbar
        node = self.technology_nm
        if component == "dac":
            return xb.dac.energy_pj_per_drive(node)
        if component == "cell":
            lmax = 2**xb.cell_bits - 1
            return crossbar_read_energy_pj(xb.device, 1.0, self.mean_level_fraction * lmax, xb.cell_bits)
        if component == "adc":
            return xb.adc.energy_pj_per_conversion(node)
        if component == "sense_amp":
            return xb.sense_amp_energy_pj
        if component == "sample_hold":
            return self.sample_hold_energy_pj
        if component == "shift_add":
            return self.shift_add_energy_pj
        if component == "digital.tile":
            return self.tile_digital_power_w * 1e12
        if component.startswith("digital."):
            if action == "mac":
                return tech.int_mac_energy_pj(*args, node_nm=node)
            return tech.int_add_energy_pj(args[0], node)
        return super().action_energy_pj(component, action, args)

    def component_areas_mm2(self) -> dict[str, float]:
        """:meth:`area_breakdown_mm2` in the cost stage's vocabulary."""
        names = {"cells": "cell", "tile_digital": "digital.tile", "chip_overhead": "digital.chip"}
        return {names.get(k, k): v for k, v in self.area_breakdown_mm2().items()}

    def area_breakdown_mm2(self) -> dict[str, float]:
        """Chip area by component (mm²)."""
        per = crossbar_area_mm2(
            self.crossbar, self.technology_nm, self.cell_area_f2, self.sample_hold_area_mm2
        )
        out = {k: v * self.total_crossbars for k, v in per.items()}
        out["tile_digital"] = self.tile_digital_area_mm2 * self.tiles
        out["chip_overhead"] = self.chip_overhead_area_mm2
        return out

    def power_breakdown_w(self, w_bits: int) -> dict[str, float]:
        """Power at peak by component (W): every crossbar reading continuously."""
        t = read_period_s(self.crossbar)
        out = {k: v * 1e-12 / t * self.total_crossbars for k, v in self.read_breakdown_pj(w_bits).items()}
        out["tile_digital"] = self.tile_digital_power_w * self.tiles
        out["chip_overhead"] = self.chip_overhead_power_w
        return out

    def tile_power_w(self, w_bits: int) -> dict[str, float]:
        """Power of one tile at peak by component (crossbars + tile digital)."""
        t = read_period_s(self.crossbar)
        out = {k: v * 1e-12 / t * self.crossbars_per_tile for k, v in self.read_breakdown_pj(w_bits).items()}
        out["tile_digital"] = self.tile_digital_power_w
        return out

    def peak(self, w_bits: int, a_bits: int) -> PeakFigures:
        """Peak GOPS (1 MAC = 2 ops), power, area, TOPS/W, TOPS/mm² (module docstring)."""
        xb = self.crossbar
        cpw = xb.columns_per_weight(w_bits, True)
        weights = xb.cols // cpw
        if weights == 0:
            from accelsim.errors import AccelsimInputError

            raise AccelsimInputError(
                "bits", f"a {w_bits}-bit weight needs {cpw} columns; the crossbar has {xb.cols}"
            )
        t = read_period_s(xb)
        chunks = xb.dac.chunks(a_bits)
        macs_per_s = self.total_crossbars * xb.rows * weights / (chunks * t)
        power = sum(self.power_breakdown_w(w_bits).values())
        area = sum(self.area_breakdown_mm2().values())
        return PeakFigures.from_rates(
            w_bits,
            a_bits,
            macs_per_s / self.frequency_hz,
            self.frequency_hz,
            power / self.frequency_hz * 1e12,
            area,
            notes=f"{self.total_crossbars} crossbars {xb.rows}x{xb.cols}, t_read {t * 1e9:.3g} ns, {chunks} chunks",
        )


@register_fabric(CrossbarArch)
def evaluate_layer(layer: Layer, precision: Precision, arch: CrossbarArch) -> LayerResult:
    xb = arch.crossbar
    if layer.weights_are_activations or layer.kv_cache:
        # both operands are runtime activations, or the stored operand is a KV cache that changes every
        # token: a crossbar cannot hold them (it would be reprogrammed per token), the digital unit runs
        # it; a KV cache is read from memory
        cycles = math.ceil(layer.macs / arch.vector_lanes)
        mac = ("digital.vector", "mac", (precision.w_bits, precision.a_bits, precision.acc_bits))
        actions: dict[tuple, float] = {mac: layer.macs}
        if layer.kv_cache:
            actions[("dram", "read", ())] = layer.weight_elems * precision.w_bits
        return LayerResult(
            compute_cycles=cycles,
            stall_cycles=0,
            actions=actions,
            accesses={"buffer_reads": 2.0 * layer.macs, "buffer_writes": layer.output_elems},
            peak_macs_per_cycle=float(arch.vector_lanes),
            mapping_efficiency=1.0,
            mapping=OffArrayMapping("digital_vector_unit"),
        )
    if not layer.has_macs:
        touched = layer.input_elems
        cycles = math.ceil(touched / arch.vector_lanes)
        return LayerResult(
            compute_cycles=cycles,
            stall_cycles=0,
            actions={("digital.vector", "add", (precision.a_bits,)): touched},
            accesses={"buffer_reads": touched, "buffer_writes": layer.output_elems},
            peak_macs_per_cycle=float(arch.vector_lanes),
            mapping_efficiency=0.0,
            mapping=OffArrayMapping("digital_vector_unit"),
        )
    mp = map_layer(layer, precision, xb, arch.total_crossbars, arch.max_replication)
    rows_per_tile = min(xb.rows, mp.K)
    # reads: every crossbar of one copy reads M·chunks times in total (copies split the pixels)
    total_reads = mp.M * mp.chunks * mp.crossbars
    phys_cols = min(xb.cols, mp.N * mp.columns_per_weight)
    tiles_used = min(arch.tiles, math.ceil(mp.crossbars * mp.replication / arch.crossbars_per_tile))
    conv = float(mp.conversions)
    actions: dict[tuple, float] = {
        ("dac", "drive", (xb.dac.bits,)): rows_per_tile * total_reads,
        ("cell", "read", ()): rows_per_tile * phys_cols * arch.input_activity * total_reads,
        ("sample_hold", "sample", ()): conv,
        ("shift_add", "add", ()): conv,
        ("digital.psum_add", "add", (precision.acc_bits,)): mp.partial_sum_adds,
        ("digital.tile", "active_s", ()): tiles_used * mp.latency_s,
    }
    if xb.sense == "sense_amp":
        actions[("sense_amp", "sense", ())] = conv
    else:
        actions[("adc", "convert", (xb.adc.bits,))] = conv
    cycles = math.ceil(mp.latency_s * arch.frequency_hz)
    peak_macs = (
        arch.total_crossbars
        * xb.rows
        * (xb.cols // mp.columns_per_weight)
        / (mp.chunks * mp.read_period_s * arch.frequency_hz)
    )
    return LayerResult(
        compute_cycles=cycles,
        stall_cycles=0,
        actions=actions,
        accesses={
            "crossbar_reads": float(total_reads),
            "adc_conversions": float(mp.conversions),
            "buffer_read_bytes": mp.M * mp.K * mp.groups * mp.col_tiles * precision.a_bits / 8,
            "buffer_write_bytes": layer.output_elems * precision.out_bits / 8,
        },
        peak_macs_per_cycle=peak_macs,
        mapping_efficiency=mp.cell_utilization,
        mapping=mp,
    )


def functional_layer(x_int, w_int, layer: Layer, precision: Precision, arch: CrossbarArch, seed: int):
    """Numbers through the crossbars (the registry's contract): bit-sliced weights on the configured cells,
    DAC-streamed inputs, shared ADCs and every configured non-ideality, seeded. Returns the integer
    accumulator and the per-layer mismatch against the exact integer GEMM
    (:func:`accelsim.dataflow.crossbar_mapping.crossbar_layer`)."""
    return crossbar_layer(x_int, w_int, layer, precision, arch, seed=seed)
