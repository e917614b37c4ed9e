"""Row-stationary: cycle-stepped PE / PE-set references equal numpy conv and the closed forms exactly."""

from __future__ import annotations

import numpy as np
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.dataflow.row_stationary import (
    distinct_ifmap_rows,
    pe_row_conv_cycles,
    pe_set_cycles,
    pe_set_ifmap_deliveries,
    pe_set_psum_hops,
)
from accelsim.dataflow.row_stationary_ref import pe_row_conv_ref, pe_set_ref


def conv2d_numpy(x: np.ndarray, w: np.ndarray, uh: int, uw: int, dh: int, dw: int) -> np.ndarray:
    """x [n, q, H, W] (padded), w [p, q, R, S] -> [n, p, E, F] by explicit windows (int64, exact)."""
    n, q, H, W = x.shape
    p, _, R, S = w.shape
    E = (H - dh * (R - 1) - 1) // uh + 1
    F = (W - dw * (S - 1) - 1) // uw + 1
    out = np.zeros((n, p, E, F), dtype=np.int64)
    for r in range(R):
        for s in range(S):
            patch = x[:, :, r * dh : r * dh + uh * (E - 1) + 1 : uh, s * dw : s * dw + uw * (F - 1) + 1 : uw]
            out += np.einsum("nqef,pq->npef", patch, w[:, :, r, s])
    return out


@settings(max_examples=examples(40), deadline=None)
@given(
    n=st.integers(1, 2), p=st.integers(1, 3), q=st.integers(1, 3), S=st.integers(1, 5),
    F=st.integers(1, 6), U=st.integers(1, 3), d=st.integers(1, 2), seed=st.integers(0, 2**31 - 1),
)  # fmt: skip
def test_pe_row_conv_equals_numpy_and_closed_form(n, p, q, S, F, U, d, seed):
    rng = np.random.default_rng(seed)
    span = (S - 1) * d + 1
    w_in = (F - 1) * U + span
    filt = rng.integers(-128, 128, size=(p, q, S)).astype(np.int64)
    ifmap = rng.integers(-128, 128, size=(n, q, w_in)).astype(np.int64)
    out, cycles, fills = pe_row_conv_ref(filt, ifmap, F, U, d)
    ref = conv2d_numpy(ifmap[:, :, None, :], filt[:, :, None, :], 1, U, 1, d)[:, :, 0, :]
    assert np.array_equal(out, ref)
    assert cycles == pe_row_conv_cycles(n, F, p, q, S)
    assert fills == pe_set_ifmap_deliveries(n, q, F, S, U, d, 1, 1)


@settings(max_examples=examples(30), deadline=None)
@given(
    n=st.integers(1, 2), p=st.integers(1, 2), q=st.integers(1, 2), R=st.integers(1, 4), S=st.integers(1, 4),
    r=st.integers(1, 2), e=st.integers(1, 4), F=st.integers(1, 5), uh=st.integers(1, 3), uw=st.integers(1, 2),
    dh=st.integers(1, 2), dw=st.integers(1, 2), pad=st.integers(0, 1), seed=st.integers(0, 2**31 - 1),
)  # fmt: skip
def test_pe_set_equals_numpy_and_closed_form(n, p, q, R, S, r, e, F, uh, uw, dh, dw, pad, seed):
    rng = np.random.default_rng(seed)
    h_in = (e - 1) * uh + (R - 1) * dh + 1
    w_in = (F - 1) * uw + (S - 1) * dw + 1
    # r channel groups, each a padded input: zero border of `pad` around a random interior
    x = np.zeros((r, n, q, h_in, w_in), dtype=np.int64)
    x[:, :, :, pad : h_in - pad or None, pad : w_in - pad or None] = rng.integers(
        -100, 100, size=(r, n, q, max(h_in - 2 * pad, 0), max(w_in - 2 * pad, 0))
    )
    w = rng.integers(-100, 100, size=(r, p, q, R, S)).astype(np.int64)
    out, cycles, hops, deliveries, rows = pe_set_ref(w, x, e, F, uh, uw, dh, dw)
    want = sum(conv2d_numpy(x[k], w[k], uh, uw, dh, dw) for k in range(r))
    assert np.array_equal(out, want)
    assert cycles == pe_set_cycles(n, F, p, q, S, R, r)
    assert hops == pe_set_psum_hops(n, F, p, e, R, r)
    assert deliveries == r * pe_set_ifmap_deliveries(n, q, F, S, uw, dw, R, e)
    assert rows == distinct_ifmap_rows(e, R, uh, dh)
