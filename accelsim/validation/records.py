"""Validation records: per preset, the published figures it was fitted to and the ones it must predict.

One YAML file per preset in ``accelsim/validation/records/<preset>.yaml``::

    preset: eyeriss
    operating_points: "..."          # what the published data cover (one point = no hold-out possible)
    notes: "..."
    figures:
      - id: alexnet_conv_fps
        what: "AlexNet CONV layers, batch 4: frames/s"
        source: "Chen et al., JSSC 2017, Table V; REFERENCES.md Eyeriss v1 row"
        stored_source: true           # found in a source stored with the project (REFERENCES.md, seeds, shared/reference)
        published: 35.0
        metric: {kind: network, network: alexnet, batch: 4, bits: 16/16, layers: conv, quantity: frames_per_s}
        klass: predicted              # predicted | calibrated | definitional
        set: holdout                  # fit | holdout
        tolerance: 0.15               # relative, fixed before measuring
        known_miss: "measured 0.00375 (+29 %)"   # a prediction outside its tolerance, stated

Classes: *predicted* — no constant was fitted to this figure (a hold-out); *calibrated* — a constant of
the preset's ``calibration:`` block (or of its PE model) was fitted so that this figure comes out (the fit
set: reproducing it only checks the wiring); *definitional* — the figure follows from the preset's
structure by construction (e.g. peak GOPS = 2·PEs·clock).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import Field, ValidationError, model_validator

from accelsim.errors import AccelsimInputError, from_validation_error
from accelsim.workload import StrictModel

RECORD_DIR = Path(__file__).resolve().parent / "records"


class Metric(StrictModel):
    """How accelsim computes the figure (:mod:`accelsim.validation.metrics`)."""

    kind: Literal["peak", "network", "compare"] = Field(
        description="peak: arch peak at bits; network: a simulation; compare: a suite against a baseline"
    )
    quantity: str = Field(description="what is read from the result (per kind, see metrics.py)")
    bits: str | None = Field(None, description="W/A bits (peak: required; network: global override)")
    network: str | None = Field(None, description="network name (kind network)")
    batch: int | None = Field(None, ge=1, description="batch size (kind network)")
    quantizer: str | None = Field(
        None, description="every layer's weight quantizer (kind network), e.g. log2"
    )
    layers: Literal["all", "conv", "mac"] = Field("all", description="which layers a network figure covers")
    overrides: dict[str, Any] = Field(default_factory=dict, description="arch overrides the figure assumes")
    dense_layers: list[str] = Field(
        default_factory=list, description="layers whose input is dense (activation sparsity 0)"
    )
    suite: str | None = Field(None, description="compare: the suite the arch side runs")
    arch: str | None = Field(
        None, description="compare: the arch side when the record's preset is the baseline (else the preset)"
    )
    baseline: str | None = Field(
        None, description="compare: the baseline preset or published table (null: the record's preset)"
    )
    baseline_bits: str | None = Field(None, description="compare: the baseline's global bits")
    baseline_suite: str | None = Field(None, description="compare: the suite the baseline runs")


class Figure(StrictModel):
    """One published figure and how the preset relates to it."""

    id: str
    what: str
    source: str = Field(description="paper, table or figure, page; and where it is stored")
    stored_source: bool = Field(description="found in a source stored with the project")
    published: float
    metric: Metric
    klass: Literal["predicted", "calibrated", "definitional"]
    set: Literal["fit", "holdout"]
    tolerance: float = Field(gt=0, description="relative tolerance, fixed before measuring")
    known_miss: str | None = Field(
        None, description="a prediction outside its tolerance, with the measured value"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Figure:
        if self.klass == "predicted" and self.set != "holdout":
            raise ValueError("a predicted figure belongs to the hold-out set")
        if self.klass != "predicted" and self.set == "holdout":
            raise ValueError("only predicted figures are hold-outs")
        if self.known_miss and self.klass != "predicted":
            raise ValueError("only predictions can be known misses")
        return self


class Assumption(StrictModel):
    """A parameter the preset assumes (not published): ``--sensitivity`` varies it ±50 %."""

    field: str = Field(description="dotted architecture field")
    note: str = Field(description="why it is assumed / what it stands for")


class Record(StrictModel):
    """A preset's validation record."""

    preset: str
    operating_points: str = Field(description="what the published data cover")
    notes: str = ""
    figures: list[Figure] = Field(default_factory=list)
    assumptions: list[Assumption] = Field(default_factory=list)

    @property
    def holdouts(self) -> list[Figure]:
        return [f for f in self.figures if f.set == "holdout"]

    @property
    def label(self) -> str:
        """``validated`` (has hold-out predictions), ``calibrated only`` or ``no published figure``."""
        if self.holdouts:
            return "validated"
        return "calibrated only" if self.figures else "no published figure"


@cache
def load_record(preset: str) -> Record:
    path = RECORD_DIR / f"{preset}.yaml"
    if not path.exists():
        raise AccelsimInputError(
            "preset", f"no validation record for {preset!r} (accelsim/validation/records/)"
        )
    try:
        return Record.model_validate(yaml.safe_load(path.read_text()))
    except ValidationError as exc:
        raise from_validation_error(exc, f"record {path.name}") from None


def available_records() -> list[str]:
    return sorted(p.stem for p in RECORD_DIR.glob("*.yaml"))
