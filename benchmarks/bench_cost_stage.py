"""The cost stage's price (issue 13): fresh CostModel.layer_cost queries/s and simulate() layers/s per preset,
after against before, both measured in this run.

*Before* is a checkout of the commit preceding the cost stage (fabrics pricing their own events), run in a
subprocess on the same machine, alternating with *after* (two rounds each, the best kept); pass its path
with ``--before`` (make one with
``git worktree add /tmp/before e95db53``). Targets: no preset below 10,000 fresh queries/s, nor below
its ``simulate`` speed before the stage (ratio ≥ 1 within noise; these machines are shared).

    .venv/bin/python benchmarks/bench_cost_stage.py [--before /tmp/before] [preset ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

MEASURE = r"""
import json, sys, time
import accelsim
from accelsim.cost import CostModel
from accelsim.fabrics import available_presets

def best(fn, repeat=3):
    return min(fn() for _ in range(repeat))

out = {}
presets = sys.argv[1:] or available_presets()
net = accelsim.load_network("resnet18")
for preset in presets:
    bits = (4, 4) if preset != "quest" else (4, 4)
    cm = CostModel(preset)
    layers = net.mac_layers()
    try:
        for x in layers:
            cm.layer_cost(x, *bits)
        accelsim.simulate(net, preset, bits="4/4")
    except Exception as exc:  # a preset that cannot run these bits (or this network: streaming presets)
        out[preset] = {"error": str(exc)}
        continue
    def fresh():
        c = CostModel(preset)
        fl = [x.with_batch(b) for b in range(2, 12) for x in layers]
        t0 = time.perf_counter()
        for x in fl:
            c.layer_cost(x, *bits)
        return (time.perf_counter() - t0) / len(fl)
    def sim():
        t0 = time.perf_counter()
        accelsim.simulate(net, preset, bits="4/4")
        return (time.perf_counter() - t0) / len(net.layers)
    accelsim.simulate(net, preset, bits="4/4")
    out[preset] = {"fresh_qps": 1 / best(fresh), "simulate_layers_per_s": 1 / best(sim)}
print(json.dumps(out))
"""


def run(path: str | None, presets: list[str]) -> dict:
    env = dict(os.environ)
    if path:
        env["PYTHONPATH"] = path
    cmd = [sys.executable, "-c", MEASURE, *presets]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, cwd=path or None)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="checkout of the commit before the cost stage")
    parser.add_argument("presets", nargs="*")
    args = parser.parse_args()
    t0 = time.perf_counter()
    # alternate after / before twice and keep each preset's best: a shared machine's load drifts
    after: dict = {}
    before: dict = {}
    for _ in range(2):
        for store, path in ((after, None), (before, args.before)):
            if path is None and store is before:
                continue
            for preset, m in run(path, args.presets).items():
                old = store.get(preset)
                if old is None or "error" in m:
                    store[preset] = m
                elif "error" not in old:
                    store[preset] = {k: max(old[k], m[k]) for k in m}
    print(f"{'preset':28s} {'fresh q/s':>10s} {'before':>10s} {'ratio':>6s} {'sim layers/s':>13s} "
          f"{'before':>8s} {'ratio':>6s}  target ≥ 10,000 fresh q/s")  # fmt: skip
    worst = None
    for preset, m in after.items():
        if "error" in m:
            print(f"{preset:28s} skipped: {m['error'][:60]}")
            continue
        b = before.get(preset, {})
        fr = m["fresh_qps"] / b["fresh_qps"] if "fresh_qps" in b else float("nan")
        sr = m["simulate_layers_per_s"] / b["simulate_layers_per_s"] if b else float("nan")
        ok = "ok" if m["fresh_qps"] >= 1e4 else "BELOW TARGET"
        print(f"{preset:28s} {m['fresh_qps']:10,.0f} {b.get('fresh_qps', float('nan')):10,.0f} {fr:6.2f} "
              f"{m['simulate_layers_per_s']:13,.0f} {b.get('simulate_layers_per_s', float('nan')):8,.0f} "
              f"{sr:6.2f}  {ok}")  # fmt: skip
        if worst is None or m["fresh_qps"] < worst[1]:
            worst = (preset, m["fresh_qps"])
    if worst:
        print(f"slowest fresh queries: {worst[0]} {worst[1]:,.0f}/s; total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
