"""Order each claim's judged passages: the ones that settle the claim, and bear on it most, first."""

from __future__ import annotations

import time

from haystack import component

from service.verify.types import ScoredCandidate

# How much of the order comes from the stance (does it settle the claim?) against the cosine
# similarity (is it about the claim?); equal weights, the cosine being on a ~0.7-0.9 scale.
STANCE_WEIGHT = 0.5


def rerank_score(item: ScoredCandidate) -> float:
    decisive = max(item.probs[0], item.probs[2])
    return STANCE_WEIGHT * decisive + (1 - STANCE_WEIGHT) * item.candidate.dense_score


@component
class EvidenceRanker:
    """Sort each claim's passages by ``rerank_score``."""

    @component.output_types(evidence=list[list[ScoredCandidate]], ms=float)
    def run(self, scored: list[list[ScoredCandidate]]) -> dict:
        started = time.perf_counter()
        out = []
        for items in scored:
            for item in items:
                item.rerank_score = rerank_score(item)
            out.append(sorted(items, key=lambda s: (-s.rerank_score, s.candidate.passage.id)))
        return {"evidence": out, "ms": (time.perf_counter() - started) * 1000}
