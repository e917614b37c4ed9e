"""The Amaranth modules of the streaming pipeline: one per FINN unit kind, linked by valid/ready streams.

Every stream carries one *token* per beat (a pixel with all its channels, a whole convolution window, an
input vector), the granularity of accelsim's token model (:mod:`accelsim.fpga.pipeline`). A unit spends a
fixed number of cycles ``slots[j]`` on output token ``j`` of a frame, starting in the first cycle in which
the upstream tokens it needs are visible and it is free, and pushes the token in the last of those cycles
(visible downstream one cycle later, through the consumer's input buffer): that is the model's
``done_i(j) = max(done_i(j−1), done_{i−1}(need_i(j))) + s_i(j)``, cycle for cycle, as long as no buffer is
full (the buffers are sized so that none is on the frames simulated).

* :class:`TokenFifo` — the input buffer of an MVAU: a FIFO of upstream tokens whose read side shows
  ``ratio`` of them at once (a flatten into a fully connected layer gathers the pixels of a feature map).
* :class:`MvauUnit` — FINN's matrix-vector-activation unit: ``PE × SIMD`` multipliers, the weights in a
  ROM of ``NF·SF`` words (``NF = MH/PE``, ``SF = MW/SIMD``), one word per cycle, so exactly ``NF·SF``
  cycles per input vector; an accumulator per PE; the activation as FINN's thresholds (compare and count)
  or, for a raw-accumulator output, none.
* :class:`WindowUnit` — the sliding-window generator (``kind="swg"``: the window's pixels, kernel row,
  kernel column, channel, padding filled with the input zero point) and StreamingMaxPool (``"pool"``: the
  channel-wise maximum over the window). Input pixels are written on arrival into a two-frame buffer
  (ping-pong; FINN's generator keeps k + s lines — this one trades memory for a simple exact schedule on
  small networks); window ``j`` is ready once its last input pixel ``need[j]`` is in.
"""

from __future__ import annotations

from amaranth.hdl import Array, Cat, Const, Elaboratable, Module, Mux, Signal, signed, unsigned
from amaranth.lib.memory import Memory

from accelsim.fpga.rtl.plan import UnitPlan


def _pack(values, bits: int) -> int:
    mask = (1 << bits) - 1
    out = 0
    for i, v in enumerate(values):
        out |= (int(v) & mask) << (i * bits)
    return out


def _tree(values, op):
    """Combine ``values`` pairwise (a balanced tree: shallow expressions and adder trees)."""
    values = list(values)
    while len(values) > 1:
        values = [
            op(values[i], values[i + 1]) if i + 1 < len(values) else values[i]
            for i in range(0, len(values), 2)
        ]
    return values[0]


def _rom(values, shape, name: str):
    """A small constant table indexed by a signal: a plain constant when it has one entry."""
    consts = [Const(int(v), shape) for v in values]
    if len(consts) == 1:
        return lambda idx: consts[0]
    arr = Array(consts)
    return lambda idx: arr[idx]


class TokenFifo(Elaboratable):
    """``depth`` tokens of ``width`` bits; the read side shows ``ratio`` consecutive tokens (oldest first in
    the low bits) once that many are in, and ``r_pop`` removes them. Writes are visible the next cycle."""

    def __init__(self, width: int, ratio: int, depth: int):
        assert depth % ratio == 0 and depth >= ratio
        self.width, self.ratio, self.depth = width, ratio, depth
        self.w_valid = Signal()
        self.w_data = Signal(width)
        self.w_ready = Signal()
        self.r_valid = Signal()
        self.r_data = Signal(width * ratio)
        self.r_pop = Signal()

    def elaborate(self, platform):
        m = Module()
        n, r = self.depth, self.ratio
        groups = n // r
        entries = Array(Signal(self.width, name=f"entry{i}") for i in range(n))
        wp = Signal(range(n))
        rg = Signal(range(max(groups, 2)))
        count = Signal(range(n + 1))
        m.d.comb += [self.w_ready.eq(count < n), self.r_valid.eq(count >= r)]
        words = [Cat(*(entries[g * r + i] for i in range(r))) for g in range(groups)]
        m.d.comb += self.r_data.eq(Array(words)[rg] if groups > 1 else words[0])
        push = Signal()
        pop = Signal()
        m.d.comb += [push.eq(self.w_valid & self.w_ready), pop.eq(self.r_pop & self.r_valid)]
        with m.If(push):
            m.d.sync += [entries[wp].eq(self.w_data), wp.eq(Mux(wp == n - 1, 0, wp + 1))]
        with m.If(pop):
            m.d.sync += rg.eq(Mux(rg == groups - 1, 0, rg + 1))
        m.d.sync += count.eq(count + push - Mux(pop, r, 0))
        return m


