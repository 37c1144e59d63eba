"""The verdict step: a claim's judged evidence in, SUPPORTED / REFUTED / CONFLICTING / NOT_ENOUGH_INFO out.

The rule is a thresholded maximum over the evidence (Climate-FEVER's and FEVER's aggregation):
the strongest support and the strongest refutation among the passages decide. A neutral passage
never decides anything, since most retrieved passages are simply about something else, and a
sentence only counts as much as it is about the claim (its relevance, see service/verify/relevance.py).
Support and refutation both strong, in *different* documents, is CONFLICTING.

A refutation that rests only on a detail stated differently (a date, a number, a place) is set
aside when the supporting sentence states that very detail as the claim does: the two sentences
are then about two different events ("ministers met on 1 June" beside "the summit on 14 June").
The confidence is a probability that the verdict is right, from a logistic curve per verdict over
the score it rests on (and how much the evidence is about the claim, where a curve has that term),
fitted on Climate-FEVER, the news gold set and the cross-lingual development set together (ECE
measured out of fold on each, see bench/calibration.py).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from haystack import component, default_from_dict, default_to_dict

from service.schemas import VERDICTS
from service.verify.types import ScoredCandidate

PARAMS_FILE = Path(__file__).with_name("verdict.json")


@dataclass
class VerdictParams:
    support_threshold: float = 0.5
    refute_threshold: float = 0.5
    conflict_threshold: float = 0.7  # both sides at least this strong, in different documents
    thresholds_fitted_on: str = "defaults (not fitted)"
    mismatch_transfer: float = 0.8  # share of a mismatched window's entailment that becomes contradiction
    mismatch_neutral_transfer: float = 0.5  # ... and of its neutral mass, when it names what the claim names
    match_transfer: float = 0.5  # share of contradiction that becomes entailment when every detail agrees
    # How much a sentence window is about the claim: its cosine with the claim (e5-small, "query: " on both
    # sides), put on one scale for every language pair: 0 at the median cosine of unrelated text, 1 at the
    # median of the sentences that decide a claim, per language pair ("de-en"), else per kind ("same",
    # "cross"): across languages both sit lower. Measured on the gold set (its evidence sentences) against
    # Climate-FEVER sentences (unrelated), see service/verify/relevance.py. A window counts fully from
    # relevance_high on that scale up, not at all below relevance_low. Another embedding model needs
    # these measured again.
    cosine_scale: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"same": (0.747, 0.923), "cross": (0.729, 0.887)}
    )
    relevance_low: float = 0.4
    relevance_high: float = 0.6
    # The passage must be about the claim too (its dense cosine, "query: " against "passage: "): a sentence
    # of another event of the same kind ("Mitsotakis won the election" for "Milei won the runoff") is
    # close to the claim, the passage around it less so. The same scale: 0 at the median cosine of the
    # passages retrieved for claims the corpus says nothing about, 1 at that of the deciding passages.
    passage_cosine_scale: dict[str, tuple[float, float]] = field(
        default_factory=lambda: {"same": (0.788, 0.905), "cross": (0.770, 0.865)}
    )
    passage_relevance_low: float = 0.35
    passage_relevance_high: float = 0.6
    relevance_fitted_on: str = "defaults (not fitted)"
    # confidence = sigmoid(a * deciding score + b [+ r * about]), per verdict, where "about" is the relevance of
    # the passage most about the claim (0 without evidence): NOT_ENOUGH_INFO beside a passage fully about the
    # claim is mostly a stance the model missed, not a corpus that says nothing. Fitted out of fold.
    calibration: dict[str, tuple[float, ...]] = field(default_factory=lambda: {v: (4.0, -2.0) for v in VERDICTS})
    fitted_on: str = "defaults (not fitted)"

    @classmethod
    def load(cls, path: Path = PARAMS_FILE) -> VerdictParams:
        if not path.exists():
            return cls()
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerdictParams:
        """Params as :meth:`to_dict` (or ``verdict.json``) writes them: pairs may come back as lists."""
        data = dict(data)
        data["calibration"] = {k: tuple(v) for k, v in data.get("calibration", {}).items()}
        for key in ("cosine_scale", "passage_cosine_scale"):
            if key in data:
                data[key] = {k: tuple(v) for k, v in data[key].items()}
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def save(self, path: Path = PARAMS_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def params_to_dict(params: VerdictParams | None) -> dict[str, Any] | None:
    """A step's params in a pipeline file: None (the packaged ``verdict.json``, read at warm-up) or every value."""
    return None if params is None else params.to_dict()


