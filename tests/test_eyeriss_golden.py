"""The batch-independent RS search returns exactly the reference search's results.

* Golden: tests/data/eyeriss_golden.json was written ONCE by tests/data/make_eyeriss_golden.py with the
  reference search (every batch tile evaluated), before the bound-pruned search. Every field of every
  LayerResult (cycles, stalls, each energy and access value, the whole mapping) must be equal: same type
  and same value, floats bit for bit (the survivors are evaluated by the same vectorised closed form).
* Random: on random layer shapes, batches, hardware (small GLBs force non-resident ifmaps, re-reads and
  infeasible tiles), objectives and densities, ``search_mapping`` equals ``search_mapping_full``
  (mapping and every cost field), and both raise the same error when no mapping fits.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from fuzzing import examples
from golden_util import diff, energy_diff, golden_by_arch, linear_node_rule, load_maker
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.row_stationary import ConvShape, RSHardware, search_mapping
from accelsim.dataflow.row_stationary_ref import search_mapping_full
from accelsim.errors import AccelsimInputError
from accelsim.workload import Precision

MAKER = load_maker("make_eyeriss_golden")


@cache
def _golden() -> dict[str, list[dict]]:
    return golden_by_arch("eyeriss_golden.json")


def test_golden_covers_the_required_cases():
    golden = _golden()
    assert set(golden) == {name for name, _, _ in MAKER.VARIANTS}
    nets = {name for name, _ in MAKER.networks()}
    for preset in ("eyeriss", "eyeriss-v2", "eyeriss-bitfusion-baseline"):
        assert {c["network"] for c in golden[preset]} == nets
    # the golden exercises both ifmap residencies and batch tiles n > 1
    maps = [c["result"]["mapping"] for cases in golden.values() for c in cases]
    rs = [m for m in maps if m["kind"] == "row_stationary"]
    assert {m["ifmap_resident"] for m in rs} == {True, False}
    assert max(m["n"] for m in rs) > 1


@pytest.mark.parametrize("case_name", [name for name, _, _ in MAKER.VARIANTS])
def test_results_equal_golden(case_name: str):
    with linear_node_rule():  # the rule the golden was priced with
        _equal_golden(case_name)


def _equal_golden(case_name: str):
    _, preset, overrides = next(v for v in MAKER.VARIANTS if v[0] == case_name)
    arch = MAKER.make_arch(preset, overrides)
    nets = dict(MAKER.networks())
    failures = []
    for case in _golden()[case_name]:
        layer = nets[case["network"]].layers[case["layer_index"]]
        assert layer.name == case["layer"]
        w, a = case["bits"]
        got = json.loads(
            json.dumps(MAKER.result_dict(layer, Precision(w_bits=w, a_bits=a, out_bits=a), arch))
        )
        want = dict(case["result"])
        path = f"{case['network']}[{case['layer']}]"
        d = energy_diff(path, got.pop("energy_breakdown_pj"), want.pop("energy_breakdown_pj"))
        if d:
            failures.append(d)
        d = diff(path, got, want)
        if d:
            failures.append(d)
    assert not failures, f"{len(failures)} mismatches, first: " + "; ".join(failures[:5])


def _shape(N, G, Cg, Kg, R, S, U, d, pad, E_target, F_target) -> ConvShape:
    Hp = (E_target - 1) * U + (R - 1) * d + 1
    Wp = (F_target - 1) * U + (S - 1) * d + 1
    return ConvShape(
        N=N, G=G, Cg=Cg, Kg=Kg, H=max(1, Hp - 2 * pad), W=max(1, Wp - 2 * pad), Hp=Hp, Wp=Wp,
        R=R, S=S, Uh=U, Uw=U, dh=d, dw=d, E=E_target, F=F_target,
    )  # fmt: skip


@settings(max_examples=examples(60), deadline=None)
@given(
    N=st.integers(1, 300), G=st.sampled_from([1, 1, 2, 8]), Cg=st.integers(1, 70), Kg=st.integers(1, 70),
    R=st.integers(1, 7), S=st.integers(1, 7), U=st.integers(1, 3), d=st.integers(1, 2), pad=st.integers(0, 1),
    E=st.integers(1, 40), F=st.integers(1, 40), rigid=st.booleans(), overlap=st.booleans(),
    glb_words=st.sampled_from([300, 2_000, 8_000, 55_296]), rows=st.integers(3, 12), cols=st.integers(2, 16),
    bw=st.sampled_from([1.0, 4.0, 16.0]), mpc=st.sampled_from([1, 2]),
    objective=st.sampled_from(["energy", "cycles", "edp"]), dens=st.sampled_from([1.0, 0.5, 0.13]),
    ri=st.sampled_from([1.0, 0.6]), ro=st.sampled_from([1.0, 0.8]),
)  # fmt: skip
def test_search_equals_full_search(
    N,
    G,
    Cg,
    Kg,
    R,
    S,
    U,
    d,
    pad,
    E,
    F,
    rigid,
    overlap,
    glb_words,
    rows,
    cols,
    bw,
    mpc,
    objective,
    dens,
    ri,
    ro,
):
    hw = RSHardware(
        array_rows=rows, array_cols=cols, glb_words=glb_words, filter_bus_words_per_cycle=bw,
        ifmap_bus_words_per_cycle=bw / 2, psum_bus_words_per_cycle=bw, macs_per_pe_cycle=mpc,
        rigid_geometry=rigid, filter_load_overlap=overlap,
    )  # fmt: skip
    # a second batch of the same shape: the search starts from the first query's best x (hint)
    for batch in (N, 3 * N + 1):
        shape = _shape(batch, G, Cg, Kg, R, S, U, d, pad, E, F)
        args = (shape, hw, objective, dens, ri, ro, dens < 1.0)
        try:
            want = search_mapping_full(*args)
        except AccelsimInputError as err:
            with pytest.raises(AccelsimInputError) as got_err:
                search_mapping(*args)
            assert got_err.value.field == err.field
            continue
        got = search_mapping(*args)
        assert got[0] == want[0]
        assert got[1] == want[1]


@settings(max_examples=examples(25), deadline=None)
@given(
    N=st.integers(1, 80), Cg=st.integers(1, 40), Kg=st.integers(1, 40), R=st.integers(1, 5),
    E=st.integers(1, 24), U=st.integers(1, 2), overlap=st.booleans(),
    glb_words=st.sampled_from([300, 2_000, 55_296]), objective=st.sampled_from([0, 1, 2]),
    dens=st.sampled_from([1.0, 0.5]),
)  # fmt: skip
def test_per_image_bound_is_below_every_candidate(N, Cg, Kg, R, E, U, overlap, glb_words, objective, dens):
    """The batch-independent key the bound pass is ordered by (``_x_keys``) never exceeds an x's real
    objective / N (/ N² for edp) at any batch tile n and residency — else the early exit could drop the
    optimum. Checked against evaluate_candidates on the whole reference space."""
    import numpy as np

    from accelsim.dataflow import row_stationary as rs

    shape = _shape(N, 1, Cg, Kg, R, R, U, 1, 0, E, E)
    hw = RSHardware(glb_words=glb_words, filter_load_overlap=overlap)
    shape1 = rs.replace(shape, N=1)
    xs = rs._x_space(shape1, hw)
    if xs["p"].size == 0:
        return
    fmat, imat = rs._bound_terms(shape1, hw, dens, 1.0, 1.0)
    keys = rs._x_keys(
        objective, hw.filter_load_overlap, hw.glb_words, hw.macs_per_pe_cycle,
        float(hw.ifmap_bus_words_per_cycle), float(hw.psum_bus_words_per_cycle), fmat, imat, 0.0,
    )  # fmt: skip
    index = {tuple(int(xs[k][i]) for k in ("p", "q", "e", "r", "t")): i for i in range(xs["p"].size)}
    cand = rs._candidates(shape, hw)
    x_of = np.array(
        [index[tuple(int(cand[k][j]) for k in ("p", "q", "e", "r", "t"))] for j in range(cand["p"].size)]
    )
    scale = float(N) * N if objective == 2 else float(N)
    for resident in (True, False):
        res = rs.evaluate_candidates(shape, hw, cand, resident, dens, 1.0, 1.0, dens < 1.0)
        energy, cycles = res["energy"], res["cycles"].astype(float)
        value = (energy, cycles, energy * cycles)[objective]
        ok = np.isfinite(energy)
        assert np.all(keys[x_of[ok]] * scale <= value[ok] * (1.0 + 1e-12))
