"""Retriever component: hands a query embedding to the FAISS store."""

from __future__ import annotations

from haystack import Document, component

from index.store import FaissDocumentStore


@component
class FaissEmbeddingRetriever:
    """Top-k passages by cosine similarity to the query embedding."""

    def __init__(self, document_store: FaissDocumentStore, top_k: int = 5) -> None:
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        self.document_store = document_store
        self.top_k = top_k

    @component.output_types(documents=list[Document])
    def run(self, query_embedding: list[float], top_k: int | None = None) -> dict:
        top_k = self.top_k if top_k is None else top_k
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        return {"documents": self.document_store.embedding_retrieval(query_embedding, top_k)}
