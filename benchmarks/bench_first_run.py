"""First-run cost of ``accelsim simulate --network resnet18 --arch PRESET`` for every preset (issue 12 targets:
≤ 10 s with the numba compile included, ≤ 1 GB RSS).

Each preset runs as a fresh process twice: *cold* (an empty ``NUMBA_CACHE_DIR``, as after a fresh install: every
jitted function on the path is compiled) and *warm* (the same cache directory again). Wall time and the
child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)``, measured per process by running each under its own
short-lived parent) are printed side by side, with the cold/warm ratio measured in the same run.

    .venv/bin/python benchmarks/bench_first_run.py [preset ...] [--network resnet18]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BITS = {"quest": ["--bits", "4/4"]}  # presets whose PE cannot run the network's default 8/8

_CHILD = """
import resource, subprocess, sys, time, json
t0 = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
dt = time.perf_counter() - t0
print(json.dumps({"s": dt, "rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                  "rc": r.returncode, "err": r.stderr[-300:]}))
"""


def run_once(cmd: list[str], cache_dir: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, COLUMNS="100")
    out = subprocess.run([sys.executable, "-c", _CHILD, *cmd], env=env, capture_output=True, text=True)
    return json.loads(out.stdout)


def main() -> None:
    from accelsim.fabrics import available_presets

    ap = argparse.ArgumentParser()
    ap.add_argument("presets", nargs="*")
    ap.add_argument("--network", default="resnet18")
    args = ap.parse_args()
    presets = args.presets or sorted(available_presets())
    print(
        f"{'preset':28s} {'cold s':>7s} {'warm s':>7s} {'cold/warm':>9s} {'cold MB':>8s}  targets ≤ 10 s, ≤ 1024 MB"
    )
    worst = 0.0
    for preset in presets:
        with tempfile.TemporaryDirectory() as cache:
            cmd = [str(BIN / "accelsim"), "simulate", "--network", args.network, "--arch", preset]
            cmd += BITS.get(preset, [])
            cold = run_once(cmd, cache)
            warm = run_once(cmd, cache)
        if cold["rc"] != 0:
            print(f"{preset:28s} exit {cold['rc']}: {cold['err'].strip().splitlines()[-1:]}")
            continue
        worst = max(worst, cold["s"])
        ok = "ok" if cold["s"] <= 10 and cold["rss_mb"] <= 1024 else "MISS"
        print(
            f"{preset:28s} {cold['s']:7.2f} {warm['s']:7.2f} {cold['s'] / warm['s']:9.1f} {cold['rss_mb']:8.0f}  {ok}"
        )
    print(f"slowest cold first run: {worst:.2f} s ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
