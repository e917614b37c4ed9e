"""Eyeriss v1 on-chip networks: GIN/GON multicast buses with row/column ID matching, local psum links.

Following Chen et al., JSSC 2017 (Sec. V): the global input network (GIN) is a Y-bus that feeds 12 X-buses
(one per PE row). Every X-bus has a configurable *row ID*, every PE a configurable *column ID*. A
packet carries a (row tag, column tag); the Y-bus forwards it to every X-bus whose row ID equals the row
tag and each X-bus to every PE whose column ID equals the column tag. One bus transaction therefore reaches
any set of PEs whose IDs match — a single word can feed a whole row (filter), a diagonal (ifmap) or one PE.

ID assignments for one RS PE set of R × e PEs at rows/cols offsets (row-stationary, JSSC Fig. 10):

* filters: row ID = filter row i, every column ID 0 → packet (i, 0) reaches the e PEs of row i;
* ifmaps: every row ID 0 (same set), column ID of PE (i, j) = ``j·U + i·d`` (the ifmap row it needs) →
  packet (0, x) reaches exactly the PEs on the diagonal of ifmap row x;
* psums (GON): the top row sends e output rows out; the local links between vertically adjacent PEs
  carry ``(R − 1)`` psum hops per output (:func:`accelsim.dataflow.row_stationary.pe_set_psum_hops`).

Bus cycles: ``ceil(words / bus_words_per_cycle)`` for the transactions of one pass (one word per packet,
the 64-bit bus carries 4 × 16-bit words per cycle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from accelsim.errors import AccelsimInputError


@dataclass(frozen=True)
class BusIds:
    """Row ID per X-bus (length rows) and column ID per PE (rows × cols); -1 = matches nothing."""

    row_ids: np.ndarray
    col_ids: np.ndarray


def multicast_deliveries(ids: BusIds, tags: np.ndarray) -> np.ndarray:
    """For each packet tag (row_tag, col_tag) the number of PEs whose IDs match (vectorized)."""
    tags = np.asarray(tags, dtype=np.int64).reshape(-1, 2)
    row_hit = ids.row_ids[None, :] == tags[:, 0:1]  # packets × rows
    col_hit = ids.col_ids[None, :, :] == tags[:, 1][:, None, None]  # packets × rows × cols
    return (row_hit[:, :, None] & col_hit).sum(axis=(1, 2))


def receivers(ids: BusIds, tag: tuple[int, int]) -> list[tuple[int, int]]:
    """The (row, col) PEs a packet with ``tag`` is delivered to."""
    hit = (ids.row_ids[:, None] == tag[0]) & (ids.col_ids == tag[1])
    return [(int(r), int(c)) for r, c in zip(*np.nonzero(hit), strict=True)]


def _blank(rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full(rows, -1, dtype=np.int64), np.full((rows, cols), -1, dtype=np.int64)


def rs_filter_ids(R: int, e: int, rows: int = 12, cols: int = 14) -> BusIds:
    """Filter-bus IDs of one R × e set at the array origin: row ID = filter row, column IDs 0."""
    if R > rows or e > cols:
        raise AccelsimInputError("pe_set", f"{R}x{e} does not fit the {rows}x{cols} array")
    row_ids, col_ids = _blank(rows, cols)
    row_ids[:R] = np.arange(R)
    col_ids[:R, :e] = 0
    return BusIds(row_ids, col_ids)


def rs_ifmap_ids(R: int, e: int, U: int, d: int, rows: int = 12, cols: int = 14) -> BusIds:
    """Ifmap-bus IDs of one R × e set: all row IDs 0, PE (i, j) column ID = ``j·U + i·d``."""
    if R > rows or e > cols:
        raise AccelsimInputError("pe_set", f"{R}x{e} does not fit the {rows}x{cols} array")
    row_ids, col_ids = _blank(rows, cols)
    row_ids[:R] = 0
    col_ids[:R, :e] = np.add.outer(np.arange(R) * d, np.arange(e) * U)
    return BusIds(row_ids, col_ids)


@dataclass(frozen=True)
class BusTraffic:
    """One pass of a bus: transactions (packets = words sent), PE deliveries and bus cycles."""

    transactions: int
    deliveries: int
    bus_cycles: int


def bus_traffic(ids: BusIds, tags: np.ndarray, words_per_tag: int, bus_words_per_cycle: float) -> BusTraffic:
    """Send ``words_per_tag`` words for every tag; packets that match no PE are not sent."""
    hits = multicast_deliveries(ids, tags)
    useful = int((hits > 0).sum())
    words = useful * words_per_tag
    return BusTraffic(words, int(hits.sum()) * words_per_tag, math.ceil(words / bus_words_per_cycle))


def rs_set_ifmap_traffic(
    R: int, e: int, U: int, d: int, row_words: int, bus_words_per_cycle: float
) -> BusTraffic:
    """GIN ifmap traffic of one set pass: one multicast per ifmap row (tags over all candidate rows)."""
    ids = rs_ifmap_ids(R, e, U, d)
    tags = np.stack([np.zeros((e - 1) * U + (R - 1) * d + 1, dtype=np.int64),
                     np.arange((e - 1) * U + (R - 1) * d + 1)], axis=1)  # fmt: skip
    return bus_traffic(ids, tags, row_words, bus_words_per_cycle)


def rs_set_filter_traffic(
    R: int, e: int, filter_words_per_row: int, bus_words_per_cycle: float
) -> BusTraffic:
    """GIN filter traffic of one set pass: one multicast per filter row to its e PEs."""
    ids = rs_filter_ids(R, e)
    tags = np.stack([np.arange(R), np.zeros(R, dtype=np.int64)], axis=1)
    return bus_traffic(ids, tags, filter_words_per_row, bus_words_per_cycle)


def psum_link_transfers(R: int, e: int, n: int, p: int, F: int) -> int:
    """Local PE-to-PE psum link transfers of one set pass: ``(R − 1)·e·n·p·F``."""
    return (R - 1) * e * n * p * F