class _Stream:
    """Ports every unit has: ``in_*`` (the upstream pushes a token when ``in_valid & in_ready``) and
    ``out_*`` (this unit pushes when ``out_valid & out_ready``)."""

    def _ports(self, in_width: int, out_width: int) -> None:
        self.in_valid = Signal()
        self.in_data = Signal(in_width)
        self.in_ready = Signal()
        self.out_valid = Signal()
        self.out_data = Signal(out_width)
        self.out_ready = Signal()


class MvauUnit(Elaboratable, _Stream):
    """FINN's MVAU (module docstring) for one :class:`~accelsim.fpga.rtl.plan.UnitPlan`."""

    def __init__(self, u: UnitPlan):
        self.u = u
        self._ports(u.in_elems * u.in_q.bits, u.out_elems * u.out_bits)

    def elaborate(self, platform):
        u = self.u
        m = Module()
        pe, simd = u.pe, u.simd
        nf_n, sf_n = u.mh // pe, u.mw // simd
        ab, wb, accw = u.in_q.bits, u.w_bits, u.acc_bits
        m.submodules.fifo = fifo = TokenFifo(u.in_elems * ab, u.ratio, u.fifo_depth)
        m.d.comb += [
            fifo.w_valid.eq(self.in_valid),
            fifo.w_data.eq(self.in_data),
            self.in_ready.eq(fifo.w_ready),
        ]

        # weight ROM: word (nf, sf) holds w[nf·PE + p, sf·SIMD + i] at lane p·SIMD + i
        w = u.weights
        init = [
            _pack([w[nf * pe + p, sf * simd + i] for p in range(pe) for i in range(simd)], wb)
            for nf in range(nf_n)
            for sf in range(sf_n)
        ]
        m.submodules.wrom = wrom = Memory(shape=unsigned(pe * simd * wb), depth=len(init), init=init)
        rd = wrom.read_port(domain="comb")
        nf = Signal(range(max(nf_n, 2)))
        sf = Signal(range(max(sf_n, 2)))
        widx = Signal(range(max(nf_n * sf_n, 2)))
        m.d.comb += rd.addr.eq(widx)

        x = fifo.r_data
        xs = x.word_select(sf, simd * ab) if sf_n > 1 else x
        xe = [xs[i * ab : (i + 1) * ab] for i in range(simd)]
        xe = [v.as_signed() if u.in_q.signed else v for v in xe]
        active = fifo.r_valid
        last_sf = sf == sf_n - 1
        last = last_sf & (nf == nf_n - 1)
        advance = Signal()
        m.d.comb += [self.out_valid.eq(active & last), advance.eq(active & (~last | self.out_ready))]
        m.d.comb += fifo.r_pop.eq(active & last & self.out_ready)

        codes = []
        out_regs = [Signal(pe * u.out_bits, name=f"fold{k}") for k in range(nf_n - 1)]
        for p in range(pe):
            dot = _tree(
                (
                    xe[i] * rd.data[(p * simd + i) * wb : (p * simd + i + 1) * wb].as_signed()
                    for i in range(simd)
                ),
                lambda a, b: a + b,
            )
            acc = Signal(signed(accw), name=f"acc{p}")
            bias = _rom([u.bias[k * pe + p] for k in range(nf_n)], signed(accw), f"bias{p}")(nf)
            total = Signal(signed(accw), name=f"total{p}")
            m.d.comb += total.eq(Mux(sf == 0, bias, acc) + dot)
            with m.If(advance):
                m.d.sync += acc.eq(total)
            code = Signal(u.out_bits, name=f"code{p}")
            if u.thresholds is None:
                m.d.comb += code.eq(total)
            else:
                steps = u.thresholds.shape[1]
                neg = [int(u.th_sign[k * pe + p]) < 0 for k in range(nf_n)]
                if any(neg):
                    flip = _rom([int(v) for v in neg], unsigned(1), f"sign{p}")(nf)
                    key_in = Signal(signed(accw), name=f"sacc{p}")
                    m.d.comb += key_in.eq(Mux(flip, -total, total))
                else:
                    key_in = total
                hits = [
                    key_in >= _rom([u.thresholds[k * pe + p, t] for k in range(nf_n)], signed(accw), "th")(nf)
                    for t in range(steps)
                ]
                count = Signal(range(steps + 1), name=f"count{p}")
                m.d.comb += count.eq(_tree(hits, lambda a, b: a + b) if hits else 0)
                m.d.comb += code.eq(u.out_bias + u.out_scale * count)
            codes.append(code)
        now = Cat(*codes)
        m.d.comb += self.out_data.eq(Cat(*out_regs, now))
        with m.If(advance):
            m.d.sync += widx.eq(Mux(last, 0, widx + 1))
            with m.If(last_sf):
                m.d.sync += [sf.eq(0), nf.eq(Mux(last, 0, nf + 1))]
                for k, reg in enumerate(out_regs):
                    with m.If(nf == k):
                        m.d.sync += reg.eq(now)
            with m.Else():
                m.d.sync += sf.eq(sf + 1)
        return m


