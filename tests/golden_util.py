"""Shared helpers of the golden-equality tests (results recorded from an earlier, slower implementation)."""

from __future__ import annotations

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
