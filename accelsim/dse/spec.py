"""Sweep specification (YAML) and its expansion into design points.

A sweep file::

    name: systolic-size
    base: scalesim-32x32-os          # preset name or YAML path
    networks: [resnet18]
    axes:                            # dotted architecture fields, plus the special axes below
      rows: [8, 16, 32, 64]
      cols: [8, 16, 32, 64]
      dataflow: [os, ws]
      dram.bandwidth_bytes_per_cycle: [8, 32, null]
      bits: ["8/8", "4/4"]           # global W/A
      layer_bits.conv1: ["8/8"]      # one layer's W/A
    sampling: {method: grid}         # or {method: random, samples: 200, seed: 0}
    constraints: {area_mm2_max: 10.0, power_w_max: 2.0}
    objectives: [latency_s, energy_pj]

Every axis is checked against the base preset's model before anything runs: a field that does not exist is
an error that suggests the closest one; an empty axis or an empty product is an error.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from accelsim.errors import AccelsimInputError, from_validation_error
from accelsim.fabrics import load_arch
from accelsim.workload import StrictModel, load_network, parse_bits, read_yaml

OBJECTIVES = (
    "latency_s", "energy_pj", "area_mm2", "power_w", "edp_pj_s", "mismatch",
    # pipelined (streaming) fabrics: 1 / frames per s and the design's FPGA resources (FIFOs included)
    "initiation_interval_s", "lut", "bram18", "uram", "dsp",
)  # fmt: skip
PIPELINE_OBJECTIVES = ("initiation_interval_s", "lut", "bram18", "uram", "dsp")
SPECIAL_AXES = ("bits",)
LAYER_BITS_PREFIX = "layer_bits."


class Sampling(StrictModel):
    """How to pick points from the product of the axes."""

    method: Literal["grid", "random"] = Field("grid", description="grid: every combination; random: a sample")
    samples: int | None = Field(None, ge=1, description="random: number of distinct points")
    seed: int = Field(0, description="random: seed of the sampler")


class Constraints(StrictModel):
    """Upper bounds a design point must meet to be feasible (infeasible points are stored, flagged)."""

    area_mm2_max: float | None = Field(None, gt=0, description="maximum area in mm²")
    power_w_max: float | None = Field(None, gt=0, description="maximum average power in W")
    latency_s_max: float | None = Field(None, gt=0, description="maximum latency in s (per network)")


class AccuracySettings(StrictModel):
    """Functional simulation per design point (needed for the ``mismatch`` objective)."""

    max_images: int = Field(64, ge=1, description="images of the network's data set run per point")
    seed: int = Field(0, description="seed for random weights/inputs and device noise")
    method: Literal["minmax", "percentile", "mse", "kl"] = Field("minmax", description="PTQ calibration")


class SweepSpec(StrictModel):
    """A design-space sweep over one base preset."""

    name: str = Field(description="sweep name (stored with every point)")
    base: str = Field(description="base preset name or YAML path")
    networks: list[str] = Field(min_length=1, description="network names or YAML paths")
    axes: dict[str, list[Any]] = Field(description="field -> values; dotted for nested fields")
    sampling: Sampling = Field(default_factory=Sampling)
    constraints: Constraints = Field(default_factory=Constraints)
    objectives: list[str] = Field(default_factory=lambda: ["latency_s", "energy_pj"], min_length=1)
    batch: int | None = Field(None, ge=1, description="batch size override")
    accuracy: AccuracySettings | None = Field(
        None, description="run numbers through each point's datapath; implied by the 'mismatch' objective"
    )

    @property
    def runs_accuracy(self) -> bool:
        return self.accuracy is not None or "mismatch" in self.objectives

    @field_validator("objectives")
    @classmethod
    def _known_objectives(cls, v: list[str]) -> list[str]:
        bad = [o for o in v if o not in OBJECTIVES]
        if bad:
            raise ValueError(f"unknown objectives {bad}; allowed: {', '.join(OBJECTIVES)}")
        return v


@dataclass(frozen=True)
class DesignPoint:
    """One configuration to evaluate: overrides on the base preset, bits, and one network."""

    sweep: str
    base: str
    network: str
    overrides: tuple[tuple[str, Any], ...]
    bits: str | None
    layer_bits: tuple[tuple[str, str], ...]
    batch: int | None
    accuracy: tuple[int, int, str] | None = None  # (max_images, seed, method) when functional simulation runs

    @property
    def key(self) -> str:
        """sha256 of the canonical JSON of everything that defines the point."""
        doc = {
            "base": self.base, "network": self.network, "overrides": list(self.overrides), "bits": self.bits,
            "layer_bits": list(self.layer_bits), "batch": self.batch,
        }  # fmt: skip
        if self.accuracy is not None:
            doc["accuracy"] = list(self.accuracy)
        return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:32]

    def config(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.overrides)
        if self.bits is not None:
            out["bits"] = self.bits
        for layer, bits in self.layer_bits:
            out[f"{LAYER_BITS_PREFIX}{layer}"] = bits
        return out


def _area_of(arch) -> float | None:
    """The architecture's area from the cost stage's component areas; None when its fabric has none."""
    from accelsim.pricing import ModelTable

    areas = ModelTable(arch).areas_mm2()
    return float(sum(areas.values())) if areas else None


def _decode(index: int, value_lists: list[list[Any]]) -> tuple:
    """The ``index``-th element of ``itertools.product(*value_lists)`` (last list varies fastest)."""
    out = []
    for values in reversed(value_lists):
        index, digit = divmod(index, len(values))
        out.append(values[digit])
    return tuple(reversed(out))


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep YAML file."""
    data = read_yaml(Path(path), "sweep")
    if not isinstance(data, dict):
        raise AccelsimInputError("sweep", "expected a mapping with name, base, networks, axes")
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, "sweep") from None


