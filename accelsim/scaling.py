"""CMOS scaling between process nodes and supply voltages: one model for the whole tool.

Stillmaker & Baas, "Scaling equations for the accurate prediction of CMOS device performance from 180 nm to
7 nm", Integration, the VLSI Journal 58 (2017). Energy per operation at node ``n`` and supply ``V`` is
proportional to ``F(n, V) = a·V² + b·V + c`` with the per-node coefficients below; area relative to 45 nm
is the paper's area-scaling row. The coefficients are copied from the Accelergy project's implementation of
the paper (``hwcomponents/scaling/techscaling.py``, the same table as
``accelergy-library-plug-in/scaling.py``), which uses the paper's LP fits at 45/32 nm and its HP fits at
20–7 nm; they were not checked against the paper's own tables (not in a stored source). Between listed
nodes ``F`` and the area factor are interpolated linearly in the node; outside 7–130 nm the nearest listed
node is used, times ``(n/n_end)^0.5`` for energy and ``n/n_end`` for area, as that implementation does.

Two users, one model:

* the native estimators (:mod:`accelsim.tech`) scale the 45 nm tables to a preset's node with
  ``F(node, V_ref)/F(45, V_ref)`` and ``area_factor(node)`` — physics at the reference supply;
* the pricing stage (:mod:`accelsim.pricing.technology`) re-prices a run at another node and voltage with
  ``F(node, V)/F(node₀, V₀)``.

So a physics-only preset at node N re-priced at 45 nm costs what the same preset declared at 45 nm costs.

This module imports nothing else of accelsim.
"""

from __future__ import annotations

#: supply voltage assumed where neither the preset nor the user gives one (hwcomponents' default)
REFERENCE_VDD_V = 0.8

#: node (nm) -> (a, b, c) of F = a·V² + b·V + c (Stillmaker & Baas 2017, via hwcomponents)
ENERGY_COEFFICIENTS: dict[float, tuple[float, float, float]] = {
    130.0: (7.171, -6.709, 2.904),
    90.0: (4.762, -4.781, 2.092),
    65.0: (3.755, -4.398, 1.975),
    45.0: (1.103, -0.362, 0.2767),
    32.0: (0.9559, -0.7823, 0.471),
    20.0: (0.373, -0.1582, 0.04104),
    16.0: (0.2958, -0.1241, 0.03024),
    14.0: (0.2363, -0.09675, 0.02239),
    10.0: (0.2068, -0.09311, 0.02375),
    7.0: (0.1776, -0.09097, 0.02447),
}

#: node (nm) -> area relative to 45 nm (the 45 nm row of the paper's area-scaling matrix, via hwcomponents)
AREA_VS_45NM: dict[float, float] = {
    130.0: 6.4, 90.0: 2.8, 65.0: 1.5, 45.0: 1.0, 32.0: 0.46, 20.0: 0.21, 16.0: 0.19, 14.0: 0.17,
    10.0: 0.1, 7.0: 0.059,
}  # fmt: skip

_NODES = sorted(ENERGY_COEFFICIENTS)  # ascending


def _interpolate(node_nm: float, value, end_exponent: float) -> float:
    """``value(n)`` at a listed node, linear in the node between listed nodes, and beyond the ends the end
    value times ``(node/end)^end_exponent``."""
    lo, hi = _NODES[0], _NODES[-1]
    if node_nm <= lo:
        return value(lo) * (node_nm / lo) ** end_exponent
    if node_nm >= hi:
        return value(hi) * (node_nm / hi) ** end_exponent
    for a, b in zip(_NODES, _NODES[1:], strict=False):
        if a <= node_nm <= b:
            t = (node_nm - a) / (b - a)
            return value(a) + t * (value(b) - value(a))
    raise AssertionError("unreachable")


def energy_factor(node_nm: float, vdd_v: float) -> float:
    """Stillmaker–Baas ``F(node, V)``: energy per operation up to a constant factor."""

    def f(n: float) -> float:
        a, b, c = ENERGY_COEFFICIENTS[n]
        return a * vdd_v**2 + b * vdd_v + c

    return _interpolate(node_nm, f, 0.5)


def area_factor(node_nm: float) -> float:
    """Area at ``node_nm`` relative to 45 nm."""
    return _interpolate(node_nm, AREA_VS_45NM.__getitem__, 1.0)
