"""Design points per minute for ResNet-18 on systolic arrays (issue 8 target: ≥ 1000 points/min on 2 cores).

Sweeps array rows × cols × dataflow × DRAM bandwidth × bits on the ``scalesim-32x32-os`` preset (falls back to
``ideal`` when the systolic fabric is absent), with the serial and the process runner, into a fresh store, and
prints points/minute for each; the serial run is the baseline of the ratio.

    .venv/bin/python benchmarks/bench_dse.py [n_points]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from accelsim.dse import SweepSpec, run_sweep
from accelsim.fabrics import available_presets


def spec(n_points: int) -> SweepSpec:
    systolic = "scalesim-32x32-os" in available_presets()
    sizes = [8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]
    axes = {"rows": sizes, "cols": sizes, "dataflow": ["os", "ws", "is"], "bits": ["8/8", "4/4"]}
    if not systolic:
        axes = {"macs_per_cycle": list(range(16, 16 + 400)), "bits": ["8/8", "4/4"]}
    return SweepSpec.model_validate({
        "name": "bench", "base": "scalesim-32x32-os" if systolic else "ideal", "networks": ["resnet18"],
        "axes": axes, "sampling": {"method": "random", "samples": n_points, "seed": 0},
    })  # fmt: skip


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    s = spec(n)
    print(f"base {s.base}, {n} points of ResNet-18")
    rates = {}
    for runner in ("serial", "processes"):
        with tempfile.TemporaryDirectory() as d:
            out = run_sweep(s, Path(d) / "s.db", runner=runner, workers=2)
        rates[runner] = out.points_per_minute
        print(
            f"{runner:10s} {out.evaluated} points in {out.elapsed_s:.2f} s = {out.points_per_minute:,.0f} points/min"
        )
    print(f"processes/serial = {rates['processes'] / rates['serial']:.2f}x; target 1000 points/min: "
          f"{'met' if max(rates.values()) >= 1000 else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    main()
