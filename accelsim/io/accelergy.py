"""Accelergy interoperability: a run's action counts and the energy/area tables that priced it, written in
Accelergy's YAML forms, and a user's ERT/ART read back to price any preset.

Formats (Accelergy 0.4, github.com/Accelergy-Project/accelergy: ``ERT_generator.py``,
``ART_generator.py``, ``raw_inputs_2_dicts.py``):

* ERT: ``{ERT: {version: '0.4', tables: [{name, actions: [{name, arguments, energy}]}]}}``, energy in pJ
  per action;
* ART: ``{ART: {version: '0.4', tables: [{name, area}]}}``, area in µm² (all instances of the component);
* action counts: ``{action_counts: {version: '0.4', local: [{name, action_counts: [{name, arguments,
  counts}]}]}}``.

Names: a component ``sram.ifmap`` is the table ``system.sram.ifmap`` (:data:`PREFIX`); arguments are the
action's arguments of :data:`accelsim.pricing.actions.ACTIONS` by name (``{bits: 8}``); an action without
arguments has ``arguments: null``. Reading, ``arguments: null`` (or ``{}``) on an action that takes
arguments prices that action at any arguments. Every other mismatch — an unknown component class or
action, a missing or wrong-typed field, a negative energy — is a one-line input error naming it, and a run
that needs an entry the table lacks says which.

Energies are written with Python's shortest round-trip float repr, so export → import → price gives the
same energies (tests/test_accelergy.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from accelsim.errors import AccelsimInputError
from accelsim.pricing.actions import ACTIONS, ActionCounts, component_class
from accelsim.pricing.table import EnergyTable, FixedTable
from accelsim.pricing.technology import Technology

VERSION = "0.4"
PREFIX = "system."
UM2_PER_MM2 = 1e6


def _arguments(component: str, action: str, args: tuple) -> dict[str, Any] | None:
    names = ACTIONS[component_class(component)][action][0]
    return {
        n: (int(v) if float(v).is_integer() else float(v)) for n, v in zip(names, args, strict=True)
    } or None


def ert_dict(actions: ActionCounts, table: EnergyTable) -> dict:
    """The ERT of every (component, action, arguments) in ``actions``, priced by ``table``."""
    by_component: dict[str, list[dict]] = {}
    for component, action, args in sorted(actions, key=lambda k: (k[0], k[1], k[2])):
        by_component.setdefault(component, []).append(
            {
                "name": action,
                "arguments": _arguments(component, action, args),
                "energy": float(table.energy_pj(component, action, args)),
            }
        )
    tables = [{"name": PREFIX + c, "actions": a} for c, a in by_component.items()]
    return {"ERT": {"version": VERSION, "tables": tables}}


def art_dict(table: EnergyTable) -> dict:
    """The ART of the table's components (µm²)."""
    tables = [{"name": PREFIX + c, "area": a * UM2_PER_MM2} for c, a in sorted(table.areas_mm2().items())]
    return {"ART": {"version": VERSION, "tables": tables}}


def action_counts_dict(actions: ActionCounts) -> dict:
    """Accelergy's action-counts input for ``actions``."""
    by_component: dict[str, list[dict]] = {}
    for (component, action, args), n in sorted(actions.items(), key=lambda kv: kv[0]):
        by_component.setdefault(component, []).append(
            {"name": action, "arguments": _arguments(component, action, args), "counts": float(n)}
        )
    local = [{"name": PREFIX + c, "action_counts": a} for c, a in by_component.items()]
    return {"action_counts": {"version": VERSION, "local": local}}


def write_accelergy(out_dir: str | Path, actions: ActionCounts, table: EnergyTable) -> list[Path]:
    """Write ``ERT.yaml``, ``ART.yaml`` and ``action_counts.yaml`` into ``out_dir`` (created if needed);
    each file is written whole or not at all."""
    from accelsim.io.output import write_output

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise AccelsimInputError("--accelergy", f"{out} exists and is not a directory")
    docs = {
        "ERT.yaml": ert_dict(actions, table),
        "ART.yaml": art_dict(table),
        "action_counts.yaml": action_counts_dict(actions),
    }
    texts = {name: yaml.safe_dump(doc, sort_keys=False) for name, doc in docs.items()}
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        write_output(str(out / name), text, "--accelergy")
        paths.append(out / name)
    return paths


