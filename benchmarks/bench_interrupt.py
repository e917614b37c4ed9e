"""How fast Ctrl-C stops a command (issue 12 target: ≤ 2 s, with one line saying what was kept).

SIGINT goes to the whole process group, as a terminal's Ctrl-C does, once the command is busy: a sweep
after its first stored point (process-pool workers running), an ``--accuracy`` run and a large ``simulate``
after a fixed delay. Printed per command: seconds from the signal to the exit, the exit code, the last
stderr line, and the processes left in the group (must be none).

    .venv/bin/python benchmarks/bench_interrupt.py
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ACCELSIM = [sys.executable, "-c", "from accelsim.cli import main; main()"]


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db) as c:
            return c.execute("select count(*) from points").fetchone()[0]
    except sqlite3.Error:
        return 0


def interrupt(cmd: list[str], cwd: Path, ready) -> tuple[float, int, str, list[str]]:
    p = subprocess.Popen(cmd, cwd=cwd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler))  # fmt: skip
    deadline = time.monotonic() + 120
    while not ready() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    if p.poll() is not None:
        return float("nan"), p.returncode, "finished before the signal", []
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=120)
    dt = time.monotonic() - t0
    time.sleep(0.3)
    left = subprocess.run(["pgrep", "-g", str(p.pid)], capture_output=True, text=True).stdout.split()
    last = (err.strip().splitlines() or [""])[-1]
    return dt, p.returncode, last, left


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        spec = {"name": "bench", "base": "eyeriss", "networks": ["resnet50"],
                "axes": {"pe_rows": [8, 12, 16, 24], "pe_cols": [8, 14, 16, 32], "bits": ["8/8", "16/16"]},
                "objectives": ["latency_s", "energy_pj"]}  # fmt: skip
        (d / "s.yaml").write_text(yaml.safe_dump(spec))
        start = time.monotonic()
        cases = {
            "sweep (2 worker processes)": ([*ACCELSIM, "sweep", "s.yaml", "--store", "s.db", "-q"],
                                           lambda: _stored(d / "s.db") > 0),
            "simulate --accuracy (ResNet-18 on ISAAC)": (
                [*ACCELSIM, "simulate", "-n", "resnet18", "-a", "isaac", "--accuracy", "--bits", "8/8", "-q"],
                lambda: time.monotonic() - start > 4),
            "compare (ResNet-50, VGG-16: Bit Fusion vs Eyeriss)": (
                [*ACCELSIM, "compare", "-n", "resnet50", "-n", "vgg16", "--arch", "bitfusion", "--baseline",
                 "eyeriss", "--per-layer"], lambda: time.monotonic() - start > 1.0),
        }  # fmt: skip
        print(f"{'command':44s} {'stop s':>7s} {'exit':>5s}  left  last stderr line")
        for name, (cmd, ready) in cases.items():
            start = time.monotonic()
            dt, code, last, left = interrupt(cmd, d, ready)
            ok = "ok" if dt <= 2 and code in (130, 0) and not left else "MISS"
            print(f"{name:44s} {dt:7.2f} {code:5d}  {len(left):4d}  {last[:70]}  {ok}")


if __name__ == "__main__":
    main()
