"""The cost stage changed where energy is computed, not what it is: with unchanged pricing inputs every
preset's cycles equal, and its energies agree to 1e-9 relative with, the numbers pinned before the change
(tests/data/zoo_regression.json, tools/make_zoo_regression.py). The snapshot was priced with the linear
node-scaling rule of that time, so the comparison runs under it (golden_util.linear_node_rule); the
Stillmaker-Baas rule that replaced it is checked in tests/test_pricing.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from golden_util import ENERGY_REL, energy_diff, linear_node_rule

from accelsim import simulate
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import available_presets, load_arch

DATA = json.loads((Path(__file__).parent / "data" / "zoo_regression.json").read_text())
REL = ENERGY_REL


#: presets added after the snapshot was taken (the cost stage changed nothing they could be compared with)
ADDED_AFTER = {
    "finn-cnv-pynq", "finn-sfc-zc706", "finn-cnv-zc706", "finn-lfc-bnnpynq", "sun2022-resnet50-zcu102",
    "sun2022-mobilenetv2-zcu102", "mixmatch-resnet18-zc706", "fracbnn-mobilenetv2-ultra96", "finn-zc706",
    "fbna-cnv-xc7z020", "chen2020-resnet18-zcu102", "wei2019-lenet5-xc7k325t",
}  # fmt: skip


def test_the_snapshot_covers_every_preset():
    assert sorted(DATA) == sorted(set(available_presets()) - ADDED_AFTER)


@pytest.mark.parametrize("preset", sorted(DATA))
def test_cycles_identical_and_energies_within_1e9(preset):
    with linear_node_rule():  # the node scaling the snapshot was priced with (a pricing input)
        _same_as_snapshot(preset)


def _same_as_snapshot(preset: str):
    arch = load_arch(preset)
    for case, want in DATA[preset].items():
        net, bits = case.split("@")
        if "error" in want:
            with pytest.raises(AccelsimInputError):
                simulate(net, arch, bits=None if bits == "native" else bits)
            continue
        rep = simulate(net, arch, bits=None if bits == "native" else bits)
        got_cycles = [[x.compute_cycles, x.stall_cycles] for x in rep.layers]
        assert got_cycles == want["cycles"], f"{preset} {case}: cycles changed"
        for layer, e_old in zip(rep.layers, want["energy_pj"], strict=True):
            assert layer.energy_pj == pytest.approx(e_old, rel=REL, abs=1e-12), (
                f"{preset} {case} {layer.name}"
            )
        d = energy_diff(f"{preset} {case}", rep.totals.energy_breakdown_pj, want["breakdown_pj"])
        assert d is None, d
        if want["area_mm2"] is not None:
            assert rep.totals.area_mm2 == pytest.approx(want["area_mm2"], rel=REL), f"{preset} {case} area"