class WindowUnit(Elaboratable, _Stream):
    """Sliding-window generator or StreamingMaxPool (module docstring)."""

    def __init__(self, u: UnitPlan):
        self.u = u
        px = u.channels * u.in_q.bits
        tpb = u.hw[0] * u.hw[1] if u.frame_input else 1
        self._ports(tpb * px, u.out_elems * u.out_bits)

    def elaborate(self, platform):
        u = self.u
        m = Module()
        h, w = u.hw
        hw = h * w
        bits, c = u.in_q.bits, u.channels
        pxw = c * bits
        buf = Array(Signal(pxw, name=f"px{i}") for i in range(2 * hw))
        wf = Signal(2)  # frames written (mod 4)
        rf = Signal(2)  # frames read (mod 4)
        wpix = Signal(range(hw + 1))
        fill = Signal(2)
        m.d.comb += fill.eq(wf - rf)
        m.d.comb += self.in_ready.eq(fill < 2)
        push = self.in_valid & self.in_ready
        with m.If(push):
            if u.frame_input:
                for half in range(2):
                    with m.If(wf[0] == half):
                        m.d.sync += [
                            buf[half * hw + i].eq(self.in_data[i * pxw : (i + 1) * pxw]) for i in range(hw)
                        ]
                m.d.sync += wf.eq(wf + 1)
            else:
                m.d.sync += buf[Mux(wf[0], hw, 0) + wpix].eq(self.in_data)
                with m.If(wpix == hw - 1):
                    m.d.sync += [wpix.eq(0), wf.eq(wf + 1)]
                with m.Else():
                    m.d.sync += wpix.eq(wpix + 1)

        n = u.tokens
        p_n, q_n = u.out_hw
        j = Signal(range(max(n, 2)))
        p = Signal(range(max(p_n, 2)))
        q = Signal(range(max(q_n, 2)))
        cnt = Signal(range(max(max(u.slots), 2)))
        need1 = _rom([v + 1 for v in u.need], unsigned(max(hw, 1).bit_length() + 1), "need")(j)
        slot_last = _rom([s - 1 for s in u.slots], unsigned(max(max(u.slots), 2).bit_length()), "slot")(j)
        avail = Signal()
        m.d.comb += avail.eq((fill != 0) | (wpix >= need1))
        last = cnt == slot_last
        advance = Signal()
        m.d.comb += [self.out_valid.eq(avail & last), advance.eq(avail & (~last | self.out_ready))]

        k, s = u.kernel, u.stride
        pt, pl = u.pad
        pad_word = Const(_pack([u.in_q.zero_point] * c, bits), pxw)
        taps = []
        base = Mux(rf[0], hw, 0)
        for r in range(k):
            for cc in range(k):
                row = Signal(signed(max(h, p_n * s + k).bit_length() + 2), name=f"row{r}_{cc}")
                col = Signal(signed(max(w, q_n * s + k).bit_length() + 2), name=f"col{r}_{cc}")
                m.d.comb += [row.eq(p * s + (r - pt)), col.eq(q * s + (cc - pl))]
                inside = (row >= 0) & (row < h) & (col >= 0) & (col < w)
                addr = Signal(range(2 * hw), name=f"addr{r}_{cc}")
                m.d.comb += addr.eq(Mux(inside, base + row * w + col, 0))
                tap = Signal(pxw, name=f"tap{r}_{cc}")
                m.d.comb += tap.eq(Mux(inside, buf[addr], pad_word) if (pt or pl) else buf[addr])
                taps.append(tap)
        if u.kind == "swg":
            m.d.comb += self.out_data.eq(Cat(*taps))
        else:
            outs = []
            for ch in range(c):
                vals = [t[ch * bits : (ch + 1) * bits] for t in taps]
                vals = [v.as_signed() for v in vals] if u.in_q.signed else vals
                outs.append(_tree(vals, lambda a, b: Mux(b > a, b, a))[:bits])
            m.d.comb += self.out_data.eq(Cat(*outs))

        with m.If(advance):
            with m.If(last):
                m.d.sync += cnt.eq(0)
                with m.If(j == n - 1):
                    m.d.sync += [j.eq(0), p.eq(0), q.eq(0), rf.eq(rf + 1)]
                with m.Else():
                    m.d.sync += j.eq(j + 1)
                    with m.If(q == q_n - 1):
                        m.d.sync += [q.eq(0), p.eq(p + 1)]
                    with m.Else():
                        m.d.sync += q.eq(q + 1)
            with m.Else():
                m.d.sync += cnt.eq(cnt + 1)
        return m


