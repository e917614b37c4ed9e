"""Export a cost table in HAQ's lookup-table layout.

HAQ (Wang et al., CVPR 2019, github.com/mit-han-lab/haq) reads ``lib/simulator/lookup_tables/*.npy``: a float
array indexed ``[layer, w_bits − 1, a_bits − 1]`` over the quantizable (conv/fc) layers in network order,
and sums ``table[i, w_i − 1, a_i − 1]`` over layers to cost a policy. :func:`haq_table` builds that array from
a :class:`accelsim.cost.CostModel`; entries for bit widths the architecture cannot run are NaN.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from accelsim.cost import METRICS, CostModel
from accelsim.errors import AccelsimInputError
from accelsim.workload import Network


def haq_table(
    cost_model: CostModel, network: Network, metric: str = "latency_s", max_bits: int = 8
) -> np.ndarray:
    """``[n_mac_layers, max_bits, max_bits]`` with entry ``[i, w−1, a−1]`` = ``metric`` of layer i at w/a."""
    if metric not in METRICS:
        raise AccelsimInputError("metric", f"unknown {metric!r}; allowed: {', '.join(METRICS)}")
    if not 1 <= max_bits <= 32:
        raise AccelsimInputError("max_bits", f"must be 1..32, got {max_bits}")
    layers = network.mac_layers()
    out = np.full((len(layers), max_bits, max_bits), np.nan)
    for i, layer in enumerate(layers):
        for w in range(1, max_bits + 1):
            for a in range(1, max_bits + 1):
                try:
                    out[i, w - 1, a - 1] = cost_model.layer_cost(layer, w, a).metric(metric)
                except AccelsimInputError:
                    pass  # this fabric cannot run w/a: leave NaN
    return out


def export_haq_table(
    cost_model: CostModel, network: Network, path: str | Path, metric: str = "latency_s", max_bits: int = 8
) -> np.ndarray:
    """Write :func:`haq_table` to ``path`` (``.npy``) and return it."""
    from accelsim.io.output import check_output, write_with

    check_output(path, "path", stdout_ok=False)
    table = haq_table(cost_model, network, metric, max_bits)
    write_with(path, "path", lambda tmp: np.save(tmp, table))
    return table


def policy_cost(table: np.ndarray, policy: list[tuple[int, int]]) -> float:
    """HAQ's own reading of a table: Σ table[i, w_i − 1, a_i − 1]."""
    return float(sum(table[i, w - 1, a - 1] for i, (w, a) in enumerate(policy)))
