"""Benchmark: ResNet-18 on a 32×32 output-stationary systolic array, all layers, cycles + traffic + energy.

Runs, in one process:

1. ``simulate("resnet18", "scalesim-32x32-os")`` — the zoo ResNet-18 (every layer: convs, fc, pools,
   adds), SCALE-Sim conventions, 64 B/cycle DRAM with stalls (numba recurrence, equal to the simpy model);
2. ``simulate_scalesim`` on the SCALE-Sim ResNet-18 topology + config of tests/data/scalesim/
   resnet18_os_32x32 (exactly what the golden SCALE-Sim run simulated, unlimited bandwidth), checking
   Σ cycles against SCALE-Sim's Σ(Total Cycles + 1).

Each is timed after a warm-up run (numba compile, imports, caches): best and median of ``--repeat`` runs.
Peak memory: tracemalloc peak of one run and the process's maximum RSS.

SCALE-Sim: with ``--run-scalesim`` and /work/peers/scalesim-venv present, SCALE-Sim 3.0.0 is run on the
same topology in this run (≈ 5 min, ≈ 4.7 GB; its wall time and CPU time are measured); otherwise the
time measured by the golden-data helper (tests/data/scalesim/README.md: 299 s wall, 182 s CPU on this
machine) is used and the output says so. Usage::

    .venv/bin/python benchmarks/bench_systolic.py [--repeat 5] [--run-scalesim]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from accelsim.fabrics import load_arch
from accelsim.io.scalesim_mode import simulate_scalesim
from accelsim.simulate import simulate
from accelsim.workload import load_network

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "tests" / "data" / "scalesim" / "resnet18_os_32x32"
SCALESIM_PY = Path("/work/peers/scalesim-venv/bin/python")
README_WALL_S = 299.0  # tests/data/scalesim/README.md, "Cost of the peer tool"
README_CPU_S = 182.0
README_RSS_GB = 4.66


def _time(fn, repeat: int) -> tuple[float, float, float]:
    """(best wall, median wall, median CPU) seconds of ``repeat`` runs after one warm-up run."""
    fn()  # warm-up
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return min(times), statistics.median(times), statistics.median(cpu)


def _peak_mb(fn) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def _run_scalesim() -> tuple[float, float, float]:
    """Run SCALE-Sim on the case; return (wall s, CPU s, max RSS GB) of the child."""
    work = Path(tempfile.mkdtemp(prefix="bench_scalesim_"))
    try:
        (work / "layout.csv").write_text("Layer name,\n")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(
            [str(SCALESIM_PY), "-m", "scalesim.scale", "-c", str(CASE / "config.cfg"), "-t",
             str(CASE / "topology.csv"), "-l", "layout.csv", "-p", "out"],
            cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu, after.ru_maxrss / 2**20
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--run-scalesim", action="store_true", help="run SCALE-Sim side by side (~5 min)")
    args = parser.parse_args()

    net = load_network("resnet18")
    arch = load_arch("scalesim-32x32-os")

    def zoo():
        return simulate(net, arch)

    def topo():
        return simulate_scalesim(CASE / "topology.csv", CASE / "config.cfg")

    rep = zoo()
    t = rep.totals
    print(f"accelsim resnet18 (zoo, {len(rep.layers)} layers) on scalesim-32x32-os, 64 B/cycle DRAM:")
    print(f"  cycles {t.cycles:,} (stall {t.stall_cycles:,}), DRAM read {t.accesses['dram_read_bytes']:,.0f} B, "
          f"write {t.accesses['dram_write_bytes']:,.0f} B, energy {t.energy_pj * 1e-6:.1f} µJ, "
          f"utilization {t.utilization:.3f}")  # fmt: skip
    best, med, cpu_zoo = _time(zoo, args.repeat)
    mem = _peak_mb(zoo)
    print(
        f"  time after warm-up: best {best * 1e3:.1f} ms, median {med * 1e3:.1f} ms "
        f"(CPU {cpu_zoo * 1e3:.1f} ms); tracemalloc peak {mem:.1f} MB"
    )

    rep2 = topo()
    golden = json.loads((CASE / "golden.json").read_text())
    ss_cycles = sum(layer["Total Cycles"] + 1 for layer in golden["layers"])
    print(
        f"accelsim on the SCALE-Sim ResNet-18 topology ({len(rep2.layers)} layers, CALC = unlimited bandwidth):"
    )
    print(f"  cycles {rep2.totals.cycles:,}; SCALE-Sim Σ(Total Cycles + 1) = {ss_cycles:,} "
          f"({'equal' if rep2.totals.cycles == ss_cycles else 'DIFFERENT'})")  # fmt: skip
    best2, med2, cpu_topo = _time(topo, args.repeat)
    mem2 = _peak_mb(topo)
    print(
        f"  time after warm-up: best {best2 * 1e3:.1f} ms, median {med2 * 1e3:.1f} ms "
        f"(CPU {cpu_topo * 1e3:.1f} ms); tracemalloc peak {mem2:.1f} MB"
    )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process max RSS (imports, numba, both runs): {rss_mb:.0f} MB")

    if args.run_scalesim and SCALESIM_PY.exists():
        wall, cpu, rss_gb = _run_scalesim()
        source = "measured in this run"
    else:
        wall, cpu, rss_gb = README_WALL_S, README_CPU_S, README_RSS_GB
        why = "not requested (--run-scalesim)" if SCALESIM_PY.exists() else "no /work/peers/scalesim-venv"
        source = f"measured by the golden-data helper on this machine (tests/data/scalesim/README.md); {why}"
    print(
        f"SCALE-Sim 3.0.0, same topology: wall {wall:.1f} s, CPU {cpu:.1f} s, max RSS {rss_gb:.2f} GB — {source}"
    )
    print(f"speed-up, same topology: wall {wall / med2:,.0f}x, CPU {cpu / cpu_topo:,.0f}x; "
          f"SCALE-Sim vs the full zoo ResNet-18 run (31 layers, stalls): wall {wall / med:,.0f}x, "
          f"CPU {cpu / cpu_zoo:,.0f}x")  # fmt: skip
    ok = med <= 0.3 and med2 <= 0.3 and rss_mb < 300
    print(f"targets (<= 0.3 s, < 300 MB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
