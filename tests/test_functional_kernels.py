"""Exact integer kernels (accelsim.functional): bit-exact against int64 numpy references and a pure-Python
stepwise accumulator reference (overflow counts), on both the float-BLAS and the integer path."""

from __future__ import annotations

import numpy as np
import pytest
from fuzzing import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.errors import AccelsimInputError
from accelsim.functional import (
    fit_bits,
    int_add,
    int_conv2d,
    int_fc,
    int_gemm,
    int_matmul,
    int_pool2d,
    run_layer,
)
from accelsim.functional.bounds import F32_EXACT, acc_max, bits_bound
from accelsim.workload import Layer, Precision

# ---- references ---------------------------------------------------------------------------------


def rand_int(rng: np.random.Generator, shape, bits: int, signed: bool) -> np.ndarray:
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    return rng.integers(lo, hi + 1, size=shape, dtype=np.int64)


def ref_conv(x, w, stride, pad, dil, groups, bias=None) -> np.ndarray:
    """Exact int64 convolution by slicing the padded input (no accumulator limit)."""
    pt, pb, pl, pr = pad
    xp = np.pad(x.astype(np.int64), ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    Kg = K // groups
    P = (H + pt + pb - dil[0] * (R - 1) - 1) // stride[0] + 1
    Q = (W + pl + pr - dil[1] * (S - 1) - 1) // stride[1] + 1
    out = np.zeros((N, K, P, Q), np.int64)
    for k in range(K):
        g = k // Kg
        for r in range(R):
            for s in range(S):
                h0, w0 = r * dil[0], s * dil[1]
                patch = xp[
                    :,
                    g * Cg : (g + 1) * Cg,
                    h0 : h0 + stride[0] * (P - 1) + 1 : stride[0],
                    w0 : w0 + stride[1] * (Q - 1) + 1 : stride[1],
                ]
                out[:, k] += np.einsum("ncpq,c->npq", patch, w[k, :, r, s].astype(np.int64))
    if bias is not None:
        out += np.asarray(bias, np.int64).reshape(1, K, 1, 1)
    return out


def step(acc: int, p: int, bits: int, mode: str) -> tuple[int, bool]:
    """One accumulator addition in pure Python ints."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    s = acc + p
    if lo <= s <= hi:
        return s, False
    if mode == "saturate":
        return min(max(s, lo), hi), True
    return ((s - lo) % (1 << bits)) + lo, True


def stepwise_conv(x, w, stride, pad, dil, groups, bits, mode, bias=None):
    """Pure-Python stepwise reference: bias first, then (c, r, s) order INCLUDING padded zeros."""
    pt, pb, pl, pr = pad
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    Kg = K // groups
    P = (H + pt + pb - dil[0] * (R - 1) - 1) // stride[0] + 1
    Q = (W + pl + pr - dil[1] * (S - 1) - 1) // stride[1] + 1
    out = np.zeros((N, K, P, Q), np.int64)
    n_out = n_ev = 0
    for n in range(N):
        for k in range(K):
            g = k // Kg
            for p in range(P):
                for q in range(Q):
                    acc, ev = 0, 0
                    if bias is not None:
                        acc, o = step(acc, int(bias[k]), bits, mode)
                        ev += o
                    for c in range(Cg):
                        for r in range(R):
                            for s in range(S):
                                hh, ww = p * stride[0] - pt + r * dil[0], q * stride[1] - pl + s * dil[1]
                                v = int(x[n, g * Cg + c, hh, ww]) if 0 <= hh < H and 0 <= ww < W else 0
                                acc, o = step(acc, v * int(w[k, c, r, s]), bits, mode)
                                ev += o
                    out[n, k, p, q] = acc
                    n_ev += ev
                    n_out += ev > 0
    return out, n_out, n_ev


def stepwise_gemm(a, b, bits, mode, bias=None):
    M, Kr = a.shape
    N = b.shape[1]
    out = np.zeros((M, N), np.int64)
    n_out = n_ev = 0
    for m in range(M):
        for n in range(N):
            acc, ev = 0, 0
            if bias is not None:
                acc, o = step(acc, int(bias[n]), bits, mode)
                ev += o
            for k in range(Kr):
                acc, o = step(acc, int(a[m, k]) * int(b[k, n]), bits, mode)
                ev += o
            out[m, n] = acc
            n_ev += ev
            n_out += ev > 0
    return out, n_out, n_ev


# ---- strategies ---------------------------------------------------------------------------------


@st.composite
def conv_case(draw):
    groups = draw(st.integers(1, 3))
    depthwise = draw(st.booleans())
    Cg = 1 if depthwise else draw(st.integers(1, 3))
    Kg = draw(st.integers(1, 2)) if depthwise else draw(st.integers(1, 3))
    R, S = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pad = tuple(draw(st.integers(0, 2)) for _ in range(4))
    H = draw(st.integers(max(1, dil[0] * (R - 1) + 1 - pad[0] - pad[1]), 7))
    W = draw(st.integers(max(1, dil[1] * (S - 1) + 1 - pad[2] - pad[3]), 7))
    N = draw(st.integers(1, 2))
    x_bits, w_bits = draw(st.integers(1, 16)), draw(st.integers(1, 16))
    x_signed, w_signed = draw(st.booleans()), draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    x = rand_int(rng, (N, Cg * groups, H, W), x_bits, x_signed)
    w = rand_int(rng, (Kg * groups, Cg, R, S), w_bits, w_signed)
    bias = rand_int(rng, (Kg * groups,), 12, True) if draw(st.booleans()) else None
    return x, w, stride, pad, dil, groups, bias


# ---- convolution --------------------------------------------------------------------------------


@settings(max_examples=examples(60), deadline=None)
@given(conv_case())
def test_conv_exact_both_paths(case):
    x, w, stride, pad, dil, groups, bias = case
    ref = ref_conv(x, w, stride, pad, dil, groups, bias)
    for path in ("auto", "int"):
        r = int_conv2d(x, w, stride, pad, dil, groups, acc_bits=64, overflow="saturate", bias=bias, path=path)
        assert r.out.dtype == np.int64
        np.testing.assert_array_equal(r.out, ref)
        assert (r.overflow_outputs, r.overflow_events) == (0, 0)
    # 16x16-bit operands over ≤ 27 products always fit float64 and a 64-bit accumulator: a float path
    path = int_conv2d(x, w, stride, pad, dil, groups, acc_bits=64, bias=bias).path
    assert path in ("blas_f32", "blas_f64", "direct_f32", "direct_f64")
    assert path.startswith("direct") == (groups > 1 and w.size // groups <= 256)


@settings(max_examples=examples(60), deadline=None)
@given(conv_case(), st.integers(1, 24), st.sampled_from(["saturate", "wrap"]))
def test_conv_overflow_matches_stepwise(case, acc_bits, mode):
    x, w, stride, pad, dil, groups, bias = case
    want = stepwise_conv(x, w, stride, pad, dil, groups, acc_bits, mode, bias)
    for path in ("auto", "int"):
        r = int_conv2d(x, w, stride, pad, dil, groups, acc_bits=acc_bits, overflow=mode, bias=bias, path=path)
        np.testing.assert_array_equal(r.out, want[0])
        assert (r.overflow_outputs, r.overflow_events) == want[1:]
    if mode == "wrap":  # order-independent: equals the exact sum wrapped once
        exact = ref_conv(x, w, stride, pad, dil, groups, bias)
        np.testing.assert_array_equal(r.out, fit_bits(exact, acc_bits, True, "wrap").out)


@pytest.mark.parametrize(("stride", "groups", "batch"), [((1, 1), 1, 1), ((2, 1), 1, 3), ((2, 3), 2, 2)])
def test_pointwise_conv_strided_copy_path(stride, groups, batch):
    """1×1 convolutions without padding build their patches by a strided copy (not the im2col kernel)."""
    rng = np.random.default_rng(5)
    x = rand_int(rng, (batch, 40, 7, 8), 8, False)
    w = rand_int(rng, (40, 40 // groups, 1, 1), 8, True)
    r = int_conv2d(x, w, stride, 0, groups=groups, acc_bits=32)
    assert r.path == "blas_f32"
    np.testing.assert_array_equal(r.out, ref_conv(x, w, stride, (0, 0, 0, 0), (1, 1), groups))


def test_conv_overflow_forced_example():
    """Hand case: 3 products of 100 into an 8-bit accumulator, order c = 0, 1, 2."""
    x = np.array([10, 10, -10], np.int64).reshape(1, 3, 1, 1)
    w = np.full((1, 3, 1, 1), 10, np.int64)
    sat = int_conv2d(x, w, acc_bits=8, overflow="saturate")
    assert (sat.out.item(), sat.overflow_outputs, sat.overflow_events, sat.path) == (27, 1, 1, "int_loop")
    wrap = int_conv2d(x, w, acc_bits=8, overflow="wrap")  # 100 + 100 = 200 → −56, then −156 → 100
    assert (wrap.out.item(), wrap.overflow_outputs, wrap.overflow_events) == (100, 1, 2)


# ---- GEMM family --------------------------------------------------------------------------------


@settings(max_examples=examples(50), deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 12),
    st.integers(1, 5),
    st.integers(1, 16),
    st.integers(1, 16),
    st.booleans(),
    st.booleans(),
    st.integers(1, 40),
    st.sampled_from(["saturate", "wrap"]),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_gemm_matches_stepwise(M, Kr, N, a_bits, b_bits, a_signed, b_signed, acc_bits, mode, with_bias, seed):
    rng = np.random.default_rng(seed)
    a = rand_int(rng, (M, Kr), a_bits, a_signed)
    b = rand_int(rng, (Kr, N), b_bits, b_signed)
    bias = rand_int(rng, (N,), 10, True) if with_bias else None
    want = stepwise_gemm(a, b, acc_bits, mode, bias)
    for path in ("auto", "int"):
        r = int_gemm(a, b, acc_bits, mode, bias=bias, path=path)
        np.testing.assert_array_equal(r.out, want[0])
        assert (r.overflow_outputs, r.overflow_events) == want[1:]
    r = int_fc(a, b.T, acc_bits, mode, bias=bias)
    np.testing.assert_array_equal(r.out, want[0])


@settings(max_examples=examples(25), deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 6), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_batched_matmul_broadcast(B, M, Kr, N, seed):
    rng = np.random.default_rng(seed)
    a = rand_int(rng, (B, 1, M, Kr), 8, True)
    b = rand_int(rng, (2, Kr, N), 8, False)
    ref = np.matmul(a, b)
    for path in ("auto", "int"):
        r = int_matmul(a, b, acc_bits=32, path=path)
        assert r.out.shape == (B, 2, M, N)
        np.testing.assert_array_equal(r.out, ref)


def test_chunked_float32_path_is_exact():
    """int8 × uint8 over K = 3000: one float32 GEMM could be inexact, float32 chunks ≤ 2^24 are not."""
    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, (40, 3000))
    b = rng.integers(-128, 128, (3000, 30))
    a[:, :] = 255  # worst case magnitudes make the bound large
    b[:, 0] = -128
    r = int_gemm(a, b, acc_bits=32)
    assert r.path == "blas_f32" and r.chunks > 1 and r.bound > F32_EXACT
    np.testing.assert_array_equal(r.out, a @ b)


def test_chunked_float32_grouped_conv_is_exact():
    """Grouped conv whose reduction (2 700 per group) needs several float32 chunks."""
    rng = np.random.default_rng(11)
    x = rng.integers(0, 256, (2, 600, 4, 5))
    w = rng.integers(-128, 128, (4, 300, 3, 3))
    r = int_conv2d(x, w, stride=(1, 2), padding=(1, 0, 1, 1), groups=2, acc_bits=32)
    assert r.path == "blas_f32" and r.chunks > 1
    np.testing.assert_array_equal(r.out, ref_conv(x, w, (1, 2), (1, 0, 1, 1), (1, 1), 2))


# ---- path selection -----------------------------------------------------------------------------


def _python_bound(a: np.ndarray, b: np.ndarray) -> int:
    """max_n Σ_k max_m |a[m,k]| · |b[k,n]| in Python ints (eq. 1 of accelsim.functional.bounds)."""
    amax = [max(abs(int(v)) for v in a[:, k]) for k in range(a.shape[1])]
    return max(sum(amax[k] * abs(int(b[k, n])) for k in range(a.shape[1])) for n in range(b.shape[1]))


@settings(max_examples=examples(40), deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 30),
    st.integers(1, 4),
    st.integers(1, 20),
    st.integers(1, 40),
    st.integers(0, 2**32 - 1),
)
def test_path_chosen_only_when_bound_holds(M, Kr, N, bits, acc_bits, seed):
    rng = np.random.default_rng(seed)
    a = rand_int(rng, (M, Kr), bits, True)
    b = rand_int(rng, (Kr, N), bits, True)
    r = int_gemm(a, b, acc_bits)
    tight = _python_bound(a, b)
    cheap = sum(max(abs(int(v)) for v in a[:, k]) for k in range(Kr)) * max(abs(int(v)) for v in b.ravel())
    assert tight <= r.bound <= cheap <= bits_bound(Kr, bits, True, bits, True)
    assert r.bound in (tight, cheap)  # the proven bound is one of the two documented ones
    blas_ok = tight <= acc_max(acc_bits) and tight <= 2**53
    assert r.path.startswith("blas") == blas_ok  # float path iff the (tight) bound provably holds
    if r.path.startswith("blas"):
        assert r.bound <= acc_max(acc_bits)
        if r.path == "blas_f32" and r.chunks == 1:
            assert r.bound <= F32_EXACT
    assert int_gemm(a, b, acc_bits, path="int").bound == tight


def test_float32_inexact_case_avoids_float32():
    a = np.array([[1 << 24, 1]], np.int64)
    b = np.array([[1], [1]], np.int64)
    assert int((a.astype(np.float32) @ b.astype(np.float32))[0, 0]) != (1 << 24) + 1  # float32 is wrong here
    r = int_gemm(a, b, acc_bits=32)
    assert r.path == "blas_f64" and r.out[0, 0] == (1 << 24) + 1
    # products near 2^62 exceed every float mantissa: integer path, exact via Python ints
    big = np.array([[-(1 << 31), -(1 << 31)]], np.int64)
    r = int_gemm(big, big.T.copy(), acc_bits=64, overflow="wrap")
    exact = 2 * (1 << 62)  # = 2^63, one past int64
    assert r.path == "int_loop"
    assert r.out[0, 0] == exact - (1 << 64) and r.overflow_events == 1
    with pytest.raises(AccelsimInputError, match="path"):
        int_gemm(big, big.T.copy(), acc_bits=64, path="blas")
    r = int_gemm(a, b, acc_bits=24)  # fits float64 but not the 24-bit accumulator → integer path
    assert (
        r.path == "int_loop" and r.out[0, 0] == (1 << 23) - 1 and r.overflow_events == 2
    )  # 2^24 clamps, then +1 clamps again


def test_int64_edge_accumulator():
    """64-bit accumulator: saturation at the int64 limits and event counting via sign checks."""
    a = np.array([[(1 << 31) - 1] * 4], np.int64)
    b = np.full((4, 1), -(1 << 31), np.int64)
    r = int_gemm(np.vstack([a, -a]), b, acc_bits=64, overflow="saturate")
    assert r.out[1, 0] == np.iinfo(np.int64).max and r.out[0, 0] == np.iinfo(np.int64).min
    want = stepwise_gemm(np.vstack([a, -a]), b, 64, "saturate")
    assert (r.overflow_outputs, r.overflow_events) == want[1:]


# ---- pooling, add, layer runner, errors ---------------------------------------------------------


def test_avg_pool_rounding_by_hand():
    x = np.array([-3, 0, 5, 0, 7, 0, -5, 0], np.int64).reshape(1, 1, 1, 8)  # window sums −3, 5, 7, −5; d = 2
    got = {
        m: int_pool2d(x, (1, 2), "avg", rounding=m).ravel().tolist()
        for m in ("half_up", "half_even", "floor", "trunc")
    }
    assert got == {
        "half_up": [-1, 3, 4, -2],
        "half_even": [-2, 2, 4, -2],
        "floor": [-2, 2, 3, -3],
        "trunc": [-1, 2, 3, -2],
    }


@settings(max_examples=examples(30), deadline=None)
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(1, 2),
    st.integers(0, 1),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_pool_matches_numpy(R, S, stride, pad, include_pad, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-50, 50, (2, 3, 6, 5))
    got_max = int_pool2d(x, (R, S), "max", stride, pad)
    got_avg = int_pool2d(x, (R, S), "avg", stride, pad, rounding="floor", count_include_pad=include_pad)
    xm = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=np.iinfo(np.int64).min)
    xz = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ones = np.pad(np.ones_like(x), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    P, Q = got_max.shape[2:]
    for p in range(P):
        for q in range(Q):
            sl = (
                slice(None),
                slice(None),
                slice(p * stride, p * stride + R),
                slice(q * stride, q * stride + S),
            )
            valid = ones[sl].sum(axis=(2, 3))  # windows made only of padding give 0 (documented)
            np.testing.assert_array_equal(
                got_max[:, :, p, q], np.where(valid > 0, xm[sl].max(axis=(2, 3)), 0)
            )
            d = np.full_like(valid, R * S) if include_pad else np.maximum(valid, 1)
            want = (
                np.where(valid > 0, xz[sl].sum(axis=(2, 3)) // d, 0)
                if not include_pad
                else xz[sl].sum(axis=(2, 3)) // d
            )
            np.testing.assert_array_equal(got_avg[:, :, p, q], want)


def test_add_and_fit_bits_by_hand():
    r = int_add(np.array([100, -100, 20]), np.array([100, -100, 7]), out_bits=8, overflow="saturate")
    assert r.out.tolist() == [127, -128, 27] and (r.overflow_outputs, r.overflow_events) == (2, 2)
    r = int_add(np.array([100, -100, 20]), np.array([100, -100, 7]), out_bits=8, overflow="wrap")
    assert r.out.tolist() == [-56, 56, 27]
    assert fit_bits(np.array([300, -1]), 8, signed=False, overflow="wrap").out.tolist() == [44, 255]
    assert fit_bits(np.array([300, -1]), 8, signed=False, overflow="saturate").out.tolist() == [255, 0]


def test_run_layer_reads_the_ir():
    rng = np.random.default_rng(3)
    prec = Precision(w_bits=4, a_bits=6, acc_bits=14, overflow="wrap", a_signed=False)
    conv = Layer(
        name="c",
        op="conv2d",
        in_channels=4,
        out_channels=6,
        in_h=7,
        in_w=6,
        kernel=3,
        stride=[2, 1],
        padding=[1, 0, 2, 1],
        dilation=[1, 2],
        groups=2,
    )
    x = rand_int(rng, (2, 4, 7, 6), 6, False)
    w = rand_int(rng, (6, 2, 3, 3), 4, True)
    r = run_layer(conv, x, w, prec)
    want = stepwise_conv(x, w, (2, 1), (1, 0, 2, 1), (1, 2), 2, 14, "wrap")
    np.testing.assert_array_equal(r.out, want[0])
    assert r.out.shape == (2, 6, conv.P, conv.Q) and r.overflow_events == want[2]
    dw = Layer(
        name="d", op="depthwise_conv2d", in_channels=4, out_channels=4, in_h=5, in_w=5, kernel=3, padding=1
    )
    wd = rand_int(rng, (4, 1, 3, 3), 4, True)
    np.testing.assert_array_equal(
        run_layer(dw, x[:, :, :5, :5], wd, prec.model_copy(update={"acc_bits": 32})).out,
        ref_conv(x[:, :, :5, :5], wd, (1, 1), (1, 1, 1, 1), (1, 1), 4),
    )
    mm = Layer(
        name="m", op="matmul", in_channels=6, out_channels=4, in_h=3, groups=2, weights_are_activations=True
    )
    xa, wa = rand_int(rng, (2, 3, 6), 6, False), rand_int(rng, (2, 2, 3, 2), 6, False)
    got = run_layer(mm, xa, wa, prec.model_copy(update={"acc_bits": 32})).out
    want_mm = np.concatenate([xa[:, :, :3] @ wa[:, 0], xa[:, :, 3:] @ wa[:, 1]], axis=2)
    np.testing.assert_array_equal(got, want_mm)
    fc = Layer(name="f", op="fc", in_channels=5, out_channels=3)
    xf, wf = rand_int(rng, (2, 5), 6, False), rand_int(rng, (3, 5), 4, True)
    np.testing.assert_array_equal(
        run_layer(fc, xf, wf, prec.model_copy(update={"acc_bits": 32})).out, xf @ wf.T
    )
    with pytest.raises(AccelsimInputError, match="x: values"):
        run_layer(fc, np.where(np.arange(5) == 0, -1, xf), wf, prec)  # unsigned activations must be ≥ 0
    with pytest.raises(AccelsimInputError, match="w: layer"):
        run_layer(conv, x, w[:, :1], prec)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"acc_bits": 0}, "acc_bits"),
        ({"acc_bits": 65}, "acc_bits"),
        ({"overflow": "clip"}, "overflow"),
        ({"path": "gpu"}, "path"),
        ({"groups": 4}, "groups"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    x = np.zeros((1, 2, 3, 3), np.int8)
    w = np.zeros((2, 2, 1, 1), np.int8)
    with pytest.raises(AccelsimInputError, match=f"^{field}:"):
        int_conv2d(x, w, **kwargs)


def test_float_operands_rejected():
    with pytest.raises(AccelsimInputError, match="^a: must be an integer array"):
        int_gemm(np.ones((2, 2)), np.ones((2, 2), np.int8))
