"""Validation by prediction: per preset, the published figures it was fitted to (fit set) and the ones it
must predict (hold-out set), run by ``accelsim validate`` (:mod:`accelsim.validation.run`)."""

from accelsim.validation.records import Figure, Metric, Record, available_records, load_record
from accelsim.validation.run import Row, markdown, validate, validate_preset

__all__ = [
    "Figure", "Metric", "Record", "Row", "available_records", "load_record", "markdown", "validate",
    "validate_preset",
]  # fmt: skip
