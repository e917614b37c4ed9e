"""The special-function unit every architecture has for the nonlinear and elementwise ops of transformers
(:data:`accelsim.workload.SFU_OPS`): softmax, LayerNorm, RMSNorm, GELU, SiLU, rotary embeddings,
elementwise multiply, embedding lookup.

Model (per layer, whole batch): ``elements`` = the layer's input elements (embedding: output elements,
one copied feature each); ``ops = elements · ops_per_element[op]`` integer operations on ``lanes`` lanes,
``compute_cycles = ceil(ops / lanes)``; each operation is priced as one ``a_bits × a_bits`` multiply with a
``acc_bits`` accumulate (the integer kernels of I-BERT are polynomials: multiply-adds). Traffic: the input
read and the output written once at their widths; an embedding reads its gathered rows at ``w_bits``.
Stall: DRAM roofline, ``max(0, ceil(bytes / bandwidth) − compute)``.

Operations per element (:data:`DEFAULT_OPS_PER_ELEMENT`, assumed, not fitted; configurable per preset in
``sfu.ops_per_element``): softmax 5 (max, subtract, exp as a 2nd-order polynomial, sum, one multiply by
the reciprocal), layernorm 5 (mean, variance, subtract, scale, shift), rmsnorm 3 (square-sum, scale, gain),
gelu 6 (erf polynomial, scale, multiply), silu 5 (exp polynomial, add, reciprocal multiply, multiply),
rotary 3 (two multiplies and an add per element of the rotated pair), mul 1, embedding 1 (a copy).
"""

from __future__ import annotations

import math

from accelsim.arch.sfu import DEFAULT_OPS_PER_ELEMENT, SfuConfig
from accelsim.results import LayerResult
from accelsim.workload import Layer, Precision


def evaluate_sfu_layer(layer: Layer, precision: Precision, arch) -> LayerResult:
    """Timing and action counts of one SFU layer (module docstring)."""
    from accelsim.mappings import VectorUnitMapping

    sfu: SfuConfig = arch.sfu
    a = precision.a_bits
    if layer.op == "embedding":
        elements = layer.output_elems
        read_bytes = elements * precision.w_bits / 8
    else:
        elements = layer.input_elems
        read_bytes = elements * a / 8
    write_bytes = layer.output_elems * precision.out_bits / 8
    per = sfu.ops_per_element.get(layer.op, DEFAULT_OPS_PER_ELEMENT[layer.op])
    ops = elements * per
    compute = math.ceil(ops / sfu.lanes)
    bw = arch.dram.bandwidth_bytes_per_cycle
    transfer = 0 if bw is None else math.ceil((read_bytes + write_bytes) / bw)
    actions = {
        ("digital.sfu", "mac", (a, a, precision.acc_bits)): ops,
        ("dram", "read", ()): 8 * read_bytes,
        ("dram", "write", ()): 8 * write_bytes,
    }
    return LayerResult(
        compute_cycles=compute,
        stall_cycles=max(0, transfer - compute),
        actions={k: v for k, v in actions.items() if v},
        accesses={"sfu_ops": ops, "dram_read_bytes": read_bytes, "dram_write_bytes": write_bytes},
        peak_macs_per_cycle=0.0,
        mapping_efficiency=0.0,
        mapping=VectorUnitMapping(sfu.lanes, kind="sfu"),
    )
