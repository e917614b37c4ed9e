"""Refold streaming presets with the current search and write them back, keeping their header comments and
descriptive fields: ``.venv/bin/python tools/refold_presets.py PRESET:NETWORK[:BITS[:QUANTIZER]] ...``.

tests/test_fpga_table3.py fails when a preset's folding is no longer what the search returns; this is how the
presets are brought back in line (and the change is then a deliberate, reviewed diff)."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from accelsim.fabrics import load_arch
from accelsim.fabrics.registry import PRESET_DIR
from accelsim.fabrics.streaming import fold_network, folded_fields
from accelsim.simulate import resolve_network

#: fields a folding writes; everything else of the preset is kept as it is
FOLDING_FIELDS = ("folding", "swg_simd", "swg_parallel_window", "layer_res_type", "layer_mvau_impl")


class _Flow(list):
    pass


yaml.add_representer(_Flow, lambda d, x: d.represent_sequence("tag:yaml.org,2002:seq", x, flow_style=True))


def refold(preset: str, network: str, bits: str | None, quantizer: str | None = None) -> None:
    path = PRESET_DIR / f"{preset}.yaml"
    text = path.read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    fields = yaml.safe_load(text)
    arch = load_arch(preset, **{k: ([] if k == "swg_parallel_window" else {}) for k in FOLDING_FIELDS})
    _, _, units = fold_network(resolve_network(network, bits, None, quantizer=quantizer), arch)
    new = folded_fields(units)
    new["folding"] = {k: _Flow(v) for k, v in new["folding"].items()}
    out = {k: v for k, v in fields.items() if k not in FOLDING_FIELDS}
    out.update({k: v for k, v in new.items() if v})
    Path(path).write_text(header + yaml.dump(out, sort_keys=False, width=110))
    print(f"refolded {preset} for {network} {bits or ''}")


def main(argv: list[str]) -> int:
    for spec in argv:
        preset, network, *rest = spec.split(":")
        refold(preset, network, rest[0] if rest else None, rest[1] if len(rest) > 1 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
