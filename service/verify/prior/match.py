"""The matching step: each claim's prior fact-checks, from the index version's fact-check collection."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from haystack import Document, component, default_from_dict, default_to_dict

from index.factchecks import FactCheckIndex
from index.search_store import SearchStore
from index.store_serde import store_from_dict
from service.verify.prior.matcher import (
    Candidate,
    MatcherParams,
    absolute_scores,
    feature_rows,
    scaled_cosine,
    scores,
    shown_score,
)

Ranked = list[tuple[int, float, float]]  # (row, ranking probability, absolute probability), best first


def ranked(
    fact_checks: FactCheckIndex,
    vectors: np.ndarray,
    claims: list[str],
    languages: list[str | None],
    params: MatcherParams,
    scales: dict[str, tuple[float, float]],
    exclude: list[set[int]] | None = None,
) -> list[Ranked]:
    """Per claim, every candidate as (row, ranking probability, absolute probability), best first by the
    ranking model (see :mod:`service.verify.prior.matcher`): dense and BM25 hits, scored.

    ``exclude`` (per claim, rows): left out as if the collection did not hold them (the benchmark's
    "a claim no one has checked yet", where the runner-up must not pass for a match).
    """
    dense = fact_checks.dense(vectors, params.depth)
    lexical = fact_checks.lexical(claims, params.depth, languages)
    if exclude is not None:
        dense = [[h for h in hits if h[0] not in gone] for hits, gone in zip(dense, exclude, strict=True)]
        lexical = [[h for h in hits if h[0] not in gone] for hits, gone in zip(lexical, exclude, strict=True)]
    out = []
    for i, (dense_hits, bm25_hits) in enumerate(zip(dense, lexical, strict=True)):
        candidates = gather(fact_checks, vectors[i], claims[i], languages[i], dense_hits, bm25_hits, scales)
        features = feature_rows(candidates, params.runner_up_floor, params.bm25_floor)
        probs, absolute = scores(features, params), absolute_scores(features, params)
        order = np.argsort(-probs, kind="stable")
        out.append([(candidates[j].row, float(probs[j]), float(absolute[j])) for j in order])
    return out


def gather(
    fact_checks: FactCheckIndex,
    vector: np.ndarray,
    claim: str,
    language: str | None,
    dense_hits: list[tuple[int, float]],
    bm25_hits: list[tuple[int, float]],
    scales: dict[str, tuple[float, float]],
) -> list[Candidate]:
    """One claim's candidates from both retrievers, with what the matcher's features are made of."""
    from service.verify.consistency import check

    found: dict[int, Candidate] = {}
    for rank, (row, cosine) in enumerate(dense_hits):
        other = fact_checks.records[row].language
        found[row] = Candidate(row, cosine, scaled_cosine(cosine, language, other, scales), dense_rank=rank)
    missing = [row for row, _ in bm25_hits if row not in found]
    if missing:  # the cosine of BM25's own finds, which dense search ranked lower
        for row, cosine in zip(missing, fact_checks.vectors_of(missing) @ vector, strict=True):
            other = fact_checks.records[row].language
            found[row] = Candidate(row, float(cosine), scaled_cosine(float(cosine), language, other, scales))
    for rank, (row, score) in enumerate(bm25_hits):
        found[row].bm25, found[row].bm25_rank = score, rank
    for c in found.values():
        if c.compared:
            record = fact_checks.records[c.row]
            agreement = check(claim, record.claim, language, record.language)
            # numbers, dates and names only: the matcher's weights were fitted on them, before actions were compared
            c.mismatch = min(agreement.numbers, agreement.dates, agreement.entities) < 0
    return list(found.values())


def select(found: Ranked, top_k: int, params: MatcherParams) -> list[tuple[int, float]]:
    """The matches to show, in ranking order: those either model accepts, with their shown score."""
    shown = []
    for row, score, absolute in found:
        kept = shown_score(score, absolute, params)
        if kept is not None:
            shown.append((row, kept))
            if len(shown) == top_k:
                break
    return shown


def match_record(fact_checks: FactCheckIndex, row: int, score: float) -> dict[str, Any]:
    """One match as answers show it (``service.schemas.PriorFactCheck``'s fields)."""
    r = fact_checks.records[row]
    return {
        "id": r.id,
        "claim": r.claim,
        "score": round(score, 4),
        "rating": r.rating,
        "rating_class": r.rating_class,
        "publisher": r.publisher,
        "url": r.url,
        "published": r.published,
        "language": r.language,
        "title": r.title,
    }


@component
class PriorFactChecks:
    """Each claim's published fact-checks of the same claim: at most ``top_k``, those over the
    matcher's threshold, best first (none when the index holds no fact-check)."""

    def __init__(
        self,
        document_store: SearchStore,
        top_k: int = 3,
        params: MatcherParams | None = None,
        scales: dict[str, tuple[float, float]] | None = None,
    ) -> None:
        self.document_store = document_store
        self.top_k = top_k
        self.params = params
        self.scales = scales
        # what to_dict() writes: None stands for the packaged matcher.json and verdict.json's scale
        self._given = (params, scales)

    def to_dict(self) -> dict[str, Any]:
        params, scales = self._given
        return default_to_dict(
            self,
            document_store=self.document_store,
            top_k=self.top_k,
            params=None if params is None else params.to_dict(),
            scales=None if scales is None else {k: list(v) for k, v in scales.items()},
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PriorFactChecks:
        init = data["init_parameters"]
        init["document_store"] = store_from_dict(init["document_store"])
        if init.get("params") is not None:
            init["params"] = MatcherParams(**init["params"])
        if init.get("scales") is not None:
            init["scales"] = {k: tuple(v) for k, v in init["scales"].items()}
        return default_from_dict(cls, data)

    def warm_up(self) -> None:
        if self.params is None:
            self.params = MatcherParams.load()
        if self.scales is None:
            from service.verify.verdict import VerdictParams

            self.scales = VerdictParams.load().cosine_scale

    @component.output_types(matches=list[list[dict]], ms=float)
    def run(
        self, documents: list[Document], claims: list[str], languages: list[str | None], top_k: int | None = None
    ) -> dict:
        started = time.perf_counter()
        self.warm_up()
        fact_checks = getattr(self.document_store, "fact_checks", None)
        k = self.top_k if top_k is None else top_k
        if fact_checks is None or not len(fact_checks) or not documents or k <= 0:
            return {"matches": [[] for _ in claims], "ms": (time.perf_counter() - started) * 1000}
        vectors = np.asarray([d.embedding for d in documents], dtype=np.float32)
        matches = []
        found_all = ranked(fact_checks, vectors, claims, languages, self.params, self.scales)  # type: ignore[arg-type]
        for found in found_all:
            shown = select(found, k, self.params)  # type: ignore[arg-type]
            matches.append([match_record(fact_checks, row, score) for row, score in shown])
        return {"matches": matches, "ms": (time.perf_counter() - started) * 1000}
