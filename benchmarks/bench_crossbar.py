"""Speed of the crossbar functional model.

1. aihwkit-compatible IO mode: 1000 × (64 → 64) noise-free batch with the default IOParameters
   (abs-max noise management, iterative bound management). If the aihwkit venv exists
   (``AIHWKIT_PYTHON``, default /work/peers/aihwkit-venv/bin/python), aihwkit's own analog tile is timed in
   the same run on the same shapes and the ratio printed (target: accelsim ≤ 2× aihwkit).
2. ResNet-18, one image, random weights/activations of the layer shapes, through 128×128 RRAM crossbars:
   8-bit weights on 2-bit cells (offset encoding), 1-bit DAC, 8-bit ADC (range max), Gaussian programming
   variation (σ = 2 % of g_max) and read noise (σ = 1 % of g_max per read). Target ≤ 30 s on 2 cores.

Run: ``.venv/bin/python benchmarks/bench_crossbar.py [--skip-resnet] [--skip-aihwkit]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from accelsim.dataflow.crossbar_mapping import crossbar_layer
from accelsim.memory.crossbar import CrossbarConfig
from accelsim.memory.crossbar_aihwkit import AihwkitIOConfig, aihwkit_forward
from accelsim.workload import Precision, load_network

AIHWKIT_TIMER = r"""
import time, numpy as np, torch
torch.set_num_threads(2)
from aihwkit.simulator.configs import IdealDevice, SingleRPUConfig
from aihwkit.simulator.tiles.analog import AnalogTile
rpu = SingleRPUConfig(device=IdealDevice())
rpu.forward.inp_noise = 0.0; rpu.forward.out_noise = 0.0; rpu.forward.w_noise = 0.0
tile = AnalogTile(64, 64, rpu, bias=False)
rng = np.random.default_rng(0)
tile.set_weights(torch.from_numpy((rng.normal(size=(64, 64)) * 0.3).astype(np.float32)))
x = torch.from_numpy(rng.normal(size=(1000, 64)).astype(np.float32))
tile.forward(x)
best = 1e9
for _ in range(20):
    t = time.perf_counter(); tile.forward(x); best = min(best, time.perf_counter() - t)
