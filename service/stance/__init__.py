"""Stance: does an evidence passage support, refute or not address a claim (3-way NLI)."""

from service.stance.scorer import LABELS, StanceScorer

__all__ = ["LABELS", "StanceScorer"]
