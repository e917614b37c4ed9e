"""Benchmark: ResNet-18 at 4b/4b through the Bit Fusion datapath (functional) and timing-only.

Functional: every conv/fc layer of ``resnet18`` (batch 1) on random integer tensors of the layer's
shapes (activations unsigned 4-bit, weights signed 4-bit, seed fixed), im2col, then
:func:`accelsim.pe.bitfusion.bitfusion_gemm` (2-bit BitBricks, one exact BLAS GEMM per brick pair,
shift-add). Each layer's result is checked bit-exactly against the plain integer GEMM (exact float64
BLAS, which is also the baseline timed in the same run). Targets (issue 5): functional ≤ 20 s on
2 cores, timing-only (``simulate``) ≤ 0.3 s.

Tiling-search speed (issue 8: ≥ 10,000 fresh CostModel ``layer_cost`` queries/s): fresh queries (every
ResNet-18 layer at batches 2..41, never seen before) on the ``bitfusion`` preset with the pruned search
and, as the baseline in the same run, with the exhaustive enumeration (``tiling.search(...,
exhaustive=True)``, the search before pruning); every pruned result is checked equal to the exhaustive one.

Whole network through each fabric's ``functional_layer`` (:func:`bench_network_datapaths`): ResNet-18 with
He-normal random weights (seed 0), one uniform [0, 1) image, PTQ at 4b/4b (log2 weights for QUEST), then
``run_integer_on(model, x, arch=FABRIC)`` against the ideal integer execution (``run_integer(model, x)``, the
baseline timed in the same run); every tensor is checked bit-exact.

Run: ``.venv/bin/python benchmarks/bench_pe.py``
"""

from __future__ import annotations

import functools
import time

import numpy as np

from accelsim.accuracy import run_integer_on
from accelsim.cost import CostModel
from accelsim.fabrics import load_arch
from accelsim.pe import tiling
from accelsim.pe.bitfusion import bitfusion_gemm
from accelsim.pe.common import exact_gemm, im2col
from accelsim.simulate import simulate
from accelsim.workload import load_network


def main(seed: int = 0) -> None:
    net = load_network("resnet18").with_batch(1)
    rng = np.random.default_rng(seed)
    bitfusion_gemm(np.ones((2, 2), np.int64), np.ones((2, 2), np.int64), 4, 4)  # warm-up
    t_fused = t_plain = t_im2col = 0.0
    macs = 0
    for layer in net.mac_layers():
        x = rng.integers(0, 16, size=(1, layer.C, layer.H, layer.W), dtype=np.int64)
        if layer.op == "conv2d":
            w = rng.integers(-8, 8, size=(layer.R * layer.S * layer.C, layer.K), dtype=np.int64)
            t0 = time.perf_counter()
            a, _, _ = im2col(x, layer.R, layer.S, layer.stride, layer.padding)
            a = np.ascontiguousarray(a)
            t_im2col += time.perf_counter() - t0
        else:
            w = rng.integers(-8, 8, size=(layer.C * layer.H * layer.W, layer.K), dtype=np.int64)
            a = x.reshape(1, -1)
        t0 = time.perf_counter()
        fused = bitfusion_gemm(a, w, 4, 4, w_signed=True, a_signed=False)
        t1 = time.perf_counter()
        plain = exact_gemm(a, w)
        t2 = time.perf_counter()
        t_fused += t1 - t0
        t_plain += t2 - t1
        if not np.array_equal(fused, plain):
            raise SystemExit(f"MISMATCH in layer {layer.name}")
        macs += a.shape[0] * a.shape[1] * w.shape[1]
    print(f"resnet18 4b/4b functional through Bit Fusion BitBricks: {macs / 1e9:.3f} GMAC, bit-exact")
    print(
        f"  im2col {t_im2col:.2f} s + fused datapath {t_fused:.2f} s = {t_im2col + t_fused:.2f} s (target <= 20 s)"
    )
    print(f"  plain exact GEMM baseline {t_plain:.2f} s; fused / plain = {t_fused / t_plain:.2f}x")

    arch = load_arch("bitfusion")
    simulate("resnet18", arch, bits="4/4")  # warm-up (imports, YAML cache)
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        report = simulate("resnet18", arch, bits="4/4")
    t_sim = (time.perf_counter() - t0) / reps
    print(f"resnet18 4b/4b timing-only simulate on bitfusion: {t_sim * 1e3:.1f} ms (target <= 300 ms); "
          f"{report.totals.cycles:,} cycles, {report.totals.energy_pj * 1e-6:.1f} uJ")  # fmt: skip


