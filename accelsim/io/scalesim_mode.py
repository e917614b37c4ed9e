"""SCALE-Sim compatibility: run a SCALE-Sim topology CSV + ``.cfg`` through the systolic engine.

``simulate_scalesim(topology_csv, config_cfg)`` reads both files with :mod:`accelsim.io.scalesim`, builds
a :class:`accelsim.fabrics.systolic.SystolicArch` in ``mode: scalesim`` from the config and simulates the
topology. SCALE-Sim conventions (see ``docs/systolic.md``):

* output size ceil((H − R + s)/s), no padding (the layers are padded at the bottom/right so that
  accelsim's own shapes and MAC counts equal SCALE-Sim's);
* folds ceil(Sr/R)·ceil(Sc/C) with (Sr, Sc, T) of its dataflow table, every fold costing the full-array
  T + R + C − 2 (os) or T + 2R + C − 2 (ws/is) cycles;
* SRAM reads per operand counted per fold as SCALE-Sim counts them; the os ofmap SRAM writes include
  SCALE-Sim 3.0.0's extra (rows + cols) per fold.

With unlimited bandwidth (the default, = SCALE-Sim's ``InterfaceBandwidth: CALC``) every layer gives
``cycles == SCALE-Sim "Total Cycles" + 1`` (it reports the last cycle index) and equal SRAM reads.
SCALE-Sim has no clock and no bit widths: 1 GHz, 8-bit operands (its 1-byte word) and 32-bit
accumulators are assumed for seconds, bytes and energy.
"""

from __future__ import annotations

from pathlib import Path

from accelsim.fabrics.systolic import SystolicArch
from accelsim.io.scalesim import ScaleSimConfig, read_config, read_topology, to_network
from accelsim.memory.buffers import SramBuffer, SystolicBuffers
from accelsim.report import Report
from accelsim.simulate import simulate


def scalesim_arch(
    cfg: ScaleSimConfig, use_cfg_bandwidth: bool = False, frequency_hz: float = 1.0e9
) -> SystolicArch:
    """The SystolicArch (``mode: scalesim``) a SCALE-Sim config describes.

    SRAM sizes are kB of 1-byte words (×1024 bytes), double-buffered as in SCALE-Sim. DRAM bandwidth is
    unlimited unless ``use_cfg_bandwidth`` and the config is in USER mode; then it is the sum of the
    ifmap and filter fill bandwidths (``IfmapSRAMBankBandwidth + FilterSRAMBankBandwidth`` words/cycle,
    SCALE-Sim 3.0.0's two fill interfaces), one channel shared in accelsim's model.
    """
    bandwidth = None
    if use_cfg_bandwidth and cfg.use_user_bandwidth:
        bandwidth = float(cfg.ifmap_sram_bank_bandwidth + cfg.filter_sram_bank_bandwidth)

    def buf(kb: int) -> SramBuffer:
        return SramBuffer(capacity_bytes=kb * 1024, double_buffered=True)

    return SystolicArch.model_validate(
        {
            "name": cfg.run_name,
            "description": f"SCALE-Sim config {cfg.path}",
            "source": "SCALE-Sim 3.0.0 .cfg",
            "fabric": "systolic",
            "frequency_hz": frequency_hz,
            "rows": cfg.array_height,
            "cols": cfg.array_width,
            "dataflow": cfg.dataflow,
            "mode": "scalesim",
            "acc_bits": 32,
            "buffers": SystolicBuffers(
                ifmap=buf(cfg.ifmap_sram_kb), filter=buf(cfg.filter_sram_kb), ofmap=buf(cfg.ofmap_sram_kb)
            ),
            "dram": {"bandwidth_bytes_per_cycle": bandwidth},
        }
    )


def simulate_scalesim(
    topology_csv: str | Path,
    config_cfg: str | Path,
    input_type: str = "conv",
    use_cfg_bandwidth: bool = False,
) -> Report:
    """Simulate a SCALE-Sim topology (``input_type`` conv or gemm, as SCALE-Sim's ``-i``) on the array of a
    SCALE-Sim config, with SCALE-Sim's conventions. Returns an :class:`accelsim.report.Report`."""
    layers = read_topology(topology_csv, input_type)  # type: ignore[arg-type]
    cfg = read_config(config_cfg)
    network = to_network(layers, Path(topology_csv).stem, pad_to_scalesim=True)
    return simulate(network, scalesim_arch(cfg, use_cfg_bandwidth))


__all__ = ["scalesim_arch", "simulate_scalesim"]
