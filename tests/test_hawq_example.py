"""The HAWQ-V3-style ILP example: runs on real presets and is optimal (checked by brute force on LeNet-5)."""

import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from accelsim.cost import CostModel
from accelsim.errors import AccelsimInputError
from accelsim.workload import load_network

spec = importlib.util.spec_from_file_location(
    "hawq", Path(__file__).parent.parent / "examples" / "hawq_milp_resnet18.py"
)
hawq = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hawq)


def test_resnet18_bitfusion_meets_latency_budget():
    out = hawq.solve("bitfusion", 0.6, "resnet18")
    assert out["cost"] <= out["budget"] * (1 + 1e-12)
    assert out["cost_4bit"] < out["cost"] < out["cost_8bit"]
    assert set(out["bits"].values()) == {4, 8}
    assert len(out["bits"]) == 21


def test_tpu_energy_budget_and_infeasible_latency():
    out = hawq.solve("tpu-v1", 0.8, "resnet18", metric="energy_pj")
    assert out["cost"] <= out["budget"] * (1 + 1e-12)
    with pytest.raises(AccelsimInputError, match="budget"):
        hawq.solve("tpu-v1", 0.3, "resnet18", metric="latency_s")


@pytest.mark.parametrize("fraction", [0.9, 0.95, 0.98])  # all-4-bit floor is 0.887 (memory-bound)
def test_ilp_is_optimal_by_brute_force(fraction):
    out = hawq.solve("bitfusion", fraction, "lenet5")
    net = load_network("lenet5")
    layers = net.mac_layers()
    cm = CostModel("bitfusion")
    lat = np.array([[cm.layer_cost(x, b, b).latency_s for b in (4, 8)] for x in layers])
    sens = np.array([[x.weight_elems * 2.0 ** (-2 * b) for b in (4, 8)] for x in layers])
    budget = fraction * lat[:, 1].sum()
    best = min(
        sens[np.arange(len(layers)), list(c)].sum()
        for c in itertools.product((0, 1), repeat=len(layers))
        if lat[np.arange(len(layers)), list(c)].sum() <= budget
    )
    assert out["sensitivity"] == pytest.approx(best, rel=1e-9)
