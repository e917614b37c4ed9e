"""Link contention between flows, simulated with simpy at transfer granularity.

Each flow sends ``transfers`` packets of ``words`` along a fixed path of links (store and forward: a
packet holds one link at a time for ``ceil(words / link_words_per_cycle)`` cycles, then requests the
next). A link serves one packet at a time in request order (simpy ``Resource``, FIFO). A flow injects its
next packet when the previous one has left the first link. Contention cycles are the total time packets
spend waiting for busy links; with no link shared by two flows they are zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import simpy

from accelsim.errors import AccelsimInputError


@dataclass(frozen=True)
class Flow:
    """``transfers`` packets of ``words`` each along ``path`` (a list of hashable link ids)."""

    path: tuple
    transfers: int
    words: float
    start_cycle: float = 0.0


@dataclass(frozen=True)
class ContentionResult:
    makespan_cycles: float
    contention_cycles: float
    per_flow_finish_cycles: tuple[float, ...]


def simulate_contention(flows: list[Flow], link_words_per_cycle: float = 1.0) -> ContentionResult:
    """Run the flows to completion; return makespan, total waiting and per-flow finish times."""
    if link_words_per_cycle <= 0:
        raise AccelsimInputError("link_words_per_cycle", "must be > 0")
    env = simpy.Environment()
    links: dict = {}
    for f in flows:
        if f.transfers < 0 or f.words < 0:
            raise AccelsimInputError("flow", "transfers and words must be >= 0")
        for link in f.path:
            links.setdefault(link, simpy.Resource(env, capacity=1))
    waited = [0.0]
    finish = [0.0] * len(flows)

    def packet(path: tuple, hold: float, first_free: simpy.Event, done: simpy.Event):
        for k, link in enumerate(path):
            req = links[link].request()
            t0 = env.now
            yield req
            waited[0] += env.now - t0
            yield env.timeout(hold)
            links[link].release(req)
            if k == 0:
                first_free.succeed()
        done.succeed()

    def source(idx: int, f: Flow):
        yield env.timeout(f.start_cycle)
        hold = math.ceil(f.words / link_words_per_cycle)
        dones = []
        for _ in range(f.transfers):
            first_free, done = env.event(), env.event()
            env.process(packet(tuple(f.path), hold, first_free, done))
            dones.append(done)
            if f.path:
                yield first_free
        if dones:
            yield env.all_of(dones)
        finish[idx] = env.now

    for i, f in enumerate(flows):
        env.process(source(i, f))
    env.run()
    return ContentionResult(float(env.now), float(waited[0]), tuple(finish))
