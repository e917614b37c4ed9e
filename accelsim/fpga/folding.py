"""FINN's SetFolding rule: the smallest parallelism that meets a cycles-per-frame target.

Source: github.com/Xilinx/finn at 39f0c9a, ``src/finn/transformation/fpgadataflow/set_folding.py``
(``SetFolding.apply`` l.99-245): for an MVAU, SIMD steps through the divisors of MW until the unit's
cycles drop below the target or the weight stream per PE (``w_bits·SIMD``) would exceed
``mvau_wwidth_max`` (default 36; that last step is reverted), then PE steps through the divisors of MH
until the target is met; thresholding, AddStreams, GlobalAccPool and Pool units step PE through the divisors of their channels; a (non
depthwise) sliding-window generator steps SIMD through the divisors of its input channels, and the RTL one
switches to ``parallel_window`` when SIMD is maxed out and the target still not met (l.197-213); a VVAU steps
PE through the divisors of its channels and, only when PE is exhausted and the target still not met,
SIMD through the divisors of k_h·k_w; the depthwise generator before a VVAU or Pool takes its PE
(:func:`tie_depthwise_generator`). "Target met" is ``cycles < target`` (strictly). With
``two_pass_relaxation`` (default) the search runs again with the target set to the slowest unit's cycles
when the first pass could not reach it, to balance the pipeline. ``target_cycles_per_frame =
int(clock_hz / target_fps)`` (FINN's builder: ``(1e9 / synth_clk_period_ns) / target_fps``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from accelsim.fpga.finn_estimates import (
    Mvau,
    PeOverChannels,
    Pool,
    SlidingWindow2D,
    SlidingWindow2DRtl,
    Thresholding,
    Vvau,
)

Unit = Any  # one of Mvau, Vvau, SlidingWindow2D, SlidingWindow2DRtl, Thresholding, AddStreams, Pool, ...


def divisors(n: int) -> list[int]:
    return [x for x in range(1, n + 1) if n % x == 0]


def _smallest(unit, attr: str, max_val: int, target: int):
    unit = replace(unit, **{attr: 1})
    for v in divisors(max_val):
        unit = replace(unit, **{attr: v})
        if unit.cycles() < target:
            break
    return unit


def fold_unit(unit: Unit, target: int, mvau_wwidth_max: int = 36) -> Unit:
    """One unit folded by FINN's rule for its kind (module docstring)."""
    if isinstance(unit, Mvau):
        unit = replace(unit, pe=1, simd=1)
        for v in divisors(unit.mw):
            prev = unit.simd
            unit = replace(unit, simd=v)
            if unit.cycles() < target:
                break
            if unit.w_bits * unit.simd > mvau_wwidth_max:
                unit = replace(unit, simd=prev)
                break
        return _smallest(unit, "pe", unit.mh, target)
    if isinstance(unit, Thresholding | PeOverChannels):
        return _smallest(unit, "pe", unit.channels, target)
    if isinstance(unit, SlidingWindow2D):
        return _smallest(unit, "simd", unit.channels, target)
    if isinstance(unit, SlidingWindow2DRtl):  # the RTL generator's parallel window once SIMD is maxed out
        unit = _smallest(replace(unit, parallel_window=False), "simd", unit.channels, target)
        if not unit.depthwise and unit.simd == unit.channels and unit.cycles() > target:
            unit = replace(unit, parallel_window=True)
        return unit
    if isinstance(unit, Vvau):
        unit = replace(unit, simd=1)
        unit = _smallest(unit, "pe", unit.channels, target)
        if unit.pe == unit.channels and unit.cycles() > target:
            unit = _smallest(unit, "simd", unit.kernel[0] * unit.kernel[1], target)
        return unit
    raise TypeError(f"SetFolding has no rule for {type(unit).__name__}")


def tie_depthwise_generator(swg: Unit, consumer: Unit) -> Unit:
    """FINN's SetFolding for a depthwise op (VVAU or Pool, ``set_folding.py`` l.175-187): the sliding-window
    generator before it is not folded on its own (l.215) but takes the op's PE as its SIMD, and an RTL one
    runs ``parallel_window`` when the VVAU's SIMD exceeds 1."""
    fields: dict[str, Any] = {"simd": consumer.pe}
    if isinstance(swg, SlidingWindow2DRtl):
        fields["parallel_window"] = getattr(consumer, "simd", 1) > 1
    return replace(swg, **fields)


def _tie_depthwise(units: list[Unit]) -> list[Unit]:
    """Every generator directly followed by a VVAU or Pool (stream order) tied to it."""
    out = list(units)
    for i in range(len(out) - 1):
        if isinstance(out[i], SlidingWindow2D | SlidingWindow2DRtl) and isinstance(out[i + 1], Vvau | Pool):
            out[i] = tie_depthwise_generator(out[i], out[i + 1])
    return out


def set_folding(
    units: list[Unit], target: int, mvau_wwidth_max: int = 36, two_pass_relaxation: bool = True
) -> list[Unit]:
    """Every unit (in stream order) folded for ``target`` cycles per frame, depthwise generators tied to their
    op, with FINN's two-pass relaxation."""
    folded = _tie_depthwise([fold_unit(u, target, mvau_wwidth_max) for u in units])
    worst = max(u.cycles() for u in folded)
    if two_pass_relaxation and worst > target:
        folded = _tie_depthwise([fold_unit(u, worst, mvau_wwidth_max) for u in units])
    return folded
