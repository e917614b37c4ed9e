"""Typed mappings: what a dataflow model decides for one layer and the memory models consume.

Mappings are plain, documented data (frozen dataclasses), produced by :mod:`accelsim.dataflow` and read by
:mod:`accelsim.memory` and the fabrics, so that the memory models never import a dataflow module (the flow
of DESIGN.md: workload -> mapping -> timing/traffic -> cost). So far: :class:`FoldPlan` (systolic arrays).
The RS mapping (:class:`accelsim.dataflow.row_stationary.RSMapping`), the Bit Fusion tiling and the crossbar
placement are still defined beside their dataflows (issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
