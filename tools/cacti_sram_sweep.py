#!/usr/bin/env python3
"""CACTI 7 sweep of plain SRAM scratchpads ("-cache type" "ram") at 45 nm: the data behind accelsim's SRAM
energy and area fit (accelsim/data/cacti_sram_45nm.csv, accelsim.tech.sram_*_fit).

CACTI: github.com/HewlettPackard/cacti at 1ffd8dfb10303d306ecd8d215320aea07651e878 (CACTI 7.0), built with
a plain `make` (g++ 12.2), outside this repository (set CACTI_SRC, default /work/peers/cacti/src). The cfg
is tools/cacti_sram_template.cfg: the shipped cache.cfg with the size, block, ports and bus width swept,
associativity 1, technology 0.045, 350 K, cache type "ram", ECC off (a plain scratchpad).
Outputs go to OUT_DIR (default: /work/peers/cacti); copy sram_45nm.csv to accelsim/data/cacti_sram_45nm.csv.

For every (capacity_bytes, word_bits, rw_ports) combination this writes a cfg
from sram_template.cfg, runs `./cacti -infile <cfg>` (cwd = the CACTI source
dir, because CACTI opens tech_params/45nm.dat relative to cwd) and parses the
summary block of the output.

Outputs (all next to this script):
  sram_45nm.csv           requested columns
  sram_45nm_extended.csv  same rows + cycle time, gate leakage, height/width,
                          chosen Ndwl/Ndbl/Nspd/Ndcm/Ndsam, area efficiency
  sram_45nm_skipped.csv   combinations CACTI rejected, with the reason
  runs/<name>.cfg/.out    raw cfg and CACTI stdout+stderr for every point

Usage: python3 sweep.py [--jobs N] (N <= 2 recommended on this machine)
"""

import argparse
import csv
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.environ.get("OUT_DIR", "/work/peers/cacti")
SRC = os.environ.get("CACTI_SRC", "/work/peers/cacti/src")
CACTI = os.path.join(SRC, "cacti")
TEMPLATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cacti_sram_template.cfg")
RUNS = os.path.join(HERE, "runs")

CAPACITIES = [1024 << i for i in range(13)]  # 1 KiB .. 4 MiB
WORD_BITS = [8, 16, 32, 64, 128, 256]
RW_PORTS = [1, 2]
ADD_ECC = "false"  # plain scratchpad: no ECC bits on the data H-tree
# CACTI 7 accepts any block size >= 1 byte as long as block_bytes*8 >= bus
# width (io.cc InputParameter::error_checking), so no 4-byte floor is needed.
MIN_BLOCK_BYTES = 1

COLUMNS = [
    "capacity_bytes",
    "word_bits",
    "block_bytes",
    "rw_ports",
    "read_energy_pj",
    "write_energy_pj",
    "leakage_mw",
    "area_mm2",
    "access_time_ns",
]
EXTRA = [
    "cycle_time_ns",
    "gate_leakage_mw",
    "height_mm",
    "width_mm",
    "area_efficiency_pct",
    "Ndwl",
    "Ndbl",
    "Nspd",
    "Ndcm",
    "Ndsam_L1",
    "Ndsam_L2",
]

NUM = r"([-+0-9.eE]+|inf|nan)"
PATTERNS = {
    "access_time_ns": r"^\s*Access time \(ns\):\s*" + NUM,
    "cycle_time_ns": r"^\s*Cycle time \(ns\):\s*" + NUM,
    "read_nj": r"^\s*Total dynamic read energy per access \(nJ\):\s*" + NUM,
    "write_nj": r"^\s*Total dynamic write energy per access \(nJ\):\s*" + NUM,
    "leakage_mw": r"^\s*Total leakage power of a bank \(mW\):\s*" + NUM,
    "gate_leakage_mw": r"^\s*Total gate leakage power of a bank \(mW\):\s*" + NUM,
    "hw": r"^\s*Cache height x width \(mm\):\s*" + NUM + r"\s*x\s*" + NUM,
    "data_area_mm2": r"^\s*Data array: Area \(mm2\):\s*" + NUM,
    "area_efficiency_pct": r"Area efficiency \(Memory cell area/Total area\) - " + NUM,
    "Ndwl": r"^\s*Best Ndwl :\s*(\d+)",
    "Ndbl": r"^\s*Best Ndbl :\s*(\d+)",
    "Nspd": r"^\s*Best Nspd :\s*" + NUM,
    "Ndcm": r"^\s*Best Ndcm :\s*(\d+)",
    "Ndsam_L1": r"^\s*Best Ndsam L1 :\s*(\d+)",
    "Ndsam_L2": r"^\s*Best Ndsam L2 :\s*(\d+)",
}
REQUIRED = ["access_time_ns", "read_nj", "write_nj", "leakage_mw", "data_area_mm2"]


