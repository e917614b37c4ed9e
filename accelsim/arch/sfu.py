"""Configuration of the special-function unit every architecture has (transformer nonlinear ops); the model
is :mod:`accelsim.fabrics._sfu`."""

from __future__ import annotations

from pydantic import Field

from accelsim.workload import StrictModel

DEFAULT_OPS_PER_ELEMENT: dict[str, float] = {
    "softmax": 5.0, "layernorm": 5.0, "rmsnorm": 3.0, "gelu": 6.0, "silu": 5.0, "rotary": 3.0, "mul": 1.0,
    "embedding": 1.0,
}  # fmt: skip


class SfuConfig(StrictModel):
    """The special-function / vector unit beside the array (transformer nonlinear ops)."""

    lanes: int = Field(64, ge=1, description="integer operations per cycle")
    ops_per_element: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_OPS_PER_ELEMENT),
        description="operations per element per op (softmax, layernorm, rmsnorm, gelu, silu, rotary, mul, "
        "embedding); assumed I-BERT-style integer kernels",
    )
