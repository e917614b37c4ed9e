"""DRAM bandwidth stalls at tile granularity: a simpy event model and a closed form.

Machine (one event per tile transfer, never per MAC):

* one DRAM channel of ``bandwidth_bytes_per_cycle``; a transfer of b bytes holds it ceil(b / bw) cycles;
  requests are served first come, first served (simpy ``Resource``, capacity 1);
* the loader fetches tile i's inputs into a free buffer slot: 2 slots when double-buffered (the fetch of
  tile i+1 overlaps the compute of tile i), 1 otherwise (fetch, then compute);
* the array computes tile i (its closed-form cycles) once its inputs have arrived and tile i−1 is done,
  then frees the slot and issues tile i's write-back on the same channel;
* the layer ends when the last compute and the last write-back are done. Stall = end − Σ compute.

With unlimited bandwidth every transfer takes 0 cycles and the stall is exactly 0.

Closed form (:func:`stall_cycles_closed_form`), exact when there are no write-backs, is the recurrence
of the same machine: with L_i = ceil(read_i / bw), load i starts at max(end of load i−1, end of compute
i−slots) and compute i starts at max(end of load i, end of compute i−1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import simpy


@dataclass(frozen=True, slots=True)
class StallResult:
    """Outcome of a tile schedule: total cycles, stall cycles, and when each tile started computing."""

    total_cycles: int
    stall_cycles: int
    compute_start: list[int]


def transfer_cycles(nbytes: float, bandwidth_bytes_per_cycle: float | None) -> int:
    """ceil(bytes / bandwidth); 0 with unlimited bandwidth (None) or nothing to move."""
    if bandwidth_bytes_per_cycle is None or nbytes <= 0:
        return 0
    return math.ceil(nbytes / bandwidth_bytes_per_cycle - 1e-9)


def simulate_stalls(
    compute_cycles: Sequence[int] | np.ndarray,
    read_bytes: Sequence[float] | np.ndarray,
    write_bytes: Sequence[float] | np.ndarray,
    bandwidth_bytes_per_cycle: float | None,
    double_buffered: bool = True,
) -> StallResult:
    """Run the tile schedule through simpy (see the module docstring)."""
    n = len(compute_cycles)
    compute = [int(x) for x in compute_cycles]
    loads = [transfer_cycles(float(b), bandwidth_bytes_per_cycle) for b in read_bytes]
    stores = [transfer_cycles(float(b), bandwidth_bytes_per_cycle) for b in write_bytes]
    env = simpy.Environment()
    channel = simpy.Resource(env, capacity=1)
    slots = simpy.Container(env, capacity=2 if double_buffered else 1, init=2 if double_buffered else 1)
    ready = [env.event() for _ in range(n)]
    starts = [0] * n
    last_write = [0]

    def loader():
        for i in range(n):
            yield slots.get(1)
            if loads[i]:
                with channel.request() as req:
                    yield req
                    yield env.timeout(loads[i])
            ready[i].succeed()

    def writer(i: int):
        with channel.request() as req:
            yield req
            yield env.timeout(stores[i])
        last_write[0] = max(last_write[0], int(env.now))

    def array():
        for i in range(n):
            yield ready[i]
            starts[i] = int(env.now)
            yield env.timeout(compute[i])
            yield slots.put(1)
            if stores[i]:
                env.process(writer(i))

    env.process(loader())
    done = env.process(array())
    env.run()
    end = max(int(env.now), last_write[0])
    assert done.triggered
    return StallResult(total_cycles=end, stall_cycles=end - sum(compute), compute_start=starts)


def coarsen_tiles(
    compute_cycles: np.ndarray, read_bytes: np.ndarray, write_bytes: np.ndarray, max_tiles: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge consecutive folds into at most ``max_tiles`` tiles of ceil(folds/max_tiles) folds each
    (compute, reads and writes summed). A tile's inputs are then fetched before it starts: coarser
    tiles can only add stall cycles, never remove them."""
    n = len(compute_cycles)
    if n <= max_tiles:
        return compute_cycles, read_bytes, write_bytes
    size = -(-n // max_tiles)
    starts = np.arange(0, n, size)
    return (
        np.add.reduceat(np.asarray(compute_cycles), starts),
        np.add.reduceat(np.asarray(read_bytes, dtype=np.float64), starts),
        np.add.reduceat(np.asarray(write_bytes, dtype=np.float64), starts),
    )


def stall_cycles_closed_form(
    compute_cycles: Sequence[int] | np.ndarray,
    read_bytes: Sequence[float] | np.ndarray,
    bandwidth_bytes_per_cycle: float | None,
    double_buffered: bool = True,
) -> int:
    """Stall cycles of the read-only schedule by its recurrence (no write-backs; equals simpy then)."""
    if bandwidth_bytes_per_cycle is None:
        return 0
    slots = 2 if double_buffered else 1
    compute = [int(x) for x in compute_cycles]
    load_end = 0
    compute_end: list[int] = []
    prev_end = 0
    for i, c in enumerate(compute):
        slot_free = compute_end[i - slots] if i >= slots else 0
        load_start = max(load_end, slot_free)
        load_end = load_start + transfer_cycles(float(read_bytes[i]), bandwidth_bytes_per_cycle)
        start = max(load_end, prev_end)
        prev_end = start + c
        compute_end.append(prev_end)
    return prev_end - sum(compute)


__all__ = ["coarsen_tiles", "StallResult", "simulate_stalls", "stall_cycles_closed_form", "transfer_cycles"]