def run_point(cap, wbits, ports, template):
    block = max(wbits // 8, MIN_BLOCK_BYTES)
    bus = wbits  # == block*8 here, so the "block >= bus/8" check passes
    name = f"c{cap}_w{wbits}_p{ports}"
    cfg = os.path.join(RUNS, name + ".cfg")
    out = os.path.join(RUNS, name + ".out")
    text = (
        template.replace("{capacity_bytes}", str(cap))
        .replace("{block_bytes}", str(block))
        .replace("{rw_ports}", str(ports))
        .replace("{bus_bits}", str(bus))
        .replace("{ecc}", ADD_ECC)
    )
    with open(cfg, "w") as f:
        f.write(text)
    base = {"capacity_bytes": cap, "word_bits": wbits, "block_bytes": block, "rw_ports": ports}
    try:
        p = subprocess.run([CACTI, "-infile", cfg], cwd=SRC, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return base, None, "timeout after 600 s"
    with open(out, "w") as f:
        f.write(p.stdout)
        if p.stderr:
            f.write("\n--- stderr ---\n" + p.stderr)
    vals = {}
    for key, pat in PATTERNS.items():
        m = re.search(pat, p.stdout, re.M)
        if m:
            vals[key] = m.groups()
    missing = [k for k in REQUIRED if k not in vals]
    if p.returncode != 0 or missing:
        errs = [
            line.strip()
            for line in (p.stderr + "\n" + p.stdout).splitlines()
            if re.search(r"error|must|invalid|too small|no valid", line, re.I)
        ]
        reason = "; ".join(errs) or f"rc={p.returncode}, missing {missing}"
        return base, None, reason

    def g(k):
        return float(vals[k][0])

    row = dict(base)
    row.update(
        {
            "read_energy_pj": g("read_nj") * 1e3,
            "write_energy_pj": g("write_nj") * 1e3,
            "leakage_mw": g("leakage_mw"),
            # ram type has no tag array, so the data-array area is the total area
            "area_mm2": g("data_area_mm2"),
            "access_time_ns": g("access_time_ns"),
            "cycle_time_ns": g("cycle_time_ns") if "cycle_time_ns" in vals else "",
            "gate_leakage_mw": g("gate_leakage_mw") if "gate_leakage_mw" in vals else "",
            "height_mm": float(vals["hw"][0]) if "hw" in vals else "",
            "width_mm": float(vals["hw"][1]) if "hw" in vals else "",
            "area_efficiency_pct": g("area_efficiency_pct") if "area_efficiency_pct" in vals else "",
        }
    )
    for k in ["Ndwl", "Ndbl", "Nspd", "Ndcm", "Ndsam_L1", "Ndsam_L2"]:
        row[k] = vals[k][0] if k in vals else ""
    return base, row, None


def fmt(v):
    return f"{v:.6g}" if isinstance(v, float) else v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    if not os.access(CACTI, os.X_OK):
        sys.exit(f"CACTI binary not found at {CACTI}; run make in {SRC}")
    os.makedirs(RUNS, exist_ok=True)
    template = open(TEMPLATE).read()
    combos = [(c, w, p) for c in CAPACITIES for w in WORD_BITS for p in RW_PORTS]
    with ThreadPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as ex:
        results = list(ex.map(lambda a: run_point(*a, template), combos))
    ok = [r for _, r, e in results if r is not None]
    skipped = [(b, e) for b, r, e in results if r is None]
    with open(os.path.join(HERE, "sram_45nm.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for r in ok:
            w.writerow([fmt(r[c]) for c in COLUMNS])
    with open(os.path.join(HERE, "sram_45nm_extended.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS + EXTRA)
        for r in ok:
            w.writerow([fmt(r[c]) for c in COLUMNS + EXTRA])
    with open(os.path.join(HERE, "sram_45nm_skipped.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["capacity_bytes", "word_bits", "block_bytes", "rw_ports", "reason"])
        for b, e in skipped:
            w.writerow([b["capacity_bytes"], b["word_bits"], b["block_bytes"], b["rw_ports"], e])
    print(f"{len(ok)} rows ok, {len(skipped)} skipped (of {len(combos)})")


if __name__ == "__main__":
    main()
