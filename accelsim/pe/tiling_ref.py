"""The exhaustive tiling search: every power-of-two tiling and every one of the 120 loop orders, each
evaluated with the equations of :mod:`accelsim.pe.tiling`. The pruned search there returns the same result
bit for bit (tests/test_pe_array.py); ``tiling.search(..., exhaustive=True)`` runs this one."""

from __future__ import annotations

import math

import numba
import numpy as np

from accelsim.pe.tiling import N_OUT, _ceil, _nbits

# loops: 0 B/b, 1 OW/ow, 2 OH/oh, 3 IC/ic, 4 OC/oc ; tensors: 0 wgt, 1 act, 2 out
DEPS = np.array(
    [[0, 1, 1], [0, 1, 1], [0, 1, 1], [1, 1, 0], [1, 0, 1]],
    dtype=np.int64,
)


@numba.njit(cache=True)
def search_exhaustive(kh, kw, p, q, sh, sw, ic_all, oc_all, b_all, aprec, wprec, f, cpp, n, m, im2col,
            half_w, half_a, half_o, if_bits, e, orders, deps):  # fmt: skip
    best = np.full(N_OUT, -1.0)
    best_cycles = -1.0
    best_energy = 0.0
    o_all = max(p, q)
    nf = n * f
    for eb in range(_nbits(b_all)):
        b = min(1 << eb, b_all)
        nb = _ceil(b_all, b)
        for eo in range(_nbits(o_all)):
            ow = min(1 << eo, q)
            oh = min(1 << eo, p)
            now = _ceil(q, ow)
            noh = _ceil(p, oh)
            for ei in range(_nbits(ic_all)):
                ic = min(1 << ei, ic_all)
                nic = _ceil(ic_all, ic)
                n_oc_opts = _nbits(oc_all) if im2col else _nbits(_ceil(oc_all, m))
                for eo2 in range(n_oc_opts):
                    oc = min(1 << eo2, oc_all) if im2col else min((1 << eo2) * m, oc_all)
                    noc = _ceil(oc_all, oc)
                    w0 = float(_ceil(kh * kw * ic, nf) * nf * oc * wprec)
                    if im2col:
                        a0 = float(ow * oh * kh * kw * ic * b * aprec)
                    else:
                        a0 = float((kw + (ow - 1) * sw) * (kh + (oh - 1) * sh) * ic * b * aprec)
                    o0 = float(ow * oh * _ceil(oc, m) * m * b * 32)
                    if w0 > half_w or a0 > half_a or o0 > half_o:
                        continue
                    trips = np.array([nb, now, noh, nic, noc], dtype=np.int64)
                    tiles = nb * now * noh * nic * noc
                    if im2col:
                        per_tile = b * oh * ow * _ceil(oc, m) * _ceil(kh * kw * ic, nf)
                        os_loop = _ceil(ic * kh * kw, nf) * nf
                    else:
                        per_tile = b * _ceil(oc, m) * ow * oh * kw * kh * _ceil(ic, nf)
                        os_loop = _ceil(ic, nf) * nf * kh * kw
                    compute = float(tiles * per_tile * cpp)
                    # inner SRAM order (input / output / weight stationary)
                    is_loop = _ceil(oc, m) * m
                    ws_loop = b * oh * ow
                    e_is = (os_loop * ws_loop) * (aprec + is_loop * (wprec + 32))
                    e_os = (is_loop * ws_loop) * (32 + os_loop * (aprec + wprec))
                    e_ws = (os_loop * is_loop) * (wprec + ws_loop * (aprec + 32))
                    red = kw * kh * ic
                    outs = oc * oh * ow * b
                    if e_is <= e_os and e_is <= e_ws:
                        r_act = tiles * red * oh * ow * b * aprec
                        r_out = tiles * red * oh * ow * b * oc * 32
                        w_out = r_out
                        r_wgt = tiles * red * oh * ow * b * oc * wprec
                    elif e_os <= e_ws:
                        r_act = tiles * outs * red * aprec
                        r_out = tiles * outs * 32
                        w_out = r_out
                        r_wgt = tiles * outs * red * wprec
                    else:
                        r_act = tiles * red * oc * b * ow * oh * aprec
                        r_out = tiles * red * oc * b * ow * oh * 32
                        w_out = r_out
                        r_wgt = tiles * red * oc * wprec
                    for oi in range(orders.shape[0]):
                        wr = np.array([w0, a0, o0])
                        mx = np.array([w0, a0, o0])
                        promote = np.array([True, True, True])
                        rd_out = o0
                        mx_rd = o0
                        rd_promote = True
                        for li in range(4, -1, -1):
                            loop = orders[oi, li]
                            t = trips[loop]
                            for ns in range(3):
                                if promote[ns]:
                                    if deps[loop, ns]:
                                        wr[ns] *= t
                                        half = half_w if ns == 0 else (half_a if ns == 1 else half_o)
                                        if wr[ns] > half:
                                            promote[ns] = False
                                        else:
                                            mx[ns] = wr[ns]
                                else:
                                    wr[ns] *= t
                            if rd_promote:
                                if deps[loop, 2]:
                                    rd_out *= t
                                    if rd_out > half_o:
                                        rd_promote = False
                                    else:
                                        mx_rd = wr[2]
                            else:
                                rd_out *= t
                        dram_rd = wr[0] + wr[1] + wr[2]
                        dram_wr = rd_out
                        first = mx[0] + mx[1] + mx[2]
                        latency = math.ceil(first / if_bits) + math.ceil(mx_rd / if_bits)
                        middle = dram_rd + dram_wr - first - mx_rd
                        stall = max(0.0, math.ceil(middle / if_bits) - compute) + latency
                        cycles = compute + stall
                        energy = (
                            compute * e[0] + r_wgt * e[1] + wr[0] * e[2] + r_act * e[3] + wr[1] * e[4]
                            + (r_out + dram_wr) * e[5] + (w_out + wr[2]) * e[6] + (dram_rd + dram_wr) * e[7]
                        )  # fmt: skip
                        if (
                            best_cycles < 0
                            or cycles < best_cycles
                            or (cycles == best_cycles and energy < best_energy)
                        ):
                            best_cycles = cycles
                            best_energy = energy
                            best[0] = cycles
                            best[1] = stall
                            best[2] = compute
                            best[3] = dram_rd
                            best[4] = dram_wr
                            best[5] = r_wgt
                            best[6] = wr[0]
                            best[7] = r_act
                            best[8] = wr[1]
                            best[9] = r_out + dram_wr
                            best[10] = w_out + wr[2]
                            best[11] = b
                            best[12] = ow
                            best[13] = ic
                            best[14] = oc
                            best[15] = oi
                            best[16] = energy
    return best


__all__ = ["DEPS", "search_exhaustive"]
