"""How many examples a property test runs: its own count under ``make test``, many more under ``make fuzz``
(see conftest.py)."""

from __future__ import annotations

import os

FUZZ = os.environ.get("ACCELSIM_FUZZ", "") not in ("", "0")
FACTOR = int(os.environ.get("ACCELSIM_FUZZ_FACTOR", "20")) if FUZZ else 1


def examples(n: int) -> int:
    """``n`` under ``make test``; ``n`` × ``ACCELSIM_FUZZ_FACTOR`` under ``make fuzz``."""
    return n * FACTOR
