"""Cycle-stepped reference of the token pipeline of :mod:`accelsim.fpga.pipeline` (tests only).

Every cycle ``t``, units in stream order: an idle unit whose next token's inputs are complete (the upstream
token it needs finished at or before ``t``) starts it and is busy for ``s_i(j)`` cycles (tokens of 0
cycles finish at once, so a unit may start several in one cycle). Reads happen as the FIFOs see them: an
eager unit (sliding window, max-pool) reads every token the cycle it completes; any other unit reads the
tokens up to ``need_i(j)`` when it starts token ``j``. Occupancy = completed − read, sampled every cycle
after all units have acted.
"""

from __future__ import annotations

import numpy as np

from accelsim.fpga.pipeline import Stage


def simulate_cycles(stages: list[Stage], frames: int = 1) -> tuple[list[list[int]], list[int]]:
    """Completion cycle of every token of every stage, and each FIFO's maximum occupancy (tokens)."""
    n_st = len(stages)
    done: list[list[int]] = [[] for _ in stages]
    nxt = [0] * n_st  # next token index (over all frames)
    busy_until = [0] * n_st
    read = [0] * n_st  # upstream tokens read so far
    occ_max = [0] * n_st
    total = [s.tokens * frames for s in stages]
    t = 0
    while any(nxt[i] < total[i] for i in range(n_st)) or any(busy_until[i] >= t for i in range(n_st)):
        for i, st in enumerate(stages):
            while nxt[i] < total[i] and busy_until[i] <= t:
                f, j = divmod(nxt[i], st.tokens)
                if i > 0:
                    idx = f * stages[i - 1].tokens + int(st.need[j])
                    if idx >= 0 and (idx >= len(done[i - 1]) or done[i - 1][idx] > t):
                        break
                    if not st.eager:
                        read[i] = max(read[i], idx + 1)
                s = (j + 1) * st.cycles // st.tokens - j * st.cycles // st.tokens
                start = max(busy_until[i], t)
                done[i].append(start + s)
                busy_until[i] = start + s
                nxt[i] += 1
        for i in range(1, n_st):
            arrived = sum(1 for d in done[i - 1] if d <= t)
            if stages[i].eager:
                read[i] = arrived
            occ_max[i] = max(occ_max[i], arrived - min(read[i], arrived))
        t += 1
    return done, occ_max


def to_arrays(done: list[list[int]]) -> list[np.ndarray]:
    return [np.asarray(d, np.int64) for d in done]