class Pipeline(Elaboratable, _Stream):
    """The whole network: the units in stream order; ``in_*`` takes one frame per beat (the network input:
    all pixels, raster order, channels innermost; or an MLP's input vector), ``out_*`` gives the last unit's
    tokens. ``strobes`` (name, signal) mark each unit's output pushes (for co-simulation)."""

    def __init__(self, units: list[UnitPlan]):
        self.plans = units
        self.units = [MvauUnit(u) if u.kind == "mvau" else WindowUnit(u) for u in units]
        first, last = self.units[0], self.units[-1]
        self._ports(len(first.in_data), len(last.out_data))
        self.strobes = [(u.name, Signal(name=f"push_{i}")) for i, u in enumerate(units)]

    def ports(self) -> list[Signal]:
        return [self.in_valid, self.in_data, self.in_ready, self.out_valid, self.out_data, self.out_ready]

    def elaborate(self, platform):
        m = Module()
        for i, (plan, unit) in enumerate(zip(self.plans, self.units, strict=True)):
            m.submodules[f"u{i}_{plan.name.replace('.', '_')}"] = unit
        first, last = self.units[0], self.units[-1]
        m.d.comb += [
            first.in_valid.eq(self.in_valid),
            first.in_data.eq(self.in_data),
            self.in_ready.eq(first.in_ready),
        ]
        for a, b in zip(self.units[:-1], self.units[1:], strict=True):
            m.d.comb += [b.in_valid.eq(a.out_valid), b.in_data.eq(a.out_data), a.out_ready.eq(b.in_ready)]
        m.d.comb += [
            self.out_valid.eq(last.out_valid),
            self.out_data.eq(last.out_data),
            last.out_ready.eq(self.out_ready),
        ]
        for (_, sig), unit in zip(self.strobes, self.units, strict=True):
            m.d.comb += sig.eq(unit.out_valid & unit.out_ready)
        return m


__all__ = ["MvauUnit", "Pipeline", "TokenFifo", "WindowUnit"]
