"""Plain 2-D mesh with dimension-ordered (XY) routing: routes, hop counts, per-link loads.

Nodes are ``(row, col)``; a link is the directed pair ``(from_node, to_node)`` of neighbours. XY routing
moves along the column (X) first, then the row (Y). A multicast is the union of the XY routes from its
source to each destination (every link of the tree carries the data once). With no two flows on a link,
delivery takes ``max over links of ceil(words / link_words_per_cycle)`` cycles plus the farthest hop
count (one cycle per hop of head latency). Shared links are resolved by :mod:`accelsim.noc.contention`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from accelsim.errors import AccelsimInputError

Node = tuple[int, int]
Link = tuple[Node, Node]


@dataclass(frozen=True)
class Mesh2D:
    """A rows × cols mesh whose links each carry ``link_words_per_cycle`` words per cycle."""

    rows: int
    cols: int
    link_words_per_cycle: float = 1.0

    def __post_init__(self) -> None:
        if self.rows < 1 or self.cols < 1:
            raise AccelsimInputError("mesh", f"rows and cols must be >= 1, got {self.rows}x{self.cols}")
        if self.link_words_per_cycle <= 0:
            raise AccelsimInputError("link_words_per_cycle", "must be > 0")

    def _check(self, node: Node) -> None:
        r, c = node
        if not (0 <= r < self.rows and 0 <= c < self.cols):
            raise AccelsimInputError("node", f"{node} is outside the {self.rows}x{self.cols} mesh")

    def xy_route(self, src: Node, dst: Node) -> list[Link]:
        """Links from src to dst, X (column) first, then Y (row)."""
        self._check(src)
        self._check(dst)
        links: list[Link] = []
        r, c = src
        while c != dst[1]:
            nc = c + (1 if dst[1] > c else -1)
            links.append(((r, c), (r, nc)))
            c = nc
        while r != dst[0]:
            nr = r + (1 if dst[0] > r else -1)
            links.append(((r, c), (nr, c)))
            r = nr
        return links

    def hops(self, src: Node, dst: Node) -> int:
        """Manhattan distance |Δrow| + |Δcol|."""
        return abs(src[0] - dst[0]) + abs(src[1] - dst[1])

    def multicast_links(self, src: Node, dsts: list[Node]) -> set[Link]:
        """Union of XY routes from src to every destination (the multicast tree)."""
        tree: set[Link] = set()
        for d in dsts:
            tree.update(self.xy_route(src, d))
        return tree

    def link_loads(self, flows: list[tuple[Node, list[Node], float]]) -> dict[Link, float]:
        """Words carried per link by ``(src, destinations, words)`` flows (multicast trees)."""
        loads: dict[Link, float] = defaultdict(float)
        for src, dsts, words in flows:
            for link in self.multicast_links(src, dsts):
                loads[link] += words
        return dict(loads)

    def delivery_cycles(self, flows: list[tuple[Node, list[Node], float]]) -> int:
        """Bandwidth bound ``max_link ceil(load / bw)`` plus the longest route's hop latency."""
        loads = self.link_loads(flows)
        if not loads:
            return 0
        serial = max(math.ceil(w / self.link_words_per_cycle) for w in loads.values())
        latency = max((self.hops(s, d) for s, ds, _ in flows for d in ds), default=0)
        return serial + latency
