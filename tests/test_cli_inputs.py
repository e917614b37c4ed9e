"""Bad input of every kind a newcomer tried (issue 12): one line naming the field, exit code 2, no
traceback, nothing written; outputs go to regular files only; the Python API raises AccelsimInputError."""

from __future__ import annotations

import json
import os
import socket
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from cli_util import run_cli
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

import accelsim
from accelsim.cli.app import main
from accelsim.cost import CostModel
from accelsim.errors import AccelsimInputError
from accelsim.simulate import SizeWarning


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("accelsim: warning:")]
    assert len(lines) == 1 and lines[0].startswith("accelsim: error: "), err
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], (f, lines[0])


def listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir())


def test_data_holding_nan_is_an_error(tmp_path, capsys):
    x = np.random.default_rng(0).random((4, 1, 8, 8))
    x[1, 0, 2, 3] = np.nan
    np.savez(tmp_path / "nan.npz", x=x)
    before = listing(tmp_path)
    code, _, err = run_cli(["simulate", "-n", "lenet5-digits", "-a", "ideal", "--accuracy", "--data",
                            tmp_path / "nan.npz", "--json", tmp_path / "r.json"], capsys)  # fmt: skip
    assert_one_line_error(code, err, "data", "NaN or infinite")
    assert listing(tmp_path) == before


@pytest.mark.parametrize("kind", ["directory", "symlink", "device", "proc", "missing-dir"])
def test_outputs_must_be_regular_files_and_nothing_is_replaced(tmp_path, capsys, kind):
    target = {"directory": tmp_path, "device": Path("/dev/null"), "proc": Path("/proc/x.json"),
              "missing-dir": tmp_path / "no" / "r.json", "symlink": tmp_path / "link.json"}[kind]  # fmt: skip
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    if kind == "symlink":
        target.symlink_to(victim)
    before = listing(tmp_path)
    for opt in ("--json", "--csv"):
        code, _, err = run_cli(["simulate", "-n", "lenet5", "-a", "ideal", opt, target], capsys)
        assert_one_line_error(code, err, opt)
    assert listing(tmp_path) == before  # no stray temporary file
    assert victim.read_text() == "keep me"
    if kind == "symlink":
        assert target.is_symlink() and os.readlink(target) == str(victim)


def test_dash_is_stdout_in_every_command(tmp_path, capsys):
    for args in (["simulate", "-n", "lenet5", "-a", "ideal", "--json", "-"],
                 ["simulate", "-n", "lenet5", "-a", "ideal", "--json"],
                 ["net", "show", "lenet5", "--json"], ["net", "show", "lenet5", "--json", "-"],
                 ["arch", "peak", "ideal", "--json"], ["arch", "peak", "ideal", "--json", "-", "--bits", "4/4"]):  # fmt: skip
        code, out, err = run_cli(args, capsys)
        assert code == 0, (args, err)
        json.loads(out)  # standard output is exactly the JSON document (no table)
    assert listing(tmp_path) == []
    code, _, err = run_cli(["simulate", "-n", "lenet5", "-a", "ideal", "--json", "-", "--csv", "-"], capsys)
    assert_one_line_error(code, err, "--csv", "standard output")


def test_json_path_is_written_whole_in_every_command(tmp_path, capsys):
    for i, args in enumerate((["simulate", "-n", "lenet5", "-a", "ideal"], ["net", "show", "lenet5"],
                              ["arch", "peak", "ideal"])):  # fmt: skip
        p = tmp_path / f"{i}.json"
        code, out, err = run_cli([*args, "--json", p], capsys)
        assert code == 0, err
        json.loads(p.read_text())
    assert sorted(listing(tmp_path)) == ["0.json", "1.json", "2.json"]


def test_version(capsys):
    code, out, _ = run_cli(["--version"], capsys)
    assert code == 0 and out.strip() == f"accelsim {accelsim.__version__}"


def _sweep_spec(tmp_path: Path) -> Path:
    spec = {"name": "tiny", "base": "ideal", "networks": ["lenet5"], "axes": {"macs_per_cycle": [64, 128]},
            "objectives": ["latency_s", "energy_pj"]}  # fmt: skip
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(spec))
    return p


