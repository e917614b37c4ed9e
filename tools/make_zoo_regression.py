"""Write tests/data/zoo_regression.json: every preset's cycles, energies and area on a fixed set of networks.

The file pins what the fabrics computed *before* the cost stage (issue 13): ``tests/test_zoo_regression.py``
requires identical cycles and energies within 1e-9 relative from the current code, with unchanged pricing
inputs. Regenerate only when a change is meant to move the numbers, and say so in the commit.

The committed file was priced with the linear node-scaling rule accelsim used until December 2026; the test
compares under that rule (tests/golden_util.py, ``linear_node_rule``). Regenerating would price with the
current Stillmaker-Baas rule: then drop ``linear_node_rule`` from the test in the same commit.

    .venv/bin/python tools/make_zoo_regression.py [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from accelsim import simulate
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import available_presets, load_arch

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "zoo_regression.json"
#: small networks covering conv, depthwise, fc, matmul of two activations, pool/add, and two bit widths
CASES: list[tuple[str, str | None]] = [
    ("lenet5", None),
    ("lenet5", "4/4"),
    ("resnet20", None),
    ("mobilenetv2", None),
    ("bitfusion-lstm", None),
    ("bert-base-encoder", None),
]


def snapshot() -> dict:
    out: dict = {}
    for preset in available_presets():
        arch = load_arch(preset)
        entry: dict = {}
        for net, bits in CASES:
            key = f"{net}@{bits or 'native'}"
            try:
                rep = simulate(net, arch, bits=bits)
            except AccelsimInputError as exc:
                entry[key] = {"error": str(exc)}
                continue
            entry[key] = {
                "cycles": [[x.compute_cycles, x.stall_cycles] for x in rep.layers],
                "energy_pj": [x.energy_pj for x in rep.layers],
                "breakdown_pj": rep.totals.energy_breakdown_pj,
                "area_mm2": rep.totals.area_mm2,
            }
        out[preset] = entry
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file, write nothing")
    args = parser.parse_args()
    data = snapshot()
    if args.check:
        same = json.loads(OUT.read_text()) == json.loads(json.dumps(data))
        print("identical" if same else "differs")
        return 0 if same else 1
    OUT.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
