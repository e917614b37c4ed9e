"""Registry of fabric plug-ins, preset loading with overrides, and the per-layer result contract."""

from __future__ import annotations

import copy
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accelsim.arch.base import ArchitectureBase
from accelsim.errors import AccelsimInputError, closest, from_validation_error, unknown_choice
from accelsim.results import LayerResult
from accelsim.workload import Layer, Precision, read_yaml

PRESET_DIR = Path(__file__).resolve().parent.parent / "arch" / "presets"


Evaluator = Callable[[Layer, Precision, Any], LayerResult]


@dataclass(frozen=True)
class Fabric:
    """A registered plug-in: its name, architecture model and layer evaluator."""

    name: str
    arch_model: type[ArchitectureBase]
    evaluate_layer: Evaluator
    module: str


_FABRICS: dict[str, Fabric] = {}
_DISCOVERED = False


def register_fabric(arch_model: type[ArchitectureBase]) -> Callable[[Evaluator], Evaluator]:
    """Decorator: register ``evaluate_layer`` for the fabric named by ``arch_model``'s ``fabric`` literal."""
    name = arch_model.model_fields["fabric"].default
    if not isinstance(name, str):
        raise TypeError(f"{arch_model.__name__}.fabric needs a default literal name")

    def decorate(fn: Evaluator) -> Evaluator:
        if name in _FABRICS and _FABRICS[name].module != fn.__module__:
            raise RuntimeError(f"fabric {name!r} registered twice ({_FABRICS[name].module}, {fn.__module__})")
        _FABRICS[name] = Fabric(name, arch_model, _with_sfu(fn), fn.__module__)
        return fn

    return decorate


def _with_sfu(fn: Evaluator) -> Evaluator:
    """The plug-in's evaluator, with the transformer ops (:data:`accelsim.workload.SFU_OPS`) sent to the
    architecture's special-function unit (:mod:`accelsim.fabrics._sfu`) whatever the fabric."""
    from accelsim.fabrics._sfu import evaluate_sfu_layer
    from accelsim.workload import SFU_OPS

    def evaluate(layer: Layer, precision: Precision, arch: Any) -> LayerResult:
        if layer.op in SFU_OPS:
            return evaluate_sfu_layer(layer, precision, arch)
        return fn(layer, precision, arch)

    evaluate.__doc__ = fn.__doc__
    evaluate.__wrapped__ = fn  # type: ignore[attr-defined]
    return evaluate


def _discover() -> None:
    global _DISCOVERED
    if _DISCOVERED:
        return
    package = importlib.import_module("accelsim.fabrics")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name != "registry" and not info.name.startswith("_"):
            importlib.import_module(f"accelsim.fabrics.{info.name}")
    _DISCOVERED = True


def available_fabrics() -> list[str]:
    _discover()
    return sorted(_FABRICS)


def get_fabric(name: str) -> Fabric:
    _discover()
    if name not in _FABRICS:
        raise unknown_choice("fabric", name, _FABRICS)
    return _FABRICS[name]


def get_fabric_hook(name: str, hook: str) -> Callable[..., Any] | None:
    """An optional module-level function of a fabric plug-in, or None. Known hooks:

    * ``functional_layer`` — see :func:`get_functional_layer`;
    * ``measured_arch(arch, model, execution) -> arch`` — the architecture with what a functional run
      measured (e.g. activation sparsity driving zero gating and DRAM compression) folded in;
    * ``prepare_arch(net, arch) -> arch`` — the architecture made ready for one network before its layers are
      evaluated (a streaming preset with ``auto_fold`` folds itself for the network);
    * ``network_timing(results, arch, batch, ...)`` — layers that run concurrently (a pipeline).
    """
    import sys

    fabric = get_fabric(name)
    return getattr(sys.modules[fabric.module], hook, None)


def get_functional_layer(name: str) -> Callable[..., Any] | None:
    """The fabric module's optional ``functional_layer`` (numbers through the simulated datapath), or None.

    Contract: ``functional_layer(x_int, w_int, layer, precision, arch, seed) -> (y_int, stats: dict)`` where
    ``x_int`` is the integer input (NCHW, or [N, C] / [N, M, C] for fc/matmul) with zero point already
    removed, ``w_int`` the integer weights (KCRS / [K, C]), ``layer.batch`` equals ``x_int.shape[0]``, and ``y_int`` the int64 accumulator result of the
    layer as the datapath computes it (equal to the exact integer result when nothing lossy is configured);
    ``stats`` reports what lossy steps changed (e.g. ADC clipping counts, overflow counts).
    """
    return get_fabric_hook(name, "functional_layer")


