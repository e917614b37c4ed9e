"""Design-space exploration: spec validation, store, resume after kill -9, runners agree, Pareto."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
import yaml

from accelsim.dse import ResultStore, expand, load_spec, pareto_mask, run_sweep
from accelsim.dse.spec import SweepSpec
from accelsim.errors import AccelsimInputError

SPEC = {
    "name": "t",
    "base": "ideal",
    "networks": ["lenet5"],
    "axes": {
        "macs_per_cycle": [64, 256, 1024],
        "dram.bandwidth_bytes_per_cycle": [8, 64],
        "bits": ["8/8", "4/4"],
    },
    "objectives": ["latency_s", "energy_pj"],
}


def spec(**kw):
    doc = {**SPEC, **kw}
    return SweepSpec.model_validate(doc)


def test_grid_expansion_and_keys():
    points = expand(spec())
    assert len(points) == 3 * 2 * 2
    assert len({p.key for p in points}) == len(points)
    sampled = expand(spec(sampling={"method": "random", "samples": 5, "seed": 1}))
    assert len(sampled) == 5 and {p.key for p in sampled} <= {p.key for p in points}
    assert [p.key for p in sampled] == [
        p.key for p in expand(spec(sampling={"method": "random", "samples": 5, "seed": 1}))
    ]


@pytest.mark.parametrize(
    "axes, match",
    [
        ({"macs_per_cycl": [1]}, "did you mean 'macs_per_cycle'"),
        ({"dram.bandwith_bytes_per_cycle": [1]}, "did you mean 'bandwidth_bytes_per_cycle'"),
        ({"macs_per_cycle": []}, "non-empty"),
        ({}, "nothing to sweep"),
        ({"bits": ["9/0"]}, "bit width"),
        ({"layer_bits.nope": ["4/4"]}, "no layer 'nope'"),
        ({"macs_per_cycle": [-3]}, "macs_per_cycle"),
    ],
)
def test_bad_axes_write_nothing(tmp_path, axes, match):
    db = tmp_path / "s.db"
    with pytest.raises(AccelsimInputError, match=match):
        run_sweep(spec(axes=axes), db)
    assert not db.exists()


def test_unreachable_scheduler_writes_nothing(tmp_path):
    db = tmp_path / "s.db"
    with pytest.raises(AccelsimInputError, match="scheduler: cannot reach"):
        run_sweep(spec(), db, runner="dask", scheduler="tcp://127.0.0.1:9", workers=1)
    assert not db.exists()


def test_serial_and_processes_agree_and_resume(tmp_path):
    a = run_sweep(spec(), tmp_path / "a.db", runner="serial")
    b = run_sweep(spec(), tmp_path / "b.db", runner="processes", workers=2)
    assert a.evaluated == b.evaluated == 12
    rows_a = {r["key"]: r for r in ResultStore(tmp_path / "a.db").rows()}
    rows_b = {r["key"]: r for r in ResultStore(tmp_path / "b.db").rows()}
    assert rows_a.keys() == rows_b.keys()
    for k in rows_a:
        assert rows_a[k]["latency_s"] == rows_b[k]["latency_s"]
        assert rows_a[k]["energy_pj"] == rows_b[k]["energy_pj"]
    again = run_sweep(spec(), tmp_path / "a.db", runner="serial")
    assert (again.skipped, again.evaluated) == (12, 0)


def test_dask_local_cluster(tmp_path):
    out = run_sweep(spec(axes={"macs_per_cycle": [64, 128]}), tmp_path / "d.db", runner="dask", workers=1)
    assert out.evaluated == 2
    assert ResultStore(tmp_path / "d.db").count() == 2


def test_constraints_flag_infeasible(tmp_path):
    s = spec(constraints={"power_w_max": 1e-3})
    run_sweep(s, tmp_path / "c.db")
    rows = ResultStore(tmp_path / "c.db").rows()
    assert all(r["feasible"] == (r["power_w"] <= 1e-3) for r in rows)


def test_kill_9_then_resume_every_point_exactly_once(tmp_path):
    doc = {**SPEC, "axes": {"macs_per_cycle": list(range(16, 16 + 400)), "bits": ["8/8", "4/4", "2/2"]}}
    spec_file = tmp_path / "big.yaml"
    spec_file.write_text(yaml.safe_dump(doc))
    db = tmp_path / "big.db"
    cmd = [
        sys.executable,
        "-m",
        "accelsim",
        "sweep",
        str(spec_file),
        "--store",
        str(db),
        "--runner",
        "serial",
        "-q",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    count = 0
    while time.time() < deadline and count < 50:
        time.sleep(0.05)
        if db.exists():
            try:
                count = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM points").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = ResultStore(db).count()
    assert 0 < partial < 1200, "the sweep must be killed mid-way for this test to mean anything"
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    conn = sqlite3.connect(db)
    total, distinct = conn.execute("SELECT COUNT(*), COUNT(DISTINCT key) FROM points").fetchone()
    assert total == distinct == 1200
    expected = {p.key for p in expand(load_spec(spec_file))}
    assert {r[0] for r in conn.execute("SELECT key FROM points")} == expected


def test_pareto_mask_matches_brute_force():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 20, size=(300, 3)).astype(float)
    mask = pareto_mask(values)
    for i in range(len(values)):
        dominated = any(
            (values[j] <= values[i]).all() and (values[j] < values[i]).any() for j in range(len(values))
        )
        assert mask[i] == (not dominated)


def test_cli_sweep_plot_and_export(tmp_path):
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(yaml.safe_dump(SPEC))
    png, csv = tmp_path / "f.png", tmp_path / "f.csv"
    cmd = [sys.executable, "-m", "accelsim", "sweep", str(spec_file), "--runner", "serial", "--plot", str(png),
           "--csv", str(csv)]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert "Pareto front" in out
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert len(csv.read_text().splitlines()) == 13
    bad = subprocess.run(cmd[:5] + ["--runner", "threads"], capture_output=True, text=True)
    assert bad.returncode == 2 and "runner: unknown 'threads'" in bad.stderr


def test_mismatch_objective_runs_the_datapath(tmp_path):
    """An accuracy-aware sweep: fewer bits cost less energy and mismatch more (measured on shipped weights)."""
    s = SweepSpec.model_validate(
        {"name": "acc", "base": "ideal", "networks": ["lenet5-digits"], "axes": {"bits": ["8/8", "2/2"]},
         "objectives": ["energy_pj", "mismatch"], "accuracy": {"max_images": 60}}
    )  # fmt: skip
    run_sweep(s, tmp_path / "a.db")
    rows = {r["bits"]: r for r in ResultStore(tmp_path / "a.db").rows()}
    assert rows["2/2"]["energy_pj"] < rows["8/8"]["energy_pj"]
    assert rows["8/8"]["mismatch"] <= 0.05 < rows["2/2"]["mismatch"]
    assert 0.9 <= rows["8/8"]["accuracy_int"] <= 1.0


def test_shipped_example_sweeps_validate():
    from pathlib import Path

    for path in (Path(__file__).parent.parent / "examples" / "sweeps").glob("*.yaml"):
        assert expand(load_spec(path)), path


def test_dask_scheduler_address_runs_the_same_sweep(tmp_path):
    """--scheduler tcp://host:port: connect to a running scheduler by address (here one we start on loopback)."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:  # fmt: skip
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        s = spec(axes={"macs_per_cycle": [64, 128, 256]})
        out = run_sweep(s, tmp_path / "r.db", runner="dask", scheduler=cluster.scheduler_address)
    assert out.evaluated == 3
    serial = run_sweep(s, tmp_path / "s.db", runner="serial")
    remote = {r["key"]: r["latency_s"] for r in ResultStore(tmp_path / "r.db").rows()}
    local = {r["key"]: r["latency_s"] for r in ResultStore(tmp_path / "s.db").rows()}
    assert remote == local and serial.evaluated == 3


def test_random_sampling_never_materialises_the_product():
    """1.6 M combinations: sampling draws indices, decoded exactly as itertools.product orders them."""
    import itertools
    import tracemalloc

    axes = {"macs_per_cycle": list(range(1, 1201)), "vector_lanes": list(range(1, 1351))}
    s = spec(axes=axes, sampling={"method": "random", "samples": 5, "seed": 3})
    tracemalloc.start()
    points = expand(s)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(points) == 5 and peak < 20e6
    from accelsim.dse.spec import _decode

    lists = [[1, 2, 3], ["a", "b"], [None, 0.5]]
    assert [_decode(i, lists) for i in range(12)] == list(itertools.product(*lists))


def test_schema_documents_every_field():
    from accelsim.fabrics import arch_json_schema

    defs = arch_json_schema()["$defs"]
    missing = [
        (m, p)
        for m, sch in defs.items()
        for p, v in sch.get("properties", {}).items()
        if not v.get("description")
    ]
    assert missing == []
