"""Cycle-stepped reference of the token pipeline of :mod:`accelsim.fpga.pipeline` (tests only).

Every cycle ``t``, units in stream order: an idle unit whose next token's inputs are complete (the upstream
token it needs finished at or before ``t``) starts it and is busy for ``s_i(j)`` cycles (tokens of 0
cycles finish at once, so a unit may start several in one cycle). Reads happen as the FIFOs see them: an
eager unit (sliding window, max-pool) reads every token the cycle it completes; any other unit reads the
tokens up to ``need_i(j)`` of each of its producers when it starts token ``j`` (a unit with several producers
— add, concat — waits for all of them). Occupancy = completed − read per stream, sampled every cycle after
all units have acted.
"""

from __future__ import annotations

import numpy as np

from accelsim.fpga.pipeline import Stage, inputs_of


def simulate_cycles(
    stages: list[Stage], frames: int = 1
) -> tuple[list[list[int]], dict[tuple[int, int], int]]:
    """Completion cycle of every token of every stage, and every stream's maximum FIFO occupancy (tokens),
    keyed (producer, consumer)."""
    n_st = len(stages)
    ins = [list(inputs_of(stages, i)) for i in range(n_st)]
    done: list[list[int]] = [[] for _ in stages]
    nxt = [0] * n_st  # next token index (over all frames)
    busy_until = [0] * n_st
    read = {(src, i): 0 for i in range(n_st) for src, _ in ins[i]}  # producer tokens read so far
    occ_max = dict.fromkeys(read, 0)
    total = [s.tokens * frames for s in stages]
    t = 0
    while any(nxt[i] < total[i] for i in range(n_st)) or any(busy_until[i] >= t for i in range(n_st)):
        for i, st in enumerate(stages):
            while nxt[i] < total[i] and busy_until[i] <= t:
                f, j = divmod(nxt[i], st.tokens)
                idxs = [(src, f * stages[src].tokens + int(need[j])) for src, need in ins[i]]
                if any(idx >= 0 and (idx >= len(done[src]) or done[src][idx] > t) for src, idx in idxs):
                    break
                if not st.eager:
                    for src, idx in idxs:
                        read[(src, i)] = max(read[(src, i)], idx + 1)
                s = (j + 1) * st.cycles // st.tokens - j * st.cycles // st.tokens
                start = max(busy_until[i], t)
                done[i].append(start + s)
                busy_until[i] = start + s
                nxt[i] += 1
        for (src, dst), r in read.items():
            arrived = sum(1 for d in done[src] if d <= t)
            if stages[dst].eager:
                read[(src, dst)] = r = arrived
            occ_max[(src, dst)] = max(occ_max[(src, dst)], arrived - min(r, arrived))
        t += 1
    return done, occ_max


def to_arrays(done: list[list[int]]) -> list[np.ndarray]:
    return [np.asarray(d, np.int64) for d in done]