print(best)
"""


def _time_accelsim_mode(x: np.ndarray, w: np.ndarray, io: AihwkitIOConfig, reps: int = 20) -> float:
    best = 1e9
    for _ in range(reps):
        t = time.perf_counter()
        aihwkit_forward(x, w, io)
        best = min(best, time.perf_counter() - t)
    return best


def bench_aihwkit_mode(skip_peer: bool) -> None:
    """Best of 20, measured before and after the aihwkit run (the machine may be shared: best of both)."""
    rng = np.random.default_rng(0)
    w = (rng.normal(size=(64, 64)) * 0.3).astype(np.float32)
    x = rng.normal(size=(1000, 64)).astype(np.float32)
    io = AihwkitIOConfig()
    aihwkit_forward(x, w, io)
    best = _time_accelsim_mode(x, w, io)
    peer = os.environ.get("AIHWKIT_PYTHON", "/work/peers/aihwkit-venv/bin/python")
    t_peer = None
    note = ""
    if skip_peer:
        note = "aihwkit timing skipped (--skip-aihwkit)"
    elif not os.path.exists(peer):
        note = f"aihwkit not found at {peer}: no ratio (REFERENCES.md quotes ~30 ms for aihwkit)"
    else:
        out = subprocess.run([peer, "-c", AIHWKIT_TIMER], capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            note = f"aihwkit run failed: {out.stderr.strip().splitlines()[-1:]}"
        else:
            t_peer = float(out.stdout.strip().splitlines()[-1])
        best = min(best, _time_accelsim_mode(x, w, io))
    print(
        f"aihwkit-compatible mode, 1000 x 64x64 (nm abs_max, bm iterative), best of 2x20: {best * 1e3:.2f} ms"
    )
    if t_peer is None:
        print("  " + note)
    else:
        print(
            f"  aihwkit 1.2.0 analog tile, same run, best of 20: {t_peer * 1e3:.2f} ms -> accelsim/aihwkit {best / t_peer:.2f}"
        )


def bench_resnet18() -> None:
    net = load_network("resnet18")
    xbar = CrossbarConfig(
        rows=128,
        cols=128,
        cell_bits=2,
        encoding="offset",
        cols_per_adc=128,
        adc={"bits": 8},
        dac={"bits": 1},
        device={"programming_noise": "gaussian", "programming_sigma": 0.02, "read_noise_sigma": 0.01},
    )
    prec = Precision(w_bits=8, a_bits=8, w_signed=True, a_signed=False)
    rng = np.random.default_rng(0)
    layers = [layer.with_batch(1) for layer in net.mac_layers()]
    # warm-up (numba compile / cache load) on a tiny layer
    crossbar_layer(
        np.ones((1, 8)),
        np.ones((4, 8), dtype=int),
        layers[-1].model_copy(update={"in_channels": 8, "out_channels": 4}),
        prec,
        xbar,
    )
    t0 = time.perf_counter()
    macs = 0
    worst = 0.0
    for i, layer in enumerate(layers):
        if layer.op == "fc":
            x = rng.integers(0, 256, size=(1, layer.C))
            w = rng.integers(-128, 128, size=(layer.K, layer.C))
        else:
            x = rng.integers(0, 256, size=(1, layer.C, layer.H, layer.W))
            w = rng.integers(-128, 128, size=(layer.K, layer.C // layer.groups, layer.R, layer.S))
        _, m = crossbar_layer(x, w, layer, prec, xbar, seed=i)
        macs += layer.macs
        worst = max(worst, m["int_nrmse"])
    dt = time.perf_counter() - t0
    print(
        f"ResNet-18 (1 image, {len(layers)} MAC layers, {macs / 1e9:.2f} GMAC) through 128x128 RRAM crossbars, "
        f"8b W on 2b cells, 1b DAC, 8b ADC, variation + read noise: {dt:.1f} s (target <= 30 s); "
        f"worst per-layer NRMSE vs integer GEMM {worst:.3g}"
    )


def sweep_adc_bits() -> None:
    """Accuracy–energy trade-off from one config: ISAAC at 8/8 bits, one ResNet-18 layer, ADC bits swept."""
    from accelsim.fabrics import load_arch
    from accelsim.fabrics.crossbar import evaluate_layer

    layer = [lay for lay in load_network("resnet18").mac_layers() if lay.K == 128 and lay.R == 3][
        -1
    ].with_batch(1)
    prec = Precision(w_bits=8, a_bits=8)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(1, layer.C, layer.H, layer.W))
    w = rng.integers(-128, 128, size=(layer.K, layer.C, layer.R, layer.S))
    print(f"ADC-bits sweep on ISAAC (flipped encoding), layer {layer.name} at 8/8 bits:")
    for bits in (9, 8, 7, 6, 5, 4):
        arch = load_arch("isaac", **{"crossbar.adc.bits": bits})
        _, m = crossbar_layer(x, w, layer, prec, arch, seed=0)
        res = evaluate_layer(layer, prec, arch)
        print(
            f"  adc {bits} b: lossless={m['lossless']!s:5} NRMSE {m['int_nrmse']:.2e}  "
            f"ADC energy {res.energy_breakdown_pj['adc'] / 1e6:.3f} uJ of {res.energy_pj / 1e6:.3f} uJ"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-resnet", action="store_true")
    ap.add_argument("--skip-aihwkit", action="store_true")
    ap.add_argument("--sweep", action="store_true", help="also print an ADC-bits accuracy/energy sweep")
    args = ap.parse_args()
    print(f"numba threads: {os.environ.get('NUMBA_NUM_THREADS', 'default')}, python {sys.version.split()[0]}")
    bench_aihwkit_mode(args.skip_aihwkit)
    if not args.skip_resnet:
        bench_resnet18()
    if args.sweep:
        sweep_adc_bits()


if __name__ == "__main__":
    main()
