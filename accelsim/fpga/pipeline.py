"""Overlapped latency of a layer pipeline, and the FIFO depths that keep it from stalling (issue 15).

FINN reports the sum of every unit's cycles as latency and calls it "very pessimistic, it assumes no
overlap between executions" (``src/finn/analysis/fpgadataflow/dataflow_performance.py``). Here the units
overlap at *token* granularity, a token being one output pixel (a vector of all its channels) of a unit:

* unit ``i`` emits ``N_i`` tokens per frame and spends FINN's per-frame cycles ``C_i`` on them, token
  ``j`` taking ``s_i(j) = ⌊(j+1)·C_i/N_i⌋ − ⌊j·C_i/N_i⌋`` cycles (so a frame costs exactly ``C_i``);
* token ``j`` needs, of each producer, the tokens up to ``need_i(j)`` (a sliding window or max-pool needs its
  window's last input pixel, an MVAU its own input vector, a fully connected layer after a flatten the
  whole input) and starts when they are complete and the unit is free (store and forward per token):

  ``done_i(j) = max(done_i(j−1), max_p done_p(need_ip(j))) + s_i(j)`` over the unit's producers ``p`` (the
  previous unit in a chain; both operands of a residual add); a unit reading the network input has none
  (the frame is in the input stream at t = 0); frames follow each other in the same token streams;
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
    #: the producers this stage reads, as (stage index, need) in stream order; None = the previous stage
    #: with ``need`` (a chain). A stage index must be smaller than this stage's (topological order).
    sources: tuple[tuple[int, np.ndarray], ...] | None = None
    #: FINN's kind of unit, where FIFO sizing cares ("swg" a sliding-window generator, "mvau"), and the
    #: tokens of one output row of a generator (its OFM width)
    kind: str = ""
    row_tokens: int = 0


def inputs_of(stages: list[Stage], i: int) -> tuple[tuple[int, np.ndarray], ...]:
    """The (producer index, need) pairs of stage ``i``: its ``sources``, else the previous stage."""
    st = stages[i]
    if st.sources is not None:
        return st.sources
    return ((i - 1, st.need),) if i > 0 else ()


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
def _schedule(
    tokens, cycles, frames, stage_off, edge_ptr, edge_src, edge_need_off, need, starts, dones
):  # pragma: no cover - numba
    for i in range(tokens.shape[0]):
        n = tokens[i]
        c = cycles[i]
        base = stage_off[i]
        free = 0
        for f in range(frames):
            for j in range(n):
                s = (j + 1) * c // n - j * c // n
                a = 0
                for e in range(edge_ptr[i], edge_ptr[i + 1]):
                    src = edge_src[e]
                    idx = f * tokens[src] + need[edge_need_off[e] + j]
                    if idx >= 0:
                        d = dones[stage_off[src] + idx]
                        if d > a:
                            a = d
                t0 = free if free > a else a
                starts[base + f * n + j] = t0
                dones[base + f * n + j] = t0 + s
                free = t0 + s


def edges(stages: list[Stage]) -> list[tuple[int, int, np.ndarray]]:
    """Every stream of the pipeline as (producer, consumer, the consumer's need), consumers in order;
    checks that every producer comes before its consumer."""
    out = []
    for i in range(len(stages)):
        for src, need in inputs_of(stages, i):
            if not 0 <= src < i:
                raise ValueError(f"stage {stages[i].name!r} reads stage {src}: producers must come first")
            if len(need) != stages[i].tokens:
                raise ValueError(f"stage {stages[i].name!r}: one need per output token")
            out.append((src, i, np.asarray(need, np.int64)))
    return out


def schedule(stages: list[Stage], frames: int = 1) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Start and completion cycle of every token of every stage over ``frames`` frames."""
    tokens = np.array([s.tokens for s in stages], np.int64)
    cycles = np.array([s.cycles for s in stages], np.int64)
    stage_off = np.concatenate([[0], np.cumsum(tokens * frames)[:-1]]).astype(np.int64)
    es = edges(stages)
    edge_ptr = np.zeros(len(stages) + 1, np.int64)
    for _, dst, _ in es:
        edge_ptr[dst + 1] += 1
    edge_ptr = np.cumsum(edge_ptr).astype(np.int64)
    edge_src = np.array([src for src, _, _ in es], np.int64)
    lens = [len(nd) for _, _, nd in es]
    edge_need_off = (
        np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64) if es else np.zeros(0, np.int64)
    )
    need = np.concatenate([nd for _, _, nd in es]).astype(np.int64) if es else np.zeros(0, np.int64)
    total = int(tokens.sum()) * frames
    starts = np.zeros(total, np.int64)
    dones = np.zeros(total, np.int64)
    if stages:
        _schedule(tokens, cycles, frames, stage_off, edge_ptr, edge_src, edge_need_off, need, starts, dones)
    bounds = np.concatenate([[0], np.cumsum(tokens * frames)])
    return ([starts[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)],
            [dones[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)])  # fmt: skip


