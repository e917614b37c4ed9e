"""Hypothesis profiles: ``make test`` (and CI) is deterministic, ``make fuzz`` explores.

* ``ci`` (the default, whatever the environment): derandomized — the examples are derived from each
  test's source, so a given commit always runs the same cases on every machine; no example database;
  no deadline (shared machines are noisy).
* ``fuzz`` (``ACCELSIM_FUZZ=1``, set by ``make fuzz``): random examples, ``ACCELSIM_FUZZ_FACTOR`` (default
  20) times each test's ``max_examples`` (:func:`fuzzing.examples`), failures kept in the local example
  database and printed with their reproduction blob. A counterexample found there becomes an
  ``@example`` on its test, so that ``make test`` runs it from then on.
"""

from __future__ import annotations

from fuzzing import FUZZ
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz", deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("fuzz" if FUZZ else "ci")
