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
    """Turn a pydantic ``ValidationError`` into a one-line :class:`AccelsimInputError` (first error)."""
    errors = exc.errors()  # type: ignore[attr-defined]
    first = errors[0]
    loc = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
    field = f"{context}.{loc}" if context and loc else (context or loc or "input")
    msg = first.get("msg", "invalid value")
    if first.get("type") == "extra_forbidden":
        msg = "unknown field (extra fields are not allowed)"
    more = f" (+{len(errors) - 1} more problems)" if len(errors) > 1 else ""
    return AccelsimInputError(field, f"{msg}{more}")
