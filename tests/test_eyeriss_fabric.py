"""Eyeriss fabric: published figures (JSSC'17), ISCA'16 dataflow comparison, RLC, presets, v2."""

from __future__ import annotations

import numpy as np
import pytest
from cli_util import run_cli
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from priced import priced

from accelsim.dataflow.eyeriss_baselines import compare_dataflows
from accelsim.dataflow.row_stationary import RSHardware, conv_shape, pe_set_cycles, search_mapping
from accelsim.dataflow.row_stationary_ref import pe_set_ref
from accelsim.errors import AccelsimInputError
from accelsim.fabrics import load_arch
from accelsim.memory.rlc import (
    expected_pairs_per_element,
    measured_compression_ratio,
    rlc_decode,
    rlc_encode,
    rlc_pairs,
)
from accelsim.workload import Layer, Precision, load_network

P16 = Precision(w_bits=16, a_bits=16, out_bits=16, acc_bits=16)


def test_isca16_rs_is_most_energy_efficient():
    rows = {r.dataflow: r for r in compare_dataflows(load_network("alexnet"), batch=16)}
    rs = rows["RS"].energy
    ratios = {k: r.energy / rs for k, r in rows.items() if k != "RS"}
    # paper: RS 1.4x-2.5x better; measured WS 1.57, OS 1.73, NLR 2.45
    assert all(1.4 <= v <= 2.5 for v in ratios.values()), ratios
    assert ratios["NLR"] == max(ratios.values())


def test_more_sparsity_less_dram_and_energy():
    layer = load_network("alexnet").layers[4].with_batch(4)  # conv3
    ev = priced
    dense = ev(layer, P16, load_arch("eyeriss", activation_sparsity=0.0))
    sparse = ev(layer, P16, load_arch("eyeriss", activation_sparsity=0.7))
    assert sparse.accesses["dram_words_16b"] < dense.accesses["dram_words_16b"]
    assert sparse.energy_breakdown_pj["mac"] == pytest.approx(
        0.3 * dense.energy_breakdown_pj["mac"], rel=1e-9
    )
    assert sparse.energy_pj < dense.energy_pj


def test_v2_sparse_faster_than_dense_and_v1_on_mobilenet_layer():
    layer = load_network("mobilenetv2").layers[1]  # depthwise 3x3 on 112x112x32
    p8 = Precision(w_bits=8, a_bits=8)
    ev = priced
    v1 = ev(layer, p8, load_arch("eyeriss"))
    v2_dense = ev(layer, p8, load_arch("eyeriss-v2"))
    v2_sparse = ev(layer, p8, load_arch("eyeriss-v2", activation_sparsity=0.5, weight_sparsity=0.5))
    assert v2_sparse.compute_cycles < v2_dense.compute_cycles < v1.compute_cycles


