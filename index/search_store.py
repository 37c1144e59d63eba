"""What the claim pipelines need from a store, as a :class:`typing.Protocol`.

Three stores honour it: :class:`index.store.FaissDocumentStore` (one folder), :class:`index.sharded.
ShardedDocumentStore` (a sharded version) and the Ray Serve ingress's remote stores (``service.ray_serve``).
The retrieval steps (``service/verify/``) and the claim verifier (``service.claim_checker``) are typed against it,
not against one class, so a new store (PostgreSQL with pgvector, say) has a written list of what it must
offer. Haystack's own ``DocumentStore`` protocol (count, filter, write, delete, serialise) is the other half,
for writing; this one is for reading at query time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np
    from haystack import Document

    from index.factchecks import FactCheckIndex
    from index.manifest import Manifest


@runtime_checkable
class SearchStore(Protocol):
    """A loaded index version as the claim pipelines read it."""

    embedding_dim: int
    manifest: Manifest | None
    version: str | None
    # versions refused at load, with the reason (the service shows them)
    skipped: list[tuple[str, str]]
    # source documents by id: title, url, language, text, content hash
    sources: Mapping[str, dict[str, Any]]
    # the version's published fact-checks, None when it holds none
    fact_checks: FactCheckIndex | None

    def count_documents(self) -> int: ...

    def embedding_retrieval_batch(self, query_embeddings: np.ndarray, top_k: int = 5) -> list[list[Document]]:
        """Per query vector, its ``top_k`` nearest passages, ``score`` the cosine."""
        ...

    def bm25_retrieval_batch(
        self, queries: list[str], top_k: int = 5, languages: list[str | None] | None = None
    ) -> list[list[Document]]:
        """Per query, its ``top_k`` passages by BM25 (none without a BM25 index)."""
        ...

    def passage(self, passage_id: str) -> Document | None: ...

    def passage_vector(self, passage_id: str) -> np.ndarray: ...

    def passage_vectors(self, passage_ids: list[str]) -> np.ndarray:
        """The stored vectors of ``passage_ids``, one row each, in that order."""
        ...

    def sentence_vectors(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        """Each passage's sentence vectors (a row per sentence), for those that have them."""
        ...
