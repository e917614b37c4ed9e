"""Pick weight bits per matrix and KV-cache bits per block of a decoder under a tokens/s budget (ILP).

As the HAWQ-V3 example (examples/hawq_milp_resnet18.py) but for LLM decode: one binary variable per
(weight matrix, w ∈ {4, 8}) and per (block, kv ∈ {4, 8}); minimise a quantization-noise proxy subject to the
decode step latency ≤ budget, with the per-layer latencies from accelsim's CostModel at W/A8/KV (the KV-cache
matmuls of a block run at its KV width, its K/V projections write at it; every other layer at its own W).

Noise proxy (no trained model needed; replace with measured sensitivities when you have them):
Ω(matrix, w) = parameters · 2^(−2w), Ω(block, kv) = 2·kv_heads·head_dim·seq_len · 2^(−2kv): the power of
uniform quantization noise over the tensor's elements.

    python examples/llama_wkv_milp.py --arch tpu-v1 --seq-len 4096 --budget 0.7 [--front front.png]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from accelsim.cost import CostModel
from accelsim.errors import AccelsimInputError
from accelsim.transformers import MODELS, build

CHOICES = (4, 8)
A_BITS = 8


def problem(model: str, arch: str, seq_len: int) -> dict:
    """Decision groups, their latency and noise per choice: weight matrices one by one, KV per block."""
    cfg = MODELS[model]
    net = build(model, seq_len=seq_len, phase="decode")
    cm = CostModel(arch)
    groups: list[str] = []
    lat: list[list[float]] = []
    noise: list[list[float]] = []
    kv_layers: dict[str, list] = {}
    fixed = 0.0
    for layer in net.layers:
        block = layer.name.split(".")[0]
        if layer.kv_cache or layer.writes_kv_cache:
            kv_layers.setdefault(block, []).append(layer)
        if layer.kv_cache:
            continue
        if layer.has_macs and not layer.weights_are_activations and layer.param_elems:
            groups.append(layer.name)
            lat.append([cm.layer_cost(layer, w, A_BITS, 8).latency_s for w in CHOICES])
            noise.append([layer.param_elems * 2.0 ** (-2 * w) for w in CHOICES])
        elif not layer.writes_kv_cache:
            fixed += cm.layer_cost(layer, 8, A_BITS, 8).latency_s
    kv_elems = 2 * cfg.kv_heads * cfg.head_dim * seq_len
    for block, layers in kv_layers.items():
        groups.append(f"{block}.kv")
        lat.append(
            [sum(cm.layer_cost(x, 8, A_BITS, kv).latency_s for x in layers if x.kv_cache) for kv in CHOICES]
        )
        noise.append([kv_elems * 2.0 ** (-2 * kv) for kv in CHOICES])
    # K/V projections: their weights are chosen above (cost at kv 8 there); the cache write width is the
    # block's kv, a second-order effect on their latency, included in the kv group's difference
    for i, g in enumerate(groups):
        if g.endswith(".kv"):
            block = g[:-3]
            extra = [sum(cm.layer_cost(x, 8, A_BITS, kv).latency_s - cm.layer_cost(x, 8, A_BITS, 8).latency_s
                         for x in kv_layers[block] if x.writes_kv_cache) for kv in CHOICES]  # fmt: skip
            lat[i] = [a + b for a, b in zip(lat[i], extra, strict=True)]
    return {"groups": groups, "lat": np.array(lat), "noise": np.array(noise), "fixed": fixed}


def solve(model: str = "llama-1b", arch: str = "tpu-v1", seq_len: int = 4096, budget_fraction: float = 0.7,
          prob: dict | None = None) -> dict:  # fmt: skip
    """Bits minimising the noise proxy with the decode step latency ≤ budget_fraction·(all-8-bit latency)."""
    p = prob or problem(model, arch, seq_len)
    lat, noise, fixed = p["lat"], p["noise"], p["fixed"]
    n, m = lat.shape
    all8 = fixed + lat[:, CHOICES.index(8)].sum()
    budget = budget_fraction * all8
    one_hot = np.zeros((n, n * m))
    for i in range(n):
        one_hot[i, i * m : (i + 1) * m] = 1
    constraints = [
        LinearConstraint(one_hot, 1, 1),
        LinearConstraint(lat.reshape(1, -1) / (budget - fixed), -np.inf, 1.0),
    ]
    res = milp(
        noise.ravel() / noise.max(), constraints=constraints, integrality=np.ones(n * m), bounds=Bounds(0, 1)
    )
    if not res.success or budget <= fixed:
        floor = (fixed + lat.min(axis=1).sum()) / all8
        raise AccelsimInputError("budget", f"no assignment meets {budget_fraction:g} of the all-8-bit decode "
                                 f"latency; the smallest reachable is {floor:.3f}")  # fmt: skip
    pick = res.x.reshape(n, m).argmax(1)
    return {
        "bits": {g: CHOICES[j] for g, j in zip(p["groups"], pick, strict=True)},
        "latency_s": float(fixed + lat[np.arange(n), pick].sum()),
        "tokens_per_s": float(1.0 / (fixed + lat[np.arange(n), pick].sum())),
        "noise": float(noise[np.arange(n), pick].sum()),
        "budget_s": budget,
        "latency_8bit_s": float(all8),
        "latency_4bit_s": float(fixed + lat[:, 0].sum()),
    }


def front(model: str, arch: str, seq_len: int, fractions, path: str | None = None) -> list[dict]:
    """The noise/latency front over budgets (and a plot of it when ``path`` is given)."""
    prob = problem(model, arch, seq_len)
    rows = []
    for f in fractions:
        try:
            rows.append(solve(model, arch, seq_len, f, prob) | {"fraction": f})
        except AccelsimInputError:
            continue
    if path:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.5))
        ax.plot([r["tokens_per_s"] for r in rows], [r["noise"] for r in rows], "o-")
        ax.set_xlabel("decode tokens/s")
        ax.set_ylabel("quantization-noise proxy")
        ax.set_yscale("log")
        ax.set_title(f"{model} on {arch}, KV cache {seq_len}")
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="llama-1b")
    parser.add_argument("--arch", default="tpu-v1")
    parser.add_argument("--seq-len", type=int, default=4096)
    parser.add_argument("--budget", type=float, default=0.7, help="fraction of the all-8-bit decode latency")
    parser.add_argument("--front", help="also sweep budgets and plot the noise/latency front to this file")
    args = parser.parse_args()
    try:
        out = solve(args.model, args.arch, args.seq_len, args.budget)
    except AccelsimInputError as exc:
        raise SystemExit(f"error: {exc}") from None
    w4 = sum(1 for g, b in out["bits"].items() if not g.endswith(".kv") and b == 4)
    kv4 = sum(1 for g, b in out["bits"].items() if g.endswith(".kv") and b == 4)
    nw = sum(1 for g in out["bits"] if not g.endswith(".kv"))
    print(f"{args.model} on {args.arch}: {w4}/{nw} matrices at 4-bit weights, {kv4}/{len(out['bits']) - nw} blocks "
          f"at 4-bit KV; {out['tokens_per_s']:.4g} tokens/s (all 8-bit {1 / out['latency_8bit_s']:.4g}, all 4-bit "
          f"{1 / out['latency_4bit_s']:.4g})")  # fmt: skip
    if args.front:
        rows = front(args.model, args.arch, args.seq_len, np.linspace(0.4, 1.0, 13), args.front)
        print(f"front: {len(rows)} points written to {args.front}")


if __name__ == "__main__":
    main()
