"""The flow of DESIGN.md stays one-directional: every import (function-local ones included) checked by AST."""

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "accelsim"

#: layers above the models: nothing in the model packages may import them
ABOVE_MODELS = (
    "fabrics", "pricing", "simulate", "cost", "accuracy", "compare", "dse", "cli", "report", "io",
)  # fmt: skip
MODEL_PACKAGES = ("pe", "dataflow", "noc", "memory", "functional")


def imported(path: Path) -> set[str]:
    """accelsim sub-modules a file imports, as 'accelsim.x.y' names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("accelsim"):
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("accelsim"))
    return names


def top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("package", MODEL_PACKAGES)
def test_models_import_nothing_above_them(package):
    bad = {
        f"{p.relative_to(PKG)} -> {n}"
        for p in (PKG / package).rglob("*.py")
        for n in imported(p)
        if top(n) in ABOVE_MODELS or top(n) == "arch"
    }
    assert not bad, sorted(bad)


#: foundation modules and what of accelsim each may import (besides errors and itself): the node/voltage
#: scaling model is shared by the 45 nm estimators (tech) and the pricing stage
FOUNDATIONS = {"workload.py": (), "scaling.py": (), "tech.py": ("scaling",), "quant": ()}


@pytest.mark.parametrize("module", sorted(FOUNDATIONS))
def test_foundations_import_only_errors(module):
    files = [PKG / module] if module.endswith(".py") else list((PKG / module).rglob("*.py"))
    bad = {
        f"{p.relative_to(PKG)} -> {n}"
        for p in files
        for n in imported(p)
        if top(n) not in ("errors", "", Path(module).stem, *FOUNDATIONS[module])
    }
    assert not bad, sorted(bad)


def test_fabrics_count_actions_and_never_price_them():
    """The cost stage follows the fabrics: no fabric (nor the architecture models) imports
    ``accelsim.pricing``; fabric results carry action counts, not energy (the result type has no energy
    field), so a fabric cannot price behind the stage's back."""
    from dataclasses import fields

    from accelsim.results import LayerResult

    bad = {
        f"{p.relative_to(PKG)} -> {n}"
        for folder in ("fabrics", "arch")
        for p in (PKG / folder).rglob("*.py")
        for n in imported(p)
        if top(n) == "pricing"
    }
    assert not bad, sorted(bad)
    assert "actions" in {f.name for f in fields(LayerResult)}
    assert not [f.name for f in fields(LayerResult) if "energy" in f.name]


def test_pricing_depends_only_on_results_and_the_registry():
    """The cost stage prices what fabrics report: it imports the result contract, errors and, for
    :func:`accelsim.pricing.evaluate` only, the fabric registry; never the report, CLI or orchestrators."""
    allowed = {"pricing", "errors", "results", "scaling", ""}
    bad = {
        f"{p.relative_to(PKG)} -> {n}"
        for p in (PKG / "pricing").rglob("*.py")
        for n in imported(p)
        if top(n) not in allowed
        and not (p.name == "__init__.py" and n.startswith("accelsim.fabrics.registry"))
    }
    assert not bad, sorted(bad)


def test_arch_imports_only_models():
    allowed = {"arch", "errors", "workload", "tech", "pe", "noc", "memory", ""}
    bad = {
        f"{p.name} -> {n}" for p in (PKG / "arch").rglob("*.py") for n in imported(p) if top(n) not in allowed
    }
    assert not bad, sorted(bad)


def _ref_module(name: str) -> str | None:
    """The ``*_ref`` module an imported name refers to ('accelsim.pe.tiling_ref[.member]'), else None."""
    for candidate in (name, name.rsplit(".", 1)[0]):
        if candidate.endswith("_ref"):
            return candidate
    return None


def test_references_are_not_on_the_fast_paths():
    """A reference implementation (``*_ref.py``) exists only to test its fast path against: nothing in the
    package imports one, except the documented ``tiling.search(..., exhaustive=True)`` option."""
    allowed = {("pe/tiling.py", "accelsim.pe.tiling_ref")}
    found = {
        (str(p.relative_to(PKG)), _ref_module(n))
        for p in PKG.rglob("*.py")
        if not p.name.endswith("_ref.py")
        for n in imported(p)
        if _ref_module(n)
    }
    assert found - allowed == set(), sorted(found - allowed)
    assert allowed <= found  # the exception is still real (else drop it)


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_no_import_cycles():
    """The accelsim import graph (function-local imports included) has no cycle, except the documented
    ``tiling.search(exhaustive=True)`` option (tiling imports tiling_ref lazily, tiling_ref uses tiling's
    helpers). PTQ runs the executor and the executor runs the model PTQ builds: the model IR lives in
    functional/qmodel.py so that this is a chain, not a cycle."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph = {
        m: {n if n in modules else n.rsplit(".", 1)[0] for n in imported(p)} & set(modules) - {m}
        for m, p in modules.items()
    }
    graph = {m: {n for n in deps if not modules[n].name == "__init__.py"} for m, deps in graph.items()}
    allowed = {frozenset({"accelsim.pe.tiling", "accelsim.pe.tiling_ref"})}
    cycles = set()
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, path = stack.pop()
            for nxt in graph[node]:
                if nxt == start and len(path) > 1:
                    cycles.add(frozenset(path))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
    assert cycles <= allowed, sorted(sorted(c) for c in cycles - allowed)


def test_memory_models_consume_mappings_not_dataflows():
    """memory/ reads the typed mappings (accelsim/mappings.py), never a dataflow module; mappings.py is
    plain data and imports nothing of accelsim."""
    bad = {
        f"{p.relative_to(PKG)} -> {n}"
        for p in (PKG / "memory").rglob("*.py")
        for n in imported(p)
        if top(n) == "dataflow"
    }
    assert not bad, sorted(bad)
    assert imported(PKG / "mappings.py") == set()
