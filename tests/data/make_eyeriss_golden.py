"""Record the eyeriss fabric's full per-layer results into tests/data/eyeriss_golden.json.

Run ONCE on the reference implementation (the full vectorised RS mapping search over every batch tile n,
before the batch-independent search of docs/eyeriss.md, "Mapping search") and committed;
tests/test_eyeriss_golden.py asserts that the current code reproduces every recorded LayerResult: cycles,
stalls, every energy and access value, the whole mapping (n, p, q, r, t, e, m, residency, NoC modes, ...).

Cases: the presets eyeriss, eyeriss-v2, eyeriss-bitfusion-baseline (their native bits) plus variants that
exercise the other search paths (zero gating and RLC ratios with 50 % activation sparsity, the edp and
cycles objectives, v2 with weight sparsity, filter-load overlap on v1); networks alexnet, vgg16, resnet18,
mobilenetv2 at batch 1, 3, 4 and 16.

    .venv/bin/python tests/data/make_eyeriss_golden.py
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from accelsim.fabrics import load_arch
from accelsim.fabrics.eyeriss import EyerissArch
from accelsim.pricing import evaluate
from accelsim.workload import Network, Precision, load_network

OUT = Path(__file__).resolve().parent / "eyeriss_golden.json"
NETWORKS = ("alexnet", "vgg16", "resnet18", "mobilenetv2")
BATCHES = (1, 3, 4, 16)

#: (case name, preset, overrides)
VARIANTS: tuple[tuple[str, str, dict], ...] = (
    ("eyeriss", "eyeriss", {}),
    ("eyeriss-v2", "eyeriss-v2", {}),
    ("eyeriss-bitfusion-baseline", "eyeriss-bitfusion-baseline", {}),
    ("eyeriss-sparse50", "eyeriss", {"activation_sparsity": 0.5}),
    ("eyeriss-edp-overlap", "eyeriss", {"mapping_objective": "edp", "filter_load_overlap": True}),
    ("eyeriss-cycles", "eyeriss", {"mapping_objective": "cycles"}),
    ("eyeriss-v2-sparse", "eyeriss-v2", {"activation_sparsity": 0.5, "weight_sparsity": 0.3}),
)


def make_arch(preset: str, overrides: dict) -> EyerissArch:
    base = load_arch(preset).model_dump()
    base.update(overrides)
    return EyerissArch.model_validate(base)


def networks(batches=BATCHES, names=NETWORKS) -> list[tuple[str, Network]]:
    out = []
    for name in names:
        net = load_network(name)
        for b in batches:
            out.append((f"{name}@{b}", net if b == net.batch else net.with_batch(b)))
    return out


def result_dict(layer, precision, arch) -> dict:
    r, cost = evaluate(layer, precision, arch)
    return {
        "compute_cycles": r.compute_cycles,
        "stall_cycles": r.stall_cycles,
        "energy_breakdown_pj": dict(cost.energy_breakdown_pj),
        "accesses": dict(r.accesses),
        "peak_macs_per_cycle": r.peak_macs_per_cycle,
        "mapping_efficiency": r.mapping_efficiency,
        "mapping": r.mapping.as_dict(),
    }


def main() -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False, cwd=OUT.parent
    ).stdout
    cases = []
    nets = networks()
    for case, preset, overrides in VARIANTS:
        arch = make_arch(preset, overrides)
        precision = Precision(w_bits=arch.weight_bits, a_bits=arch.act_bits, out_bits=arch.act_bits)
        for net_name, net in nets:
            for i, layer in enumerate(net.layers):
                if not (layer.has_macs or layer.op == "pool"):
                    continue
                cases.append({
                    "arch": case,
                    "network": net_name,
                    "layer_index": i,
                    "layer": layer.name,
                    "bits": [precision.w_bits, precision.a_bits],
                    "result": result_dict(layer, precision, arch),
                })  # fmt: skip
    lines = ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases)  # one case per line
    OUT.write_text(f'{{"generated_at_commit":"{commit.strip()}","cases":[\n{lines}\n]}}\n')
    print(f"{len(cases)} layer results -> {OUT}")


if __name__ == "__main__":
    main()
