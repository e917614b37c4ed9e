"""Ctrl-C (SIGINT to the whole foreground process group, as a terminal sends it) stops a sweep with one
line saying what was kept, exit code 130, no worker left behind, and the same command resumes it.
(How fast it stops is measured in benchmarks/bench_interrupt.py, not asserted here.)"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import yaml

ACCELSIM = [sys.executable, "-c", "from accelsim.cli import main; main()"]


def _spec(tmp_path: Path) -> Path:
    spec = {"name": "ctrlc", "base": "ideal", "networks": ["resnet18"],
            "axes": {"macs_per_cycle": list(range(64, 64 + 400)), "bits": ["8/8", "4/4"]},
            "objectives": ["latency_s", "energy_pj"]}  # fmt: skip
    p = tmp_path / "ctrlc.yaml"
    p.write_text(yaml.safe_dump(spec))
    return p


def _stored(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as c:
            return c.execute("select count(*) from points").fetchone()[0]
    except sqlite3.Error:
        return 0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def test_ctrl_c_stops_a_sweep_and_the_same_command_resumes(tmp_path):
    spec, db = _spec(tmp_path), tmp_path / "s.db"
    cmd = [*ACCELSIM, "sweep", str(spec), "--store", str(db), "--workers", "2", "-q"]
    p = subprocess.Popen(cmd, cwd=tmp_path, start_new_session=True, preexec_fn=_default_sigint,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 120
    while _stored(db) == 0 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert p.poll() is None, "the sweep finished before it could be interrupted"
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines[-1].startswith("accelsim: interrupted:") and "resume" in lines[-1]
    assert "Traceback" not in err
    left = subprocess.run(["pgrep", "-g", str(p.pid)], capture_output=True, text=True).stdout.split()
    assert left == [], f"processes left behind: {left}"
    kept = _stored(db)
    assert 0 < kept < 800
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert _stored(db) == 800  # every point exactly once
