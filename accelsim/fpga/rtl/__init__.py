"""RTL of a streaming (FINN-style) pipeline for small networks: Amaranth HDL modules, Verilog emission and
co-simulation against accelsim (issue 15, item 6).

``write_verilog(qmodel, arch, out_dir)`` writes the pipeline of a :class:`~accelsim.functional.qmodel.
QuantizedModel` folded as a :class:`~accelsim.fabrics.streaming.StreamingArch` (explicit per-layer
``folding`` / ``swg_simd``) as one synthesizable Verilog file (+ a JSON description of its interface);
``cosimulate(qmodel, arch, x_codes)`` runs the same design in Amaranth's Python simulator and returns an
:class:`RtlRun` (output codes, measured cycles per frame and latency, every unit's token done cycles beside
the token model's).

Structure (:mod:`accelsim.fpga.rtl.units`): one unit per stage of accelsim's pipeline model
(:func:`accelsim.fabrics.streaming.pipeline_stages`) — MVAU (PE × SIMD, weight ROM, accumulators, FINN
thresholds derived from the layer's requantization), sliding-window generator and StreamingMaxPool
(two-frame pixel buffers) — linked by valid/ready token streams, each MVAU behind a FIFO sized on the
model's occupancy (:mod:`accelsim.fpga.rtl.plan`).

Timing: an MVAU spends exactly ``NF·SF`` cycles per input vector (FINN's formula, by construction: one
weight word per cycle). FINN's sliding-window and max-pool formulas are not what this RTL needs: its
generator could emit a window every ``k²·C/SIMD`` cycles once the window's last pixel is in, and its
max-pool a pixel every cycle. ``pace="finn"`` (default) holds each window unit for the token model's
``s(j) = ⌊(j+1)·C/N⌋ − ⌊j·C/N⌋`` cycles on output ``j`` (C = FINN's cycles per frame), so that the RTL runs
the schedule accelsim predicts; ``pace="natural"`` runs them at their own speed, and the measured figures
are then compared with the token model on the RTL's own per-unit cycles (reported in ``RtlRun``).
"""

from accelsim.fpga.rtl.cosim import RtlRun, cosimulate, write_verilog
from accelsim.fpga.rtl.plan import PipelinePlan, UnitPlan, build_plan

__all__ = ["PipelinePlan", "RtlRun", "UnitPlan", "build_plan", "cosimulate", "write_verilog"]
