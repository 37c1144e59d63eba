"""Request and response models of the API (and the CLI's JSON output)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

Verdict = Literal["SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO"]


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str = Field(
        ..., description="The claim to look up, in any language.", examples=["Belarusian access to NATO HQ restricted"]
    )
    top_k: StrictInt | None = Field(
        None,
        description="How many evidence passages to return (1 to FACTCHECK_MAX_TOP_K; default FACTCHECK_DEFAULT_TOP_K).",
    )


class VerifyRequest(SearchRequest):
    claim: str = Field(
        ..., description="The claim to check, in any language.", examples=["Belarusian access to NATO HQ restricted"]
    )
    language: str | None = Field(
        None,
        description="ISO 639-1 code of the claim's language when the caller knows it; detected otherwise.",
        examples=["en"],
    )


class BatchVerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claims: list[str] = Field(
        ..., description="The claims to check (1 to FACTCHECK_MAX_BATCH_CLAIMS), each in any language."
    )
    top_k: StrictInt | None = Field(None, description="Evidence passages per claim (as in /v1/claims/verify).")
    language: str | None = Field(None, description="The claims' language, when all share one and the caller knows it.")


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


class Stance(BaseModel):
    label: Literal["supports", "refutes", "neutral"] = Field(
        ..., description="What the cited sentence says of the claim, after the consistency check."
    )
    supports: float = Field(..., description="Probability that the cited sentence entails the claim (calibrated).")
    refutes: float = Field(..., description="Probability that it contradicts the claim (calibrated).")
    neutral: float = Field(..., description="Probability that it neither entails nor contradicts it.")


class CitedSentence(BaseModel):
    text: str = Field(
        ..., description="The sentence of the passage the stance rests on (two with FACTCHECK_WINDOW_SENTENCES=2)."
    )
    start: int = Field(..., description="Character offset in the document text (document.text[start:end] == text).")
    end: int


class Consistency(BaseModel):
    numbers: int = Field(..., description="+1 the claim's numbers are in the sentence, -1 they differ, 0 not compared.")
    dates: int = Field(..., description="The same for dates.")
    entities: int = Field(..., description="The same for names and places.")
    mismatches: list[str] = Field(default_factory=list, description="What differs, for a person.")


class VerifiedEvidence(Evidence):
    stance: Stance
    sentence: CitedSentence
    consistency: Consistency
    retrieval: dict[str, float | int | None] = Field(
        default_factory=dict, description="dense_rank, bm25_rank, bm25_score and fused score of the passage."
    )


class SearchResponse(BaseModel):
    claim: str
    top_k: int
    evidence: list[Evidence]
    took_ms: float


class VerifyResponse(BaseModel):
    claim: str
    language: str | None = Field(None, description="The claim's language, as given or detected.")
    verdict: Verdict
    confidence: float = Field(
        ...,
        description="Probability that the verdict is right, from curves fitted on Climate-FEVER and news claims "
        "(see the README for its calibration error).",
    )
    top_k: int
    evidence: list[VerifiedEvidence] = Field(
        ..., description="The passages that bear on the claim, most decisive first, each with its stance."
    )
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Milliseconds per pipeline stage.")
    took_ms: float
    index_version: str | None = None


class BatchVerifyResponse(BaseModel):
    results: list[VerifyResponse]
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage, whole batch.")
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
    version: str | None = Field(None, description="The index version being served (a folder under versions/).")
    refused_versions: dict[str, str] = Field(
        default_factory=dict, description="Newer versions that failed their checks at load, and why."
    )
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


class DocumentIn(BaseModel):
    """A document to add to the index, or to replace the one with the same id."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(..., min_length=1, max_length=500, description="Document id; an existing id is replaced.")
    text: str = Field(..., min_length=1, description="The full text; passages are cut from it.")
    title: str | None = None
    url: str | None = None
    language: str | None = Field(None, description="ISO 639-1 code; detected from the text when missing.")
    published: str | None = None
    source: str | None = None


class DocumentsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    documents: list[DocumentIn] = Field(..., min_length=1)


class RebuildRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["corpus", "stored"] | None = Field(
        None,
        description="'corpus': read FACTCHECK_CORPUS_PATH; 'stored': embed the documents of the current version "
        "again. Default: the corpus when FACTCHECK_CORPUS_PATH is set, else the stored documents.",
    )


