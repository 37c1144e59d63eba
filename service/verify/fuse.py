"""Reciprocal rank fusion of the dense and the lexical hits into the candidates of each claim."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from haystack import Document, component, default_from_dict, default_to_dict

from index.search_store import SearchStore
from index.store_serde import store_from_dict
from service.verify.types import Candidate

# The constant of Cormack et al. (2009): ranks past the first few count little, and no
# retriever's raw scores need to be comparable with the other's.
RRF_K = 60


@component
class RankFusion:
    """Merge the two hit lists of each claim by reciprocal rank fusion and keep the best ``candidates``.

    Haystack's DocumentJoiner fuses ranks too, but drops each retriever's own score; the verdict
    uses both, so this step keeps them. A passage found only by BM25 gets its cosine similarity
    from its stored vector, so every candidate carries the same features.
    """

    def __init__(self, document_store: SearchStore, candidates: int = 8, k: int = RRF_K) -> None:
        if candidates <= 0:
            raise ValueError(f"candidates must be greater than 0, got {candidates}")
        self.document_store = document_store
        self.candidates = candidates
        self.k = k

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, document_store=self.document_store, candidates=self.candidates, k=self.k)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankFusion:
        params = data["init_parameters"]
        params["document_store"] = store_from_dict(params["document_store"])
        return default_from_dict(cls, data)

    @component.output_types(candidates=list[list[Candidate]], ms=float)
    def run(
        self,
        dense: list[list[Document]],
        lexical: list[list[Document]],
        embeddings: np.ndarray,
        candidates: int | None = None,
    ) -> dict:
        started = time.perf_counter()
        keep = candidates or self.candidates
        out = [
            self._fuse(d, lex, np.asarray(e, dtype=np.float32), keep)
            for d, lex, e in zip(dense, lexical, embeddings, strict=True)
        ]
        return {"candidates": out, "ms": (time.perf_counter() - started) * 1000}

    def _fuse(self, dense: list[Document], lexical: list[Document], query: np.ndarray, keep: int) -> list[Candidate]:
        by_id: dict[str, Candidate] = {}
        for rank, doc in enumerate(dense, start=1):
            by_id[doc.id] = Candidate(doc, float(doc.score or 0.0), 1.0 / (self.k + rank), dense_rank=rank)
        missing: list[Document] = []
        for rank, doc in enumerate(lexical, start=1):
            cand = by_id.get(doc.id)
            if cand is None:
                cand = by_id[doc.id] = Candidate(doc, 0.0, 0.0)
                missing.append(doc)
            cand.bm25_rank, cand.bm25_score = rank, float(doc.score or 0.0)
            cand.fused_score += 1.0 / (self.k + rank)
        if missing:
            vectors = self.document_store.passage_vectors([d.id for d in missing])
            for doc, cos in zip(missing, (vectors @ query).tolist(), strict=True):
                by_id[doc.id].dense_score = float(cos)
        ranked = sorted(by_id.values(), key=lambda c: (-c.fused_score, -c.dense_score, c.passage.id))
        return ranked[:keep]
