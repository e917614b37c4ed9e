"""Overlapped latency of a layer pipeline, and the FIFO depths that keep it from stalling (issue 15).

FINN reports the sum of every unit's cycles as latency and calls it "very pessimistic, it assumes no
overlap between executions" (``src/finn/analysis/fpgadataflow/dataflow_performance.py``). Here the units
overlap at *token* granularity, a token being one output pixel (a vector of all its channels) of a unit:

* unit ``i`` emits ``N_i`` tokens per frame and spends FINN's per-frame cycles ``C_i`` on them, token
  ``j`` taking ``s_i(j) = ⌊(j+1)·C_i/N_i⌋ − ⌊j·C_i/N_i⌋`` cycles (so a frame costs exactly ``C_i``);
* token ``j`` needs the upstream tokens up to ``need_i(j)`` (a sliding window or max-pool needs its
  window's last input pixel, an MVAU its own input vector, a fully connected layer after a flatten the
  whole input) and starts when they are complete and the unit is free (store and forward per token):

  ``done_i(j) = max(done_i(j−1), done_{i−1}(need_i(j))) + s_i(j)``, ``done_{−1}(·) = 0`` (the frame is in
  the input stream at t = 0); frames follow each other in the same token streams;
* latency = ``done`` of the last unit's last token; throughput stays FINN's ``clock / max C_i`` (the
  recurrence's steady frame interval equals it, tests/test_fpga_pipeline.py).

FIFO sizing follows FINN's ``InsertAndSetFIFODepths`` (``src/finn/transformation/fpgadataflow/
set_fifo_depths.py``): run with unbounded FIFOs, keep each FIFO's maximum occupancy, then
``optimize_depth`` (≤ 2 → 2, ≤ 32 → 32) and, above ``max_qsrl_depth`` = 256, a Vivado FIFO of the next
power of two. The FIFO between units ``i−1`` and ``i`` holds the tokens ``i−1`` completed that ``i`` has not
read: a sliding-window generator or max-pool reads each token on arrival into its own line buffer (costed
in its own estimate), any other unit reads a token when it starts the first output that needs it.
Occupancy in stream words = tokens × words per token. Resources: FINN's ``StreamingFIFO`` estimates
(``src/finn/custom_op/fpgadataflow/streamingfifo.py``: ``bram_estimation``, ``uram_estimation``,
``lut_estimation``).

The numba recurrence is tested against the cycle-stepped reference :mod:`accelsim.fpga.pipeline_ref`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from accelsim.fpga.finn_estimates import bram_bands


@dataclass(frozen=True)
class Stage:
    """One unit of the pipeline as the token model sees it (module docstring)."""

    name: str
    tokens: int
    cycles: int
    need: np.ndarray  # int64[tokens]: last upstream token (index within the frame) output token j needs
    eager: bool = False  # reads its input into its own line buffer on arrival (SWG, max-pool)
    words_per_token: int = 1
    width_bits: int = 1


def window_need(up_h: int, up_w: int, pad_t: int, pad_l: int, k_eff: int, stride: int, out_h: int,
                out_w: int) -> np.ndarray:  # fmt: skip
    """Last input pixel (raster index of the unpadded ``up_h × up_w`` input) each output window of a
    ``k_eff``-wide window at ``stride`` over the padded input needs; −1 when it needs none."""
    p, q = np.divmod(np.arange(out_h * out_w, dtype=np.int64), out_w)
    r = p * stride + k_eff - 1 - pad_t  # last needed row / column in unpadded coordinates
    c = q * stride + k_eff - 1 - pad_l
    inside_r = np.clip(r, -1, up_h - 1)
    last = np.where(c < 0, inside_r * up_w - 1, inside_r * up_w + np.minimum(c, up_w - 1))
    last = np.where(r >= up_h, up_h * up_w - 1, last)
    return np.where(r < 0, -1, last).astype(np.int64)


def proportional_need(n_out: int, n_up: int) -> np.ndarray:
    """Token j of ``n_out`` needs upstream tokens up to ``⌈(j+1)·n_up/n_out⌉ − 1`` (1:1 streams, a flatten
    into a fully connected layer, or a layer whose upstream is not the previous unit)."""
    j = np.arange(n_out, dtype=np.int64)
    return -(-(j + 1) * n_up // n_out) - 1


@numba.njit(cache=True)
def _schedule(tokens, cycles, need, offsets, frames, starts, dones):  # pragma: no cover - numba
    up_done_off = -1
    up_n = 0
    out = 0
    for i in range(tokens.shape[0]):
        n = tokens[i]
        c = cycles[i]
        free = 0
        for f in range(frames):
            for j in range(n):
                s = (j + 1) * c // n - j * c // n
                a = 0
                if i > 0:
                    idx = f * up_n + need[offsets[i] + j]
                    if idx >= 0:
                        a = dones[up_done_off + idx]
                t0 = free if free > a else a
                starts[out] = t0
                dones[out] = t0 + s
                free = t0 + s
                out += 1
        up_done_off = out - n * frames
        up_n = n


def schedule(stages: list[Stage], frames: int = 1) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Start and completion cycle of every token of every stage over ``frames`` frames."""
    tokens = np.array([s.tokens for s in stages], np.int64)
    cycles = np.array([s.cycles for s in stages], np.int64)
    offsets = np.concatenate([[0], np.cumsum(tokens)[:-1]]).astype(np.int64)
    need = np.concatenate([s.need for s in stages]).astype(np.int64) if stages else np.zeros(0, np.int64)
    total = int(tokens.sum()) * frames
    starts = np.zeros(total, np.int64)
    dones = np.zeros(total, np.int64)
    if stages:
        _schedule(tokens, cycles, need, offsets, frames, starts, dones)
    bounds = np.concatenate([[0], np.cumsum(tokens * frames)])
    return ([starts[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
            [dones[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)])  # fmt: skip


def _abs_need(stage: Stage, up_tokens: int, frames: int) -> np.ndarray:
    return (np.arange(frames, dtype=np.int64)[:, None] * up_tokens + stage.need[None, :]).ravel()


def max_occupancy_tokens(stages: list[Stage], starts, dones) -> list[int]:
    """Maximum tokens waiting in the FIFO in front of each stage (0 for the first: the input stream)."""
    occ = [0]
    for i in range(1, len(stages)):
        up_done = dones[i - 1]
        if stages[i].eager:
            reads = up_done
        else:
            frames = len(starts[i]) // stages[i].tokens
            need = _abs_need(stages[i], stages[i - 1].tokens, frames)
            first = np.searchsorted(need, np.arange(len(up_done)), side="left")  # first output needing m
            reads = np.where(
                first < len(need), starts[i][np.minimum(first, len(need) - 1)], np.iinfo(np.int64).max
            )
            reads = np.maximum(reads, up_done)  # a token is read no earlier than it arrives
        arrived = np.searchsorted(up_done, up_done, side="right")
        read = np.searchsorted(np.sort(reads), up_done, side="right")
        occ.append(int(np.max(arrived - read)) if len(up_done) else 0)
    return occ


def optimize_depth(depth: int) -> int:
    """FINN ``set_fifo_depths.optimize_depth``: ≤ 2 → 2, ≤ 32 → 32 (Q_srl gains nothing below), else kept."""
    return 2 if depth <= 2 else 32 if depth <= 32 else int(depth)


@dataclass(frozen=True)
class Fifo:
    """A StreamingFIFO with FINN's resource estimates (``streamingfifo.py``)."""

    name: str
    occupancy_words: int
    width_bits: int
    max_qsrl_depth: int = 256
    ram_style: str = "block"

    @property
    def depth(self) -> int:
        return optimize_depth(self.occupancy_words)

    @property
    def impl_style(self) -> str:
        return "vivado" if self.depth > self.max_qsrl_depth else "rtl"

    @property
    def adjusted_depth(self) -> int:
        """A Vivado FIFO rounds its depth up to a power of two."""
        d = self.depth
        return 1 << (d - 1).bit_length() if self.impl_style == "vivado" else d

    def bram18(self) -> int:
        """FINN's StreamingFIFO ``bram_estimation``: the MVAU's RAMB18 bands (divisors 9/18/36) on the
        adjusted depth, block RAM Vivado FIFOs only."""
        if self.impl_style == "rtl" or self.ram_style != "block":
            return 0
        return bram_bands(self.adjusted_depth, self.width_bits, (9, 18, 36))

    def uram(self) -> int:
        if self.impl_style == "rtl" or self.ram_style != "ultra":
            return 0
        return math.ceil(self.adjusted_depth / 4096) * math.ceil(self.width_bits / 72)

    def lut(self) -> int:
        d, w = self.adjusted_depth, self.width_bits
        ram = (
            math.ceil(d / 32) * math.ceil(w / 2)
            if self.impl_style == "rtl" or self.ram_style == "distributed"
            else 0
        )
        return int(2 * math.ceil(math.log(d, 2)) + ram)


@dataclass(frozen=True)
class PipelineTiming:
    """Overlapped timing of ``frames`` frames and the FIFOs sized on that run."""

    first_frame_cycles: int
    frames_cycles: int
    frames: int
    frame_done_cycles: list[int]
    fifos: list[Fifo]

    def resources(self) -> dict[str, int]:
        return {
            "lut": sum(f.lut() for f in self.fifos),
            "bram18": sum(f.bram18() for f in self.fifos),
            "uram": sum(f.uram() for f in self.fifos),
        }


def pipeline_timing(stages: list[Stage], frames: int = 2, ram_style: str = "block",
                    max_qsrl_depth: int = 256) -> PipelineTiming:  # fmt: skip
    """Run ``frames`` frames through the token model; FIFO depths from the maximum occupancies (capped at a
    frame's tokens, FINN's initial "tensor size" FIFOs)."""
    starts, dones = schedule(stages, frames)
    occ = max_occupancy_tokens(stages, starts, dones)
    fifos = [
        Fifo(
            f"{s.name}.in",
            min(o, stages[i - 1].tokens) * stages[i - 1].words_per_token,
            stages[i - 1].width_bits,
            max_qsrl_depth,
            ram_style,
        )  # fmt: skip
        for i, (s, o) in enumerate(zip(stages, occ, strict=True))
        if i > 0
    ]
    last = dones[-1] if stages else np.zeros(0, np.int64)
    n = stages[-1].tokens if stages else 1
    frame_done = [int(last[(f + 1) * n - 1]) for f in range(frames)] if len(last) else [0] * frames
    return PipelineTiming(frame_done[0], frame_done[-1], frames, frame_done, fifos)
