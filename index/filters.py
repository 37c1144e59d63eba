"""Haystack's filter syntax, checked before a store applies it: a malformed filter is a
``FilterError`` even where no passage would have been tested against it (an empty store)."""

from __future__ import annotations

from typing import Any

from haystack.errors import FilterError

_LOGICAL = {"AND", "OR", "NOT"}


def check_filters(filters: dict[str, Any] | None) -> None:
    """:raises FilterError: ``filters`` is not a comparison or a logical condition, at any depth."""
    if not filters:
        return
    if not isinstance(filters, dict):
        raise FilterError(f"filters must be a dictionary, got {type(filters).__name__}")
    if "field" in filters:
        missing = [key for key in ("operator", "value") if key not in filters]
        if missing:
            raise FilterError(f"the comparison {filters} lacks {' and '.join(missing)}")
        return
    if "operator" not in filters or "conditions" not in filters:
        raise FilterError(
            f"{filters} is neither a comparison (field, operator, value) nor a logical condition (operator, conditions)"
        )
    if filters["operator"] not in _LOGICAL:
        raise FilterError(f"unknown logical operator {filters['operator']!r}; use one of {sorted(_LOGICAL)}")
    if not isinstance(filters["conditions"], list):
        raise FilterError("a logical condition's conditions must be a list")
    for condition in filters["conditions"]:
        check_filters(condition)