def params_from_dict(data: dict[str, Any] | None) -> VerdictParams | None:
    return None if data is None else VerdictParams.from_dict(data)


@dataclass
class ClaimVerdict:
    verdict: str
    confidence: float
    support: float  # strongest (adjusted) entailment among the evidence
    refute: float  # strongest (adjusted) contradiction
    deciding: float  # the score the verdict rests on, before calibration
    support_passage: str | None = None  # the passage of the strongest support (None: no support at all)
    refute_passage: str | None = None


def relevance(item: ScoredCandidate, params: VerdictParams) -> float:
    """How much the passage is about the claim: its most relevant window's relevance (0 to 1)."""
    return item.relevance


def _explained_away(support: ScoredCandidate | None, refute: ScoredCandidate) -> bool:
    """True when the refutation is a detail mismatch that the supporting sentence matches exactly."""
    if support is None:
        return False
    sup, ref = support.support_consistency, refute.refute_consistency
    if sup is None or ref is None or ref.score >= 0:
        return False
    matched = {k for k in ("numbers", "dates", "entities") if getattr(sup, k) > 0}
    failed = {k for k in ("numbers", "dates", "entities", "actions") if getattr(ref, k) < 0}
    return bool(failed) and failed <= matched


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -50 else 0.0


def confidence(curve: tuple[float, ...], deciding: float, about: float) -> float:
    """The probability that a verdict is right, from its curve: ``(a, b)`` or ``(a, b, r)`` (see VerdictParams)."""
    a, b, *rest = curve
    return _sigmoid(a * deciding + b + (rest[0] * about if rest else 0.0))


def most_about(items: list[ScoredCandidate]) -> float:
    """The relevance of the passage most about the claim (0 without evidence): a curve's "about" term."""
    return max((item.relevance for item in items), default=0.0)


def decide(items: list[ScoredCandidate], params: VerdictParams) -> ClaimVerdict:
    support, best_support = 0.0, None
    for item in items:
        e = item.max_entailment  # already scaled by each window's relevance (service/verify/relevance.py)
        if e > support:
            support, best_support = e, item
    refute, best_refute = 0.0, None
    for item in items:
        c = item.max_contradiction
        if support >= params.support_threshold and _explained_away(best_support, item):
            c = 0.0
        if c > refute:
            refute, best_refute = c, item
    support_doc = best_support.candidate.passage.meta.get("doc_id") if best_support else None
    refute_doc = best_refute.candidate.passage.meta.get("doc_id") if best_refute else None
    conflicting = (
        support >= params.conflict_threshold and refute >= params.conflict_threshold and support_doc != refute_doc
    )
    if conflicting:
        verdict, deciding = "CONFLICTING", min(support, refute)
    elif support >= params.support_threshold and support >= refute:
        verdict, deciding = "SUPPORTED", support
    elif refute >= params.refute_threshold:
        verdict, deciding = "REFUTED", refute
    else:
        verdict, deciding = "NOT_ENOUGH_INFO", 1.0 - max(support, refute)
    return ClaimVerdict(
        verdict,
        round(confidence(params.calibration.get(verdict, (4.0, -2.0)), deciding, most_about(items)), 4),
        round(support, 6),
        round(refute, 6),
        round(deciding, 6),
        best_support.candidate.passage.id if best_support else None,
        best_refute.candidate.passage.id if best_refute else None,
    )


@component
class VerdictAggregator:
    """One verdict per claim from its reranked evidence (see the module docstring for the rule)."""

    def __init__(self, params: VerdictParams | None = None) -> None:
        self.params = params
        self._given = params  # what to_dict() writes: None stands for the packaged verdict.json

    def warm_up(self) -> None:
        if self.params is None:
            self.params = VerdictParams.load()

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, params=params_to_dict(self._given))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VerdictAggregator:
        data["init_parameters"]["params"] = params_from_dict(data["init_parameters"].get("params"))
        return default_from_dict(cls, data)

    @component.output_types(verdicts=list[ClaimVerdict], ms=float)
    def run(self, evidence: list[list[ScoredCandidate]]) -> dict:
        started = time.perf_counter()
        self.warm_up()
        verdicts = [decide(items, self.params) for items in evidence]
        return {"verdicts": verdicts, "ms": (time.perf_counter() - started) * 1000}
