"""Loop-tiling search of the Bit Fusion simulator, re-derived as a closed-form model (numba).

Follows the model of github.com/hsharma35/bitfusion (04ec1c8), ``optimizer.py`` / ``accelerator.py`` /
``stats.py`` (described in shared/reference/bitfusion_config.md); this is an independent implementation
of the same equations, checked against the authors' published per-layer results
(``results/bitfusion-eyeriss-sim-sweep.csv``) in tests/test_pe_peer.py.

A layer is a conv with kernel kh×kw, output P×Q, stride, IC, OC, batch B (fc/matmul: 1×1, B = rows).
Tiles are powers of two (clipped to the dimension): b over B, ow = oh over the output, ic over IC, oc
over OC (channel mapping: multiples of M columns; im2col: any power of two). For each tiling and
each of the 120 orders of the five tile loops:

* tile footprints in bits: weights ``ceil(kh·kw·ic/(N·f))·N·f·oc·w``, activations
  ``(kw+(ow−1)·s)·(kh+(oh−1)·s)·ic·b·a`` (im2col: ``ow·oh·kh·kw·ic·b·a``), outputs
  ``ow·oh·ceil(oc/M)·M·b·32``; a tiling whose footprint exceeds half a buffer is skipped
  (double buffering);
* DRAM traffic: walking the loops from the innermost out, a tensor's traffic is multiplied by the trip
  count of every loop it depends on while its accumulated footprint still fits half its buffer
  (reuse); once it no longer fits, by every outer loop. Outputs (32-bit partial sums) are both read
  and written that way;
* cycles = compute + stall, compute = tiles × per-tile cycles (``b·⌈oc/M⌉·oh·ow·kh·kw·⌈ic/(N·f)⌉``,
  im2col ``b·oh·ow·⌈oc/M⌉·⌈kh·kw·ic/(N·f)⌉``) × cycles per pass;
  stall = ``max(0, ⌈middle/if⌉ − compute) + ⌈first/if⌉ + ⌈last/if⌉`` (first-tile loads, last write-back);
* SRAM reads/writes: the cheapest of input-, output- and weight-stationary inner orders, plus the
  buffer fills from DRAM (writes) and the OBUF drain to DRAM (reads) and partial-sum fills (writes);
* the search keeps the fewest cycles, ties broken on energy.

``f`` is the PE's products per pass (Bit Fusion's perf factor). Traffic counts operands at their real
widths (binary = 1 bit) while ``f`` clamps them to 2 bits, as the simulator does.
"""

from __future__ import annotations

import itertools
import math

import numba
import numpy as np

_ORDERS = np.array(list(itertools.permutations(range(5))), dtype=np.int64)
# loops: 0 B/b, 1 OW/ow, 2 OH/oh, 3 IC/ic, 4 OC/oc ; tensors: 0 wgt, 1 act, 2 out (tiling_ref.DEPS)

N_OUT = 17
"""Fields of the result vector (see :func:`search`)."""


