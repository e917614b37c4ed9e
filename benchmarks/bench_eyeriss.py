"""Eyeriss benchmark: mapping-search speed on VGG-16 and the published figures it reproduces.

Run: ``.venv/bin/python benchmarks/bench_eyeriss.py``. Prints
1. time of RS mapping search + closed-form simulation of all VGG-16 CONV layers (batch 3), cold cache,
   against baselines measured in the same run: the reference search (``search_mapping_full``, every
   candidate vectorised) and the same closed form with a per-candidate Python loop on a sample of
   candidates, extrapolated to the whole candidate space;
1b. batch scaling: ``accelsim.simulate('resnet18', preset, batch=B)`` for B = 1, 16, 64, 256 with the
   batch-independent search and with the reference search (same run), and fresh ``CostModel.layer_cost``
   queries per second (ResNet-18 layers at batches 2..101, as benchmarks/bench_cost.py);
2. AlexNet (batch 4) and VGG-16 (batch 3) CONV frames/s and DRAM accesses/MAC vs JSSC'17;
3. the ISCA'16 dataflow comparison on AlexNet CONV (batch 16);
4. eyeriss-v2 vs eyeriss on MobileNet-V2 (batch 1), dense and sparse.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

import accelsim
from accelsim.cost import CostModel
from accelsim.dataflow import row_stationary as rs
from accelsim.dataflow import row_stationary_ref as rs_ref
from accelsim.dataflow.eyeriss_baselines import compare_dataflows
from accelsim.fabrics import eyeriss as eyeriss_fabric
from accelsim.fabrics import get_fabric, load_arch
from accelsim.workload import Precision, load_network


def run_net(net_name: str, batch: int, arch, bits: int, ops=("conv2d",)):
    fabric = get_fabric("eyeriss")
    net = load_network(net_name).with_batch(batch)
    prec = Precision(w_bits=bits, a_bits=bits, out_bits=bits, acc_bits=16)
    cycles = dram = macs = energy = 0.0
    for layer in net.layers:
        if layer.op not in ops:
            continue
        res = fabric.evaluate_layer(layer, prec, arch)
        cycles += res.cycles
        dram += res.accesses["dram_words_16b"]
        macs += layer.macs
        energy += res.energy_pj
    seconds = cycles / arch.frequency_hz
    return {"fps": batch / seconds, "dram_per_mac": dram / macs, "power_mw": energy * 1e-12 / seconds * 1e3,
            "inf_per_j": batch / (energy * 1e-12), "cycles": cycles}  # fmt: skip


def clear_caches(x_space: bool = True) -> None:
    """Forget every searched mapping; with ``x_space`` also the per-shape n-free spaces (fully cold)."""
    eyeriss_fabric._search_cached.cache_clear()
    if x_space:
        rs._x_space.cache_clear()
        rs._bound_terms.cache_clear()
        rs._bound_order.cache_clear()


@contextlib.contextmanager
def reference_search():
    """Make the eyeriss fabric use the reference search (every batch tile evaluated) inside the block."""
    saved = eyeriss_fabric.search_mapping
    eyeriss_fabric.search_mapping = rs_ref.search_mapping_full
    clear_caches()
    try:
        yield
    finally:
        eyeriss_fabric.search_mapping = saved
        clear_caches()


def bench_speed() -> None:
    arch = load_arch("eyeriss")
    hw = arch.rs_hardware()
    layers = [x for x in load_network("vgg16").with_batch(3).layers if x.op == "conv2d"]
    rs.search_mapping(rs.conv_shape(layers[0]), hw)  # warm numpy / numba
    with reference_search():
        t0 = time.perf_counter()
        run_net("vgg16", 3, arch, 16)
        ref = time.perf_counter() - t0
    clear_caches()
    t0 = time.perf_counter()
    run_net("vgg16", 3, arch, 16)
    fast = time.perf_counter() - t0
    # baseline: the same closed form evaluated one candidate at a time (Python loop), sampled
    n_cand = 0
    t_loop = 0.0
    for layer in layers:
        shape = rs.conv_shape(layer)
        cand = rs._candidates(shape, hw)
        size = cand["p"].size
        n_cand += 2 * size
        sample = np.random.default_rng(0).choice(size, size=min(50, size), replace=False)
        t1 = time.perf_counter()
        for i in sample:
            one = {k: (v[i : i + 1] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in cand.items()}
            rs.evaluate_candidates(shape, hw, one, True)
            rs.evaluate_candidates(shape, hw, one, False)
        t_loop += (time.perf_counter() - t1) * size / len(sample)
    print(f"VGG-16 CONV (batch 3) RS mapping search + simulation, cold: {fast:.3f} s (target <= 2 s); "
          f"reference search (all {n_cand:,} candidates vectorised): {ref:.3f} s ({ref / fast:.1f}x); "
          f"per-candidate loop (extrapolated): {t_loop:.1f} s -> {t_loop / fast:.0f}x")  # fmt: skip


def _simulate_time(preset: str, batch: int, x_space: bool) -> float:
    clear_caches(x_space)
    t0 = time.perf_counter()
    accelsim.simulate("resnet18", preset, batch=batch)
    return time.perf_counter() - t0


def _fresh_rate(preset: str, batches: range) -> tuple[float, int]:
    layers = load_network("resnet18").mac_layers()
    cm = CostModel(preset)
    for x in layers:  # warm-up as bench_cost.py (batch-1 shapes)
        cm.layer_cost(x, 8, 8)
    fresh = [x.with_batch(b) for b in batches for x in layers]
    t0 = time.perf_counter()
    for x in fresh:
        cm.layer_cost(x, 4, 4)
    return len(fresh) / (time.perf_counter() - t0), len(fresh)


def bench_batch() -> None:
    batches = (1, 16, 64, 256)
    for preset in ("eyeriss", "eyeriss-v2"):
        accelsim.simulate("resnet18", preset)  # warm-up
        new = {b: _simulate_time(preset, b, False) for b in batches}
        cold = {b: _simulate_time(preset, b, True) for b in batches}
        with reference_search():
            accelsim.simulate("resnet18", preset)
            ref = {b: _simulate_time(preset, b, False) for b in batches}
        print(f"resnet18 on {preset}, simulate time by batch (after warm-up; per-shape spaces cached / all "
              f"caches cleared / reference search): "
              + ", ".join(f"B={b} {new[b]:.3f}/{cold[b]:.3f}/{ref[b]:.2f} s" for b in batches)
              + f"; B=256 / B=1: {new[256] / new[1]:.2f}x (cold {cold[256] / cold[1]:.2f}x, "
              f"reference {ref[256] / ref[1]:.1f}x)")  # fmt: skip
    rate, n = _fresh_rate("eyeriss", range(2, 102))
    with reference_search():
        ref_rate, ref_n = _fresh_rate("eyeriss", range(2, 7))
    print(f"CostModel('eyeriss') fresh layer_cost queries (resnet18, batches 2..101): {rate:,.0f} q/s over {n} "
          f"(target >= 1,000); reference search (batches 2..6): {ref_rate:,.0f} q/s over {ref_n}")  # fmt: skip


def main() -> None:
    bench_speed()
    bench_batch()
    for net, batch, first, fps_pub, dram_pub in (("alexnet", 4, "conv1", 35, 0.0029),
                                                  ("vgg16", 3, "conv1_1", 0.7, 0.0035)):  # fmt: skip
        for sp in (0.0, 0.5, 0.7):
            arch = load_arch("eyeriss", activation_sparsity=sp, activation_sparsity_per_layer={first: 0.0})
            r = run_net(net, batch, arch, 16)
            print(f"{net} CONV batch {batch}, activation sparsity {sp}: {r['fps']:.3f} frames/s "
                  f"(published {fps_pub}), {r['dram_per_mac']:.5f} DRAM acc/MAC (published {dram_pub}), "
                  f"{r['power_mw']:.0f} mW core+DRAM model")  # fmt: skip
    rows = compare_dataflows(load_network("alexnet"), batch=16)
    rs_e = rows[0].energy
    print("ISCA'16 comparison, AlexNet CONV batch 16 (normalized energy/MAC, x RS): "
          + ", ".join(f"{r.dataflow} {r.energy_per_mac:.2f} ({r.energy / rs_e:.2f}x)" for r in rows))  # fmt: skip
    ops = ("conv2d", "depthwise_conv2d", "fc")
    for bw in ("preset", None):
        extra = {} if bw == "preset" else {"dram.bandwidth_bytes_per_cycle": None}
        label = "DRAM link 2.4 B/cycle" if bw == "preset" else "unlimited DRAM bandwidth"
        v1 = run_net("mobilenetv2", 1, load_arch("eyeriss", **extra), 8, ops)
        cases = {
            "v1 dense": v1,
            "v2 dense": run_net(
                "mobilenetv2", 1, load_arch("eyeriss-v2", sparse_processing=False, **extra), 8, ops
            ),
            "v1 act 0.5": run_net(
                "mobilenetv2", 1, load_arch("eyeriss", activation_sparsity=0.5, **extra), 8, ops
            ),
        }
        for sa, sw in ((0.5, 0.0), (0.5, 0.5)):
            arch = load_arch("eyeriss-v2", activation_sparsity=sa, weight_sparsity=sw, **extra)
            cases[f"v2 sparse act {sa} w {sw}"] = run_net("mobilenetv2", 1, arch, 8, ops)
        for name, r in cases.items():
            print(f"MobileNet-V2 batch 1, {label}, {name}: {r['fps']:.1f} inf/s, {r['inf_per_j']:.0f} inf/J, "
                  f"speedup vs v1 dense {r['fps'] / v1['fps']:.2f}x, energy eff. vs v1 dense "
                  f"{r['inf_per_j'] / v1['inf_per_j']:.2f}x")  # fmt: skip
    all_ops = ("conv2d", "depthwise_conv2d", "fc")
    for net, batch in (("alexnet", 1), ("mobilenetv2", 1)):
        for label, arch in (("v2 dense", load_arch("eyeriss-v2", sparse_processing=False)),
                            ("v2 sparse act 0.5 w 0.5", load_arch("eyeriss-v2", activation_sparsity=0.5,
                                                                    weight_sparsity=0.5))):  # fmt: skip
            r = run_net(net, batch, arch, 8, all_ops)
            macs = sum(x.macs for x in load_network(net).layers if x.op in all_ops)
            gops_per_w = 2 * macs * r["inf_per_j"] / 1e9
            print(f"{net} batch {batch} on eyeriss-{label}: {gops_per_w:.1f} GOPS/W (dense-equivalent ops)")
    print("(Eyeriss v2 paper: 253.2 GOPS/W AlexNet, 193.7 GOPS/W MobileNet)")
    print("(Eyeriss v2 paper, sparse MobileNet: 1470.6 inf/s, 2560.3 inf/J, 12.6x faster than v1)")


if __name__ == "__main__":
    main()
