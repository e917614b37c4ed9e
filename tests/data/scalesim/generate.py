"""Regenerate the SCALE-Sim golden data in this folder (run with the SCALE-Sim venv's python).

    /work/peers/scalesim-venv/bin/python tests/data/scalesim/generate.py [--only CASE ...] [--workdir DIR]

For every case it writes ``<case>/topology.csv`` and ``<case>/config.cfg``, runs the real SCALE-Sim CLI

    python -m scalesim.scale -c config.cfg -t topology.csv -l layout.csv -p <workdir>/<case>/out [-i gemm]

in ``<workdir>/<case>`` (``layout.csv`` is a header-only file: no custom layout is used, but the CLI
insists on a layout file), then reads COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and
DETAILED_ACCESS_REPORT.csv and writes ``<case>/golden.json`` (see README.md for the schema).
Only the numbers are committed, never SCALE-Sim's code or traces.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONV_HEADER = (
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,"
)
GEMM_HEADER = "Layer, M, N, K,"

# name, H, W, R, S, C, K, stride
SYNTHETIC = [
    ("conv_sq", 10, 10, 3, 3, 4, 8, 1),
    ("conv_nonsq", 12, 9, 3, 2, 5, 11, 1),
    ("conv_s2_ceil", 14, 14, 3, 3, 3, 16, 2),  # ceil((14-3+2)/2)=7 != floor((14-3)/2)+1=6
    ("conv_s2_exact", 15, 13, 3, 3, 6, 10, 2),
    ("pw_1x1", 7, 7, 1, 1, 20, 13, 1),
    ("fc_like", 1, 1, 1, 1, 70, 19, 1),
    ("odd_mnk", 11, 13, 2, 3, 7, 9, 1),  # M=110, N=9, K=42
    ("dw_DP", 9, 9, 3, 3, 3, 1, 1),  # 'DP' in the name: SCALE-Sim splits it into 3 one-channel layers
]

# name, M, N, K  (SCALE-Sim -i gemm)
GEMM = [
    ("g_small", 20, 9, 33),
    ("g_tall", 70, 5, 17),
    ("g_wide", 3, 40, 12),
]


def _resnet18() -> list[tuple]:
    """ResNet-18 (ImageNet 224) conv layers + fc, without padding.

    SCALE-Sim has no padding field; each conv is written with the padding-equivalent input size
    H' = (P-1)*s + R, the smallest input that gives PyTorch's output size P = 112/56/28/14/7 under both
    SCALE-Sim's ceil((H'-R+s)/s) and the floor((H'-R)/s)+1 convention.
    """
    rows = []

    def conv(name, p, r, s, c, k):
        h = (p - 1) * s + r
        rows.append((name, h, h, r, r, c, k, s))

    conv("conv1", 112, 7, 2, 3, 64)
    for b in range(2):
        conv(f"layer1.{b}.conv1", 56, 3, 1, 64, 64)
        conv(f"layer1.{b}.conv2", 56, 3, 1, 64, 64)
    cin = 64
    for stage, (cout, p) in enumerate([(128, 28), (256, 14), (512, 7)], start=2):
        conv(f"layer{stage}.0.conv1", p, 3, 2, cin, cout)
        conv(f"layer{stage}.0.conv2", p, 3, 1, cout, cout)
        conv(f"layer{stage}.0.downsample", p, 1, 2, cin, cout)
        conv(f"layer{stage}.1.conv1", p, 3, 1, cout, cout)
        conv(f"layer{stage}.1.conv2", p, 3, 1, cout, cout)
        cin = cout
    rows.append(("fc", 1, 1, 1, 1, 512, 1000, 1))
    return rows


ARRAYS = [(8, 8), (16, 16), (32, 32), (8, 32)]
DATAFLOWS = ["os", "ws", "is"]

CFG_TEMPLATE = """[general]
run_name = {run_name}

[architecture_presets]
ArrayHeight:    {rows}
ArrayWidth:     {cols}
IfmapSramSzkB:   {sram_kb}
FilterSramSzkB:  {sram_kb}
OfmapSramSzkB:   {sram_kb}
IfmapOffset:    0
FilterOffset:   10000000
OfmapOffset:    20000000
Bandwidth : {bandwidth}
Dataflow : {dataflow}
ReadRequestBuffer: 512
WriteRequestBuffer: 512

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: {bank_bw}
IfmapSRAMBankNum: {bank_num}
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: {bank_bw}
FilterSRAMBankNum: {bank_num}
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth: {bw_mode}
UseRamulatorTrace: False
"""


def cases() -> dict[str, dict]:
    """All cases: name -> topology rows, input type and config parameters."""
    out: dict[str, dict] = {}
    calc = {"sram_kb": 4096, "bandwidth": 10, "bank_bw": 10, "bank_num": 10, "bw_mode": "CALC"}
    for h, w in ARRAYS:
        for df in DATAFLOWS:
            arch = {"rows": h, "cols": w, "dataflow": df, **calc}
            out[f"synthetic_{df}_{h}x{w}"] = {"topo": SYNTHETIC, "input_type": "conv", **arch}
            out[f"gemm_{df}_{h}x{w}"] = {"topo": GEMM, "input_type": "gemm", **arch}
    for df in DATAFLOWS:
        arch = {"rows": 32, "cols": 32, "dataflow": df, **calc}
        out[f"resnet18_{df}_32x32"] = {"topo": _resnet18(), "input_type": "conv", **arch}
    # finite bandwidth: USER mode, 1 kB SRAMs and 2 words/cycle backing bandwidth -> stalls
    user = {"sram_kb": 1, "bandwidth": 2, "bank_bw": 2, "bank_num": 1, "bw_mode": "USER"}
    for df in DATAFLOWS:
        arch = {"rows": 16, "cols": 16, "dataflow": df, **user}
        out[f"synthetic_{df}_16x16_userbw"] = {"topo": SYNTHETIC, "input_type": "conv", **arch}
    return out


def topology_text(case: dict) -> str:
    """The topology CSV exactly as SCALE-Sim reads it (header, one row per layer, trailing commas)."""
    header = GEMM_HEADER if case["input_type"] == "gemm" else CONV_HEADER
    lines = [header] + [", ".join(str(v) for v in row) + "," for row in case["topo"]]
    return "\n".join(lines) + "\n"


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def read_report(path: Path) -> tuple[list[str], list[list[int | float]]]:
    """A SCALE-Sim report: its column names (stripped, trailing empty column dropped) and rows."""
    with path.open() as f:
        rows = [[c.strip() for c in r] for r in csv.reader(f) if r]
    header = [c for c in rows[0] if c]
    body = [[_number(c) for c in r[: len(header)]] for r in rows[1:]]
    return header, body


def layer_names(case: dict) -> list[str]:
    """Layer names in SCALE-Sim's order ('DP' conv layers are split into one layer per channel)."""
    names = []
    for row in case["topo"]:
        if case["input_type"] == "conv" and "DP" in row[0]:
            names += [f"{row[0]}Channel_{i}" for i in range(row[5])]
        else:
            names.append(row[0])
    return names


def write_inputs(name: str, case: dict, workdir: Path) -> tuple[Path, Path]:
    """Write <case>/topology.csv, <case>/config.cfg and <workdir>/<case>/layout.csv."""
    cdir = HERE / name
    cdir.mkdir(exist_ok=True)
    (cdir / "topology.csv").write_text(topology_text(case))
    params = {k: v for k, v in case.items() if k not in ("topo", "input_type")}
    (cdir / "config.cfg").write_text(CFG_TEMPLATE.format(run_name=name, **params))
    wdir = workdir / name
    wdir.mkdir(parents=True, exist_ok=True)
    (wdir / "layout.csv").write_text("Layer name,\n")
    return cdir, wdir


def run_case(name: str, case: dict, workdir: Path, reuse: bool = False) -> None:
    """Write the inputs, run SCALE-Sim on them and write golden.json."""
    cdir, wdir = write_inputs(name, case, workdir)
    cmd = [
        sys.executable,
        "-m",
        "scalesim.scale",
        "-c",
        str(cdir / "config.cfg"),
        "-t",
        str(cdir / "topology.csv"),
        "-l",
        str(wdir / "layout.csv"),
        "-p",
        str(wdir / "out"),
    ]
    if case["input_type"] == "gemm":
        cmd += ["-i", "gemm"]
    rdir = wdir / "out" / name
    if not (reuse and (rdir / "COMPUTE_REPORT.csv").exists()):
        subprocess.run(cmd, check=True, cwd=wdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    names = layer_names(case)
    layers = [{"layer_name": n} for n in names]
    for report in ("COMPUTE_REPORT", "BANDWIDTH_REPORT", "DETAILED_ACCESS_REPORT"):
        header, body = read_report(rdir / f"{report}.csv")
        assert len(body) == len(names), (report, len(body), len(names))
        for layer, row in zip(layers, body, strict=True):
            for col, val in zip(header, row, strict=True):
                if col == "LayerID" and "LayerID" in layer:
                    assert layer["LayerID"] == val
                layer[col] = val
    golden = {
        "scalesim_version": version("scalesim"),
        "case": name,
        "input_type": case["input_type"],
        "command": "python -m scalesim.scale -c config.cfg -t topology.csv -l layout.csv -p out"
        + (" -i gemm" if case["input_type"] == "gemm" else ""),
        "config": {
            "ArrayHeight": case["rows"],
            "ArrayWidth": case["cols"],
            "Dataflow": case["dataflow"],
            "InterfaceBandwidth": case["bw_mode"],
            "SramSzkB": case["sram_kb"],
            "Bandwidth": case["bandwidth"],
            "SRAMBankBandwidth": case["bank_bw"],
            "SRAMBankNum": case["bank_num"],
        },
        "layers": layers,
    }
    (cdir / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="case names (default: all but resnet18_*)")
    parser.add_argument("--all", action="store_true", help="include the slow resnet18_* cases")
    parser.add_argument("--reuse", action="store_true", help="parse existing reports instead of running")
    parser.add_argument("--write-only", action="store_true", help="only write topology.csv/config.cfg")
    parser.add_argument("--workdir", type=Path, default=Path("/work/peers/runs"))
    args = parser.parse_args()
    todo = cases()
    names = args.only or [n for n in todo if args.all or not n.startswith("resnet18")]
    for name in names:
        print(name, flush=True)
        if args.write_only:
            write_inputs(name, todo[name], args.workdir)
        else:
            run_case(name, todo[name], args.workdir, args.reuse)


if __name__ == "__main__":
    main()
