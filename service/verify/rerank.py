"""Order each claim's judged passages: those about the claim first, and among them the ones that
settle it and bear on it most.

People read the first card first, so it must be about the claim: a passage whose sentences are all
below the relevance ramp's middle (service/verify/relevance.py) comes after every passage that has a
sentence about the claim, however decisive the model thought it.
"""

from __future__ import annotations

import time

from haystack import component

from service.verify.types import ScoredCandidate

# How much of the order comes from the stance (does it settle the claim?) against the cosine
# similarity (is it about the claim?); equal weights, the cosine being on a ~0.7-0.9 scale.
STANCE_WEIGHT = 0.5
ABOUT_THE_CLAIM = 0.5  # a passage's relevance from which it counts as about the claim


def rerank_score(item: ScoredCandidate) -> float:
    decisive = max(item.probs[0], item.probs[2])  # already scaled by the cited sentence's relevance
    return STANCE_WEIGHT * decisive + (1 - STANCE_WEIGHT) * item.candidate.dense_score


def order_key(item: ScoredCandidate) -> tuple[bool, float, str]:
    return (item.relevance < ABOUT_THE_CLAIM, -item.rerank_score, item.candidate.passage.id)


@component
class EvidenceRanker:
    """Sort each claim's passages: about the claim first, then by ``rerank_score``."""

    @component.output_types(evidence=list[list[ScoredCandidate]], ms=float)
    def run(self, scored: list[list[ScoredCandidate]]) -> dict:
        started = time.perf_counter()
        out = []
        for items in scored:
            for item in items:
                item.rerank_score = rerank_score(item)
            out.append(sorted(items, key=order_key))
        return {"evidence": out, "ms": (time.perf_counter() - started) * 1000}
