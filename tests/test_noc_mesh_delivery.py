"""Eyeriss v2 hierarchical mesh at transfer granularity: closed form equals the simpy tree simulation;
eyeriss-v2 timing uses it per pass; v1 is untouched; measured activations from a functional run."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from priced import priced

from accelsim.fabrics import load_arch
from accelsim.fabrics.eyeriss import measured_arch, router_modes, with_measured_execution
from accelsim.functional.executor import run_integer
from accelsim.functional.ptq import ptq, random_weights
from accelsim.noc.contention import TreeFlow, simulate_trees
from accelsim.noc.hierarchical_mesh import HierarchicalMesh, _interleaved_cycles
from accelsim.workload import Layer, Network, Precision, load_network


@settings(max_examples=examples(25), deadline=None)
@given(
    rows=st.sampled_from([2, 4, 8]),
    cols=st.sampled_from([1, 2]),
    mode=st.sampled_from(["unicast", "broadcast", "multicast"]),
    transfers=st.integers(1, 40),
    packet=st.integers(1, 6),
    bw=st.sampled_from([1.0, 2.0]),
    gexp=st.integers(0, 4),
)
def test_closed_form_equals_simpy_without_shared_links(rows, cols, mode, transfers, packet, bw, gexp):
    mesh = HierarchicalMesh(rows, cols, 12, bw)
    n = mesh.clusters
    g = min(1 << gexp, n)
    if mode == "multicast" and (n % g or g % cols):  # grouped multicast over whole mesh rows
        g = cols
    words = transfers * packet * len(mesh.groups(mode, g))
    assert mesh.pass_transfers(mode, words, g, packet) == transfers
    assert mesh.pass_cycles(mode, words, g, packet) == mesh.simulate_pass(mode, transfers, packet, g)


@pytest.mark.parametrize("g", [2, 4, 8])
@pytest.mark.parametrize("transfers", [100, 150])
def test_interleaved_steady_state_extension_equals_whole_simulation(g, transfers):
    mesh = HierarchicalMesh(8, 2, 12, 1.0)
    assert _interleaved_cycles(mesh, transfers, 4, g) == mesh.simulate_pass("interleaved", transfers, 4, g)


def test_tree_simulation_hand_case():
    # root R then two children A, B (parallel), A then C: 3 packets of 2 words at 1 word/cycle
    tr = TreeFlow("R", {"R": ("A", "B"), "A": ("C",)}, 3, 2)
    res = simulate_trees([tr])
    assert res.makespan_cycles == (3 + 2) * 2 and res.contention_cycles == 0
    # two trees sharing their root link wait for each other
    res2 = simulate_trees([tr, TreeFlow("R", {}, 1, 2)])
    assert res2.contention_cycles > 0


def test_router_modes_by_layer_type():
    dw = Layer(name="dw", op="depthwise_conv2d", in_channels=8, out_channels=8, in_h=8, in_w=8, kernel=3)
    pw = Layer(name="pw", op="conv2d", in_channels=8, out_channels=16, in_h=8, in_w=8, kernel=1)
    fc = Layer(name="fc", op="fc", in_channels=8, out_channels=4)
    assert router_modes(dw, 4, 16) == {
        "iact": ("unicast", 1),
        "weight": ("unicast", 1),
        "psum": ("unicast", 1),
    }
    assert router_modes(fc, 1, 16)["iact"] == ("broadcast", 1)
    assert router_modes(pw, 4, 16)["iact"] == ("multicast", 4)
    assert router_modes(pw, 16, 16)["iact"] == ("broadcast", 1)
    assert router_modes(pw, 3, 16)["iact"] == ("multicast", 2)


def test_v2_layer_time_is_passes_times_mesh_pass():
    layer = load_network("mobilenetv2").layers[1]  # depthwise 3x3
    arch = load_arch("eyeriss-v2", sparse_processing=False)
    r = priced(layer, Precision(w_bits=8, a_bits=8), arch)
    m = r.mapping
    body = m["mac_cycles"] / m["passes"]
    stream = max(body, m["noc_iact_cycles_per_pass"], m["noc_psum_cycles_per_pass"])
    assert r.compute_cycles == int(np.ceil(m["passes"] * (m["noc_weight_cycles_per_pass"] + stream)))
    assert m["noc_modes"]["iact"] == "unicast"
    # a faster mesh cannot be slower, and a 100x faster one leaves only compute and packet latency
    fast = priced(
        layer, Precision(w_bits=8, a_bits=8), arch.model_copy(update={"mesh_link_words_per_cycle": 100.0})
    )
    assert fast.compute_cycles <= r.compute_cycles
    v1 = priced(layer, Precision(w_bits=8, a_bits=8), load_arch("eyeriss"))
    assert "noc_modes" not in v1.mapping


def test_measured_execution_sets_per_layer_sparsity():
    net = Network(
        name="m",
        input={"channels": 2, "height": 6, "width": 6},
        layers=[
            Layer(name="c1", op="conv2d", in_channels=2, out_channels=4, in_h=6, in_w=6, kernel=3,
                  activation="relu"),
            Layer(name="c2", op="conv2d", in_channels=4, out_channels=4, in_h=4, in_w=4, kernel=3),
        ],
    )  # fmt: skip
    w, b = random_weights(net, 1)
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 6))
    model = ptq(net, w, x, b, w_bits=8, a_bits=8)
    ex = run_integer(model, x)
    zps = {"input": model.input_q.zero_point, **{k: lq.output.zero_point for k, lq in model.layers.items()}}
    arch = with_measured_execution(load_arch("eyeriss"), net, ex.tensors, zps)
    want = float(np.mean(ex.tensors["c1"] == zps["c1"]))
    assert arch.activation_sparsity_per_layer["c2"] == pytest.approx(want)
    assert want > 0.2  # relu output: real zeros
    assert "c1" in arch.input_dram_ratio_per_layer and "c2" in arch.output_dram_ratio_per_layer
    assert measured_arch(load_arch("eyeriss"), model, ex) == arch
    # the measured sparsity changes the simulated cost of c2 (zero gating)
    prec = Precision(w_bits=8, a_bits=8)
    dense = priced(net.layers[1], prec, load_arch("eyeriss"))
    measured = priced(net.layers[1], prec, arch)
    assert measured.energy_breakdown_pj["mac"] < dense.energy_breakdown_pj["mac"]