def test_mapping_respects_scratchpads_and_array():
    hw = RSHardware()
    for layer in load_network("alexnet").with_batch(4).mac_layers():
        m, c = search_mapping(conv_shape(layer), hw)
        s = -(-layer.S // m.s_fold)
        assert m.p * m.q * s <= 224 and m.q * s <= 12 and m.p <= 24
        assert m.r * m.t <= m.sets_fit and c.active_pes <= 168
        assert c.mac_cycles * 168 >= layer.macs  # never more than 168 MACs per cycle


def test_non_mac_layers_and_bad_bits():
    ev = priced
    pool = Layer(name="p", op="pool", pool_type="max", in_channels=4, in_h=8, in_w=8, kernel=2, stride=2)
    res = ev(pool, P16, load_arch("eyeriss"))
    assert res.cycles == 0 and res.energy_pj == 0
    with pytest.raises(AccelsimInputError):
        ev(pool, Precision(w_bits=16, a_bits=16), load_arch("eyeriss-v2"))
    peak = load_arch("eyeriss").peak(16, 16)
    assert peak.macs_per_cycle == 168 and peak.gops == pytest.approx(67.2)
    assert load_arch("eyeriss-v2").peak(8, 8).macs_per_cycle == 384


@settings(max_examples=examples(12), deadline=None)
@given(
    n=st.integers(1, 2), C=st.integers(1, 3), K=st.integers(1, 4), R=st.integers(1, 3),
    H=st.integers(3, 8), U=st.integers(1, 2), pad=st.integers(0, 1), seed=st.integers(0, 2**31 - 1),
)  # fmt: skip
def test_layer_by_passes_of_set_reference(n, C, K, R, H, U, pad, seed):
    """Run the chosen mapping pass by pass on the cycle-stepped PE set: numpy conv and mac_cycles exact."""
    layer = Layer(name="c", op="conv2d", batch=n, in_channels=C, out_channels=K, in_h=H, in_w=H,
                  kernel=R, stride=U, padding=pad)  # fmt: skip
    hw = RSHardware(array_rows=6, array_cols=5, glb_words=4096)
    shape = conv_shape(layer)
    m, cost = search_mapping(shape, hw)
    rng = np.random.default_rng(seed)
    x = rng.integers(-50, 50, size=(n, C, H, H))
    w = rng.integers(-50, 50, size=(K, C, R, R))
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    E, F = layer.P, layer.Q
    # zero-pad every dimension to whole tiles (the closed form runs full p, q, r, e, n tiles)
    nb, eb, ig = -(-K // m.p), -(-E // m.e), -(-n // m.n)
    groups = -(-C // m.q)
    cb = -(-groups // m.r) * m.r  # channel groups, a whole number of r-stacks
    wpad = np.zeros((nb * m.p, cb * m.q, R, R), dtype=np.int64)
    wpad[:K, :C] = w
    rows_needed = (eb * m.e - 1) * U + R
    xpad = np.zeros((ig * m.n, cb * m.q, max(rows_needed, xp.shape[2]), xp.shape[3]), dtype=np.int64)
    xpad[:n, :C, : xp.shape[2]] = xp
    out = np.zeros((ig * m.n, nb * m.p, eb * m.e, F), dtype=np.int64)
    cycles = 0
    width = (F - 1) * U + R
    for i0 in range(0, ig * m.n, m.n):
        for e0 in range(0, eb * m.e, m.e):
            rows = slice(e0 * U, e0 * U + (m.e - 1) * U + R)
            for kb in range(0, nb, m.t):  # t filter bundles in parallel
                for cg in range(0, cb, m.r):  # r channel groups stacked into one chain
                    pass_cycles = []
                    for kk in range(kb, min(kb + m.t, nb)):
                        ws = np.stack([wpad[kk * m.p : (kk + 1) * m.p, c * m.q : (c + 1) * m.q]
                                       for c in range(cg, cg + m.r)])  # fmt: skip
                        xs = np.stack([xpad[i0 : i0 + m.n, c * m.q : (c + 1) * m.q, rows, :width]
                                       for c in range(cg, cg + m.r)])  # fmt: skip
                        o, cyc, *_ = pe_set_ref(ws, xs, m.e, F, U, U, 1, 1)
                        out[i0 : i0 + m.n, kk * m.p : (kk + 1) * m.p, e0 : e0 + m.e] += o
                        pass_cycles.append(cyc)
                    assert len(set(pass_cycles)) == 1  # parallel sets finish together
                    cycles += pass_cycles[0]
    ref = np.zeros((n, K, E, F), dtype=np.int64)
    for r in range(R):
        for s in range(R):
            patch = xp[:, :, r : r + U * (E - 1) + 1 : U, s : s + U * (F - 1) + 1 : U]
            ref += np.einsum("ncef,kc->nkef", patch, w[:, :, r, s])
    assert np.array_equal(out[:n, :K, :E], ref)
    assert cycles == cost.mac_cycles == m.passes * pe_set_cycles(m.n, F, m.p, m.q, R, R, m.r)


@settings(max_examples=examples(40), deadline=None)
@given(data=st.lists(st.integers(-3, 3), min_size=0, max_size=200), zeros=st.integers(0, 100))
def test_rlc_roundtrip_and_pair_count(data, zeros):
    arr = np.array(data + [0] * zeros, dtype=np.int64)
    pairs = rlc_encode(arr)
    assert np.array_equal(rlc_decode(pairs), arr)
    assert len(pairs) == rlc_pairs(arr)
    assert all(0 <= run <= 31 for run, _ in pairs)


def test_rlc_expected_size_matches_monte_carlo():
    rng = np.random.default_rng(7)
    for s in (0.0, 0.3, 0.6, 0.9, 0.97):
        x = (rng.random(200_000) >= s).astype(np.int64) * rng.integers(1, 100, 200_000)
        assert rlc_pairs(x) / x.size == pytest.approx(expected_pairs_per_element(s), rel=0.02)
    dense = np.arange(1, 97, dtype=np.int32)  # 96 non-zeros: 32 words of 64 bits vs 96 × 16 bits
    assert measured_compression_ratio(dense) == pytest.approx(32 * 64 / (96 * 16))
    with pytest.raises(AccelsimInputError):
        rlc_pairs(np.array([0.5]))


def test_measured_activation_tensors_drive_dram_traffic():
    from accelsim.fabrics.eyeriss import with_measured_activations

    layer = load_network("alexnet").layers[4].with_batch(1)  # conv3, input 256x13x13
    rng = np.random.default_rng(3)
    relu_like = np.maximum(rng.integers(-200, 100, size=(1, 256, 13, 13)), 0)  # ~2/3 zeros
    dense = rng.integers(1, 100, size=(1, 256, 13, 13))
    base = load_arch("eyeriss")
    ev = priced
    sparse_arch = with_measured_activations(base, {"conv3": relu_like})
    dense_arch = with_measured_activations(base, {"conv3": dense})
    assert sparse_arch.activation_sparsity_per_layer["conv3"] == pytest.approx(np.mean(relu_like == 0))
    assert dense_arch.input_dram_ratio_per_layer["conv3"] == 1.0  # RLC bypassed on dense data
    r_sparse, r_dense = ev(layer, P16, sparse_arch), ev(layer, P16, dense_arch)
    assert r_sparse.mapping["dram_ratio_in"] == pytest.approx(measured_compression_ratio(relu_like))
    assert r_sparse.accesses["dram_read_bytes"] < r_dense.accesses["dram_read_bytes"]


def test_compare_dataflowsrun_cli(capsys):
    import json

    code, out, _ = run_cli(["compare-dataflows", "--network", "alexnet", "--batch", "1", "--json"], capsys)
    assert code == 0
    doc = {row["dataflow"]: row for row in json.loads(out)}
    assert set(doc) == {"RS", "WS", "OS", "NLR"} and doc["RS"]["vs_rs"] == 1.0
    assert min(doc, key=lambda k: doc[k]["energy_per_mac"]) == "RS"
    code, out, _ = run_cli(["compare-dataflows", "--network", "lenet5"], capsys)
    assert code == 0 and "NLR" in out
    code, _, err = run_cli(["compare-dataflows", "--network", "no-such-net"], capsys)
    assert code == 2 and err.count("\n") == 1
    code, _, err = run_cli(["compare-dataflows", "--network", "alexnet", "--batch", "0"], capsys)
    assert code == 2 and "batch" in err
