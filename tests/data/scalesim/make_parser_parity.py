"""Record which topology files the real SCALE-Sim 3.0.0 accepts (tests/test_scalesim_io.py checks that
accelsim's reader accepts exactly the same ones).

Run with the SCALE-Sim venv's python (README.md in this folder), from any directory:

    /work/peers/scalesim-venv/bin/python tests/data/scalesim/make_parser_parity.py

It writes ``parser_parity.json`` beside this script: per case, the topology text and whether
``python -m scalesim.scale`` ran it to a COMPUTE_REPORT.csv (with this folder's synthetic_os_8x8 config).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = (
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
)
CASES = {
    "trailing-comma": HEADER + "c1, 10, 12, 3, 3, 5, 11, 1,\n",
    "no-trailing-comma": HEADER.rstrip(",\n") + "\nc1, 10, 12, 3, 3, 5, 11, 1\n",
    "sparsity-column": "whatever\n\nc1, 10, 12, 3, 3, 5, 11, 1, 2:4,\n",
}


def scalesim_accepts(text: str) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "topo.csv").write_text(text)
        (tmp_path / "layout.csv").write_text("Layer name,\n")
        cfg = HERE / "synthetic_os_8x8" / "config.cfg"
        cmd = [sys.executable, "-m", "scalesim.scale", "-c", str(cfg), "-t", "topo.csv", "-l", "layout.csv",
               "-p", "out"]  # fmt: skip
        run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, timeout=300)
        return run.returncode == 0 and (tmp_path / "out" / "synthetic_os_8x8" / "COMPUTE_REPORT.csv").exists()


def main() -> None:
    from importlib.metadata import version

    import scalesim  # noqa: F401  (fails early outside the SCALE-Sim venv)

    out = {
        "scalesim": version("scalesim"),
        "cases": {
            name: {"text": text, "scalesim_accepts": scalesim_accepts(text)} for name, text in CASES.items()
        },
    }
    (HERE / "parser_parity.json").write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: v["scalesim_accepts"] for k, v in out["cases"].items()}))


if __name__ == "__main__":
    main()
