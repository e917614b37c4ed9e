#!/usr/bin/env python3
"""CACTI-IO runs behind the DRAM link energies of accelsim/data/dram_devices.yaml (``links``).

CACTI: github.com/HewlettPackard/cacti at 1ffd8dfb10303d306ecd8d215320aea07651e878 (CACTI 7.0), built with a
plain ``make`` outside this repository (set CACTI_SRC, default /work/peers/cacti/src). CACTI runs its
external-IO model (extio, CACTI-IO) after every run and prints the interface's dynamic, PHY, and termination
and bias power. The cfg is the shipped cache.cfg with three lines changed: ``-dram type`` (the shipped file
spells it ``-dram_type``, which CACTI does not parse, so its example always runs DDR3), ``-io state`` (READ
or WRITE) and ``-bus_freq`` (the I/O clock: 800 MHz for DDR3-1600, 1200 MHz for DDR4-2400).

    python3 tools/cacti_io_dram.py       # prints the read_mw / write_mw of each link
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

SRC = Path(os.environ.get("CACTI_SRC", "/work/peers/cacti/src"))
LINKS = {"DDR3": 800, "DDR4": 1200}  # type -> -bus_freq (MHz)
POWER = re.compile(
    r"IO Dynamic Power \(mW\) = ([\d.]+) PHY Power \(mW\) = ([\d.]+).*?"
    r"IO Termination and Bias Power \(mW\) = ([\d.]+)",
    re.S,
)


def run(dram_type: str, state: str, bus_mhz: int) -> tuple[float, float, float]:
    cfg = (SRC / "cache.cfg").read_text()
    cfg = cfg.replace('-dram_type "DDR3"', f'-dram type "{dram_type}"')
    cfg = cfg.replace('-io state "WRITE"', f'-io state "{state}"')
    cfg = cfg.replace("-bus_freq 800 MHz", f"-bus_freq {bus_mhz} MHz")
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        f.write(cfg)
    out = subprocess.run(
        ["./cacti", "-infile", f.name], cwd=SRC, capture_output=True, text=True, timeout=300
    ).stdout
    m = POWER.search(out)
    if not m:
        raise SystemExit(f"no CACTI-IO output for {dram_type} {state}")
    return tuple(float(x) for x in m.groups())  # type: ignore[return-value]


def main() -> int:
    for dram_type, bus_mhz in LINKS.items():
        for state in ("READ", "WRITE"):
            dyn, phy, term = run(dram_type, state, bus_mhz)
            print(f"{dram_type} {state}: {dyn} + {phy} + {term} = {dyn + phy + term:.3f} mW")
    return 0


if __name__ == "__main__":
    sys.exit(main())
