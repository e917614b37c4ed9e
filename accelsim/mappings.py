"""Typed mappings: what a dataflow model decides for one layer, what the memory models consume, and what a
fabric reports as the layer's mapping.

Mappings are plain, documented data (frozen dataclasses), produced by :mod:`accelsim.dataflow` and read by
:mod:`accelsim.memory` and the fabrics, so that the memory models never import a dataflow module (the flow
of DESIGN.md: workload -> mapping -> timing/traffic -> cost).

* Decisions of the dataflow models: :class:`FoldPlan` (systolic arrays), :class:`RSMapping` (Eyeriss row
  stationary), :class:`CrossbarMapping` (crossbar placement).
* What :attr:`accelsim.results.LayerResult.mapping` holds, one class per kind (:class:`LayerMapping`):
  :class:`SystolicMapping`, :class:`RowStationaryMapping`, :class:`TilingMapping` (the precision-scalable
  arrays' loop tiling), :class:`CrossbarMapping`, and the layers that run beside the array:
  :class:`VectorUnitMapping`, :class:`RooflineMapping`, :class:`PoolOnArrayMapping`,
  :class:`OffArrayMapping`. Reports carry :meth:`LayerMapping.as_dict`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np


class LayerMapping:
    """Base of a fabric's per-layer mapping record: a frozen dataclass whose ``kind`` field names it.

    :meth:`as_dict` is the report's form (``kind`` first, nested records flattened, optional fields that
    are None left out); item access (``m["T"]``, ``"T" in m``, ``m.get("T")``) reads the same form."""

    __slots__ = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if f.name == "kind" or value is None:
                continue
            if f.metadata.get("flatten"):
                out.update(value.as_dict() if hasattr(value, "as_dict") else value)
            else:
                out[f.name] = value
        return out

    def __getitem__(self, key: str) -> Any:
        return self.as_dict()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.as_dict()

    def __iter__(self) -> Iterator[str]:
        return iter(self.as_dict())

    def get(self, key: str, default: Any = None) -> Any:
        return self.as_dict().get(key, default)


_FIELD_PLANS: dict[type, tuple[tuple[str, bool], ...]] = {}


def _field_plan(cls: type) -> tuple[tuple[str, bool], ...]:
    """(field name, flatten) of a mapping class but ``kind``, computed once per class."""
    plan = _FIELD_PLANS.get(cls)
    if plan is None:
        plan = _FIELD_PLANS[cls] = tuple(
            (f.name, bool(f.metadata.get("flatten"))) for f in fields(cls) if f.name != "kind"
        )
    return plan


def _flat() -> Any:
    return field(metadata={"flatten": True})


@dataclass(frozen=True)
class RSMapping:
    """Chosen RS mapping parameters (JSSC Table IV letters) and the folds they imply."""

    n: int
    p: int
    q: int
    r: int
    t: int
    e: int
    m: int
    ifmap_resident: bool
    rows_per_set: int
    cols_per_set: int
    r_fold: int
    s_fold: int
    sets_fit: int
    passes: int

    def as_dict(self) -> dict[str, int | bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class CrossbarMapping(LayerMapping):
    """How one layer occupies crossbars (:mod:`accelsim.dataflow.crossbar_mapping`)."""

    M: int
    N: int
    K: int
    groups: int
    row_tiles: int
    col_tiles: int
    columns_per_weight: int
    weight_slices: int
    chunks: int
    crossbars: int
    replication: int
    folds: int
    reads_per_crossbar: int
    conversions: int
    partial_sum_adds: int
    read_period_s: float
    latency_s: float
    cell_utilization: float
    kind: str = "crossbar"


@dataclass(frozen=True)
class SystolicMapping(LayerMapping):
    """A layer's GEMMs folded on a systolic array (:class:`FoldPlan`) with its traffic decisions: ``Sr×Sc``
    folds of streamed length ``T`` (``stream_passes`` passes when the stream is split), operand refetch
    factors, whether partial sums spill, and the operand slices when an operand is wider than the array's
    native width."""

    dataflow: str
    mode: str
    M: int
    N: int
    K: int
    groups: int
    Sr: int
    Sc: int
    T: int
    row_folds: int
    col_folds: int
    folds: int
    stream_passes: int
    ifmap_refetch_factor: float
    filter_refetch_factor: float
    psum_spill: bool
    operand_passes: int | None = None
    stream_slices: int | None = None
    stationary_slices: int | None = None
    kind: str = "systolic"


@dataclass(frozen=True)
class RowStationaryMapping(LayerMapping):
    """The RS mapping (:class:`RSMapping`) an Eyeriss layer runs with, its cycle components, the
    normalized energies the search minimized, the sparsity and DRAM compression it assumed, and (v2) the
    router modes and per-pass cycles of the hierarchical mesh."""

    rs: RSMapping = _flat()
    mac_cycles: int = 0
    filter_load_cycles: int = 0
    bus_stall_cycles: int = 0
    dram_transfer_cycles: int = 0
    active_pes: int = 0
    energy_normalized: dict[str, float] = field(default_factory=dict)
    ifmap_sparsity: float = 0.0
    dram_ratio_in: float = 1.0
    dram_ratio_out: float = 1.0
    noc: dict[str, Any] | None = field(default=None, metadata={"flatten": True})
    kind: str = "row_stationary"


@dataclass(frozen=True)
class TilingMapping(LayerMapping):
    """The loop tiling a precision-scalable array runs a layer with (:mod:`accelsim.pe.tiling`):
    ``kind`` im2col or channel, the PE pass (MACs per pass, cycles per pass), power-of-two tiles of batch,
    output width, input and output channels, and the loop order (outer to inner)."""

    products_per_pe: int
    cycles_per_pass: int
    groups: int
    tile_b: int
    tile_ow: int
    tile_ic: int
    tile_oc: int
    loop_order_outer_to_inner: Any
    sub_multiplier_idle_share: float | None = None
    kind: str = "channel"


@dataclass(frozen=True)
class VectorUnitMapping(LayerMapping):
    """A layer without MACs (pool, add, concat) on a ``lanes``-wide vector unit beside the array."""

    lanes: int
    kind: str = "vector"


@dataclass(frozen=True)
class RooflineMapping(LayerMapping):
    """The roofline machine: no mapping to choose; the DRAM transfer time the stall is computed from."""

    dram_transfer_cycles: int
    kind: str = "roofline"


@dataclass(frozen=True)
class PoolOnArrayMapping(LayerMapping):
    """Pooling run on the PE array, one window element per PE-cycle."""

    window_ops: int
    kind: str = "pool_on_array"


@dataclass(frozen=True)
class OffArrayMapping(LayerMapping):
    """A layer the array does not run: on the host (Eyeriss pool/add/concat), not timed (the Bit Fusion
    simulator's pooling), or on a digital vector unit (a crossbar chip's pooling and activation-activation
    matmuls); ``kind`` says which."""

    kind: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class FoldPlan:
    """One layer (``groups`` identical GEMMs) folded onto an R×C array.

    Folds of one GEMM are ordered column fold outer, row fold inner; the ``groups`` GEMMs run one after
    another. ``last_rows``/``last_cols`` are the occupied rows/columns of the last (possibly partial)
    row/column fold.
    """

    dataflow: str
    rows: int
    cols: int
    M: int
    N: int
    K: int
    groups: int
    Sr: int
    Sc: int
    T: int
    row_folds: int
    col_folds: int
    last_rows: int
    last_cols: int
    t_chunk: int = 0
    #: operand slices streamed per fold (operands wider than the array's native width, see
    #: :func:`operand_slices`): the streamed length of every fold is ``stream_slices``·T
    stream_slices: int = 1
    #: stationary-operand slices: every fold is run once per slice of the stationary operand (its
    #: preload, fill and drain repeated); 1 for os
    stationary_slices: int = 1
    #: streamed length per pass (T when the stream is not split); derived once, at construction
    chunk: int = field(init=False, repr=False, compare=False)
    #: passes over the array per GEMM: ceil(T / chunk) (1 unless the stream is split); derived
    n_chunks: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        chunk = self.t_chunk if 0 < self.t_chunk < self.T else self.T
        object.__setattr__(self, "chunk", chunk)
        object.__setattr__(self, "n_chunks", -(-self.T // chunk))

    @property
    def chunk_lengths(self) -> np.ndarray:
        """Streamed length of every pass (all ``chunk`` but the last)."""
        t = np.full(self.n_chunks, self.chunk, dtype=np.int64)
        t[-1] = self.T - (self.n_chunks - 1) * self.chunk
        return t

    @property
    def operand_passes(self) -> int:
        """Passes of the array's MACs per logical MAC: ceil(w/native)·ceil(a/native) (1 at native width)."""
        return self.stream_slices * self.stationary_slices

    @property
    def folds_per_pass(self) -> int:
        return self.row_folds * self.col_folds

    @property
    def folds_per_group(self) -> int:
        return self.n_chunks * self.row_folds * self.col_folds

    @property
    def folds(self) -> int:
        return self.groups * self.folds_per_group

    @property
    def macs(self) -> int:
        return self.groups * self.M * self.N * self.K

    def rows_per_row_fold(self) -> np.ndarray:
        """Occupied rows of each row fold (length ``row_folds``)."""
        r = np.full(self.row_folds, self.rows, dtype=np.int64)
        r[-1] = self.last_rows
        return r

    def cols_per_col_fold(self) -> np.ndarray:
        """Occupied columns of each column fold (length ``col_folds``)."""
        c = np.full(self.col_folds, self.cols, dtype=np.int64)
        c[-1] = self.last_cols
        return c

    def fold_rows_cols(self) -> tuple[np.ndarray, np.ndarray]:
        """Occupied (rows, cols) of every fold of ONE pass, in execution order (fc outer, fr inner)."""
        r = np.tile(self.rows_per_row_fold(), self.col_folds)
        c = np.repeat(self.cols_per_col_fold(), self.row_folds)
        return r, c


__all__ = ["FoldPlan"]