def _abs_need(need: np.ndarray, up_tokens: int, frames: int) -> np.ndarray:
    return (np.arange(frames, dtype=np.int64)[:, None] * up_tokens + need[None, :]).ravel()


def edge_occupancy_tokens(stages: list[Stage], starts, dones) -> dict[tuple[int, int], int]:
    """Maximum tokens waiting in the FIFO of every stream (producer, consumer): completed by the producer,
    not yet read by the consumer (an eager consumer reads on arrival, any other when it starts the first
    output that needs the token)."""
    occ: dict[tuple[int, int], int] = {}
    for src, dst, need in edges(stages):
        up_done = dones[src]
        if stages[dst].eager:
            reads = up_done
        else:
            frames = len(starts[dst]) // stages[dst].tokens
            nd = _abs_need(need, stages[src].tokens, frames)
            first = np.searchsorted(nd, np.arange(len(up_done)), side="left")  # first output needing m
            reads = np.where(
                first < len(nd), starts[dst][np.minimum(first, len(nd) - 1)], np.iinfo(np.int64).max
            )
            reads = np.maximum(reads, up_done)  # a token is read no earlier than it arrives
        arrived = np.searchsorted(up_done, up_done, side="right")
        read = np.searchsorted(np.sort(reads), up_done, side="right")
        occ[(src, dst)] = int(np.max(arrived - read)) if len(up_done) else 0
    return occ


def max_occupancy_tokens(stages: list[Stage], starts, dones) -> list[int]:
    """Per stage, the maximum occupancy of the FIFO on its first input (0 for a stage without one)."""
    occ = edge_occupancy_tokens(stages, starts, dones)
    out = []
    for i in range(len(stages)):
        ins = inputs_of(stages, i)
        out.append(occ[(ins[0][0], i)] if ins else 0)
    return out


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
                    max_qsrl_depth: int = 256, swg_exception: bool = False) -> PipelineTiming:  # fmt: skip
    """Run ``frames`` frames through the token model; FIFO depths from the maximum occupancies (capped at a
    frame's tokens, FINN's initial "tensor size" FIFOs).

    ``swg_exception``: FINN's ``CapConvolutionFIFODepths`` (``set_fifo_depths.py`` l.132-196, off by default
    in FINN too): a FIFO from a sliding-window generator into an MVAU is capped at one output row of the
    generator's words (``min(optimize_depth(W_out·words per window), depth)``), its rule of thumb since the
    generator buffers a row itself; a capped FIFO deeper than ``max_qsrl_depth`` is a Vivado FIFO with
    ``ram_style: auto`` (no block RAM estimated). The cap sizes the FIFO; the token model's timing is not
    re-run with it (FINN does not re-simulate either)."""
    starts, dones = schedule(stages, frames)
    occ = edge_occupancy_tokens(stages, starts, dones)
    fifos = []
    for (src, dst), o in occ.items():
        single = len(inputs_of(stages, dst)) == 1
        name = f"{stages[dst].name}.in" if single else f"{stages[dst].name}.in.{stages[src].name}"
        up = stages[src]
        words, style = min(o, up.tokens) * up.words_per_token, ram_style
        if swg_exception and up.kind == "swg" and stages[dst].kind == "mvau":
            row = up.row_tokens * up.words_per_token
            if row < words:
                words, style = row, "auto"
        fifos.append(Fifo(name, words, up.width_bits, max_qsrl_depth, style))
    last = dones[-1] if stages else np.zeros(0, np.int64)
    n = stages[-1].tokens if stages else 1
    frame_done = [int(last[(f + 1) * n - 1]) for f in range(frames)] if len(last) else [0] * frames
    return PipelineTiming(frame_done[0], frame_done[-1], frames, frame_done, fifos)
