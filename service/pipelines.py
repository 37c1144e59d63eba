"""The Haystack pipelines of the service, built from settings.

- index build: see :func:`index.build.build_index` (corpus -> passages -> embeddings -> FAISS)
- claim lookup: claim -> text embedder -> FAISS retriever
"""

from __future__ import annotations

from haystack import Pipeline

from index.build import BuildConfig
from index.embedders import resolve_model_path, text_embedder
from index.retriever import FaissEmbeddingRetriever
from index.store import FaissDocumentStore
from service.settings import Settings


def build_config(settings: Settings, progress_bar: bool = False) -> BuildConfig:
    return BuildConfig(
        model_name=settings.embedding_model,
        model_path=resolve_model_path(settings.embedding_model, settings.model_cache_dir),
        passage_prefix=settings.passage_prefix,
        query_prefix=settings.query_prefix,
        batch_size=settings.embed_batch_size,
        sentences_per_passage=settings.passage_sentences,
        max_chars=settings.passage_max_chars,
        progress_bar=progress_bar,
        keep_versions=settings.keep_versions,
    )


def build_lookup_pipeline(settings: Settings, store: FaissDocumentStore) -> Pipeline:
    """claim -> embedding -> top-k passages. The query prefix is the one the index was built for."""
    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    prefix = store.manifest.query_prefix if store.manifest else settings.query_prefix
    pipe = Pipeline()
    pipe.add_component("embedder", text_embedder(model_path, prefix, settings.embed_batch_size))
    pipe.add_component("retriever", FaissEmbeddingRetriever(store, top_k=settings.default_top_k))
    pipe.connect("embedder.embedding", "retriever.query_embedding")
    return pipe
