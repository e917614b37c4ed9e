"""CostModel: additive per-layer costs equal to simulate(), cache, dense table, HAQ layout, ILP example."""

import numpy as np
import pytest

import accelsim
from accelsim.cost import CostModel
from accelsim.errors import AccelsimInputError
from accelsim.io.haq import export_haq_table, policy_cost


@pytest.fixture(scope="module")
def net():
    return accelsim.load_network("lenet5")


def test_network_cost_equals_simulate_totals(net):
    cm = CostModel("ideal")
    report = accelsim.simulate(net, "ideal", bits="4/2")
    total = cm.network_cost(net, [(4, 2)] * len(net.mac_layers()))
    mac_reports = [x for x in report.layers if x.macs]
    assert total.latency_cycles == sum(x.cycles for x in mac_reports)
    assert total.energy_pj == pytest.approx(sum(x.energy_pj for x in mac_reports))
    assert total.bops == sum(x.macs for x in mac_reports) * 8
    assert total.non_additive["precision_switches"] == 0


def test_mixed_policy_is_sum_of_layer_costs(net):
    cm = CostModel("ideal")
    layers = net.mac_layers()
    policy = [(8, 8), (4, 4), (2, 8), (8, 2), (4, 4)][: len(layers)]
    total = cm.network_cost(net, policy)
    assert total.energy_pj == pytest.approx(
        sum(cm.layer_cost(x, w, a).energy_pj for x, (w, a) in zip(layers, policy))
    )
    assert total.non_additive["precision_switches"] == sum(1 for p, q in zip(policy, policy[1:]) if p != q)
    by_name = cm.network_cost(net, {x.name: p for x, p in zip(layers, policy)})
    assert by_name.latency_cycles == total.latency_cycles


def test_cache_hits_and_shape_key(net):
    cm = CostModel("ideal")
    layer = net.mac_layers()[0]
    first = cm.layer_cost(layer, 4, 4)
    assert cm.layer_cost(layer, 4, 4) is first
    # an equal layer object shares the cache entry; a different shape does not
    assert cm.layer_cost(layer.model_copy(), 4, 4) is first
    assert cm.layer_cost(layer.with_batch(2), 4, 4) is not first


def test_table_and_haq_layout(net, tmp_path):
    cm = CostModel("ideal")
    t = cm.table(net, w_bits=[2, 4, 8], a_bits=[4, 8], metrics=["latency_s", "energy_pj", "bops"])
    assert t.shape == (len(net.mac_layers()), 3, 2, 3)
    layer = net.mac_layers()[1]
    assert t[1, 2, 0, 1] == pytest.approx(cm.layer_cost(layer, 8, 4).energy_pj)
    haq = export_haq_table(cm, net, tmp_path / "lat.npy", metric="latency_s", max_bits=8)
    loaded = np.load(tmp_path / "lat.npy")
    assert loaded.shape == (len(net.mac_layers()), 8, 8)
    assert np.array_equal(loaded, haq)
    assert loaded[1, 3 - 1, 5 - 1] == cm.layer_cost(layer, 3, 5).latency_s
    policy = [(3, 5)] * len(net.mac_layers())
    assert policy_cost(loaded, policy) == pytest.approx(cm.network_cost(net, policy).latency_s)


def test_bad_queries(net):
    cm = CostModel("ideal")
    with pytest.raises(AccelsimInputError, match="bits"):
        cm.layer_cost(net.mac_layers()[0], 0, 8)
    with pytest.raises(AccelsimInputError, match="policy"):
        cm.network_cost(net, [(8, 8)])
    with pytest.raises(AccelsimInputError, match="metrics"):
        cm.table(net, metrics=["speed"])
