"""What flows between the verification steps: candidates, sentence windows and their stance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from haystack import Document

if TYPE_CHECKING:
    from service.verify.consistency import Consistency


@dataclass
class Candidate:
    """A passage retrieved for a claim, with what each retriever thought of it."""

    passage: Document
    dense_score: float  # cosine similarity of claim and passage (computed for BM25-only hits too)
    fused_score: float  # reciprocal rank fusion of the dense and the BM25 ranks
    dense_rank: int | None = None  # 1-based; None: not in the dense hits
    bm25_rank: int | None = None
    bm25_score: float | None = None


def stance_label(e: float, n: float, c: float) -> str:
    """The most likely of supports / neutral / refutes (ties go to supports, then refutes)."""
    return "supports" if e >= max(n, c) else "refutes" if c >= max(e, n) else "neutral"


@dataclass(frozen=True)
class Window:
    """One or two consecutive sentences of a candidate passage; offsets point into the document."""

    candidate: int  # index into the claim's candidates
    text: str
    start: int
    end: int
    sentences: int

    def __deepcopy__(self, memo: dict) -> Window:
        # immutable, so its copy is itself (as for a tuple): Haystack deep-copies every step's inputs, and
        # the windows reach three steps
        return self


@dataclass
class ScoredCandidate:
    """A candidate with the stance of its most decisive window and that window's consistency with the claim."""

    candidate: Candidate
    window: Window
    probs: tuple[float, float, float]  # entailment, neutral, contradiction (calibrated)
    consistency: Consistency | None = None
    windows_scored: int = 0
    rerank_score: float = 0.0
    # the passage's strongest entailment and contradiction over all its windows: a fact-check
    # quotes the false claim in one sentence and refutes it in the next
    max_entailment: float = 0.0
    max_contradiction: float = 0.0
    # each side's strongest window and that window's consistency with the claim
    support_window: Window | None = None
    refute_window: Window | None = None
    support_consistency: Consistency | None = None
    refute_consistency: Consistency | None = None
    # how much the passage is about the claim: its most relevant window's relevance, 0 to 1
    relevance: float = 1.0
    window_cosine: float | None = None  # the cited window's cosine with the claim
