"""Eyeriss v2 hierarchical mesh (Chen et al., JETCAS 2019, Sec. III).

Clusters (GLB cluster + PE cluster + router cluster) sit on a ``cluster_rows × cluster_cols`` 2-D mesh
(v2: 8 × 2 = 16 clusters of 12 PEs). Inside a cluster an all-to-all network connects the router to its
PEs. A data type is delivered in one of four router modes, chosen by its reuse:

* ``unicast``: every cluster gets different data from its own GLB bank — no mesh links used, each
  cluster's local port carries ``words`` (high bandwidth, no reuse);
* ``broadcast``: one source cluster sends the same data to all clusters (maximum reuse);
* ``multicast``: the mesh is split into groups of ``group_size`` adjacent clusters, the first cluster of each
  group sends its data to the group;
* ``interleaved``: like multicast, but group members are interleaved (cluster k joins group
  ``k mod (n / group_size)``), so groups overlap in space and share mesh links.

Per-link bandwidth ``link_words_per_cycle``. Delivery cycles (no contention): ``max_link ceil(load/bw)``
plus hop latency (:class:`accelsim.noc.mesh2d.Mesh2D`); shared links are exact in
:func:`accelsim.noc.contention.simulate_contention` (:meth:`HierarchicalMesh.contention`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from accelsim.errors import AccelsimInputError
from accelsim.noc.contention import ContentionResult, Flow, TreeFlow, simulate_contention, simulate_trees
from accelsim.noc.mesh2d import Mesh2D, Node

RouterMode = Literal["unicast", "broadcast", "multicast", "interleaved"]
MODES: tuple[str, ...] = ("unicast", "broadcast", "multicast", "interleaved")


@dataclass(frozen=True)
class Delivery:
    """One data type delivered for one pass: source GLB reads, PE-cluster deliveries, cycles."""

    mode: str
    source_reads: float
    cluster_deliveries: float
    cycles: int
    max_link_words: float


@dataclass(frozen=True)
class HierarchicalMesh:
    cluster_rows: int = 8
    cluster_cols: int = 2
    pes_per_cluster: int = 12
    link_words_per_cycle: float = 1.0

    @property
    def clusters(self) -> int:
        return self.cluster_rows * self.cluster_cols

    @property
    def mesh(self) -> Mesh2D:
        return Mesh2D(self.cluster_rows, self.cluster_cols, self.link_words_per_cycle)

    def node(self, k: int) -> Node:
        return (k // self.cluster_cols, k % self.cluster_cols)

    def groups(self, mode: RouterMode, group_size: int = 1) -> list[list[int]]:
        """Cluster indices of each delivery group (first member is the source)."""
        n = self.clusters
        if mode not in MODES:
            raise AccelsimInputError("router_mode", f"unknown {mode!r}; allowed: {', '.join(MODES)}")
        if mode == "unicast":
            return [[k] for k in range(n)]
        if mode == "broadcast":
            return [list(range(n))]
        if group_size < 1 or n % group_size:
            raise AccelsimInputError("group_size", f"must divide the {n} clusters, got {group_size}")
        n_groups = n // group_size
        if mode == "multicast":
            return [list(range(g * group_size, (g + 1) * group_size)) for g in range(n_groups)]
        return [[k for k in range(n) if k % n_groups == g] for g in range(n_groups)]

    def flows(self, mode: RouterMode, words: float, group_size: int = 1):
        return [
            (self.node(g[0]), [self.node(k) for k in g[1:]], words) for g in self.groups(mode, group_size)
        ]

    def deliver(self, mode: RouterMode, words: float, group_size: int = 1) -> Delivery:
        """Deliver ``words`` to every cluster of every group (each group gets its own data)."""
        groups = self.groups(mode, group_size)
        flows = [f for f in self.flows(mode, words, group_size) if f[1]]
        loads = self.mesh.link_loads(flows)
        max_link = max(loads.values(), default=0.0)
        local = math.ceil(words / self.link_words_per_cycle)  # the source's own router port
        cycles = max(local, self.mesh.delivery_cycles(flows)) if flows else local
        return Delivery(mode, len(groups) * words, self.clusters * words, cycles, max_link)

    def contention(self, mode: RouterMode, words_per_transfer: float, transfers: int, group_size: int = 1,
                   ) -> ContentionResult:  # fmt: skip
        """Simulate unicast routes to every destination (no in-network replication) with simpy."""
        sim_flows = []
        for g in self.groups(mode, group_size):
            for k in g[1:]:
                path = tuple(self.mesh.xy_route(self.node(g[0]), self.node(k)))
                sim_flows.append(Flow(path, transfers, words_per_transfer))
        return simulate_contention(sim_flows, self.link_words_per_cycle)

    # ---- per-pass delivery at transfer granularity (used by the eyeriss fabric, v2) -------------------
    def tree(self, group: list[int]) -> tuple[object, dict]:
        """Multicast tree of a group: root = the source's GLB→router port, then the union of the XY routes
        to the other members (each link's children are the next links of the routes through it)."""
        src = self.node(group[0])
        root = ("port", src)
        children: dict = {}
        for k in group[1:]:
            prev = root
            for link in self.mesh.xy_route(src, self.node(k)):
                kids = children.setdefault(prev, [])
                if link not in kids:
                    kids.append(link)
                prev = link
        return root, {k: tuple(v) for k, v in children.items()}

    def depth(self, group: list[int]) -> int:
        """Longest XY route (hops) from the group's source to a member."""
        src = self.node(group[0])
        return max((self.mesh.hops(src, self.node(k)) for k in group[1:]), default=0)

    def pass_transfers(self, mode: RouterMode, words: float, group_size: int, packet_words: int) -> int:
        """Packets per group for ``words`` unique words of one pass: each group carries its share
        (broadcast: one group, all words) in packets of ``packet_words``."""
        n_groups = len(self.groups(mode, group_size))
        return max(0, math.ceil(words / n_groups / packet_words))

    def pass_cycles(self, mode: RouterMode, words: float, group_size: int = 1, packet_words: int = 4) -> int:
        """Cycles to deliver one pass's ``words`` (unique words, split evenly among the groups) in ``mode``.

        Unicast, broadcast and grouped multicast: the groups' trees share no link, and a store-and-forward
        pipeline of ``T`` packets through a tree of depth ``D`` hops behind the source port ends at
        ``(T + D)·h``, ``h = ceil(packet_words / link_words_per_cycle)`` (equal to :meth:`simulate_pass`,
        tests/test_noc_mesh_delivery.py). Interleaved multicast shares links: :meth:`simulate_pass` (simpy).
        """
        transfers = self.pass_transfers(mode, words, group_size, packet_words)
        if transfers == 0:
            return 0
        hold = math.ceil(packet_words / self.link_words_per_cycle)
        if mode == "interleaved":
            return _interleaved_cycles(self, transfers, packet_words, group_size)
        depth = max(self.depth(g) for g in self.groups(mode, group_size))
        return (transfers + depth) * hold

    def simulate_pass(
        self, mode: RouterMode, transfers: int, packet_words: int, group_size: int = 1
    ) -> float:
        """simpy makespan of ``transfers`` packets per group down every group's tree at once."""
        trees = []
        for g in self.groups(mode, group_size):
            root, children = self.tree(g)
            trees.append(TreeFlow(root, children, transfers, packet_words))
        return simulate_trees(trees, self.link_words_per_cycle).makespan_cycles


INTERLEAVED_EXACT_TRANSFERS = 64
"""Up to this many packets per group the interleaved delivery is simulated whole; beyond, the simulated
steady state is extended linearly (tests check it against whole runs)."""


@lru_cache(maxsize=4096)
def _interleaved_cycles(mesh: HierarchicalMesh, transfers: int, packet_words: int, group_size: int) -> int:
    if transfers <= INTERLEAVED_EXACT_TRANSFERS:
        return int(math.ceil(mesh.simulate_pass("interleaved", transfers, packet_words, group_size)))
    t1 = INTERLEAVED_EXACT_TRANSFERS
    m1 = mesh.simulate_pass("interleaved", t1, packet_words, group_size)
    m0 = mesh.simulate_pass("interleaved", t1 // 2, packet_words, group_size)
    rate = (m1 - m0) / (t1 - t1 // 2)
    return int(math.ceil(m1 + (transfers - t1) * rate))
