"""A layer-pipelined streaming accelerator as FINN estimates it: every unit runs concurrently, so a frame
leaves every ``max(cycles)`` (throughput ``clock / max cycles``); FINN's own latency estimate, the sum of
every unit's cycles, "is very pessimistic, it assumes no overlap between executions" (FINN,
``src/finn/analysis/fpgadataflow/dataflow_performance.py`` l.37-39) and is reported as such, the upper
bound; resources are the units' FINN estimates summed.

``cnv_units(bits)`` builds the BNN-PYNQ CNV topology (CIFAR-10; Brevitas ``CNV.py``: 3×3 convolutions
without padding, 64-64-pool-128-128-pool-256-256, then FC 512-512-10; the first layer reads the 8-bit
image; bipolar (signed) activations; the last layer outputs accumulators) as FINN units; ``CNV_W1A1_FOLDING`` is finn-examples' folding for cnv-w1a1
(``build/bnn-pynq/folding_config/cnv-w1a1_folding_config.json`` at 810a1e7).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from accelsim.fpga.devices import RESOURCES, Device, check_fit
from accelsim.fpga.finn_estimates import (
    Mvau,
    SlidingWindow2D,
    SlidingWindow2DRtl,
    Thresholding,
    Vvau,
    maxpool2d_cycles,
)

#: finn-examples cnv-w1a1: (PE, SIMD) of the nine MVAUs and SIMD of the six sliding-window generators
CNV_W1A1_FOLDING = {
    "mvau": [(16, 3), (32, 32), (16, 32), (16, 32), (4, 32), (1, 32), (1, 4), (1, 8), (5, 1)],
    "swg": [3, 32, 32, 32, 32, 32],
}


@dataclass(frozen=True)
class MaxPool:
    """StreamingMaxPool (2-D, square)."""

    ifm_dim: int
    kernel: int

    def cycles(self) -> int:
        return maxpool2d_cycles(self.ifm_dim, self.kernel)


def cnv_units(w_bits: int = 1, a_bits: int = 1, folding: dict | None = None) -> list[tuple[str, Any]]:
    """The CNV network as (name, unit) in stream order, folded by ``folding`` (default: fully folded, PE =
    SIMD = 1)."""
    convs = [(3, 64, 32), (64, 64, 30), (64, 128, 14), (128, 128, 12), (128, 256, 5), (256, 256, 3)]
    pools_after = {1: 28, 3: 10}  # conv index -> input size of the 2×2 max-pool that follows
    fold = folding or {"mvau": [(1, 1)] * 9, "swg": [1] * 6}
    units: list[tuple[str, Any]] = []
    for i, (c_in, c_out, ifm) in enumerate(convs):
        ofm = ifm - 2
        a = 8 if i == 0 else a_bits
        units.append(
            (f"swg{i}", SlidingWindow2D(c_in, (ifm, ifm), (ofm, ofm), (3, 3), (1, 1), fold["swg"][i], a))
        )
        pe, simd = fold["mvau"][i]
        units.append((f"conv{i}", Mvau(mw=9 * c_in, mh=c_out, pe=pe, simd=simd, w_bits=w_bits, a_bits=a,
                                       a_signed=True, out_bits=a_bits, num_input_vectors=(1, ofm, ofm))))  # fmt: skip
        if i in pools_after:
            units.append((f"pool{i}", MaxPool(pools_after[i], 2)))
    for j, (mw, mh) in enumerate([(256, 512), (512, 512), (512, 10)]):
        pe, simd = fold["mvau"][6 + j]
        units.append((f"fc{j}", Mvau(mw=mw, mh=mh, pe=pe, simd=simd, w_bits=w_bits, a_bits=a_bits, a_signed=True,
                                     out_bits=32 if j == 2 else a_bits, no_activation=j == 2)))  # fmt: skip
    return units


def unit_resources(unit: Any) -> dict[str, int]:
    """FINN's estimates of a unit (a resource FINN does not estimate for that unit counts 0)."""
    out = dict.fromkeys(RESOURCES, 0)
    if isinstance(unit, Mvau | Vvau):
        out.update(lut=unit.lut(), bram18=unit.bram18(), uram=unit.uram(), dsp=unit.dsp())
    elif isinstance(unit, SlidingWindow2D):
        out.update(bram18=unit.bram18())
    elif isinstance(unit, SlidingWindow2DRtl):
        out.update(lut=unit.lut(), bram18=unit.bram18(), uram=unit.uram())
    elif isinstance(unit, Thresholding):
        out.update(lut=unit.lut(), bram18=unit.bram18())
    return out


@dataclass(frozen=True)
class StreamingEstimate:
    """Throughput, FINN's latency bound and resources of a folded pipeline."""

    clock_hz: float
    cycles: dict[str, int]
    resources: dict[str, int]

    @property
    def max_cycles(self) -> int:
        return max(self.cycles.values())

    @property
    def bottleneck(self) -> str:
        return max(self.cycles, key=self.cycles.get)  # type: ignore[arg-type]

    @property
    def frames_per_s(self) -> float:
        return self.clock_hz / self.max_cycles

    @property
    def latency_no_overlap_s(self) -> float:
        """FINN's estimate: Σ cycles / clock (no overlap between units; an upper bound)."""
        return sum(self.cycles.values()) / self.clock_hz


def estimate(
    units: list[tuple[str, Any]], clock_hz: float, device: Device | None = None
) -> StreamingEstimate:
    """The pipeline's estimate; with ``device``, a design over the device's budget is a one-line error."""
    used = dict.fromkeys(RESOURCES, 0)
    for _, u in units:
        for k, v in unit_resources(u).items():
            used[k] += v
    if device is not None:
        check_fit(used, device)
    return StreamingEstimate(clock_hz, {name: int(u.cycles()) for name, u in units}, used)


def refold(units: list[tuple[str, Any]], folded: list[Any]) -> list[tuple[str, Any]]:
    return [(name, f) for (name, _), f in zip(units, folded, strict=True)]


__all__ = ["CNV_W1A1_FOLDING", "MaxPool", "StreamingEstimate", "cnv_units", "estimate", "refold", "replace"]
