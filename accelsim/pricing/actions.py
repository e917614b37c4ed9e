"""The action-count vocabulary: what a fabric reports happened, before anything is priced.

A fabric's :func:`evaluate_layer` returns, besides cycles, *action counts*: how many times each action of
each component of the architecture happened for the layer (whole batch). The pricing stage
(:mod:`accelsim.pricing.price`) multiplies them by an energy table; nothing downstream of a fabric knows
its formulas, and a table from another tool (Accelergy ERT, :mod:`accelsim.pricing.accelergy`) prices the
same counts.

Vocabulary (Accelergy's terms: a *component* is an instance with a *class* and attributes; an *action*
has arguments):

* a component is named ``<class>`` or ``<class>.<instance>`` (``mac``, ``register``, ``sram.ifmap``,
  ``sram.glb``, ``digital.tile``); the name is the key of every energy and area breakdown, and its class
  (the part before the dot) is the coarse breakdown;
* an action key is ``(component, action, args)`` with ``args`` the tuple of the action's arguments in the
  order :data:`ACTIONS` lists them (e.g. ``("mac", "mac", (8, 8, 32))`` = one 8×8-bit multiply with a
  32-bit accumulate); counts are floats (expected counts under sparsity may be fractional).

The classes, their actions and the unit one count stands for are :data:`ACTIONS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

#: component class -> action -> (argument names, what one count is)
ACTIONS: dict[str, dict[str, tuple[tuple[str, ...], str]]] = {
    "mac": {
        "mac": (("w_bits", "a_bits", "acc_bits"), "one multiply-accumulate of w×a bits into acc_bits"),
        "add": (("bits",), "one integer add (vector unit: pooling, residual add)"),
        "pe_cycle": (("w_bits", "a_bits"), "one busy cycle of one PE (precision-scalable PEs)"),
    },
    "register": {
        "read": (("bits",), "one read of a PE register / register-file word"),
        "write": (("bits",), "one write of a PE register / register-file word"),
    },
    "noc": {
        "hop": (("bits",), "one word moved one PE-to-PE hop"),
        "multicast": (("bits", "destinations"), "one word delivered to several PEs at once"),
    },
    "sram": {
        "read": (("bits",), "one read of a word of `bits` from the buffer"),
        "write": (("bits",), "one write of a word of `bits` to the buffer"),
    },
    "dram": {
        "read": ((), "one bit read from off-chip memory"),
        "write": ((), "one bit written to off-chip memory"),
    },
    "adc": {"convert": (("bits",), "one analog-to-digital conversion")},
    "dac": {"drive": (("bits",), "one row driven by a DAC for one read")},
    "cell": {"read": ((), "one cell read: a driven cell of a used column, one input chunk (V²·G·t)")},
    "sample_hold": {"sample": ((), "one column sampled")},
    "sense_amp": {"sense": ((), "one column sensed (binary)")},
    "shift_add": {"add": ((), "one shift-and-add of a conversion into its output register")},
    "lut": {"access": (("bits",), "one look-up-table access")},
    "leakage": {"cycle": ((), "one clock cycle of static power of the component")},
    "chip": {},  # a published die area not broken down into components (area only)
    "fpga": {
        "cycle": (
            (),
            "one design-clock cycle of one used FPGA resource (fpga.lut / fpga.bram18 / fpga.dsp), or "
            "of the device's static power (fpga.static) or processing system (fpga.ps)",
        ),
    },
    "digital": {
        "mac": (("w_bits", "a_bits", "acc_bits"), "one MAC on a digital vector unit"),
        "add": (("bits",), "one digital add (partial sums, vector unit)"),
        "active_s": ((), "one second of the periphery powered and busy (count in seconds)"),
    },
}

#: component classes whose energy does not follow the logic process node: off-chip memory, the device
#: physics of a crossbar cell (V²·G·t), ADCs (priced by their Walden figure of merit, given per preset) and
#: an FPGA's resources (priced from Vivado power reports of that device family, accelsim.fpga.power)
NODE_INDEPENDENT_CLASSES = frozenset({"dram", "cell", "adc", "fpga"})

ActionKey = tuple[str, str, tuple]
#: (component, action, args) -> count
ActionCounts = dict[ActionKey, float]


def component_class(name: str) -> str:
    """The class of a component from its name: ``sram.ifmap`` -> ``sram``."""
    return name.split(".", 1)[0]


@dataclass(frozen=True, slots=True)
class Component:
    """One component of an architecture: its name (breakdown key), how many instances, and the attributes
    its energy and area depend on (capacity, width, ... in the units their names say)."""

    name: str
    instances: int = 1
    attributes: Mapping[str, float | int | str] = field(default_factory=dict)

    @property
    def klass(self) -> str:
        return component_class(self.name)


def check_action(key: ActionKey) -> None:
    """Raise ValueError unless ``key`` is in the vocabulary (class, action and number of arguments)."""
    component, action, args = key
    klass = component_class(component)
    actions = ACTIONS.get(klass)
    if actions is None:
        raise ValueError(f"component {component!r}: unknown class {klass!r}; allowed: {', '.join(ACTIONS)}")
    spec = actions.get(action)
    if spec is None:
        raise ValueError(f"component {component!r}: class {klass!r} has no action {action!r}; allowed: "
                         f"{', '.join(actions)}")  # fmt: skip
    if len(args) != len(spec[0]):
        raise ValueError(f"{component}.{action}: arguments {spec[0]}, got {args!r}")


def merge(counts: Iterable[Mapping[ActionKey, float]]) -> ActionCounts:
    """Sum action counts."""
    out: ActionCounts = {}
    for c in counts:
        for k, v in c.items():
            out[k] = out.get(k, 0.0) + v
    return out


def by_class(breakdown: Mapping[str, float]) -> dict[str, float]:
    """A per-component breakdown summed per class (``sram.ifmap`` + ``sram.filter`` -> ``sram``)."""
    out: dict[str, float] = {}
    for k, v in breakdown.items():
        c = component_class(k)
        out[c] = out.get(c, 0.0) + v
    return out