def bench_network_datapaths(seed: int = 0) -> None:
    """ResNet-18 4b/4b, whole network through every precision-scalable fabric's datapath vs ideal."""
    from accelsim.functional.executor import run_integer
    from accelsim.functional.ptq import ptq, random_weights

    net = load_network("resnet18")
    w, b = random_weights(net, seed)
    inp = net.input
    x = np.random.default_rng(seed).random((1, inp.channels, inp.height, inp.width))
    models = {q: ptq(net, w, x, b, w_bits=4, a_bits=4, quantizer=q) for q in ("uniform", "log2")}
    run_integer_on(models["uniform"], x, arch="bitfusion")  # warm-up (numba cache, imports)
    base = {}
    for q, model in models.items():
        t0 = time.perf_counter()
        base[q] = run_integer(model, x)
        base[q + "_s"] = time.perf_counter() - t0
    for fabric in ("bitfusion", "stripes", "loom", "bismo", "unpu", "bitblade", "envision", "quest"):
        q = "log2" if fabric == "quest" else "uniform"
        t0 = time.perf_counter()
        ex = run_integer_on(models[q], x, arch=fabric)
        dt = time.perf_counter() - t0
        same = all(np.array_equal(ex.tensors[k], base[q].tensors[k]) for k in base[q].tensors)
        print(f"resnet18 4b/4b ({q} weights) through {fabric}: {dt:.2f} s, ideal executor {base[q + '_s']:.2f} s "
              f"({dt / base[q + '_s']:.1f}x), bit-exact {same}")  # fmt: skip
        if not same:
            raise SystemExit(f"MISMATCH on {fabric}")


def bench_fresh_queries(batches: range = range(2, 42)) -> None:
    """Fresh layer_cost queries/s, pruned vs exhaustive tiling search, same layers, same run."""
    layers = load_network("resnet18").mac_layers()
    fresh = [x.with_batch(b) for b in batches for x in layers]
    pruned_search = tiling.search
    rates, costs = {}, {}
    for name, fn in (
        ("exhaustive", functools.partial(pruned_search, exhaustive=True)),
        ("pruned", pruned_search),
    ):
        tiling.search = fn
        try:
            cm = CostModel("bitfusion")
            for x in layers:  # warm-up: numba compile / cache load
                cm.layer_cost(x, 8, 8)
            t0 = time.perf_counter()
            costs[name] = [cm.layer_cost(x, 4, 4) for x in fresh]
            rates[name] = len(fresh) / (time.perf_counter() - t0)
        finally:
            tiling.search = pruned_search
    same = costs["pruned"] == costs["exhaustive"]
    print(f"fresh CostModel.layer_cost on bitfusion ({len(fresh)} queries, 4b/4b): exhaustive "
          f"{rates['exhaustive']:,.0f} q/s, pruned {rates['pruned']:,.0f} q/s "
          f"({rates['pruned'] / rates['exhaustive']:.1f}x; target >= 10,000); identical results: {same}")  # fmt: skip
    if not same:
        raise SystemExit("MISMATCH between pruned and exhaustive tiling search")


if __name__ == "__main__":
    main()
    bench_network_datapaths()
    bench_fresh_queries()
