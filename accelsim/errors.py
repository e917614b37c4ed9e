"""User-facing error type.

Every mistake a user can make (bad YAML, unknown preset, impossible shape, unsupported bit width) raises
:class:`AccelsimInputError`, whose message is one line naming the field and what is allowed. The CLI turns
it into that line on stderr and exit code 2; internal errors keep their traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AccelsimInputError(ValueError):
    """A user input problem: one line, names the field and the allowed values."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def closest(name: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' when a close match of ``name`` exists among ``choices``, else ''."""
    match = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def unknown_choice(field: str, value: str, choices: Iterable[str]) -> AccelsimInputError:
    """Error for a name that is not one of ``choices``, listing them and the closest one."""
    choices = sorted(choices)
    return AccelsimInputError(
        field, f"unknown value {value!r}{closest(value, choices)}; allowed: {', '.join(choices)}"
    )


def from_validation_error(exc: Exception, context: str = "") -> AccelsimInputError:
    """Turn a pydantic ``ValidationError`` into a one-line :class:`AccelsimInputError`.

    The most telling problem comes first: an unknown (often misspelt) field, naming the closest missing
    one; then a wrong value or type; a missing field last (it is usually the consequence of a misspelling)."""
    errors = exc.errors()  # type: ignore[attr-defined]

    def loc_of(err: dict) -> str:
        return ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")

    rank = {"extra_forbidden": 0, "missing": 2}
    errors = sorted(errors, key=lambda e: rank.get(e.get("type", ""), 1))
    first = errors[0]
    loc = loc_of(first)
    field = f"{context}.{loc}" if context and loc else (context or loc or "input")
    msg = first.get("msg", "invalid value")
    if first.get("type") == "extra_forbidden":
        parent = loc.rsplit(".", 1)[0] if "." in loc else ""
        missing = [loc_of(e).rsplit(".", 1)[-1] for e in errors if e.get("type") == "missing"
                   and (loc_of(e).rsplit(".", 1)[0] if "." in loc_of(e) else "") == parent]  # fmt: skip
        msg = f"unknown field{closest(loc.rsplit('.', 1)[-1], missing)} (extra fields are not allowed)"
    elif first.get("type") != "missing" and "input" in first and not isinstance(first["input"], dict | list):
        shown = repr(first["input"])
        msg = f"{msg} (got {shown if len(shown) <= 40 else shown[:37] + '...'})"
    more = f" (+{len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return AccelsimInputError(field, f"{msg}{more}")
