"""Co-simulation of the RTL pipeline in Amaranth's Python simulator, and Verilog emission.

Cycle convention (the token model's): cycle 0 is the first cycle in which the first frame is visible to the
first unit (the testbench offers frame 0 in the cycle before, and the frames back to back after it, one
beat per frame whenever the first unit's buffer takes it). A token pushed in cycle ``k`` (its unit's last
cycle on it) is *done* at ``k`` in the model's time, i.e. visible downstream from the next cycle.
Latency = done of frame 0's last output token; cycles per frame = the interval between the last two
frames' last output tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from accelsim.errors import AccelsimInputError
from accelsim.fpga.pipeline import schedule
from accelsim.fpga.rtl.plan import Pace, PipelinePlan, build_plan


@dataclass
class RtlRun:
    """What the RTL simulation measured."""

    out_codes: np.ndarray  # the last layer's integer outputs per frame (executor layout)
    cycles_per_frame: int  # interval between the last two frames' last outputs (0 for one frame)
    latency_cycles: int  # first frame visible -> its last output token done
    token_done: dict[str, np.ndarray] = field(default_factory=dict)  # per unit: done cycle of every token
    model_token_done: dict[str, np.ndarray] = field(default_factory=dict)  # the token model's, same cycles
    model_ii: int = 0  # accelsim's initiation interval (FINN's max unit cycles)
    model_latency: int = 0  # accelsim's overlapped latency (network_timing)
    rtl_unit_cycles: dict[str, int] = field(default_factory=dict)  # RTL cycles per frame of every unit
    finn_unit_cycles: dict[str, int] = field(default_factory=dict)  # FINN's formulas (the model's)
    sim_cycles: int = 0


def _pack(vals: np.ndarray, bits: int) -> int:
    mask = (1 << bits) - 1
    out = 0
    for i, v in enumerate(np.asarray(vals).ravel().tolist()):
        out |= (int(v) & mask) << (i * bits)
    return out


def _unpack(word: int, n: int, bits: int, signed: bool) -> list[int]:
    mask = (1 << bits) - 1
    vals = [(word >> (i * bits)) & mask for i in range(n)]
    if signed:
        vals = [v - (1 << bits) if v >> (bits - 1) else v for v in vals]
    return vals


def _frames(plan: PipelinePlan, x_codes: np.ndarray) -> list[int]:
    """One stream beat per frame: pixels in raster order, channels innermost (an MLP: its vector)."""
    x = np.asarray(x_codes, np.int64)
    q = plan.input_q
    if x.size and (x.min() < q.qmin or x.max() > q.qmax):
        raise AccelsimInputError("x_codes", f"input codes must lie in [{q.qmin}, {q.qmax}]")
    n = x.shape[0]
    if x.ndim == 4:
        x = x.transpose(0, 2, 3, 1)  # N, H, W, C
    x = x.reshape(n, -1)
    if x.shape[1] != plan.input_tokens * plan.input_elems:
        raise AccelsimInputError(
            "x_codes", f"need {plan.input_tokens * plan.input_elems} codes per frame, got {x.shape[1]}"
        )
    return [_pack(row, q.bits) for row in x]


def cosimulate(
    model, arch, x_codes: np.ndarray, pace: Pace = "finn", max_cycles: int | None = None
) -> RtlRun:
    """Simulate the RTL pipeline of ``model`` folded as ``arch`` on input codes ``x_codes`` ((N, C, H, W) or
    (N, C)), frames back to back; ``pace="natural"`` runs the window units at their own speed instead of
    FINN's formulas (module docstring of :mod:`accelsim.fpga.rtl`)."""
    from amaranth.sim import Simulator

    from accelsim.fpga.rtl.units import Pipeline

    x_codes = np.asarray(x_codes)
    frames_n = int(x_codes.shape[0])
    if frames_n < 1:
        raise AccelsimInputError("x_codes", "give at least one frame")
    plan = build_plan(model, arch, pace=pace, frames=max(frames_n, 2))
    beats = _frames(plan, x_codes)
    top = Pipeline(plan.units)
    last = plan.units[-1]
    n_out = last.tokens * frames_n
    _, model_done = schedule(plan.rtl_stages, frames_n)
    limit = max_cycles or int(model_done[-1][-1]) * 2 + 1000
    names = [n for n, _ in top.strobes]
    strobe_sigs = [s for _, s in top.strobes]
    pushes: dict[str, list[int]] = {n: [] for n in names}
    outs: list[int] = []
    state = {"cycles": 0}

    async def bench(ctx):
        sent = 0
        ctx.set(top.out_ready, 1)
        ctx.set(top.in_valid, 1)
        ctx.set(top.in_data, beats[0])
        cycle = 0
        while len(outs) < n_out and cycle < limit:
            _, _, in_ok, o_ok, o_data, *st = await ctx.tick().sample(
                top.in_valid & top.in_ready, top.out_valid & top.out_ready, top.out_data, *strobe_sigs
            )
            for nm, v in zip(names, st, strict=True):
                if v:
                    pushes[nm].append(cycle)
            if o_ok:
                outs.append(int(o_data))
            if in_ok and sent < frames_n:
                sent += 1
                if sent < frames_n:
                    ctx.set(top.in_data, beats[sent])
                else:
                    ctx.set(top.in_valid, 0)
            cycle += 1
        state["cycles"] = cycle

    sim = Simulator(top)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    if len(outs) < n_out:
        raise AccelsimInputError(
            "rtl", f"the RTL produced {len(outs)} of {n_out} output tokens in {limit} cycles"
        )
    # frame 0 is offered in cycle 0 and visible from cycle 1 = the model's time 0; a push in cycle k is done
    # at k + 1 absolute = k in model time
    token_done = {n: np.array(v, np.int64) for n, v in pushes.items()}
    vals = np.array([_unpack(w, last.out_elems, last.out_bits, last.out_signed) for w in outs], np.int64)
    vals = vals.reshape(frames_n, last.tokens, last.out_elems)
    layer = next(la for la in model.network.layers if la.name == plan.output_layer)
    if layer.op in ("conv2d", "pool"):
        out = vals.reshape(frames_n, layer.P, layer.Q, layer.K).transpose(0, 3, 1, 2)
    else:
        out = vals.reshape(frames_n, -1)
    done_last = token_done[last.name]
    frame_done = [int(done_last[(f + 1) * last.tokens - 1]) for f in range(frames_n)]
    return RtlRun(
        out_codes=out,
        cycles_per_frame=frame_done[-1] - frame_done[-2] if frames_n > 1 else 0,
        latency_cycles=frame_done[0],
        token_done=token_done,
        model_token_done={s.name: d for s, d in zip(plan.rtl_stages, model_done, strict=True)},
        model_ii=int(plan.timing["initiation_interval_cycles"]),
        model_latency=int(plan.timing["latency_cycles"]),
        rtl_unit_cycles={s.name: s.cycles for s in plan.rtl_stages},
        finn_unit_cycles={s.name: s.cycles for s in plan.stages},
        sim_cycles=state["cycles"],
    )


