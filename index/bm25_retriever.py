"""Retriever component: hands a query text to the store's BM25 index."""

from __future__ import annotations

from haystack import Document, component

from index.store import FaissDocumentStore


@component
class BM25Retriever:
    """Top-k passages by BM25 score for the query text.

    An index saved before BM25 existed has none (``document_store.bm25 is None``); the retriever
    then returns no documents rather than failing, so dense retrieval alone still answers.
    """

    def __init__(self, document_store: FaissDocumentStore, top_k: int = 5) -> None:
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        self.document_store = document_store
        self.top_k = top_k

    @component.output_types(documents=list[Document])
    def run(self, query: str, top_k: int | None = None, language: str | None = None) -> dict:
        """``language`` is the query's ISO 639-1 code when known (its stemmer is then used too)."""
        top_k = self.top_k if top_k is None else top_k
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        return {"documents": self.document_store.bm25_retrieval(query, top_k, language)}
