"""The index build's configuration from the service's settings (one place for both the CLI and the API)."""

from __future__ import annotations

from index.build_config import BuildConfig
from service.model_names import resolve_model_path
from service.settings import Settings


def build_config(settings: Settings, progress_bar: bool = False) -> BuildConfig:
    from service.model_identity import current_identity

    return BuildConfig(
        model_name=settings.embedding_model,
        model_path=resolve_model_path(settings.embedding_model, settings.model_cache_dir),
        passage_prefix=settings.passage_prefix,
        query_prefix=settings.query_prefix,
        batch_size=settings.embed_batch_size,
        sentences_per_passage=settings.passage_sentences,
        max_chars=settings.passage_max_chars,
        embed_titles=settings.embed_titles,
        progress_bar=progress_bar,
        keep_versions=settings.keep_versions,
        faiss_factory=settings.faiss_factory,
        identity=current_identity(settings),
        sentence_vectors=settings.index_sentence_vectors,
    )