def _cdiv(a, b):
    return -(-a // b)


@numba.njit(cache=True)
def _ceil(a, b):
    return -(-a // b)


@numba.njit(cache=True)
def _nbits(x):
    """ceil(log2(x)) + 1 (number of power-of-two tile sizes up to x)."""
    n = 0
    while (1 << n) < x:
        n += 1
    return n + 1


def _order_classes() -> tuple[np.ndarray, np.ndarray]:
    """For each mask of loops with a trip count > 1 (32 masks), the indices of the first order of every
    class of orders that agree on the relative order of those loops (loops of trip 1 change nothing:
    they multiply traffic by 1 and never overflow a buffer), in increasing index order."""
    idx = np.zeros((32, _ORDERS.shape[0]), dtype=np.int64)
    cnt = np.zeros(32, dtype=np.int64)
    for mask in range(32):
        seen: set[tuple[int, ...]] = set()
        for oi, order in enumerate(_ORDERS.tolist()):
            key = tuple(lp for lp in order if mask >> lp & 1)
            if key not in seen:
                seen.add(key)
                idx[mask, cnt[mask]] = oi
                cnt[mask] += 1
    return idx, cnt


_CLASS_IDX, _CLASS_CNT = _order_classes()


@numba.njit(cache=True)
def _search_pruned(kh, kw, p, q, sh, sw, ic_all, oc_all, b_all, aprec, wprec, f, cpp, n, m, im2col,
                   half_w, half_a, half_o, if_bits, e, orders, class_idx, class_cnt):  # fmt: skip
    """Same result as :func:`accelsim.pe.tiling_ref.search_exhaustive` (bit for bit, same tie-breaking),
    faster:

    * every tiling gets a lower bound on its cycles, ``max(compute, minimum DRAM bits / if)`` (each
      tensor crosses DRAM at least once per trip of the loops it depends on); tilings are visited in
      increasing bound and the search stops once the bound exceeds the best cycles found;
    * only one loop order per class of orders equivalent for this tiling is evaluated
      (:func:`_order_classes`);
    * ties on (cycles, energy) go to the earliest (tiling, order) of the exhaustive enumeration.
    """
    o_all = max(p, q)
    nf = n * f
    n_b = _nbits(b_all)
    n_o = _nbits(o_all)
    n_i = _nbits(ic_all)
    n_c = _nbits(oc_all) if im2col else _nbits(_ceil(oc_all, m))
    cap = n_b * n_o * n_i * n_c
    tb = np.empty(cap, dtype=np.int64)
    tow = np.empty(cap, dtype=np.int64)
    toh = np.empty(cap, dtype=np.int64)
    tic = np.empty(cap, dtype=np.int64)
    toc = np.empty(cap, dtype=np.int64)
    lb = np.empty(cap, dtype=np.float64)
    cnt = 0
    for eb in range(n_b):
        b = min(1 << eb, b_all)
        nb = _ceil(b_all, b)
        for eo in range(n_o):
            ow = min(1 << eo, q)
            oh = min(1 << eo, p)
            now = _ceil(q, ow)
            noh = _ceil(p, oh)
            for ei in range(n_i):
                ic = min(1 << ei, ic_all)
                nic = _ceil(ic_all, ic)
                for eo2 in range(n_c):
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
                    tiles = nb * now * noh * nic * noc
                    if im2col:
                        per_tile = b * oh * ow * _ceil(oc, m) * _ceil(kh * kw * ic, nf)
                    else:
                        per_tile = b * _ceil(oc, m) * ow * oh * kw * kh * _ceil(ic, nf)
                    compute = float(tiles * per_tile * cpp)
                    dram_min = w0 * nic * noc + a0 * nb * now * noh * nic + 2.0 * o0 * nb * now * noh * noc
                    tb[cnt] = b
                    tow[cnt] = ow
                    toh[cnt] = oh
                    tic[cnt] = ic
                    toc[cnt] = oc
                    lb[cnt] = max(compute, dram_min / if_bits - 1.0)
                    cnt += 1
    best = np.full(N_OUT, -1.0)
    best_cycles = -1.0
    best_energy = 0.0
    best_t = 0
    best_o = 0
    visit = np.argsort(lb[:cnt], kind="mergesort")
    trips = np.empty(5, dtype=np.int64)
    for vi in range(cnt):
        ti = visit[vi]
        if best_cycles >= 0 and lb[ti] > best_cycles:
            break
        b = tb[ti]
        ow = tow[ti]
        oh = toh[ti]
        ic = tic[ti]
        oc = toc[ti]
        nb = _ceil(b_all, b)
        now = _ceil(q, ow)
        noh = _ceil(p, oh)
        nic = _ceil(ic_all, ic)
        noc = _ceil(oc_all, oc)
        trips[0] = nb
        trips[1] = now
        trips[2] = noh
        trips[3] = nic
        trips[4] = noc
        w0 = float(_ceil(kh * kw * ic, nf) * nf * oc * wprec)
        if im2col:
            a0 = float(ow * oh * kh * kw * ic * b * aprec)
        else:
            a0 = float((kw + (ow - 1) * sw) * (kh + (oh - 1) * sh) * ic * b * aprec)
        o0 = float(ow * oh * _ceil(oc, m) * m * b * 32)
        tiles = nb * now * noh * nic * noc
        if im2col:
            per_tile = b * oh * ow * _ceil(oc, m) * _ceil(kh * kw * ic, nf)
            os_loop = _ceil(ic * kh * kw, nf) * nf
        else:
            per_tile = b * _ceil(oc, m) * ow * oh * kw * kh * _ceil(ic, nf)
            os_loop = _ceil(ic, nf) * nf * kh * kw
        compute = float(tiles * per_tile * cpp)
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
        mask = 0
        for lp in range(5):
            if trips[lp] > 1:
                mask |= 1 << lp
        for ci in range(class_cnt[mask]):
            oi = class_idx[mask, ci]
            wr0 = w0
            wr1 = a0
            wr2 = o0
            mx0 = w0
            mx1 = a0
            mx2 = o0
            pr0 = True
            pr1 = True
            pr2 = True
            rd_out = o0
            mx_rd = o0
            rd_pr = True
            for li in range(4, -1, -1):
                loop = orders[oi, li]
                t = trips[loop]
                if t == 1:
                    continue
                # deps: weights on IC (3) and OC (4); activations on all but OC; outputs on all but IC
                d0 = loop >= 3
                d1 = loop != 4
                d2 = loop != 3
                if pr0:
                    if d0:
                        wr0 *= t
                        if wr0 > half_w:
                            pr0 = False
                        else:
                            mx0 = wr0
                else:
                    wr0 *= t
                if pr1:
                    if d1:
                        wr1 *= t
                        if wr1 > half_a:
                            pr1 = False
                        else:
                            mx1 = wr1
                else:
                    wr1 *= t
                if pr2:
                    if d2:
                        wr2 *= t
                        if wr2 > half_o:
                            pr2 = False
                        else:
                            mx2 = wr2
                else:
                    wr2 *= t
                if rd_pr:
                    if d2:
                        rd_out *= t
                        if rd_out > half_o:
                            rd_pr = False
                        else:
                            mx_rd = wr2
                else:
                    rd_out *= t
            dram_rd = wr0 + wr1 + wr2
            dram_wr = rd_out
            first = mx0 + mx1 + mx2
            latency = math.ceil(first / if_bits) + math.ceil(mx_rd / if_bits)
            middle = dram_rd + dram_wr - first - mx_rd
            stall = max(0.0, math.ceil(middle / if_bits) - compute) + latency
            cycles = compute + stall
            energy = (
                compute * e[0] + r_wgt * e[1] + wr0 * e[2] + r_act * e[3] + wr1 * e[4]
                + (r_out + dram_wr) * e[5] + (w_out + wr2) * e[6] + (dram_rd + dram_wr) * e[7]
            )  # fmt: skip
            if (
                best_cycles < 0
                or cycles < best_cycles
                or (
                    cycles == best_cycles
                    and (
                        energy < best_energy
                        or (energy == best_energy and (ti < best_t or (ti == best_t and oi < best_o)))
                    )
                )
            ):
                best_cycles = cycles
                best_energy = energy
                best_t = ti
                best_o = oi
                best[0] = cycles
                best[1] = stall
                best[2] = compute
                best[3] = dram_rd
                best[4] = dram_wr
                best[5] = r_wgt
                best[6] = wr0
                best[7] = r_act
                best[8] = wr1
                best[9] = r_out + dram_wr
                best[10] = w_out + wr2
                best[11] = b
                best[12] = ow
                best[13] = ic
                best[14] = oc
                best[15] = oi
                best[16] = energy
    return best


def search(kh, kw, p, q, sh, sw, ic, oc, b, a_bits, w_bits, products, cycles_per_pass, rows, cols, im2col,
           wbuf_bytes, ibuf_bytes, obuf_bytes, if_bits, energies, exhaustive=False) -> dict[str, float]:  # fmt: skip
    """Best tiling of one conv (one group). ``energies`` = (core pJ per compute cycle, WBUF read, WBUF
    write, IBUF read, IBUF write, OBUF read, OBUF write, DRAM) pJ per bit. Counts are bits.
    ``exhaustive`` runs the plain enumeration (:func:`accelsim.pe.tiling_ref.search_exhaustive`) instead of
    the pruned one; both return the same result (tests/test_pe_array.py)."""
    args = (kh, kw, p, q, sh, sw, ic, oc, b, a_bits, w_bits, products, cycles_per_pass, rows, cols,
            bool(im2col), wbuf_bytes * 4.0, ibuf_bytes * 4.0, obuf_bytes * 4.0, float(if_bits),
            np.asarray(energies, dtype=np.float64), _ORDERS)  # fmt: skip
    if exhaustive:
        from accelsim.pe.tiling_ref import DEPS, search_exhaustive

        res = search_exhaustive(*args, DEPS)
    else:
        res = _search_pruned(*args, _CLASS_IDX, _CLASS_CNT)
    if res[0] < 0:
        return {}
    keys = ("cycles", "stall", "compute", "dram_read_bits", "dram_write_bits", "wbuf_read_bits",
            "wbuf_write_bits", "ibuf_read_bits", "ibuf_write_bits", "obuf_read_bits", "obuf_write_bits",
            "tile_b", "tile_ow", "tile_ic", "tile_oc", "order", "energy_pj")  # fmt: skip
    out = dict(zip(keys, (float(v) for v in res), strict=True))
    out["order_loops"] = "/".join(("B", "OW", "OH", "IC", "OC")[i] for i in _ORDERS[int(res[15])])
    return out
