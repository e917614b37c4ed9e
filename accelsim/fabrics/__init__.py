"""Fabric plug-ins and the registry that finds them.

A fabric is ONE module in this package that

1. defines a pydantic architecture model, a subclass of :class:`accelsim.arch.ArchitectureBase` with
   ``fabric: Literal["<name>"]`` and its own fields;
2. defines ``evaluate_layer(layer, precision, arch) -> LayerResult`` (timing, traffic, energy of one
   layer, closed form; it may call into ``pe/``, ``dataflow/``, ``noc/``, ``memory/``);
3. registers both with ``@register_fabric(ArchModel)`` on the evaluator.

Presets are YAML files in ``accelsim/arch/presets`` whose ``fabric`` key names the plug-in. Every module
in this package is imported on first use, so adding a fabric touches nothing else.
"""

from accelsim.fabrics.registry import (
    Fabric,
    LayerResult,
    arch_json_schema,
    available_fabrics,
    available_presets,
    get_fabric,
    get_fabric_hook,
    get_functional_layer,
    load_arch,
    register_fabric,
)

__all__ = [
    "Fabric",
    "LayerResult",
    "arch_json_schema",
    "available_fabrics",
    "available_presets",
    "get_fabric",
    "get_fabric_hook",
    "get_functional_layer",
    "load_arch",
    "register_fabric",
]
