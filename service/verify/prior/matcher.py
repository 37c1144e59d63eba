"""The "same claim" decision between a claim and a published fact-check, and the score that ranks them.

A fact-check on the same topic is not a match: "NATO expelled eight Russian diplomats" is not "NATO
barred Belarusian diplomats". Two logistic regressions over what retrieval measured, fitted on the
CheckThat! 2022 task 2A English train tweets (``factcheck eval checkthat --fit``):

**The ranking model** orders the candidates and decides most matches. Its features:

- the cosine of the two claims (e5, "query: " on both sides), on the per-language-pair scale of the
  relevance step (``verdict.json``'s ``cosine_scale``: 0 at unrelated text, 1 at text that decides a
  claim), so that a German claim and an English fact-check of it score as two English ones would;
- how far it stands above the next candidate's, or above ``runner_up_floor`` when that is higher
  (a restatement stands out, a topic does not);
- BM25: the candidate's score as a share of the best one's (or of ``bm25_floor``, when that is higher),
  and its size (no words in common across languages: both are 0 there);
- the dense and BM25 ranks;
- whether a number, a date or a place differs from the claim's (``service.verify.consistency``, for the
  first few candidates of either retriever): "the 2023 summit in Vilnius" is not "the 2021 summit in Madrid".

Most of these are relative to the other candidates, which is what makes them strong in a collection of
thousands (MAP@5 on held-out tweets) and weak in two cases: a small collection, where every candidate
but one is unrelated, and one claim checked by two publishers, where each is the other's runner-up.

**The absolute model** (the scaled cosine and the detail check alone: language-blind, and the same
whatever else the collection holds) decides a match on its own too. A candidate is shown when either
model's probability reaches its threshold. The absolute model's threshold is the lowest at which its
matches alone were right at ``absolute_target_precision`` on train (it acts whatever the collection,
so it is held higher), the ranking model's the lowest at which both together were right at
``target_precision``, counting every tweet twice: with its fact-check indexed, and as a claim no one
has checked yet (its fact-check taken out). The score shown is the larger probability.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

PARAMS_FILE = Path(__file__).with_name("matcher.json")
FEATURES = ("cosine", "margin", "bm25_share", "bm25_size", "dense_rank", "bm25_rank", "mismatch")
# candidates whose numbers, dates and names are compared with the claim's: the first few of either retriever
COMPARED_RANKS = 5
# what the absolute model reads (the others are relative to the collection)
ABSOLUTE_FEATURES = ("cosine", "mismatch")


@dataclass
class MatcherParams:
    weights: dict[str, float] = field(
        default_factory=lambda: {"cosine": 6.0, "margin": 4.0, "bm25_share": 1.0, "bm25_size": 0.3,
                                 "dense_rank": 0.5, "bm25_rank": 0.5, "mismatch": -1.0}
    )
    bias: float = -6.0
    threshold: float = 0.5
    target_precision: float = 0.9
    # candidates per claim from each retriever
    depth: int = 20
    # the margin is taken over the next candidate or this level, whichever is higher: the scaled cosine a
    # runner-up reaches among 14k fact-checks (a high percentile, fitted). In a small collection the
    # runner-up is unrelated text, and a claim on the same topic would otherwise stand out as a
    # restatement does.
    runner_up_floor: float = 0.0
    # the BM25 share is taken of the best candidate's score or this one, whichever is higher: the median
    # best BM25 score among 14k fact-checks (fitted). One shared word ("2019") makes a top hit too.
    bm25_floor: float = 0.0
    # the absolute model: weights over ABSOLUTE_FEATURES, and its own threshold
    absolute_weights: dict[str, float] = field(default_factory=lambda: {"cosine": 20.0, "mismatch": -2.0})
    absolute_bias: float = -20.0
    absolute_threshold: float = 0.9
    # the absolute model decides alone, whatever else the collection holds: it is held to a higher precision
    absolute_target_precision: float = 0.98
    fitted_on: str = "defaults (not fitted)"
    # measured when fitted: precision and recall of the shown matches on the fitting data and on held-out sets
    measured: dict[str, dict[str, float]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = PARAMS_FILE) -> MatcherParams:
        if not path.exists():
            return cls()
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path = PARAMS_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    def to_dict(self) -> dict:
        return asdict(self)

    def vector(self) -> np.ndarray:
        return np.asarray([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)

    def absolute_vector(self) -> np.ndarray:
        return np.asarray([self.absolute_weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)


def scaled_cosine(
    cosine: float, claim_language: str | None, other_language: str | None, scales: dict[str, tuple[float, float]]
) -> float:
    """``cosine`` on the relevance step's per-language-pair scale (0: unrelated text, 1: deciding text)."""
    same = claim_language is None or other_language is None or claim_language == other_language
    unrelated, deciding = scales.get(f"{claim_language}-{other_language}", scales["same" if same else "cross"])
    return (cosine - unrelated) / max(deciding - unrelated, 1e-6)


@dataclass
class Candidate:
    row: int
    cosine: float  # raw
    scaled: float  # on the per-pair scale
    bm25: float = 0.0
    dense_rank: int | None = None  # 0-based
    bm25_rank: int | None = None
    mismatch: bool = False  # a number, date or name differs from the claim's

    @property
    def compared(self) -> bool:
        """Among the first of either retriever: its details are compared with the claim's."""
        return any(r is not None and r < COMPARED_RANKS for r in (self.dense_rank, self.bm25_rank))


def feature_rows(candidates: list[Candidate], floor: float = 0.0, bm25_floor: float = 0.0) -> np.ndarray:
    """One row of :data:`FEATURES` per candidate of one claim (the floors: see :class:`MatcherParams`)."""
    if not candidates:
        return np.empty((0, len(FEATURES)))
    scaled = np.asarray([c.scaled for c in candidates])
    best_bm25 = max(max(c.bm25 for c in candidates), bm25_floor)
    rows = []
    for i, c in enumerate(candidates):
        others = np.delete(scaled, i)
        margin = c.scaled - max(float(others.max()) if len(others) else floor, floor)
        rows.append([
            c.scaled,
            margin,
            c.bm25 / best_bm25 if best_bm25 > 0 else 0.0,
            math.log1p(c.bm25),
            1.0 / (1 + c.dense_rank) if c.dense_rank is not None else 0.0,
            1.0 / (1 + c.bm25_rank) if c.bm25_rank is not None else 0.0,
            1.0 if c.mismatch else 0.0,
        ])
    return np.asarray(rows)


def scores(features: np.ndarray, params: MatcherParams) -> np.ndarray:
    """The ranking model's "same claim" probability of each row."""
    if not len(features):
        return np.empty(0)
    return 1.0 / (1.0 + np.exp(-(features @ params.vector() + params.bias)))


def absolute_scores(features: np.ndarray, params: MatcherParams) -> np.ndarray:
    """The absolute model's probability of each row."""
    if not len(features):
        return np.empty(0)
    return 1.0 / (1.0 + np.exp(-(features @ params.absolute_vector() + params.absolute_bias)))


def shown_score(score: float, absolute: float, params: MatcherParams) -> float | None:
    """The score a candidate is shown with, or None when neither model accepts it."""
    if score >= params.threshold or absolute >= params.absolute_threshold:
        return max(score, absolute)
    return None


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression (Newton's method with a small L2 penalty): numpy only,
    so ``factcheck eval checkthat --fit`` needs no extra library."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    penalty = l2 * np.eye(xb.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])