def expand(spec: SweepSpec) -> list[DesignPoint]:
    """Validate every axis against the base preset and return the points (grid or random sample)."""
    if not spec.axes:
        raise AccelsimInputError("sweep.axes", "no axes given: nothing to sweep")
    arch_axes = {}
    bits_axis: list[str | None] = [None]
    layer_axes: dict[str, list[str]] = {}
    networks = [load_network(n) for n in spec.networks]  # unknown names fail here, before anything runs
    layer_names = {x.name for net in networks for x in net.layers}
    for axis, values in spec.axes.items():
        if not isinstance(values, list) or not values:
            raise AccelsimInputError(f"sweep.axes.{axis}", "needs a non-empty list of values")
        if axis == "bits":
            for v in values:
                parse_bits(str(v), f"sweep.axes.{axis}")
            bits_axis = [str(v) for v in values]
        elif axis.startswith(LAYER_BITS_PREFIX):
            layer = axis[len(LAYER_BITS_PREFIX) :]
            if layer not in layer_names:
                raise AccelsimInputError(f"sweep.axes.{axis}", f"no layer {layer!r} in the sweep's networks")
            for v in values:
                parse_bits(str(v), f"sweep.axes.{axis}")
            layer_axes[layer] = [str(v) for v in values]
        else:
            arch_axes[axis] = values
    # every arch value must validate: check each value of each axis on the base (one-at-a-time)
    base = load_arch(spec.base)
    wants_area = "area_mm2" in spec.objectives or spec.constraints.area_mm2_max is not None
    if wants_area and _area_of(base) is None:
        raise AccelsimInputError(
            "sweep.objectives",
            f"fabric {base.fabric!r} has no area model; drop area_mm2 from objectives/constraints",
        )
    from accelsim.fabrics import get_fabric_hook

    pipelined = [o for o in spec.objectives if o in PIPELINE_OBJECTIVES]
    if pipelined and get_fabric_hook(base.fabric, "network_timing") is None:
        raise AccelsimInputError(
            "sweep.objectives",
            f"{', '.join(pipelined)} need a pipelined (streaming) fabric, not {base.fabric!r}",
        )
    for axis, values in arch_axes.items():
        for v in values:
            load_arch(spec.base, **{axis: v})
    names = list(arch_axes) + ["__bits__"] + [f"{LAYER_BITS_PREFIX}{k}" for k in layer_axes]
    value_lists = list(arch_axes.values()) + [bits_axis] + list(layer_axes.values())
    total = 1
    for vs in value_lists:
        total *= len(vs)
    total *= len(networks)
    if total == 0:
        raise AccelsimInputError("sweep.axes", "the product of the axes is empty")
    if spec.sampling.method == "random":
        # draw indices into the product without materialising it, then decode them (mixed radix)
        n = min(spec.sampling.samples or total, total // len(networks))
        picks = random.Random(spec.sampling.seed).sample(range(total // len(networks)), n)
        combos = [_decode(i, value_lists) for i in picks]
    else:
        combos = list(itertools.product(*value_lists))
    acc = None
    if spec.runs_accuracy:
        settings = spec.accuracy or AccuracySettings()
        acc = (settings.max_images, settings.seed, settings.method)
    points = []
    for net_name in spec.networks:
        for combo in combos:
            values = dict(zip(names, combo, strict=True))
            overrides = tuple((k, values[k]) for k in arch_axes)
            layer_bits = tuple(
                (k[len(LAYER_BITS_PREFIX) :], values[k]) for k in names if k.startswith(LAYER_BITS_PREFIX)
            )
            points.append(
                DesignPoint(
                    spec.name, spec.base, net_name, overrides, values["__bits__"], layer_bits, spec.batch, acc
                )
            )
    return points
