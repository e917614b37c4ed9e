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
from accelsim.errors import AccelsimInputError

CHOICES = (4, 8)


def solve(
    arch: str = "bitfusion",
    budget_fraction: float = 0.6,
    network: str = "resnet18",
    metric: str = "latency_s",
) -> dict:
    """Bits per layer minimising the proxy with Σ metric ≤ budget_fraction·(all-8-bit Σ metric).

    ``metric`` is the budgeted cost (latency_s on precision-scalable fabrics; energy_pj also on bit-parallel
    ones such as tpu-v1, where 4-bit layers are no faster but move fewer bytes).
    """
    net = accelsim.load_network(network)
    layers = net.mac_layers()
    cm = CostModel(arch)
    lat = np.array([[cm.layer_cost(x, b, b).metric(metric) for b in CHOICES] for x in layers])
    sens = np.array([[x.weight_elems * 2.0 ** (-2 * b) for b in CHOICES] for x in layers])
    n, m = lat.shape
    budget = budget_fraction * lat[:, CHOICES.index(8)].sum()
    one_hot = np.zeros((n, n * m))
    for i in range(n):
        one_hot[i, i * m : (i + 1) * m] = 1
    constraints = [
        LinearConstraint(one_hot, 1, 1),
        # normalised by the budget: solver tolerances are absolute (~1e-6), latencies in seconds are ~1e-5
        LinearConstraint(lat.reshape(1, -1) / budget, -np.inf, 1.0),
    ]
    res = milp(sens.ravel(), constraints=constraints, integrality=np.ones(n * m), bounds=Bounds(0, 1))
    if not res.success:
        floor = lat.min(axis=1).sum() / lat[:, CHOICES.index(8)].sum()
        raise AccelsimInputError(
            "budget",
            f"no assignment meets {budget_fraction:g} of the all-8-bit {metric} on {arch}; "
            f"the smallest reachable is {floor:.3f}",
        )
    pick = res.x.reshape(n, m).argmax(1)
    bits = [CHOICES[j] for j in pick]
    policy = [(b, b) for b in bits]
    total = cm.network_cost(net, policy)
    return {
        "arch": arch,
        "bits": dict(zip([x.name for x in layers], bits, strict=True)),
        "metric": metric,
        "cost": float(lat[np.arange(n), pick].sum()),
        "budget": budget,
        "cost_8bit": float(lat[:, 1].sum()),
        "cost_4bit": float(lat[:, 0].sum()),
        "latency_s": total.latency_s,
        "sensitivity": float(sens[np.arange(n), pick].sum()),
        "energy_pj": total.energy_pj,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="bitfusion")
    parser.add_argument(
        "--budget", type=float, default=0.6, help="budget as a fraction of the all-8-bit cost"
    )
    parser.add_argument("--metric", default="latency_s", help="budgeted metric: latency_s or energy_pj")
    parser.add_argument("--network", default="resnet18")
    args = parser.parse_args()
    try:
        out = solve(args.arch, args.budget, args.network, args.metric)
    except AccelsimInputError as exc:
        raise SystemExit(f"error: {exc}") from None
    n4 = sum(1 for b in out["bits"].values() if b == 4)
    print(
        f"{args.arch}: {n4}/{len(out['bits'])} layers at 4 bits; {args.metric} {out['cost']:.4g} "
        f"(budget {out['budget']:.4g}, all-8-bit {out['cost_8bit']:.4g}, all-4-bit {out['cost_4bit']:.4g})"
    )
    for name, b in out["bits"].items():
        print(f"  {name:24s} {b}")


if __name__ == "__main__":
    main()