def test_scheduler_that_is_not_an_address(tmp_path, capsys):
    spec = _sweep_spec(tmp_path)
    store = tmp_path / "s.db"
    code, _, err = run_cli(
        ["sweep", spec, "--runner", "dask", "--scheduler", "notaurl", "--store", store], capsys
    )
    assert_one_line_error(code, err, "scheduler", "tcp://host:8786")
    assert not store.exists()


def test_scheduler_that_is_not_dask(tmp_path, capsys):
    """A server that answers garbage (the audit's 'Unable to allocate 3.07 EiB')."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    port = srv.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.sendall(b"HTTP/1.0 200 OK\r\n\r\n" + bytes(range(256)) * 4)
            conn.close()

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    spec, store = _sweep_spec(tmp_path), tmp_path / "s.db"
    try:
        code, _, err = run_cli(["sweep", spec, "--runner", "dask", "--scheduler", f"tcp://127.0.0.1:{port}",
                                "--store", store], capsys)  # fmt: skip
    finally:
        stop.set()
        server.join(timeout=5)  # no thread left blocked in accept() for the tests after this one
        srv.close()
    assert_one_line_error(code, err, "scheduler")
    assert not store.exists()


def test_misspelt_arch_field_is_named_first(tmp_path, capsys):
    p = tmp_path / "a.yaml"
    p.write_text("fabric: ideal\nname: x\nfrequncy_hz: 1.0e9\nmacs_per_cycle: abc\n")
    code, _, err = run_cli(["simulate", "-n", "lenet5", "-a", p], capsys)
    assert_one_line_error(code, err, "frequncy_hz", "did you mean 'frequency_hz'")
    p.write_text("fabric: ideal\nname: x\nfrequency_hz: 1.0e9\nmacs_per_cycle: abc\n")
    code, _, err = run_cli(["simulate", "-n", "lenet5", "-a", p], capsys)
    assert_one_line_error(code, err, "macs_per_cycle", "'abc'")


def test_misspelt_sweep_key_is_named(tmp_path, capsys):
    spec = yaml.safe_load(_sweep_spec(tmp_path).read_text())
    spec["axis"] = spec.pop("axes")
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(spec))
    code, _, err = run_cli(["sweep", p, "--store", tmp_path / "s.db"], capsys)
    assert_one_line_error(code, err, "axis")
    assert not (tmp_path / "s.db").exists()


def test_network_shapes_are_checked_layer_to_layer(tmp_path, capsys):
    net = {"name": "bad", "input": {"channels": 1, "height": 12, "width": 12}, "layers": [
        {"name": "c1", "op": "conv2d", "in_channels": 1, "out_channels": 8, "in_h": 12, "in_w": 12, "kernel": 3,
         "padding": 1},
        {"name": "p1", "op": "pool", "pool_type": "max", "in_channels": 8, "in_h": 12, "in_w": 12, "kernel": 2,
         "stride": 2},
        {"name": "fc", "op": "fc", "in_channels": 999, "out_channels": 10}]}  # fmt: skip
    p = tmp_path / "n.yaml"
    p.write_text(yaml.safe_dump(net))
    code, _, err = run_cli(["simulate", "-n", p, "-a", "ideal"], capsys)
    assert_one_line_error(code, err, "layers.fc", "999", "288")
    net["layers"][2]["in_channels"] = 288
    net["layers"][1]["in_h"] = 11
    p.write_text(yaml.safe_dump(net))
    code, _, err = run_cli(["simulate", "-n", p, "-a", "ideal"], capsys)
    assert_one_line_error(code, err, "layers.p1", "8×12×12")


def test_absurd_sizes_warn_in_one_line(capsys):
    code, _, err = run_cli(
        ["simulate", "-n", "resnet18", "-a", "ideal", "--batch", "1000000000", "-q"], capsys
    )
    assert code == 0
    assert "accelsim: warning: batch 1,000,000,000" in err and "Traceback" not in err
    with pytest.warns(SizeWarning, match="in_channels"):
        net = accelsim.load_network("lenet5")
        big = net.layers[0].model_copy(update={"in_channels": 2_000_000})
        accelsim.simulate(net.model_copy(update={"layers": [big]}), "ideal")


def test_accuracy_honours_batch_for_the_cost_side(tmp_path, capsys):
    p = tmp_path / "a.json"
    code, _, err = run_cli(["simulate", "-n", "lenet5-digits", "-a", "ideal", "--accuracy", "--max-images", "20",
                            "--batch", "4", "--json", p, "-q"], capsys)  # fmt: skip
    assert code == 0, err
    doc = json.loads(p.read_text())
    assert doc["performance"]["batch"] == 4
    plain = accelsim.simulate("lenet5-digits", "ideal", batch=4)
    assert doc["performance"]["totals"]["cycles"] == plain.totals.cycles


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"bits": (4,)}, "bits"), ({"bits": "x/y"}, "bits"), ({"bits": 4.5}, "bits"), ({"batch": 2.5}, "batch"),
     ({"batch": 0}, "batch"), ({"batch": True}, "batch"), ({"arch": 3}, "arch"), ({"network": 3}, "network")],
)  # fmt: skip
def test_python_api_raises_accelsim_input_error(kwargs, field):
    args = {"network": "lenet5", "arch": "ideal"} | kwargs
    with pytest.raises(AccelsimInputError) as exc:
        accelsim.simulate(**args)
    assert exc.value.field == field


def test_python_api_accepts_the_documented_bit_forms():
    assert accelsim.simulate("lenet5", "ideal", bits=4).bits == "4/4"
    assert accelsim.simulate("lenet5", "ideal", bits=(4, 8)).bits == "4/8"
    assert accelsim.simulate("lenet5", "ideal", bits=np.int64(2), batch=np.int32(3)).batch == 3


def test_cost_table_and_haq_export_agree_on_unsupported_widths(tmp_path):
    from accelsim.io.haq import export_haq_table

    net = accelsim.load_network("lenet5")
    cm = CostModel("quest")
    table = cm.table(net, w_bits=(1, 4, 5), a_bits=(4,))
    assert np.isnan(table[:, 2]).all() and np.isfinite(table[:, :2]).all()
    haq = export_haq_table(cm, net, tmp_path / "t.npy", max_bits=5)
    assert np.isnan(haq[:, 4, 3]).all() and np.isfinite(haq[:, 3, 3]).all()
    with pytest.raises(AccelsimInputError, match="w_bits"):
        cm.table(net, w_bits=(5,), a_bits=(4,), unsupported="raise")
    assert listing(tmp_path) == ["t.npy"]


# ---- fuzz: random mistakes in YAML files and on the command line -----------------------------------

_ARCH = yaml.safe_load((Path(accelsim.__file__).parent / "arch" / "presets" / "ideal.yaml").read_text())
_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**12), 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=6), st.lists(st.integers(-3, 3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)  # fmt: skip


@settings(max_examples=examples(40), deadline=None)
@given(
    key=st.sampled_from(sorted(_ARCH) + ["dram.bandwidth_bytes_per_cycle", "dram.energy_pj_per_bit", "typo_field"]),
    value=_VALUES,
    extra=st.sampled_from([[], ["--bits", "0/4"], ["--batch", "-1"], ["--bits", "4/4"], ["--set", "x"],
                           ["--json", "/dev/null"], ["--set", "dram.nope=1"], ["--bits", "4//4"]]),
)  # fmt: skip
def test_random_arch_yaml_and_cli_mistakes_exit_2_without_traceback(tmp_path_factory, key, value, extra):
    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("fuzz")
    arch = json.loads(json.dumps(_ARCH))
    if "." in key:
        head, tail = key.split(".")
        arch.setdefault(head, {})
        if isinstance(arch[head], dict):
            arch[head][tail] = value
    else:
        arch[key] = value
    p = tmp / "a.yaml"
    p.write_text(yaml.safe_dump(arch))
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            main(["simulate", "-n", "lenet5", "-a", str(p), "-q", *extra])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    text = err.getvalue()
    assert "Traceback" not in text, text
    assert code in (0, 2), (code, text)
    if code == 2:
        assert len([x for x in text.splitlines() if x.strip()]) >= 1
    assert listing(tmp) == ["a.yaml"]
