"""Pick 4 or 8 bits per layer of ResNet-18 with an integer linear program, as HAWQ-V3 does.

HAWQ-V3 (Yao et al., ICML 2021) chooses one bit width b_i per layer to minimise a sensitivity proxy
Σ_i Ω_i(b_i) subject to a latency budget Σ_i latency_i(b_i) ≤ L, solved as an ILP with one binary variable
per (layer, bit width) and Σ_b x_{i,b} = 1. The per-layer latencies come from accelsim's CostModel.

Sensitivity proxy (without a trained model's Hessian): Ω_i(b) = n_params_i · 2^(−2b), the power of uniform
quantization noise on the layer's weights. Replace it with Hessian traces when you have them.

    python examples/hawq_milp_resnet18.py --arch bitfusion --budget 0.6
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

import accelsim
from accelsim.cost import CostModel

CHOICES = (4, 8)


def solve(arch: str = "bitfusion", budget_fraction: float = 0.6, network: str = "resnet18") -> dict:
    """Bits per layer minimising the proxy with latency ≤ budget_fraction·(all-8-bit latency)."""
    net = accelsim.load_network(network)
    layers = net.mac_layers()
    cm = CostModel(arch)
    lat = np.array([[cm.layer_cost(x, b, b).latency_s for b in CHOICES] for x in layers])
    sens = np.array([[x.weight_elems * 2.0 ** (-2 * b) for b in CHOICES] for x in layers])
    n, m = lat.shape
    budget = budget_fraction * lat[:, CHOICES.index(8)].sum()
    one_hot = np.zeros((n, n * m))
    for i in range(n):
        one_hot[i, i * m : (i + 1) * m] = 1
    constraints = [
        LinearConstraint(one_hot, 1, 1),
        LinearConstraint(lat.reshape(1, -1), -np.inf, budget),
    ]
    res = milp(sens.ravel(), constraints=constraints, integrality=np.ones(n * m), bounds=Bounds(0, 1))
    if not res.success:
        raise RuntimeError(f"no feasible bit assignment under the budget: {res.message}")
    pick = res.x.reshape(n, m).argmax(1)
    bits = [CHOICES[j] for j in pick]
    policy = [(b, b) for b in bits]
    total = cm.network_cost(net, policy)
    return {
        "arch": arch,
        "bits": dict(zip([x.name for x in layers], bits, strict=True)),
        "latency_s": total.latency_s,
        "budget_s": budget,
        "latency_8bit_s": float(lat[:, 1].sum()),
        "latency_4bit_s": float(lat[:, 0].sum()),
        "sensitivity": float(sens[np.arange(n), pick].sum()),
        "energy_pj": total.energy_pj,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="bitfusion")
    parser.add_argument("--budget", type=float, default=0.6, help="latency budget as a fraction of all-8-bit")
    args = parser.parse_args()
    out = solve(args.arch, args.budget)
    n4 = sum(1 for b in out["bits"].values() if b == 4)
    print(f"{args.arch}: {n4}/{len(out['bits'])} layers at 4 bits; latency {out['latency_s'] * 1e3:.3f} ms "
          f"(budget {out['budget_s'] * 1e3:.3f} ms, all-8-bit {out['latency_8bit_s'] * 1e3:.3f} ms, "
          f"all-4-bit {out['latency_4bit_s'] * 1e3:.3f} ms)")  # fmt: skip
    for name, b in out["bits"].items():
        print(f"  {name:24s} {b}")


if __name__ == "__main__":
    main()