class JobProgress(BaseModel):
    stage: str = Field(..., description="queued, loading, embedding, saving, verifying, switching, swapping.")
    done: int = Field(..., description="Items done in this stage (passages, while embedding).")
    total: int | None = None
    rate_per_s: float | None = None
    eta_s: float | None = Field(None, description="Seconds left in this stage, at the current rate.")
    elapsed_s: float


class JobInfo(BaseModel):
    id: str
    kind: str = Field(..., description="rebuild, upsert_documents or delete_document.")
    state: Literal["queued", "running", "succeeded", "failed"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    progress: JobProgress
    result: dict[str, Any] | None = Field(None, description="The build report, once succeeded.")
    error: ErrorResponse | None = Field(None, description="Why it failed, in the API's error shape.")


class JobAccepted(BaseModel):
    job_id: str
    state: str
    url: str = Field(..., description="Where to follow the job: GET it.")


class ArticleCheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="The article as plain text (a first line on its own is its title).")
    html: str | None = Field(None, description="The article as an HTML page; its body and metadata are extracted.")
    markdown: bool = Field(False, description="The text is Markdown: its markup is removed before it is checked.")
    language: str | None = Field(None, description="ISO 639-1 code of the article's language; detected otherwise.")
    published: str | None = Field(
        None,
        description="Publication date (YYYY-MM-DD); relative dates ('am Montag') are resolved only when it is known.",
        examples=["2021-06-01"],
    )
    url: str | None = Field(None, description="Where the article appeared (the ClaimReview's appearance).")
    max_claims: StrictInt | None = Field(
        None,
        description="Most claims to check (1 to FACTCHECK_MAX_BATCH_CLAIMS; default FACTCHECK_ARTICLE_MAX_CLAIMS).",
    )
    min_worthiness: StrictInt | StrictFloat | None = Field(
        None, description="Lowest check-worthiness a sentence needs (0 to 1; default FACTCHECK_MIN_WORTHINESS)."
    )
    top_k: StrictInt | None = Field(None, description="Evidence passages per claim (as in /v1/claims/verify).")


class ReplacedWords(BaseModel):
    original: str = Field(..., description="The words of the sentence: 'Er', 'das Bündnis'.")
    replacement: str = Field(..., description="What the claim says instead: 'Jens Stoltenberg', 'Die NATO'.")


class ResolvedDateOut(BaseModel):
    text: str = Field(..., description="The relative date as the article says it: 'am Montag'.")
    date: str = Field(..., description="The date it was resolved to (ISO), from the publication date.")


class ArticleSentence(BaseModel):
    index: int
    start: int = Field(..., description="Offset in the report's text: text[start:end] is the sentence.")
    end: int
    text: str
    worthiness: float = Field(
        ..., description="Check-worthiness, 0 to 1: the mean of the rules' score and the classifier's probability."
    )
    signals: list[str] = Field(
        ..., description="What the rules saw: finite_verb, number, date, entity, comparison, cause, ..."
    )
    excluded: str | None = Field(None, description="question, opinion or promise: never checked.")
    speaker: str | None = Field(None, description="Who says it, when it is reported speech or a quotation.")
    quote: bool = False
    claims: list[int] = Field(default_factory=list, description="Indexes of the claims taken from this sentence.")


class ArticleClaimResult(BaseModel):
    index: int
    text: str = Field(..., description="The claim as it was checked.")
    sentence_index: int
    start: int = Field(..., description="Offset of its sentence in the report's text (text[start:end]).")
    end: int
    sentence: str
    worthiness: float
    speaker: str | None = Field(None, description="Who said it, when the article reports it (the speaker's claim).")
    quote: bool = Field(False, description="True when it is a direct quotation.")
    replacements: list[ReplacedWords] = Field(default_factory=list)
    resolved_dates: list[ResolvedDateOut] = Field(default_factory=list)
    result: VerifyResponse = Field(..., description="The claim check: verdict, confidence, evidence.")


class ArticleSummary(BaseModel):
    sentences: int
    claims: int
    verdicts: dict[str, int] = Field(..., description="Claims per verdict.")
    note: str | None = Field(None, description="Why no claim was checked, when none was.")


class ArticleReport(BaseModel):
    title: str | None = None
    language: str | None = None
    published: str | None = None
    url: str | None = None
    source_format: Literal["text", "markdown", "html"]
    text: str = Field(..., description="The article text every offset points into (extracted, for HTML).")
    sentences: list[ArticleSentence]
    claims: list[ArticleClaimResult]
    summary: ArticleSummary
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage.")
    took_ms: float
    index_version: str | None = None
