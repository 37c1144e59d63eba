"""Claim lookup: validated claim in, ranked and cited evidence out. Shared by the API and the CLI."""

from __future__ import annotations

import time
from pathlib import Path

from haystack import Document

from index.embedders import resolve_model_path
from index.inference import model_lock
from index.store import FaissDocumentStore
from service.errors import InvalidInputError
from service.pipelines import build_lookup_pipeline
from service.schemas import Evidence, IndexInfo, VerifyResponse
from service.settings import Settings


def validate_claim(claim: object, settings: Settings) -> str:
    """The claim, stripped; :class:`InvalidInputError` when it is not a usable claim."""
    if not isinstance(claim, str):
        raise InvalidInputError("claim must be a string", [{"loc": "claim", "message": "not a string"}])
    text = claim.strip()
    if not text:
        raise InvalidInputError("claim is empty", [{"loc": "claim", "message": "empty or only white space"}])
    if len(text) > settings.max_claim_chars:
        raise InvalidInputError(
            f"claim is {len(text)} characters long; the limit is {settings.max_claim_chars} (FACTCHECK_MAX_CLAIM_CHARS)",
            [{"loc": "claim", "message": "too long"}],
        )
    return text


def validate_top_k(top_k: int | None, settings: Settings) -> int:
    if top_k is None:
        return settings.default_top_k
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= settings.max_top_k:
        raise InvalidInputError(
            f"top_k must be a whole number from 1 to {settings.max_top_k}, got {top_k!r}",
            [{"loc": "top_k", "message": "out of range"}],
        )
    return top_k


def to_evidence(rank: int, doc: Document) -> Evidence:
    meta = doc.meta
    return Evidence(
        rank=rank,
        passage_id=doc.id,
        text=doc.content or "",
        score=round(float(doc.score or 0.0), 6),
        document_id=meta["doc_id"],
        title=meta.get("title"),
        url=meta.get("url"),
        language=meta.get("language"),
        published=meta.get("published"),
        source=meta.get("source"),
        start=meta["start"],
        end=meta["end"],
    )


class ClaimLookup:
    """A loaded index and the lookup pipeline over it (built once, used by every request)."""

    def __init__(self, settings: Settings, store: FaissDocumentStore, index_dir: Path) -> None:
        self.settings = settings
        self.store = store
        self.index_dir = index_dir
        self.pipeline = build_lookup_pipeline(settings, store)
        self.pipeline.warm_up()
        # One model instance serves every lookup and build in this process (see index.inference);
        # the lock is the model's, so the lookup that replaces this one after a swap shares it.
        self._lock = model_lock(resolve_model_path(settings.embedding_model, settings.model_cache_dir))

    @property
    def version(self) -> str | None:
        return self.store.version

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None) -> ClaimLookup:
        """Load the index (checking model, checksums, counts) and warm the model up."""
        index_dir = Path(index_dir or settings.index_dir)
        store = FaissDocumentStore.load(index_dir, expected_model=settings.embedding_model)
        return cls(settings, store, index_dir)

    def lookup(self, claim: object, top_k: int | None = None) -> VerifyResponse:
        text = validate_claim(claim, self.settings)
        k = validate_top_k(top_k, self.settings)
        started = time.perf_counter()
        with self._lock:
            result = self.pipeline.run({"embedder": {"text": text}, "retriever": {"top_k": k}})
        docs = result["retriever"]["documents"]
        return VerifyResponse(
            claim=text,
            top_k=k,
            evidence=[to_evidence(i, d) for i, d in enumerate(docs, start=1)],
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def info(self) -> IndexInfo:
        m = self.store.manifest
        return IndexInfo(
            loaded=True,
            index_dir=str(self.index_dir),
            embedding_model=m.embedding_model if m else None,
            dimension=self.store.embedding_dim,
            passage_count=self.store.count_documents(),
            document_count=len(self.store.sources),
            corpus_fingerprint=m.corpus_fingerprint if m else None,
            built_at=m.built_at if m else None,
            format_version=m.format_version if m else None,
            version=self.store.version,
            refused_versions={v: reason for v, reason in self.store.skipped},
        )
