"""Request and response models of the API (and the CLI's JSON output)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str = Field(
        ..., description="The claim to check, in any language.", examples=["Belarusian access to NATO HQ restricted"]
    )
    top_k: int | None = Field(
        None,
        description="How many evidence passages to return (1 to FACTCHECK_MAX_TOP_K; default FACTCHECK_DEFAULT_TOP_K).",
    )


class Evidence(BaseModel):
    rank: int = Field(..., description="1 for the best passage.")
    passage_id: str
    text: str = Field(..., description="The passage, exactly as it stands in the document at [start, end).")
    score: float = Field(..., description="Cosine similarity between claim and passage.")
    document_id: str
    title: str | None = None
    url: str | None = None
    language: str | None = None
    published: str | None = None
    source: str | None = None
    start: int = Field(..., description="Character offset of the passage in the document text.")
    end: int = Field(..., description="Character offset just past the passage.")


class VerifyResponse(BaseModel):
    claim: str
    top_k: int
    evidence: list[Evidence]
    took_ms: float


class IndexInfo(BaseModel):
    loaded: bool
    index_dir: str
    embedding_model: str | None = None
    dimension: int | None = None
    passage_count: int | None = None
    document_count: int | None = None
    corpus_fingerprint: str | None = None
    built_at: str | None = None
    format_version: int | None = None
    error: str | None = None


class ErrorDetail(BaseModel):
    loc: str | None = None
    message: str


class ErrorResponse(BaseModel):
    ok: bool = False
    status: int
    code: str = Field(..., description="Stable machine-readable error code, e.g. invalid_request, index_unavailable.")
    error: str = Field(..., description="What went wrong and what to do, for a person.")
    errors: list[ErrorDetail] = Field(default_factory=list)