def _module_name(name: str) -> str:
    s = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_") or "net"
    return f"{'n_' if s[0].isdigit() else ''}{s}_pipeline"


def write_verilog(qmodel, arch, out_dir: Path, pace: Pace = "finn") -> list[Path]:
    """Write the pipeline as synthesizable Verilog: ``<network>_pipeline.v`` (the top module of that name and
    its units, weights and thresholds as constant ROMs; one clock ``clk``, synchronous reset ``rst``) and
    ``<network>_pipeline.json`` (the stream interface's packing, every unit's folding and cycles, and the
    cycles accelsim's model predicts). Returns the paths written."""
    from amaranth.back import verilog

    from accelsim.fpga.rtl.units import Pipeline

    plan = build_plan(qmodel, arch, pace=pace, frames=2)
    top = Pipeline(plan.units)
    name = _module_name(plan.name)
    text = verilog.convert(top, name=name, ports=top.ports(), emit_src=False)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    v_path = out_dir / f"{name}.v"
    v_path.write_text(text)
    last = plan.units[-1]
    meta = {
        "top": name,
        "clock": "clk (rising edge), rst: synchronous, active high",
        "input": {
            "ports": ["in_valid", "in_data", "in_ready"],
            "beat": "one frame: pixels in raster order, channels innermost, element 0 in the low bits",
            "elements": plan.input_tokens * plan.input_elems,
            "bits": plan.input_q.bits,
            "signed": plan.input_q.signed,
            "zero_point": plan.input_q.zero_point,
            "scale": plan.input_q.scale,
        },
        "output": {
            "ports": ["out_valid", "out_data", "out_ready"],
            "beat": f"one token of {last.name}: {last.out_elems} codes, element 0 in the low bits",
            "tokens_per_frame": last.tokens,
            "bits": last.out_bits,
            "signed": last.out_signed,
        },
        "pace": pace,
        "units": [
            {
                "name": u.name,
                "kind": u.kind,
                "pe": u.pe if u.kind == "mvau" else None,
                "simd": u.simd if u.kind == "mvau" else None,
                "tokens": u.tokens,
                "cycles_per_frame": sum(u.slots),
                "finn_cycles_per_frame": s.cycles,
                "fifo_depth": u.fifo_depth if u.kind == "mvau" else None,
            }
            for u, s in zip(plan.units, plan.stages, strict=True)
        ],  # fmt: skip
        "model": {
            "initiation_interval_cycles": int(plan.timing["initiation_interval_cycles"]),
            "latency_cycles": int(plan.timing["latency_cycles"]),
            **({"over_budget": plan.timing["over_budget"]} if "over_budget" in plan.timing else {}),
        },
    }
    j_path = out_dir / f"{name}.json"
    j_path.write_text(json.dumps(meta, indent=1) + "\n")
    return [v_path, j_path]


__all__ = ["RtlRun", "cosimulate", "write_verilog"]
