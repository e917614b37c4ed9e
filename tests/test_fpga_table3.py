"""FINN's ZC706 design points (survey Table 3, FINN row): the presets' foldings are what accelsim's
resource-aware search returns today (so the committed YAML is not stale), and each fits the board."""

import pytest

from accelsim import simulate
from accelsim.fabrics import load_arch
from accelsim.fabrics.streaming import fold_network
from accelsim.workload import load_network


@pytest.mark.parametrize(
    "net,preset", [("bnn-pynq-sfc", "finn-sfc-zc706"), ("bnn-pynq-cnv", "finn-cnv-zc706")]
)
def test_zc706_presets_are_the_search_result(net, preset):
    arch = load_arch(preset)
    folding, swg, _ = fold_network(load_network(net), arch)
    assert {k: tuple(v) for k, v in arch.folding.items()} == folding
    assert arch.swg_simd == swg
    p = simulate(net, arch).pipeline
    limits = {"lut": 0.7, "ff": 0.5, "bram18": 0.8, "uram": 0.8, "dsp": 0.8}  # FINN's DEFAULT_RES_LIMITS
    units = p["resources"]
    assert all(units[r] <= p["budget"][r] * limits[r] for r in limits)
