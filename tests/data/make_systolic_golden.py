"""Record the systolic fabric's full per-layer results into tests/data/systolic_golden.json.

Run on the reference implementation (before the speed-up of the systolic evaluation; see
docs/systolic.md, "Speed") and committed, and rerun once by design when ``native_operand_bits`` made
operands wider than the native MAC width take several passes (only the tpu-v1 16/16 results changed); tests/test_systolic_speedup_equality.py asserts that the current
code reproduces every recorded LayerResult: cycles, stalls, every energy and access value, the mapping.

Cases: every systolic preset (tpu-v1, systolic-vwa, scalesim-32x32-{os,ws,is}) plus native-mode variants of
the 32×32 arrays with small, single- or double-buffered SRAMs (they exercise the refetch, stream-tiling and
psum-spill paths the presets rarely reach), and one simpy-stall variant; networks resnet18, mobilenetv2,
vgg16 (batch 1 and 3), bert-base-encoder, lenet5, alexnet; bits 8/8, 4/4, 16/16 (out_bits = a_bits).

    .venv/bin/python tests/data/make_systolic_golden.py
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from accelsim.fabrics import load_arch
from accelsim.fabrics.systolic import SystolicArch
from accelsim.pricing import evaluate
from accelsim.workload import Network, Precision, load_network

OUT = Path(__file__).resolve().parent / "systolic_golden.json"
PRESETS = ("tpu-v1", "systolic-vwa", "scalesim-32x32-os", "scalesim-32x32-ws", "scalesim-32x32-is")
NETWORKS = (
    ("resnet18", 1),
    ("mobilenetv2", 1),
    ("vgg16", 1),
    ("vgg16", 3),
    ("bert-base-encoder", 1),
    ("lenet5", 1),
    ("alexnet", 1),
)
BITS = ((8, 8), (4, 4), (16, 16))


def _small(dataflow: str, double: bool, kib: int) -> dict:
    buf = {"capacity_bytes": kib * 1024, "double_buffered": double}
    return {
        "mode": "native",
        "buffers": {"ifmap": dict(buf), "filter": dict(buf), "ofmap": dict(buf)},
        "dram": {"bandwidth_bytes_per_cycle": 8.0, "energy_pj_per_bit": 20.0},
        "name": f"native-32x32-{dataflow}-{kib}k-{'db' if double else 'sb'}",
    }


#: (case name, preset, overrides)
VARIANTS: tuple[tuple[str, str, dict], ...] = (
    *((p, p, {}) for p in PRESETS),
    *(
        (f"native-32x32-{df}-{kib}k-{'db' if db else 'sb'}", f"scalesim-32x32-{df}", _small(df, db, kib))
        for df in ("os", "ws", "is")
        for db, kib in ((True, 16), (False, 4))
    ),
    ("systolic-vwa-simpy", "systolic-vwa", {"stall_model": "simpy", "max_tiles_per_layer": 64}),
    (
        "tpu-v1-nobw-regs",
        "tpu-v1",
        {
            "dram": {"bandwidth_bytes_per_cycle": None, "energy_pj_per_bit": 15.0},
            "register_pj_per_bit": 0.01,
            "link_pj_per_bit_hop": 0.02,
        },
    ),
)


def make_arch(preset: str, overrides: dict) -> SystolicArch:
    base = load_arch(preset).model_dump()
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and key != "buffers":
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return SystolicArch.model_validate(base)


def networks() -> list[tuple[str, Network]]:
    out = []
    for name, batch in NETWORKS:
        net = load_network(name)
        out.append((f"{name}@{batch}", net if batch == 1 else net.with_batch(batch)))
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
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False).stdout
    cases = []
    nets = networks()
    for case, preset, overrides in VARIANTS:
        arch = make_arch(preset, overrides)
        for w, a in BITS:
            precision = Precision(w_bits=w, a_bits=a, out_bits=a)
            for net_name, net in nets:
                for i, layer in enumerate(net.layers):
                    cases.append({
                        "arch": case,
                        "network": net_name,
                        "layer_index": i,
                        "layer": layer.name,
                        "bits": [w, a],
                        "result": result_dict(layer, precision, arch),
                    })  # fmt: skip
    lines = ",\n".join(json.dumps(c, separators=(",", ":")) for c in cases)  # one case per line
    OUT.write_text(f'{{"generated_at_commit":"{commit.strip()}","cases":[\n{lines}\n]}}\n')
    print(f"{len(cases)} layer results -> {OUT}")


if __name__ == "__main__":
    main()