# ---- reading ----------------------------------------------------------------------------------------
def _load(path: str | Path, key: str, field: str) -> dict:
    p = Path(path)
    if not p.is_file():
        raise AccelsimInputError(field, f"file not found: {p}")
    try:
        doc = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise AccelsimInputError(field, f"{p.name} is not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get(key), dict):
        raise AccelsimInputError(field, f"{p.name}: expected a top-level '{key}:' mapping")
    body = doc[key]
    if not isinstance(body.get("tables"), list):
        raise AccelsimInputError(field, f"{p.name}: '{key}.tables' must be a list")
    return body


def _component(name: Any, where: str, field: str) -> str:
    if not isinstance(name, str) or not name:
        raise AccelsimInputError(field, f"{where}: 'name' must be a component name")
    component = name.removeprefix(PREFIX)
    if component_class(component) not in ACTIONS:
        raise AccelsimInputError(
            field, f"{where}: unknown component class {component_class(component)!r} in {name!r}; allowed: "
            f"{', '.join(ACTIONS)}"
        )  # fmt: skip
    return component


def _number(value: Any, where: str, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or value < 0:
        raise AccelsimInputError(field, f"{where} must be a number >= 0, got {value!r}")
    return float(value)


def read_ert(path: str | Path) -> dict[tuple[str, str, tuple | None], float]:
    """An Accelergy ERT as ``(component, action, args or None) -> pJ``."""
    field = "--ert"
    body = _load(path, "ERT", field)
    out: dict[tuple[str, str, tuple | None], float] = {}
    for i, entry in enumerate(body["tables"]):
        where = f"ERT.tables[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("actions"), list):
            raise AccelsimInputError(field, f"{where}: needs 'name' and an 'actions' list")
        component = _component(entry.get("name"), where, field)
        vocabulary = ACTIONS[component_class(component)]
        for j, act in enumerate(entry["actions"]):
            w = f"{where}.actions[{j}]"
            name = act.get("name") if isinstance(act, dict) else None
            if name not in vocabulary:
                raise AccelsimInputError(
                    field, f"{w}: {component} has no action {name!r}; allowed: {', '.join(vocabulary)}"
                )
            names = vocabulary[name][0]
            arguments = act.get("arguments")
            if arguments in (None, {}):
                args: tuple | None = None if names else ()
            elif isinstance(arguments, Mapping) and set(arguments) == set(names):
                args = tuple(_number(arguments[n], f"{w}.arguments.{n}", field) for n in names)
                args = tuple(int(a) if a.is_integer() else a for a in args)
            else:
                raise AccelsimInputError(
                    field, f"{w}.arguments: expected {list(names) or 'null'}, got {arguments!r}"
                )
            out[(component, name, args)] = _number(act.get("energy"), f"{w}.energy", field)
    return out


def read_art(path: str | Path) -> dict[str, float]:
    """An Accelergy ART as ``component -> mm²``."""
    field = "--art"
    body = _load(path, "ART", field)
    out: dict[str, float] = {}
    for i, entry in enumerate(body["tables"]):
        where = f"ART.tables[{i}]"
        if not isinstance(entry, dict):
            raise AccelsimInputError(field, f"{where}: needs 'name' and 'area'")
        component = _component(entry.get("name"), where, field)
        out[component] = _number(entry.get("area"), f"{where}.area", field) / UM2_PER_MM2
    return out


def accelergy_table(
    ert: str | Path, art: str | Path | None = None, technology: Technology | None = None
) -> FixedTable:
    """A pricing table from a user's ERT (and ART): accelsim's timing and action counts, their energies."""
    return FixedTable(
        read_ert(ert),
        read_art(art) if art is not None else {},
        technology=technology or Technology(float("nan")),
        source=f"ERT {Path(ert).name}",
    )
