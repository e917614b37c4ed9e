"""Shared helpers of the golden-equality tests (results recorded from an earlier, slower implementation)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
from pathlib import Path
from types import ModuleType

DATA = Path(__file__).parent / "data"


def load_maker(name: str) -> ModuleType:
    """The committed script ``tests/data/<name>.py`` that recorded a golden file (for its case lists)."""
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def golden_by_arch(file_name: str) -> dict[str, list[dict]]:
    """The recorded cases of ``tests/data/<file_name>`` grouped by their ``arch`` key."""
    by_arch: dict[str, list[dict]] = {}
    for case in json.loads((DATA / file_name).read_text())["cases"]:
        by_arch.setdefault(case["arch"], []).append(case)
    return by_arch


def diff(path: str, got, want, rel_tol: float = 0.0) -> str | None:
    """None when ``got`` (after a JSON round trip) equals ``want``: same keys and types, equal values
    (floats within ``rel_tol`` relative, 0 = exactly); else a one-line description of the first difference."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            return f"{path}: keys {sorted(got) if isinstance(got, dict) else got!r} != {sorted(want)}"
        for key in want:
            d = diff(f"{path}.{key}", got[key], want[key], rel_tol)
            if d:
                return d
        return None
    if type(got) is not type(want):
        return f"{path}: type {type(got).__name__} != {type(want).__name__} ({got!r} vs {want!r})"
    if isinstance(want, float) and rel_tol and math.isclose(got, want, rel_tol=rel_tol, abs_tol=0.0):
        return None
    return None if got == want else f"{path}: {got!r} != {want!r}"


#: the energy breakdown vocabulary of results recorded before the cost stage (issue 13), per old key: the
#: component class of the one vocabulary it became (accelsim.pricing.actions)
OLD_TO_CLASS = {
    "core": "mac", "mac": "mac", "rf": "register", "noc": "noc", "sram": "sram", "sram_ifmap": "sram",
    "sram_filter": "sram", "sram_ofmap": "sram", "wbuf": "sram", "ibuf": "sram", "obuf": "sram",
    "dram": "dram", "adc": "adc", "dac": "dac", "crossbar": "cell", "sample_hold": "sample_hold",
    "shift_add": "shift_add", "sense_amp": "sense_amp", "digital": "digital", "partial_sum": "digital",
    "tile_digital": "digital",
}  # fmt: skip

#: energies priced by the cost stage agree with those recorded before it to this relative tolerance (the
#: products are summed in another order; issue 13's regression bound)
ENERGY_REL = 1e-9


def energy_by_class(breakdown: dict[str, float]) -> dict[str, float]:
    """Non-zero energies summed per component class (keys recorded before the cost stage through
    :data:`OLD_TO_CLASS`, component names by their class)."""
    out: dict[str, float] = {}
    for k, v in breakdown.items():
        c = OLD_TO_CLASS.get(k, k.split(".", 1)[0])
        out[c] = out.get(c, 0.0) + v
    return {k: v for k, v in out.items() if v}


def energy_diff(path: str, got: dict[str, float], recorded: dict[str, float]) -> str | None:
    """None when a priced breakdown equals a recorded (pre-cost-stage) one per class within ENERGY_REL."""
    new = energy_by_class(got)
    old = energy_by_class(recorded)
    if new.keys() != old.keys():
        return f"{path}: energy classes {sorted(new)} != {sorted(old)}"
    for k, v in old.items():
        if not math.isclose(new[k], v, rel_tol=ENERGY_REL, abs_tol=1e-12):
            return f"{path}: energy {k} {new[k]!r} != {v!r}"
    return None


@contextlib.contextmanager
def linear_node_rule():
    """Price with the node-scaling rule the recorded files were made with: ``E ∝ node``, ``A ∝ node²``
    relative to 45 nm (accelsim.tech before December 2026; it is Stillmaker & Baas now). The recorded
    numbers stay the reference for cycles and for energies under unchanged pricing inputs, and the scaling
    rule is one of those inputs; tests/test_pricing.py checks the current rule itself."""
    from accelsim import tech

    saved = tech.node_energy_factor, tech.node_area_factor
    tech.sram_access_energy_pj.cache_clear()
    tech.node_energy_factor = lambda node_nm: node_nm / tech.REFERENCE_NODE_NM
    tech.node_area_factor = lambda node_nm: (node_nm / tech.REFERENCE_NODE_NM) ** 2
    try:
        yield
    finally:
        tech.node_energy_factor, tech.node_area_factor = saved
        tech.sram_access_energy_pj.cache_clear()
