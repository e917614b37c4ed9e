"""Resource-aware folding search (accelsim.fpga.folding_search): exact against brute force when one resource
binds, always inside the budget, never slower than SetFolding's best design that fits."""

import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.fpga.devices import DEVICES, Device
from accelsim.fpga.finn_estimates import Mvau, SlidingWindow2D
from accelsim.fpga.folding import set_folding
from accelsim.fpga.folding_search import brute_force_folding, max_throughput_folding
from accelsim.fpga.streaming import MaxPool, cnv_units, estimate

BIG = 10**9


@st.composite
def small_pipelines(draw):
    units = []
    for i in range(draw(st.integers(1, 3))):
        mh = draw(st.sampled_from([2, 4, 6, 8, 12]))
        mw = draw(st.sampled_from([3, 4, 8, 9, 16]))
        units.append((f"l{i}", Mvau(mw=mw, mh=mh, pe=1, simd=1, w_bits=draw(st.integers(1, 4)),
                                    a_bits=draw(st.integers(1, 4)), out_bits=2,
                                    num_input_vectors=(1, draw(st.integers(1, 4)), 1))))  # fmt: skip
    if draw(st.booleans()):
        units.insert(0, ("swg", SlidingWindow2D(4, (6, 6), (4, 4), (3, 3), (1, 1), 1, 2)))
    return units


@settings(max_examples=examples(25), deadline=None)
@given(units=small_pipelines(), frac=st.floats(0.05, 1.0))
def test_lut_bound_search_equals_brute_force(units, frac):
    lut_max = sum(max(o for o in [u.lut() if hasattr(u, "lut") else 0]) for _, u in units)
    full = estimate([(n, u) for n, u in units], 1e8).resources["lut"]
    budget = max(full, int(full + frac * 40 * lut_max))
    dev = Device("t", "t", budget, BIG, BIG, BIG, BIG)
    got = max_throughput_folding(units, dev)
    assert got.initiation_interval_cycles == brute_force_folding(units, dev, "lut")
    assert got.resources["lut"] <= budget


def test_cnv_on_the_pynq_fits_and_beats_setfolding():
    """CNV W1A1 on the Pynq-Z1 at FINN's recommended utilisation: the search's design fits and is at least
    as fast as every SetFolding design (targets 1,000..200,000 cycles) that fits."""
    from accelsim.fpga.devices import DEFAULT_LIMITS

    dev = DEVICES["pynq-z1"]
    units = cnv_units()
    got = max_throughput_folding(units, dev, DEFAULT_LIMITS)
    budget = dev.budget()
    assert all(got.resources[r] <= budget[r] * lim for r, lim in zip(budget, DEFAULT_LIMITS, strict=True))
    e = estimate(got.units, 1e8)
    assert e.max_cycles == got.initiation_interval_cycles and e.resources == got.resources
    best_setfolding = None
    for target in (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000):
        foldable = [(n, u) for n, u in units if not isinstance(u, MaxPool)]
        folded = dict(
            zip([n for n, _ in foldable], set_folding([u for _, u in foldable], target), strict=True)
        )
        s = estimate([(n, folded.get(n, u)) for n, u in units], 1e8)
        if all(s.resources[r] <= budget[r] * lim for r, lim in zip(budget, DEFAULT_LIMITS, strict=True)):
            best_setfolding = min(best_setfolding or s.max_cycles, s.max_cycles)
    assert best_setfolding is not None and got.initiation_interval_cycles <= best_setfolding


def test_a_design_that_never_fits_is_a_one_line_error():
    tiny = Device("tiny", "t", 10, BIG, 0, 0, 0)
    with pytest.raises(AccelsimInputError, match="LUT"):
        max_throughput_folding(cnv_units(), tiny)


def test_fpga_fold_writes_a_preset_that_simulates_to_the_same_pipeline(tmp_path, capsys):
    import json

    from cli_util import run_cli

    from accelsim import simulate

    preset = tmp_path / "folded.yaml"
    code, out, err = run_cli(["fpga", "fold", "-n", "bnn-pynq-cnv", "-a", "finn-cnv-pynq", "--write", preset,
                              "--json", tmp_path / "fold.json"], capsys)  # fmt: skip
    assert code == 0, err
    doc = json.loads((tmp_path / "fold.json").read_text())
    r = simulate("bnn-pynq-cnv", str(preset))
    assert r.pipeline["frames_per_s"] == doc["frames_per_s"] > 6104  # finn-examples' folding: 6,104 frames/s
    assert r.pipeline["total_resources"] == doc["resources"]
    code, _, err = run_cli(["fpga", "fold", "-n", "bnn-pynq-cnv", "-a", "finn-cnv-pynq", "--target-fps", "30000"],
                           capsys)  # fmt: skip
    assert code == 2 and "LUT" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(["fpga", "fold", "-n", "bnn-pynq-cnv", "-a", "tpu-v1"], capsys)
    assert code == 2 and "streaming" in err


def test_sweep_over_foldings_reports_pipeline_metrics_and_flags_over_budget_designs(tmp_path, capsys):
    import csv

    from cli_util import run_cli

    spec = tmp_path / "fold.yaml"
    spec.write_text(
        "name: fold\nbase: finn-cnv-pynq\nnetworks: [bnn-pynq-cnv]\n"
        "axes: {folding: [{}], swg_simd: [{}], target_fps: [500, 5000, 25000]}\n"
        "objectives: [initiation_interval_s, lut]\n"
    )
    code, _, err = run_cli(["sweep", spec, "--runner", "serial", "--store", tmp_path / "s.db", "--csv",
                            tmp_path / "p.csv", "-q"], capsys)  # fmt: skip
    assert code == 0, err
    rows = {float(r["target_fps"]): r for r in csv.DictReader((tmp_path / "p.csv").open())}
    for r in rows.values():
        arch_fps = 1 / float(r["initiation_interval_s"])
        assert arch_fps == pytest.approx(float(r["frames_per_s"]))
        assert (r["feasible"] == "True") == (r["fits_device"] == "True")
    assert (
        rows[500.0]["feasible"] == "True" and rows[25000.0]["feasible"] == "False"
    )  # 25k needs > 53,200 LUT
    assert float(rows[500.0]["lut"]) < float(rows[5000.0]["lut"])
    spec.write_text("name: bad\nbase: tpu-v1\nnetworks: [resnet18]\naxes: {rows: [8]}\nobjectives: [lut]\n")
    code, _, err = run_cli(["sweep", spec, "--store", tmp_path / "b.db"], capsys)
    assert code == 2 and "streaming" in err


def test_a_design_that_never_fits_names_the_resource_and_the_limit():
    """ResNet-18 W4A4 with its weights on a ZCU102: even fully folded it needs 2,667 RAMB18; the error says what
    the device offers under FINN's recommended 80 %, or all of it with the full budget."""
    from accelsim.fabrics import load_arch
    from accelsim.fabrics.streaming import fold_network
    from accelsim.simulate import resolve_network

    net = resolve_network("resnet18", "4/4", None)
    arch = load_arch("finn-zc706", device="zcu102")
    with pytest.raises(AccelsimInputError, match=r"needs 2,667 BRAM18 but zcu102 offers 1,459 \(80% of its 1,824, "
                       r"FINN's recommended limit\)$"):  # fmt: skip
        fold_network(net, arch)
    with pytest.raises(AccelsimInputError, match=r"needs 2,667 BRAM18 but zcu102 offers 1,824$"):
        fold_network(net, arch, limits=(1, 1, 1, 1, 1))
