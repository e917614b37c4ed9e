"""Exact integer GEMM / convolution / fc / batched matmul with a configured accumulator.

Semantics (identical on every path; see :mod:`accelsim.functional._kernels` for the stepwise rules):

* accumulator: ``acc_bits``-wide two's complement, range ``[−2^(acc_bits−1), 2^(acc_bits−1) − 1]``,
  starting at 0; the bias (if given) is the first addend, then the products in reduction-index order —
  ``(c, r, s)`` for convolutions (input channel outermost, kernel column innermost), ``k`` for GEMMs;
* ``overflow="wrap"``: result ≡ exact sum mod 2^acc_bits (order-independent);
* ``overflow="saturate"``: clamp after every addition (order-dependent, what a saturating register does);
* ``overflow_outputs``: outputs whose accumulation left the range at least once; ``overflow_events``:
  additions whose exact result left the range.

Paths (``IntResult.path``): ``blas_f32`` / ``blas_f64`` when the worst-case partial sum provably fits both
the accumulator and the float mantissa (:mod:`accelsim.functional.bounds`); ``direct_f32`` / ``direct_f64``
for grouped convolutions (depthwise) whose per-group GEMM is too small for BLAS, same proof, direct numba
float loops; else ``int_loop`` (numba, int64 registers, stepwise saturate/wrap). ``path="blas"`` forces
a float path (error if not provably exact), ``path="int"`` the integer loops.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.functional import _kernels as K
from accelsim.functional.bounds import ExactPlan, abs_max, plan_reduction

OVERFLOW_MODES = ("saturate", "wrap")
# grouped convolutions whose per-group GEMM has at most this many weights (K/G · C/G · R · S) run as direct
# float loops instead of one tiny BLAS call per group (measured: depthwise 3×3 ≈ 1 GMAC/s via BLAS)
DIRECT_MAX_GROUP_MACS = 256
PATH_CHOICES = ("auto", "int", "blas")


@dataclass
class IntResult:
    """Output of an exact integer kernel."""

    out: np.ndarray  # int64 result
    overflow_outputs: int  # outputs whose accumulation overflowed at least once
    overflow_events: int  # additions whose exact result left the accumulator range
    path: str  # "blas_f32", "blas_f64", "direct_f32", "direct_f64", "int_loop" ("elementwise": pool/add)
    bound: int = 0  # proven bound on |every partial sum| (0 when not applicable)
    chunks: int = field(default=1)  # float32 reduction chunks used by blas_f32


# ---- validation ---------------------------------------------------------------------------------


def _check_common(acc_bits: int, overflow: str, path: str) -> None:
    if not isinstance(acc_bits, int | np.integer) or not 1 <= int(acc_bits) <= 64:
        raise AccelsimInputError("acc_bits", f"must be an integer 1..64, got {acc_bits!r}")
    if overflow not in OVERFLOW_MODES:
        raise AccelsimInputError("overflow", f"unknown value {overflow!r}; allowed: saturate, wrap")
    if path not in PATH_CHOICES:
        raise AccelsimInputError("path", f"unknown value {path!r}; allowed: {', '.join(PATH_CHOICES)}")


def _as_int(a: object, name: str, ndim: int | None = None, check_range: bool = True) -> np.ndarray:
    arr = np.asarray(a)
    if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        raise AccelsimInputError(name, f"must be an integer array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise AccelsimInputError(name, f"must have {ndim} dimensions, got shape {arr.shape}")
    if arr.dtype == np.bool_:
        arr = arr.astype(np.int8)
    if check_range and arr.size and abs_max(arr) > (1 << 32):
        raise AccelsimInputError(name, "values must fit 32 bits (|v| ≤ 2^32)")
    return arr


def _check_products(amax: int, bmax: int, a_name: str, b_name: str) -> int:
    """Operands must fit 32 bits and their products int64; returns the largest operand magnitude."""
    for v, name in ((amax, a_name), (bmax, b_name)):
        if v > (1 << 32):
            raise AccelsimInputError(name, "values must fit 32 bits (|v| ≤ 2^32)")
    if amax * bmax >= (1 << 63):
        raise AccelsimInputError(
            f"{a_name}, {b_name}", f"max|a|·max|b| = {amax * bmax} does not fit int64 products (< 2^63)"
        )
    return max(amax, bmax)


def _bias_vec(bias: object, n: int, name: str = "bias") -> np.ndarray | None:
    if bias is None:
        return None
    b = _as_int(bias, name, 1)
    if b.shape[0] != n:
        raise AccelsimInputError(name, f"must have {n} entries, got {b.shape[0]}")
    return b.astype(np.int64)


def _resolve(plan: ExactPlan, path: str) -> None:
    if path == "blas" and plan.path == "int_loop":
        raise AccelsimInputError("path", f"float path not provably exact: {plan.reason}")


_WS = threading.local()


def _workspace(name: str, shape: tuple[int, ...], dtype: type) -> np.ndarray:
    """A reusable per-thread scratch array (grown on demand, never returned to callers).

    Large temporaries (im2col patches, GEMM results) are reused between calls: freshly allocated
    multi-megabyte arrays are page-faulted in on every call once glibc trims the heap, which costs as much
    as the im2col itself. :func:`clear_workspace` releases the memory.
    """
    bufs = getattr(_WS, "bufs", None)
    if bufs is None:
        bufs = _WS.bufs = {}
    n = math.prod(shape)
    key = (name, np.dtype(dtype).str)
    buf = bufs.get(key)
    if buf is None or buf.size < n:
        buf = bufs[key] = np.empty(max(n, 1), dtype=dtype)
    return buf[:n].reshape(shape)


def clear_workspace() -> None:
    """Release the scratch buffers of the calling thread."""
    _WS.bufs = {}


def _chunked_matmul(
    lhs: np.ndarray, rhs: np.ndarray, chunks: tuple[tuple[int, int], ...], ft: type
) -> np.ndarray:
    """Σ over chunks of lhs[..., k0:k1] @ rhs[..., k0:k1, :] in float dtype ``ft``; one BLAS call per
    chunk and group. Integer operands are cast per chunk; chunk operands are made C-contiguous so that
    numpy dispatches to BLAS (a strided slice falls back to numpy's slow non-BLAS loop); one group is
    multiplied as plain 2-D matrices. Several chunks are summed in float64 (exact: bound ≤ 2^53).
    The result lives in a workspace buffer: copy it out before the next call."""
    G = lhs.shape[0]
    shape = lhs.shape[:-1] + rhs.shape[-1:]

    def mm(lc: np.ndarray, rc: np.ndarray, out: np.ndarray) -> np.ndarray:
        lc = lc.astype(ft, order="C", copy=False)
        rc = rc.astype(ft, order="C", copy=False)
        if G == 1:
            np.matmul(lc[0], rc[0], out=out[0])
        else:
            np.matmul(lc, rc, out=out)
        return out

    if len(chunks) == 1:
        return mm(lhs, rhs, _workspace("mm", shape, ft))
    acc = _workspace("acc", shape, np.float64)
    acc[...] = 0
    part = _workspace("mm", shape, ft)
    for k0, k1 in chunks:
        acc += mm(lhs[..., k0:k1], rhs[..., k0:k1, :], part)
    return acc


def _dmax(d: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """max |d| over ``axis`` as int64, from min/max reductions in the native dtype (no abs overflow)."""
    if d.size == 0:
        shape = [n for i, n in enumerate(d.shape) if i not in np.atleast_1d(axis) % d.ndim]
        return np.zeros(shape, np.int64)
    hi = d.max(axis=axis).astype(np.int64)
    if np.issubdtype(d.dtype, np.unsignedinteger) or d.dtype == np.bool_:
        return hi
    return np.maximum(-d.min(axis=axis).astype(np.int64), hi)


def _float_dtype(plan: ExactPlan) -> type:
    return np.float32 if plan.path == "blas_f32" else np.float64


# ---- GEMM family --------------------------------------------------------------------------------


def _stacked_gemm(
    a: np.ndarray, b: np.ndarray, bias: np.ndarray | None, acc_bits: int, overflow: str, path: str
) -> IntResult:
    """a (G, M, K) · b (G, K, N) + bias (N,) with the accumulator semantics of this module."""
    G, M, Kr = a.shape
    N = b.shape[2]
    dmax = _dmax(a, 1)  # (G, K)
    bmax = abs_max(b)
    omax = _check_products(int(dmax.max()) if dmax.size else 0, bmax, "a", "b")
    if bias is not None:
        omax = max(omax, abs_max(bias))
    babs = None if bias is None else np.broadcast_to(np.abs(bias), (G, N))
    plan = plan_reduction(
        dmax, lambda: np.abs(b.astype(np.int64)), bmax, babs, int(acc_bits), omax, force=path
    )
    _resolve(plan, path)
    if plan.path == "int_loop":
        a64 = np.ascontiguousarray(a, dtype=np.int64)
        bt64 = np.ascontiguousarray(np.swapaxes(b, 1, 2), dtype=np.int64)
        bias64 = np.zeros((G, N), np.int64) if bias is None else np.ascontiguousarray(babs * 0 + bias)
        out, n_out, n_ev = K.gemm_int(
            a64, bt64, bias64, bias is not None, int(acc_bits), overflow == "saturate"
        )
        return IntResult(out, int(n_out), int(n_ev), plan.path, plan.bound, 0)
    ft = _float_dtype(plan)
    res = _chunked_matmul(a, b, plan.chunks, ft).astype(np.int64)  # fresh copy out of the workspace
    if bias is not None:
        res += bias
    return IntResult(res, 0, 0, plan.path, plan.bound, len(plan.chunks))


def int_gemm(
    a: np.ndarray,
    b: np.ndarray,
    acc_bits: int = 32,
    overflow: str = "saturate",
    bias: np.ndarray | None = None,
    path: str = "auto",
) -> IntResult:
    """Exact ``out[m, n] = bias[n] + Σ_k a[m, k]·b[k, n]`` (k ascending) with an ``acc_bits`` accumulator.

    ``path``: "auto" (float BLAS when provably exact, else integer loops), "int" (force the integer
    loops) or "blas" (force the float path; AccelsimInputError if it is not provably exact).
    """
    _check_common(acc_bits, overflow, path)
    a = _as_int(a, "a", 2, check_range=False)
    b = _as_int(b, "b", 2, check_range=False)
    if a.shape[1] != b.shape[0]:
        raise AccelsimInputError("b", f"inner sizes differ: a is {a.shape}, b is {b.shape}")
    r = _stacked_gemm(a[None], b[None], _bias_vec(bias, b.shape[1]), acc_bits, overflow, path)
    r.out = r.out[0]
    return r


def int_matmul(
    a: np.ndarray,
    b: np.ndarray,
    acc_bits: int = 32,
    overflow: str = "saturate",
    bias: np.ndarray | None = None,
    path: str = "auto",
) -> IntResult:
    """Batched exact matmul ``a (..., M, K) @ b (..., K, N)`` with numpy broadcasting of the batch axes."""
    _check_common(acc_bits, overflow, path)
    a = _as_int(a, "a", check_range=False)
    b = _as_int(b, "b", check_range=False)
    if a.ndim < 2 or b.ndim < 2:
        raise AccelsimInputError("a, b", f"need at least 2 dimensions, got {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2]:
        raise AccelsimInputError("b", f"inner sizes differ: a is {a.shape}, b is {b.shape}")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise AccelsimInputError(
            "a, b", f"batch shapes {a.shape[:-2]} and {b.shape[:-2]} do not broadcast"
        ) from None
    M, Kr, N = a.shape[-2], a.shape[-1], b.shape[-1]
    a3 = np.broadcast_to(a, batch + (M, Kr)).reshape(-1, M, Kr)
    b3 = np.broadcast_to(b, batch + (Kr, N)).reshape(-1, Kr, N)
    r = _stacked_gemm(a3, b3, _bias_vec(bias, N), acc_bits, overflow, path)
    r.out = r.out.reshape(batch + (M, N))
    return r


def int_fc(
    x: np.ndarray,
    w: np.ndarray,
    acc_bits: int = 32,
    overflow: str = "saturate",
    bias: np.ndarray | None = None,
    path: str = "auto",
) -> IntResult:
    """Fully connected layer ``out[n, k] = bias[k] + Σ_c x[n, c]·w[k, c]`` (w in (out, in) layout).

    ``x`` may be (N, C) or (N, C, 1, 1); ``w`` (K, C) or (K, C, 1, 1).
    """
    x = _as_int(x, "x", check_range=False)
    w = _as_int(w, "w", check_range=False)
    x2 = x.reshape(x.shape[0], -1) if x.ndim == 4 else x
    w2 = w.reshape(w.shape[0], -1) if w.ndim == 4 else w
    if x2.ndim != 2 or w2.ndim != 2:
        raise AccelsimInputError("x, w", f"fc needs x (N, C) and w (K, C), got {x.shape} and {w.shape}")
    if x2.shape[1] != w2.shape[1]:
        raise AccelsimInputError(
            "w", f"input sizes differ: x has {x2.shape[1]} features, w expects {w2.shape[1]}"
        )
    return int_gemm(x2, w2.T, acc_bits, overflow, bias, path)


# ---- convolution --------------------------------------------------------------------------------


def _pair(v: int | tuple[int, int], name: str) -> tuple[int, int]:
    t = (v, v) if isinstance(v, int | np.integer) else tuple(v)
    if len(t) != 2 or min(t) < 1:
        raise AccelsimInputError(name, f"must be a positive integer or a pair of them, got {v!r}")
    return int(t[0]), int(t[1])


def _quad(v: int | tuple[int, ...]) -> tuple[int, int, int, int]:
    if isinstance(v, int | np.integer):
        t: tuple[int, ...] = (v, v, v, v)
    elif len(v) == 2:
        t = (v[0], v[0], v[1], v[1])
    else:
        t = tuple(v)
    if len(t) != 4 or min(t) < 0:
        raise AccelsimInputError(
            "padding", f"must be p, (ph, pw) or (top, bottom, left, right) ≥ 0, got {v!r}"
        )
    return int(t[0]), int(t[1]), int(t[2]), int(t[3])


def conv_output_shape(
    h: int,
    w: int,
    r: int,
    s: int,
    stride: tuple[int, int],
    padding: tuple[int, int, int, int],
    dilation: tuple[int, int],
) -> tuple[int, int]:
    """P = ⌊(H + pt + pb − dh·(R−1) − 1)/sh⌋ + 1, Q likewise."""
    pt, pb, pl, pr = padding
    P = (h + pt + pb - dilation[0] * (r - 1) - 1) // stride[0] + 1
    Q = (w + pl + pr - dilation[1] * (s - 1) - 1) // stride[1] + 1
    return P, Q


def int_conv2d(
    x: np.ndarray,
    w: np.ndarray,
    stride: int | tuple[int, int] = 1,
    padding: int | tuple[int, ...] = 0,
    dilation: int | tuple[int, int] = 1,
    groups: int = 1,
    acc_bits: int = 32,
    overflow: str = "saturate",
    bias: np.ndarray | None = None,
    path: str = "auto",
) -> IntResult:
    """Exact grouped 2-D convolution, NCHW activations × KCRS weights (C per group), zero padding.

    ``out[n, k, p, q] = bias[k] + Σ_{c,r,s} x[n, g·Cg + c, p·sh − pt + r·dh, q·sw − pl + s·dw]·w[k, c, r, s]``
    with ``g = k // (K/groups)``, accumulated in (c, r, s) order. ``padding``: p, (ph, pw) or
    (top, bottom, left, right). Depthwise: ``groups = C`` and w of shape (C·mult, 1, R, S).
    """
    _check_common(acc_bits, overflow, path)
    x = _as_int(x, "x", 4, check_range=False)
    w = _as_int(w, "w", 4, check_range=False)
    sh, sw = _pair(stride, "stride")
    dh, dw = _pair(dilation, "dilation")
    pad = _quad(padding)
    N, C, H, W = x.shape
    Kout, Cg, R, S = w.shape
    if not isinstance(groups, int | np.integer) or groups < 1 or C % groups or Kout % groups:
        raise AccelsimInputError("groups", f"must divide C={C} and K={Kout}, got {groups!r}")
    groups = int(groups)
    if Cg != C // groups:
        raise AccelsimInputError(
            "w", f"needs C/groups = {C // groups} input channels, has {Cg} (shape {w.shape})"
        )
    P, Q = conv_output_shape(H, W, R, S, (sh, sw), pad, (dh, dw))
    if P < 1 or Q < 1:
        raise AccelsimInputError("w", f"dilated kernel {R}x{S} is larger than the padded input")
    b = _bias_vec(bias, Kout)
    # data side: max |x| per input channel, repeated over (r, s) in (c, r, s) order
    chmax = _dmax(x, (0, 2, 3))
    wmax = abs_max(w)
    omax = _check_products(int(chmax.max()) if chmax.size else 0, wmax, "x", "w")
    if b is not None:
        omax = max(omax, abs_max(b))
    G, Kg, RS = groups, Kout // groups, R * S
    dmax = np.repeat(chmax.reshape(G, Cg), RS, axis=1)  # (G, Cg·R·S)
    wg = w.reshape(G, Kg, Cg * RS)
    babs = None if b is None else np.abs(b).reshape(G, Kg)
    plan = plan_reduction(
        dmax,
        lambda: np.abs(wg.astype(np.int64)).transpose(0, 2, 1),  # (G, Cg·R·S, Kg)
        wmax,
        babs,
        int(acc_bits),
        omax,
        force=path,
    )
    _resolve(plan, path)
    if plan.path == "int_loop":
        x64 = np.ascontiguousarray(x, dtype=np.int64)
        w64 = np.ascontiguousarray(w, dtype=np.int64)
        b64 = np.zeros(Kout, np.int64) if b is None else b
        out, n_out, n_ev = K.conv2d_int(
            x64,
            w64,
            b64,
            b is not None,
            sh,
            sw,
            pad[0],
            pad[2],
            dh,
            dw,
            G,
            P,
            Q,
            int(acc_bits),
            overflow == "saturate",
        )
        return IntResult(out, int(n_out), int(n_ev), plan.path, plan.bound, 0)
    ft = _float_dtype(plan)
    if G > 1 and Kg * Cg * RS <= DIRECT_MAX_GROUP_MACS and len(plan.chunks) == 1:
        # per-group GEMMs too small for BLAS (depthwise): direct float loops, same exactness proof
        out_f = _workspace("direct", (N, Kout, P, Q), ft)
        K.conv2d_direct(x.astype(ft), w.astype(ft), out_f, sh, sw, pad[0], pad[2], dh, dw, G)
        out = out_f.astype(np.int64)
        if b is not None:
            out += b.reshape(1, Kout, 1, 1)
        return IntResult(out, 0, 0, "direct_" + plan.path[5:], plan.bound, 1)
    patches = _workspace("patches", (G, Cg * RS, N * P * Q), ft)
    if R == 1 and S == 1 and pad == (0, 0, 0, 0):  # pointwise: im2col is a strided copy with the cast
        sub = x[:, :, : (P - 1) * sh + 1 : sh, : (Q - 1) * sw + 1 : sw]
        np.copyto(patches.reshape(C, N, P, Q), sub.transpose(1, 0, 2, 3), casting="unsafe")
    else:
        K.im2col(np.ascontiguousarray(x), patches, sh, sw, pad[0], pad[2], dh, dw, G, R, S, P, Q)
    res = _chunked_matmul(wg, patches, plan.chunks, ft)  # (G, Kg, N·P·Q)
    if N == 1:  # (G, Kg, P·Q) is already the NCHW layout
        out = res.reshape(1, Kout, P, Q).astype(np.int64)
    else:
        out = np.empty((N, Kout, P, Q), np.int64)
        np.copyto(
            out.reshape(N, G, Kg, P, Q),
            res.reshape(G, Kg, N, P, Q).transpose(2, 0, 1, 3, 4),
            casting="unsafe",
        )
    if b is not None:
        out += b.reshape(1, Kout, 1, 1)
    return IntResult(out, 0, 0, plan.path, plan.bound, len(plan.chunks))
