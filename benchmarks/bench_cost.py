"""CostModel query throughput (issue 8 targets: ≥ 100,000 repeated and ≥ 10,000 fresh layer_cost queries/s).

Repeated: the same (layer, w, a) queried again (cache). Fresh: every query a layer shape never seen before
(batch varied so no cache entry matches), measured per preset. Baseline in the same run: one
accelsim.simulate() call per layer (the un-cached, Report-building path).

    .venv/bin/python benchmarks/bench_cost.py [preset ...]
"""

from __future__ import annotations

import sys
import time

import accelsim
from accelsim.cost import CostModel
from accelsim.fabrics import available_presets


def measure(preset: str) -> dict[str, float]:
    net = accelsim.load_network("resnet18")
    layers = net.mac_layers()
    cm = CostModel(preset)
    for x in layers:  # warm-up: numba compile, caches
        cm.layer_cost(x, 8, 8)
    n_rep = 200_000
    t0 = time.perf_counter()
    for i in range(n_rep):
        cm.layer_cost(layers[i % len(layers)], 8, 8)
    repeated = n_rep / (time.perf_counter() - t0)

    fresh_layers = [x.with_batch(b) for b in range(2, 2 + 100) for x in layers]
    t0 = time.perf_counter()
    for x in fresh_layers:
        cm.layer_cost(x, 4, 4)
    fresh = len(fresh_layers) / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    accelsim.simulate(net, preset)
    simulate_per_layer = len(net.layers) / (time.perf_counter() - t0)
    return {"repeated": repeated, "fresh": fresh, "simulate": simulate_per_layer}


def main() -> None:
    presets = sys.argv[1:] or [
        p for p in ("ideal", "tpu-v1", "bitfusion", "eyeriss") if p in available_presets()
    ]
    print(
        f"{'preset':12s} {'repeated q/s':>14s} {'fresh q/s':>12s} {'simulate layers/s':>18s}  targets 100k / 10k"
    )
    for preset in presets:
        m = measure(preset)
        ok = "ok" if m["repeated"] >= 1e5 and m["fresh"] >= 1e4 else "BELOW TARGET"
        print(f"{preset:12s} {m['repeated']:14,.0f} {m['fresh']:12,.0f} {m['simulate']:18,.0f}  {ok} "
              f"(fresh/simulate ratio {m['fresh'] / m['simulate']:.1f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
