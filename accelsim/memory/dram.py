"""DRAM bandwidth stalls at tile granularity: a simpy event model and its exact recurrence.

Machine (one event per tile transfer, never per MAC):

* one DMA engine on one DRAM channel of ``bandwidth_bytes_per_cycle``; a transfer of b bytes takes
  ceil(b / bw) cycles; the engine executes its descriptors **in program order**, each one waiting for its
  dependency;
* buffer slots: 2 when double-buffered (the fetch of tile i+1 overlaps the compute of tile i), else 1;
* program: loads L_0 .. L_{slots−1}; then for every tile j: L_{j+slots} (needs tile j's slot, i.e. waits
  for compute j to end), then the write-back W_j (waits for compute j to end). Prefetch goes before the
  write-back so that writes never delay the next tile's inputs more than necessary;
* the array computes tile i once L_i is done and tile i−1 has finished;
* the layer ends when the last compute and the last write-back are done. Stall = end − Σ compute.

With unlimited bandwidth every transfer takes 0 cycles and the stall is exactly 0.

:func:`simulate_stalls` runs this machine in simpy (a DMA process and an array process exchanging
events). :func:`stall_cycles_closed_form` is its recurrence, compiled with numba::

    dma = Σ L_0..L_{slots−1} (issued back to back);  prev = 0
    for j: start_j = max(load_end_j, prev); prev = start_j + C_j
           if j + slots < n: dma = max(dma, prev) + L_{j+slots}; load_end_{j+slots} = dma
           if W_j > 0:       dma = max(dma, prev) + W_j
    end = max(prev, dma)

Tests require the two to agree exactly on random schedules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numba
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


def _transfers(nbytes, bandwidth_bytes_per_cycle: float | None) -> np.ndarray:
    """Vectorized :func:`transfer_cycles`."""
    b = np.asarray(nbytes, dtype=np.float64)
    if bandwidth_bytes_per_cycle is None:
        return np.zeros(b.shape, dtype=np.int64)
    t = np.ceil(b / bandwidth_bytes_per_cycle - 1e-9).astype(np.int64)
    return np.where(b > 0, np.maximum(t, 0), 0)


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
    loads = _transfers(read_bytes, bandwidth_bytes_per_cycle).tolist()
    stores = _transfers(write_bytes, bandwidth_bytes_per_cycle).tolist()
    slots = 2 if double_buffered else 1
    env = simpy.Environment()
    loaded = [env.event() for _ in range(n)]
    computed = [env.event() for _ in range(n)]
    starts = [0] * n

    def dma():
        for i in range(min(slots, n)):
            yield env.timeout(loads[i])
            loaded[i].succeed()
        for j in range(n):
            yield computed[j]
            if j + slots < n:
                yield env.timeout(loads[j + slots])
                loaded[j + slots].succeed()
            if stores[j]:
                yield env.timeout(stores[j])

    def array():
        for i in range(n):
            yield loaded[i]
            starts[i] = int(env.now)
            yield env.timeout(compute[i])
            computed[i].succeed()

    env.process(dma())
    env.process(array())
    env.run()
    end = int(env.now)
    return StallResult(total_cycles=end, stall_cycles=end - sum(compute), compute_start=starts)


@numba.njit(cache=True)
def _recurrence(compute: np.ndarray, loads: np.ndarray, stores: np.ndarray, slots: int) -> int:
    n = compute.shape[0]
    load_end = np.zeros(n, dtype=np.int64)
    dma = 0
    for i in range(min(slots, n)):
        dma += loads[i]
        load_end[i] = dma
    prev = 0
    for j in range(n):
        start = max(load_end[j], prev)
        prev = start + compute[j]
        if j + slots < n:
            dma = max(dma, prev) + loads[j + slots]
            load_end[j + slots] = dma
        if stores[j] > 0:
            dma = max(dma, prev) + stores[j]
    return max(prev, dma)


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
    write_bytes: Sequence[float] | np.ndarray,
    bandwidth_bytes_per_cycle: float | None,
    double_buffered: bool = True,
) -> int:
    """Stall cycles of the schedule by its recurrence (numba; equals :func:`simulate_stalls` exactly)."""
    if bandwidth_bytes_per_cycle is None:
        return 0
    compute = np.asarray(compute_cycles, dtype=np.int64)
    end = _recurrence(
        compute,
        _transfers(read_bytes, bandwidth_bytes_per_cycle),
        _transfers(write_bytes, bandwidth_bytes_per_cycle),
        2 if double_buffered else 1,
    )
    return int(end - compute.sum())


__all__ = ["coarsen_tiles", "StallResult", "simulate_stalls", "stall_cycles_closed_form", "transfer_cycles"]
