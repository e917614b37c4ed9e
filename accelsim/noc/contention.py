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


@dataclass(frozen=True)
class TreeFlow:
    """``transfers`` packets of ``words`` sent from ``root`` (a link) down a multicast tree with in-network
    replication: ``children[link]`` are the links a packet takes next after ``link`` (all of them, in
    parallel, each holding its own copy)."""

    root: object
    children: dict
    transfers: int
    words: float


def simulate_trees(trees: list[TreeFlow], link_words_per_cycle: float = 1.0) -> ContentionResult:
    """Store-and-forward multicast trees on FIFO links (simpy, transfer granularity): a packet holds a link
    for ``ceil(words / bw)`` cycles, then requests every child link; the source injects its next packet
    when the root link is free. Returns makespan, total waiting and per-tree finish times."""
    if link_words_per_cycle <= 0:
        raise AccelsimInputError("link_words_per_cycle", "must be > 0")
    env = simpy.Environment()
    links: dict = {}
    for tr in trees:
        for link in [tr.root, *tr.children, *(c for cs in tr.children.values() for c in cs)]:
            links.setdefault(link, simpy.Resource(env, capacity=1))
    waited = [0.0]
    finish = [0.0] * len(trees)

    def hop(link, tr: TreeFlow, hold: float, first_free: simpy.Event | None):
        req = links[link].request()
        t0 = env.now
        yield req
        waited[0] += env.now - t0
        yield env.timeout(hold)
        links[link].release(req)
        if first_free is not None:
            first_free.succeed()
        kids = [env.process(hop(c, tr, hold, None)) for c in tr.children.get(link, ())]
        if kids:
            yield env.all_of(kids)

    def source(idx: int, tr: TreeFlow):
        hold = math.ceil(tr.words / link_words_per_cycle)
        procs = []
        for _ in range(tr.transfers):
            first_free = env.event()
            procs.append(env.process(hop(tr.root, tr, hold, first_free)))
            yield first_free
        if procs:
            yield env.all_of(procs)
        finish[idx] = env.now

    for i, tr in enumerate(trees):
        env.process(source(i, tr))
    env.run()
    return ContentionResult(float(env.now), float(waited[0]), tuple(finish))
