"""Stance: does an evidence passage support, refute or not address a claim (3-way NLI).

``StanceScorer`` and ``LABELS`` are imported on first use: the scorer is a Haystack component, and
what only needs this package's light modules (the shipped weights' hash for ``index status``)
should not pay Haystack's and torch's import.
"""

from __future__ import annotations

from typing import Any

__all__ = ["LABELS", "StanceScorer"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from service.stance import scorer

        return getattr(scorer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
