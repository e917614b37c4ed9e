"""FPGA speed targets (issue 15): folding search plus estimates for CNV in ≤ 0.5 s, and a sweep of ≥ 1,000
foldings/min (each: FINN's estimates of every unit + the overlapped pipeline model with FIFO sizing). The
baseline measured in the same run is FINN's SetFolding rule alone on the same network.

    .venv/bin/python benchmarks/bench_fpga.py
"""

from __future__ import annotations

import random
import time

from accelsim.fabrics import load_arch
from accelsim.fabrics.streaming import evaluate_layer, fold_network, pipeline_stages
from accelsim.fpga.folding_search import options
from accelsim.fpga.pipeline import pipeline_timing
from accelsim.fpga.streaming import estimate
from accelsim.simulate import simulate
from accelsim.workload import load_network


def main() -> None:
    arch = load_arch("finn-cnv-pynq")
    net = load_network("bnn-pynq-cnv")
    fold_network(net, arch)  # warm-up (numba, imports)
    best = lambda f: min(f() for _ in range(3))  # noqa: E731

    def timed(fn):
        def run():
            t = time.perf_counter()
            fn()
            return time.perf_counter() - t

        return best(run)

    t_rule = timed(lambda: fold_network(net, arch, target_fps=5000))
    t_search = timed(lambda: fold_network(net, arch))
    t_sim = timed(lambda: simulate(net, arch))
    print(f"CNV: SetFolding {t_rule * 1e3:.1f} ms (baseline); resource-aware search {t_search * 1e3:.1f} ms "
          f"({t_search / t_rule:.1f}x the rule; {'ok' if t_search <= 0.5 else 'ABOVE'} target 0.5 s); "
          f"simulate with the pipeline model {t_sim * 1e3:.1f} ms (layer results cached)")  # fmt: skip
    # a random sweep of foldings: estimates + overlapped pipeline + FIFO sizing per folding
    _, _, units = fold_network(net, arch)
    rng = random.Random(0)
    choices = [options(u) for _, u in units]
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 5.0:
        estimate(
            [(name, rng.choice(c)) for (name, _), c in zip(units, choices, strict=True)], arch.frequency_hz
        )
        n += 1
    t_est = (time.perf_counter() - t0) / n
    n2, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < 5.0:
        folding = {}
        swg = {}
        for (name, _), c in zip(units, choices, strict=True):
            o = rng.choice(c)
            if hasattr(o, "pe"):
                folding[name] = (o.pe, o.simd)
            elif hasattr(o, "simd"):
                swg[name.removesuffix(".swg")] = o.simd
        a = arch.model_copy(update={"folding": folding, "swg_simd": swg})
        results = [evaluate_layer(layer, net.precision_of(layer), a) for layer in net.layers]
        pipeline_timing(pipeline_stages(results), frames=2)
        n2 += 1
    t_full = (time.perf_counter() - t0) / n2
    print(f"sweep of random foldings: estimates only {60 / t_est:,.0f} foldings/min; estimates + overlapped "
          f"pipeline + FIFO sizing {60 / t_full:,.0f} foldings/min ({'ok' if 60 / t_full >= 1000 else 'BELOW'} "
          f"target 1,000/min)")  # fmt: skip


if __name__ == "__main__":
    main()