def available_presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def _set_dotted(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c = value`` in nested dicts, creating levels as needed."""
    keys = dotted.split(".")
    node = data
    for key in keys[:-1]:
        child = node.get(key)
        if child is None:
            child = {}
            node[key] = child
        if not isinstance(child, dict):
            raise AccelsimInputError(dotted, f"{key!r} is not a section and cannot hold {keys[-1]!r}")
        node = child
    node[keys[-1]] = value


def _check_override_path(model: type[ArchitectureBase], dotted: str) -> None:
    """Reject overrides that name no field, suggesting the closest one."""
    cls: Any = model
    for key in dotted.split("."):
        fields = getattr(cls, "model_fields", None)
        if fields is None:
            return
        if key not in fields:
            raise AccelsimInputError(
                dotted, f"no such architecture field{closest(key, fields)}; allowed: {', '.join(fields)}"
            )
        annotation = fields[key].annotation
        cls = _model_in(annotation)


def _model_in(annotation: Any) -> Any:
    """The pydantic model class inside an annotation (``X``, ``X | None``), else None."""
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def arch_from_dict(
    data: Any, context: str, overrides: dict[str, Any] | None = None, calibrated: bool = True
) -> ArchitectureBase:
    """Validate an architecture mapping with its fabric's model: its ``calibration.fields`` applied first
    (unless ``calibrated`` is false), then the dotted ``overrides``."""
    if not isinstance(data, dict):
        raise AccelsimInputError(context, "expected a mapping with at least name, fabric, frequency_hz")
    fabric_name = data.get("fabric")
    if not isinstance(fabric_name, str):
        raise AccelsimInputError(f"{context}.fabric", f"missing; allowed: {', '.join(available_fabrics())}")
    fabric = get_fabric(fabric_name)
    data = copy.deepcopy(data)
    calibration = data.get("calibration")
    if calibration is not None:
        fields = calibration.get("fields") if isinstance(calibration, dict) else None
        if not isinstance(fields, dict):
            raise AccelsimInputError(f"{context}.calibration", "expected fitted_to and a fields mapping")
        if "applied" not in calibration:  # a preset as written (a dumped model says what it did already)
            if calibrated:
                for dotted, value in fields.items():
                    _check_override_path(fabric.arch_model, dotted)
                    _set_dotted(data, dotted, value)
            calibration["applied"] = calibrated
    for dotted, value in (overrides or {}).items():
        _check_override_path(fabric.arch_model, dotted)
        _set_dotted(data, dotted, value)
    try:
        return fabric.arch_model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(exc, context) from None


def load_arch(name_or_path: str | Path, calibrated: bool = True, **overrides: Any) -> ArchitectureBase:
    """A preset by name (``accelsim arch list``) or a YAML file, with dotted-key overrides.

    ``load_arch("ideal", macs_per_cycle=512, **{"dram.bandwidth_bytes_per_cycle": 32})``.
    Double underscores are accepted in place of dots (``dram__bandwidth_bytes_per_cycle=32``).
    ``calibrated=False`` leaves the preset's ``calibration.fields`` out: the physics-only prediction.
    """
    overrides = {k.replace("__", "."): v for k, v in overrides.items()}
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml"):
        if not path.exists():
            raise AccelsimInputError("arch", f"file not found: {path}")
        return arch_from_dict(read_yaml(path, "arch"), f"arch {path.name}", overrides, calibrated)
    preset = PRESET_DIR / f"{name_or_path}.yaml"
    if not preset.exists():
        raise unknown_choice("arch", str(name_or_path), available_presets())
    return arch_from_dict(read_yaml(preset, "arch"), f"arch {name_or_path}", overrides, calibrated)


def arch_json_schema() -> dict[str, Any]:
    """JSON schema of every registered architecture model (a oneOf keyed by ``fabric``), for editors."""
    _discover()
    defs: dict[str, Any] = {}
    one_of = []
    for _, fabric in sorted(_FABRICS.items()):
        schema = fabric.arch_model.model_json_schema(ref_template="#/$defs/{model}")
        defs.update(schema.pop("$defs", {}))
        defs[fabric.arch_model.__name__] = schema
        one_of.append({"$ref": f"#/$defs/{fabric.arch_model.__name__}"})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "accelsim architecture",
        "oneOf": one_of,
        "$defs": defs,
    }
