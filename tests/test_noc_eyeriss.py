"""NoC: Eyeriss multicast ID matching, 2-D mesh XY routing, v2 hierarchical mesh, simpy contention."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.row_stationary import distinct_ifmap_rows, pe_set_psum_hops
from accelsim.errors import AccelsimInputError
from accelsim.noc.contention import Flow, simulate_contention
from accelsim.noc.eyeriss_buses import (
    psum_link_transfers,
    receivers,
    rs_filter_ids,
    rs_ifmap_ids,
    rs_set_filter_traffic,
    rs_set_ifmap_traffic,
)
from accelsim.noc.hierarchical_mesh import HierarchicalMesh
from accelsim.noc.mesh2d import Mesh2D


@settings(max_examples=examples(60), deadline=None)
@given(R=st.integers(1, 12), e=st.integers(1, 14), U=st.integers(1, 4), row_words=st.integers(1, 20))
def test_ifmap_multicast_matches_rs_closed_form(R, e, U, row_words):
    t = rs_set_ifmap_traffic(R, e, U, 1, row_words, 4.0)
    assert t.deliveries == R * e * row_words  # every PE gets its row once
    assert t.transactions == distinct_ifmap_rows(e, R, U, 1) * row_words  # one multicast per row
    assert t.bus_cycles == -(-t.transactions // 4)


@settings(max_examples=examples(30), deadline=None)
@given(
    R=st.integers(1, 6), e=st.integers(1, 8), U=st.integers(1, 3), d=st.integers(1, 2), x=st.integers(0, 30)
)
def test_ifmap_packet_reaches_exactly_its_diagonal(R, e, U, d, x):
    got = set(receivers(rs_ifmap_ids(R, e, U, d), (0, x)))
    want = {(i, j) for i in range(R) for j in range(e) if j * U + i * d == x}
    assert got == want


def test_filter_multicast_reaches_one_row():
    ids = rs_filter_ids(3, 13)
    assert set(receivers(ids, (1, 0))) == {(1, j) for j in range(13)}
    t = rs_set_filter_traffic(3, 13, filter_words_per_row=12, bus_words_per_cycle=4)
    assert (t.transactions, t.deliveries, t.bus_cycles) == (36, 3 * 13 * 12, 9)
    assert psum_link_transfers(3, 13, 2, 4, 13) == pe_set_psum_hops(2, 13, 4, 13, 3) == 2 * 13 * 2 * 4 * 13


def test_set_too_large_is_an_input_error():
    with pytest.raises(AccelsimInputError):
        rs_ifmap_ids(13, 1, 1, 1)


@settings(max_examples=examples(40), deadline=None)
@given(rows=st.integers(1, 6), cols=st.integers(1, 6), data=st.data())
def test_xy_route_is_minimal_and_x_first(rows, cols, data):
    mesh = Mesh2D(rows, cols)
    src = (data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1)))
    dst = (data.draw(st.integers(0, rows - 1)), data.draw(st.integers(0, cols - 1)))
    route = mesh.xy_route(src, dst)
    assert len(route) == mesh.hops(src, dst)
    turned = False
    for a, b in route:
        assert abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1
        if a[0] != b[0]:
            turned = True
        else:
            assert not turned  # no X move after a Y move
    if route:
        assert route[0][0] == src and route[-1][1] == dst


def test_mesh_multicast_tree_shares_links():
    mesh = Mesh2D(1, 4, link_words_per_cycle=2)
    loads = mesh.link_loads([((0, 0), [(0, 1), (0, 2), (0, 3)], 10.0)])
    assert loads == {((0, 0), (0, 1)): 10.0, ((0, 1), (0, 2)): 10.0, ((0, 2), (0, 3)): 10.0}
    assert mesh.delivery_cycles([((0, 0), [(0, 3)], 10.0)]) == 5 + 3


def test_no_sharing_gives_zero_contention():
    flows = [Flow(("a", "b"), 5, 3), Flow(("c",), 7, 2), Flow(("d", "e", "f"), 2, 1)]
    res = simulate_contention(flows, link_words_per_cycle=1)
    assert res.contention_cycles == 0
    # pipelined store-and-forward: (transfers - 1)·hold + hops·hold
    assert res.per_flow_finish_cycles == (4 * 3 + 2 * 3, 7 * 2, 1 + 3)


def test_shared_link_hand_computed():
    # two flows, 2 one-cycle packets each, one shared link, FIFO: A0 [0,1) B0 [1,2) A1 [2,3) B1 [3,4)
    # waits: B0 1, A1 1 (asked at 1, served at 2), B1 1 -> 3 cycles of contention, makespan 4
    res = simulate_contention([Flow(("L",), 2, 1), Flow(("L",), 2, 1)], link_words_per_cycle=1)
    assert res.makespan_cycles == 4 and res.contention_cycles == 3
    assert res.per_flow_finish_cycles == (3, 4)
    # shared second hop: X->L and Y->L, 1 packet each of 2 words at 1 word/cycle:
    # both reach L at t=2, one waits 2 cycles -> makespan 6, contention 2
    res = simulate_contention([Flow(("X", "L"), 1, 2), Flow(("Y", "L"), 1, 2)], link_words_per_cycle=1)
    assert res.makespan_cycles == 6 and res.contention_cycles == 2


def test_hierarchical_mesh_modes():
    h = HierarchicalMesh(cluster_rows=8, cluster_cols=2, link_words_per_cycle=1)
    uni = h.deliver("unicast", 64)
    assert (uni.source_reads, uni.cluster_deliveries, uni.cycles, uni.max_link_words) == (1024, 1024, 64, 0)
    bc = h.deliver("broadcast", 64)
    assert bc.source_reads == 64 and bc.cluster_deliveries == 1024
    assert bc.cycles == 64 + (7 + 1)  # serialization + farthest hops from cluster 0 to (7, 1)
    mc = h.deliver("multicast", 64, group_size=4)
    assert mc.source_reads == 256 and mc.max_link_words == 64
    il = h.deliver("interleaved", 64, group_size=4)
    assert il.max_link_words > mc.max_link_words  # interleaved groups overlap and share links
    assert h.contention("unicast", 1, 4).contention_cycles == 0
    assert h.contention("broadcast", 1, 4).contention_cycles > 0  # 15 unicast routes share cluster 0's links
    with pytest.raises(AccelsimInputError):
        h.deliver("multicast", 1, group_size=3)


def test_multicast_counts_vectorized_shape():
    ids = rs_ifmap_ids(3, 4, 1, 1)
    from accelsim.noc.eyeriss_buses import multicast_deliveries

    hits = multicast_deliveries(ids, np.array([[0, 0], [0, 2], [0, 5], [1, 0]]))
    assert hits.tolist() == [1, 3, 1, 0]
