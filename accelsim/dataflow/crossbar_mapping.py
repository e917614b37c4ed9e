"""Mapping a layer onto crossbar tiles, im2col, and the functional ``crossbar_layer`` entry point.

Weight layout (im2col): a layer is ``groups`` GEMMs [M×K]·[K×N] (:meth:`Layer.gemm`), K = R·S·C/groups
ordered (c, r, s) as PyTorch's ``weight[k, c, r, s]`` flattens. The K rows of each group split into
``row_tiles = ceil(K / rows)``; its N filters occupy ``N · columns_per_weight`` physical columns
(bit slices × devices per cell), split into ``col_tiles = ceil(N·cpw / cols)``. One copy of the layer
needs ``groups · row_tiles · col_tiles`` crossbars.

Replication: with ``available`` crossbars, the layer is copied ``replication = min(max_replication,
floor(available / crossbars))`` times (≥ 1); copies process different output pixels in parallel. When one
copy does not fit (``crossbars > available``), the layer runs in ``folds = ceil(crossbars / available)``
passes (weights reprogrammed between them; programming time/energy is not modeled).

Reads per crossbar: ``ceil(M / replication) · chunks`` (chunks = ceil(a_bits / dac_bits)); latency
``folds · ceil(M / replication) · chunks · t_read``. Conversions: ``M · chunks · groups · row_tiles ·
N · slices`` (differential pairs are subtracted before the ADC: one conversion per pair). Partial sums
across row tiles are added digitally: ``M · groups · N · (row_tiles − 1)`` adds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from accelsim.mappings import CrossbarMapping
from accelsim.memory.crossbar import CrossbarConfig, crossbar_gemm, mismatch_metrics
from accelsim.memory.crossbar_cost import read_period_s
from accelsim.workload import Layer, Precision


def map_layer(
    layer: Layer, precision: Precision, xbar: CrossbarConfig, available_crossbars: int, max_replication: int
) -> CrossbarMapping:
    """Closed-form mapping of a MAC layer onto crossbars."""
    g = layer.gemm()
    cpw = xbar.columns_per_weight(precision.w_bits, precision.w_signed)
    slices = xbar.weight_slices(precision.w_bits, precision.w_signed)
    row_tiles = math.ceil(g.K / xbar.rows)
    col_tiles = math.ceil(g.N * cpw / xbar.cols)
    crossbars = g.groups * row_tiles * col_tiles
    folds = math.ceil(crossbars / available_crossbars)
    replication = max(1, min(max_replication, available_crossbars // crossbars)) if folds == 1 else 1
    chunks = xbar.dac.chunks(precision.a_bits)
    reads = math.ceil(g.M / replication) * chunks
    t_read = read_period_s(xbar)
    return CrossbarMapping(
        M=g.M,
        N=g.N,
        K=g.K,
        groups=g.groups,
        row_tiles=row_tiles,
        col_tiles=col_tiles,
        columns_per_weight=cpw,
        weight_slices=slices,
        chunks=chunks,
        crossbars=crossbars,
        replication=replication,
        folds=folds,
        reads_per_crossbar=reads,
        conversions=g.M * chunks * g.groups * row_tiles * g.N * slices,
        partial_sum_adds=g.M * g.groups * g.N * (row_tiles - 1),
        read_period_s=t_read,
        latency_s=folds * reads * t_read,
        cell_utilization=g.groups * g.K * g.N * cpw / (crossbars * xbar.rows * xbar.cols),
    )


def im2col(x: np.ndarray, layer: Layer) -> np.ndarray:
    """Activations [N, C, H, W] (fc: [N, C]; matmul: [N, H, C]) -> [groups, M, K] with K ordered (c, r, s)."""
    if layer.op == "fc":
        return np.asarray(x).reshape(1, layer.batch, layer.C)
    if layer.op == "matmul":
        return np.asarray(x).reshape(1, layer.batch * layer.H, layer.C)
    n, c, h, w = x.shape
    pt, pb, pl, pr = layer.padding
    xp = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
    r_, s_ = layer.R, layer.S
    (sh, sw), (dh, dw) = layer.stride, layer.dilation
    p, q = layer.P, layer.Q
    cols = np.empty((n, c, r_, s_, p, q), dtype=x.dtype)
    for i in range(r_):
        for j in range(s_):
            cols[:, :, i, j] = xp[
                :, :, i * dh : i * dh + sh * (p - 1) + 1 : sh, j * dw : j * dw + sw * (q - 1) + 1 : sw
            ]
    gcount = layer.groups
    cg = c // gcount
    cols = cols.reshape(n, gcount, cg, r_, s_, p, q).transpose(1, 0, 5, 6, 2, 3, 4)
    return cols.reshape(gcount, n * p * q, cg * r_ * s_)


def weights_to_gemm(w: np.ndarray, layer: Layer) -> np.ndarray:
    """Weights [K, C/g, R, S] (fc: [K, C]; matmul: [C, K]) -> [groups, K_gemm, N_gemm]."""
    if layer.op == "matmul":
        return np.asarray(w).reshape(1, layer.C, layer.K)
    k = layer.K
    gcount = layer.groups
    wk = np.asarray(w).reshape(gcount, k // gcount, -1)
    return wk.transpose(0, 2, 1)


def gemm_to_output(y: np.ndarray, layer: Layer) -> np.ndarray:
    """[groups, M, N_gemm] -> [N, K, P, Q] (fc: [N, K]; matmul: [N, H, K])."""
    gcount, _, ng = y.shape
    if layer.op == "fc":
        return y[0]
    if layer.op == "matmul":
        return y[0].reshape(layer.batch, layer.H, layer.K)
    yy = y.reshape(gcount, layer.batch, layer.P, layer.Q, ng).transpose(1, 0, 4, 2, 3)
    return yy.reshape(layer.batch, layer.K, layer.P, layer.Q)


def crossbar_layer(
    x_int: np.ndarray,
    w_int: np.ndarray,
    layer: Layer,
    precision: Precision,
    arch: Any,
    seed: int = 0,
    x_scale: float | None = None,
    w_scale: float | np.ndarray | None = None,
    y_float_ref: np.ndarray | None = None,
    read_seed: int | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Run one MAC layer through the crossbars of ``arch`` (a CrossbarArch, or a CrossbarConfig).

    ``x_int``/``w_int`` are zero-point-free integers in the ``precision`` ranges, laid out as
    :func:`im2col` / :func:`weights_to_gemm` expect. Returns the integer accumulator ``y_int`` in the
    layer's output layout and metrics: the crossbar ones (lossless, ADC bits needed, clip fraction) and the
    mismatch against the exact integer GEMM (``int_*``); with ``y_float_ref`` (the float layer output)
    and ``x_scale``/``w_scale`` (per-tensor, or per output channel), also ``float_*`` metrics of
    ``x_scale·w_scale·y`` against it. Each group draws its own seed from ``seed`` (devices, DNL, read
    noise); ``read_seed`` (optional) re-draws only the read noise, e.g. one value per batch."""
    xbar: CrossbarConfig = arch if isinstance(arch, CrossbarConfig) else arch.crossbar
    xs = im2col(np.asarray(x_int), layer)
    ws = weights_to_gemm(np.asarray(w_int), layer)
    seeds = np.random.default_rng(seed).integers(0, 2**31 - 1, size=xs.shape[0])
    ys, exact, metrics_all = [], [], []
    for g in range(xs.shape[0]):
        res = crossbar_gemm(
            xs[g], ws[g], xbar, precision.w_bits, precision.a_bits, precision.w_signed, precision.a_signed,
            seed=int(seeds[g]),
            read_seed=None if read_seed is None else read_seed * 1_000_003 + g,
        )  # fmt: skip
        ys.append(res.y)
        exact.append(res.reference)
        metrics_all.append(res.metrics)
    y = np.stack(ys)
    y_int = np.rint(y).astype(np.int64)
    ref = np.stack(exact)
    metrics: dict[str, Any] = {
        "lossless": all(m["lossless"] for m in metrics_all),
        "adc_bits": metrics_all[0]["adc_bits"],
        "adc_bits_needed": metrics_all[0]["adc_bits_needed"],
        "adc_clip_fraction": float(np.mean([m["adc_clip_fraction"] for m in metrics_all])),
        "adc_conversions": int(sum(m["adc_conversions"] for m in metrics_all)),
    }
    metrics.update(mismatch_metrics(y, ref, "int"))
    y_out = gemm_to_output(y_int, layer)
    if y_float_ref is not None and x_scale is not None and w_scale is not None:
        scale = np.asarray(w_scale, dtype=np.float64) * x_scale
        yr = gemm_to_output(y, layer).astype(np.float64)
        if scale.ndim == 1 and yr.ndim >= 2:
            scale = scale.reshape((1, -1) + (1,) * (yr.ndim - 2))
        metrics.update(mismatch_metrics(yr * scale, y_float_ref, "float"))
        metrics.update(
            {
                f"{k}_ideal": v
                for k, v in mismatch_metrics(gemm_to_output(ref, layer) * scale, y_float_ref, "float").items()
            }
        )
    return y_out, metrics
