"""Request and response models of the API (and the CLI's JSON output)."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationInfo, field_validator

Verdict = Literal["SUPPORTED", "REFUTED", "CONFLICTING", "NOT_ENOUGH_INFO"]
# corpus.ratings.RATING_CLASSES
RatingClass = Literal["false", "mostly_false", "mixed", "mostly_true", "true", "unverifiable", "other"]
# the one list of verdicts, in the order reports and tables give them
VERDICTS: tuple[str, ...] = get_args(Verdict)


def _lone_surrogate(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (a string, or strings in lists and dicts) a lone surrogate sits, or None.

    JSON may carry half a surrogate pair (``"\\ud800"``); no model reads it and no answer can be written
    with it, so it is refused on the way in."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"U+{ord(value[exc.start]):04X}, half of a surrogate pair, at {where or ''}offset {exc.start}"
        return None
    if isinstance(value, list | tuple):
        items = enumerate(value)
    elif isinstance(value, dict):
        items = [*((f"key {k!r}", k) for k in value), *value.items()]
    else:
        return None  # numbers, None; a nested model checks its own fields
    return next((found for key, item in items if (found := _lone_surrogate(item, f"{where}[{key}] "))), None)


def _takes_bool(annotation: Any) -> bool:
    return annotation is bool or annotation is Any or any(_takes_bool(a) for a in get_args(annotation))


# a static limit stated in the OpenAPI schema; the route checks it (with the limits that are settings)
_AT_LEAST_ONE = {"minimum": 1}


class Schema(BaseModel):
    """Base of every model here, so no route can miss the checks: each string field, and each string inside
    a list or dict field, must be valid Unicode; true or false is no number."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # pydantic's lax mode reads true as 1 and false as 0.0; a report with "took_ms": false is a mistake
        if (
            isinstance(value, bool)
            and info.field_name
            and not _takes_bool(cls.model_fields[info.field_name].annotation)
        ):
            raise ValueError("a boolean where a number or text belongs")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        where = _lone_surrogate(value)
        if where is not None:
            raise ValueError(f"invalid character ({where}); send UTF-8 text")
        return value


class Request(Schema):
    """Base of the request bodies: an unknown field is refused, so a typo is not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class SearchRequest(Request):
    claim: str = Field(
        ..., description="The claim to look up, in any language.", examples=["Belarusian access to NATO HQ restricted"]
    )
    top_k: StrictInt | None = Field(
        None,
        description="How many evidence passages to return (1 to FACTCHECK_MAX_TOP_K; default FACTCHECK_DEFAULT_TOP_K).",
        json_schema_extra=_AT_LEAST_ONE,
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


class BatchVerifyRequest(Request):
    claims: list[str] = Field(
        ...,
        description="The claims to check (1 to FACTCHECK_MAX_BATCH_CLAIMS), each in any language.",
        json_schema_extra={"minItems": 1},
    )
    top_k: StrictInt | None = Field(
        None, description="Evidence passages per claim (as in /v1/claims/verify).", json_schema_extra=_AT_LEAST_ONE
    )
    language: str | None = Field(None, description="The claims' language, when all share one and the caller knows it.")


class Evidence(Schema):
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


class Stance(Schema):
    label: Literal["supports", "refutes", "neutral"] = Field(
        ..., description="What the cited sentence says of the claim, after the consistency check."
    )
    supports: float = Field(..., description="Probability that the cited sentence entails the claim (calibrated).")
    refutes: float = Field(..., description="Probability that it contradicts the claim (calibrated).")
    neutral: float = Field(..., description="Probability that it neither entails nor contradicts it.")


class CitedSentence(Schema):
    text: str = Field(
        ..., description="The sentence of the passage the stance rests on (two with FACTCHECK_WINDOW_SENTENCES=2)."
    )
    start: int = Field(..., description="Character offset in the document text (document.text[start:end] == text).")
    end: int


class Consistency(Schema):
    numbers: int = Field(..., description="+1 the claim's numbers are in the sentence, -1 they differ, 0 not compared.")
    dates: int = Field(..., description="The same for dates.")
    entities: int = Field(..., description="The same for names and places.")
    actions: int = Field(
        0,
        description="-1 the sentence states the opposite of an action of the claim (formed against disbanded), 0 else.",
    )
    mismatches: list[str] = Field(default_factory=list, description="What differs, for a person.")


class VerifiedEvidence(Evidence):
    stance: Stance
    sentence: CitedSentence
    consistency: Consistency
    retrieval: dict[str, float | int | None] = Field(
        default_factory=dict,
        description="dense_rank, bm25_rank, bm25_score and fused score of the passage; relevance (0 to 1: how "
        "much its most relevant sentence is about the claim) and sentence_cosine (the cited sentence's cosine "
        "with the claim).",
    )


class SearchResponse(Schema):
    claim: str
    top_k: int
    evidence: list[Evidence]
    took_ms: float


class PriorFactCheck(Schema):
    """A fact-check already published about the same claim (imported from ClaimReview records)."""

    id: str
    claim: str = Field(..., description="The claim the fact-checker reviewed, as they wrote it.")
    score: float = Field(..., description="How sure the matcher is that it is the same claim (0 to 1).")
    rating: str | None = Field(None, description="The publisher's rating as written ('Falsch', 'Pants on Fire').")
    rating_class: RatingClass = Field(..., description="The rating on one scale, for every publisher and language.")
    publisher: str | None = None
    url: str | None = None
    published: str | None = Field(None, description="When the fact-check was published (YYYY-MM-DD where known).")
    language: str | None = None
    title: str | None = None


class VerifyResponse(Schema):
    claim: str
    language: str | None = Field(None, description="The claim's language, as given or detected.")
    verdict: Verdict
    confidence: float = Field(
        ...,
        description="Probability that the verdict is right, from curves fitted on Climate-FEVER and news claims "
        "(docs/benchmarks.md has its calibration error on claims it was not fitted on).",
    )
    top_k: int
    evidence: list[VerifiedEvidence] = Field(
        ..., description="The passages that bear on the claim, most decisive first, each with its stance."
    )
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Milliseconds per pipeline stage.")
    took_ms: float
    index_version: str | None = None
    prior_fact_checks: list[PriorFactCheck] = Field(
        default_factory=list,
        description="Fact-checks already published about this claim, best match first (empty when none passes the "
        "matcher's threshold). Their ratings are their publishers'; the verdict above is ours.",
    )


class MatchRequest(Request):
    claim: str = Field(..., description="The claim, in any language.", examples=["NATO banned Belarusian diplomats"])
    top_k: StrictInt | None = Field(
        None,
        description="At most this many fact-checks (1 to FACTCHECK_MAX_TOP_K; default 3).",
        json_schema_extra=_AT_LEAST_ONE,
    )
    language: str | None = Field(None, description="ISO 639-1 code of the claim's language; detected otherwise.")


class MatchResponse(Schema):
    claim: str
    language: str | None = None
    matches: list[PriorFactCheck] = Field(..., description="Prior fact-checks of the same claim, best first.")
    took_ms: float
    index_version: str | None = None


class FactChecksAccepted(Schema):
    count: int = Field(..., description="Fact-checks read from the request, to be imported by the job.")


class BatchVerifyResponse(Schema):
    results: list[VerifyResponse]
    timings_ms: dict[str, float] = Field(default_factory=dict, description="Milliseconds per stage, whole batch.")
    took_ms: float


class IndexInfo(Schema):
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
        default_factory=dict,
        description="Versions that failed their checks at load, and why: the newer ones skipped for the "
        "version served, or every version when none could be loaded.",
    )
    error: str | None = None
    fact_check_count: int | None = Field(None, description="Published fact-checks the version holds (for matching).")


class ErrorDetail(Schema):
    loc: str | None = None
    message: str


class ErrorResponse(Schema):
    ok: bool = False
    status: int
    code: str = Field(..., description="Stable machine-readable error code, e.g. invalid_request, index_unavailable.")
    error: str = Field(..., description="What went wrong and what to do, for a person.")
    errors: list[ErrorDetail] = Field(default_factory=list)


class DocumentIn(Request):
    """A document to add to the index, or to replace the one with the same id."""

    id: str = Field(..., min_length=1, max_length=500, description="Document id; an existing id is replaced.")
    text: str = Field(..., min_length=1, description="The full text; passages are cut from it.")
    title: str | None = None
    url: str | None = None
    language: str | None = Field(None, description="ISO 639-1 code; detected from the text when missing.")
    published: str | None = None
    source: str | None = None


class DocumentsRequest(Request):
    documents: list[DocumentIn] = Field(
        ...,
        min_length=1,
        description="1 to FACTCHECK_MAX_DOCUMENTS_PER_REQUEST documents, each id once (a repeated id is refused).",
    )


class RebuildRequest(Request):
    source: Literal["corpus", "stored"] | None = Field(
        None,
        description="'corpus': read FACTCHECK_CORPUS_PATH; 'stored': embed the documents of the current version "
        "again. Default: the corpus when FACTCHECK_CORPUS_PATH is set, else the stored documents.",
    )


class JobProgress(Schema):
    stage: str = Field(..., description="queued, loading, embedding, saving, verifying, switching, swapping.")
    done: int = Field(..., description="Items done in this stage (passages, while embedding).")
    total: int | None = None
    rate_per_s: float | None = None
    eta_s: float | None = Field(None, description="Seconds left in this stage, at the current rate.")
    elapsed_s: float


class JobInfo(Schema):
    id: str
    kind: str = Field(
        ..., description="rebuild, upsert_documents, delete_document, import_fact_checks or delete_fact_check."
    )
    state: Literal["queued", "running", "succeeded", "failed"]
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    progress: JobProgress
    result: dict[str, Any] | None = Field(None, description="The build report, once succeeded.")
    error: ErrorResponse | None = Field(None, description="Why it failed, in the API's error shape.")


class JobAccepted(Schema):
    job_id: str
    state: str
    url: str = Field(..., description="Where to follow the job: GET it.")


class ArticleCheckRequest(Request):
    # the article comes as text or as html: exactly one of them
    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["text"], "properties": {"text": {"type": "string"}}, "not": {"required": ["html"]}},
                {"required": ["html"], "properties": {"html": {"type": "string"}}, "not": {"required": ["text"]}},
            ]
        }
    )
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
        json_schema_extra=_AT_LEAST_ONE,
        description="Most claims to check (1 to FACTCHECK_MAX_BATCH_CLAIMS; default FACTCHECK_ARTICLE_MAX_CLAIMS).",
    )
    min_worthiness: StrictInt | StrictFloat | None = Field(
        None,
        json_schema_extra={"minimum": 0, "maximum": 1},
        description="Lowest check-worthiness a sentence needs (0 to 1; default FACTCHECK_MIN_WORTHINESS).",
    )
    top_k: StrictInt | None = Field(
        None, description="Evidence passages per claim (as in /v1/claims/verify).", json_schema_extra=_AT_LEAST_ONE
    )


class ReplacedWords(Schema):
    original: str = Field(..., description="The words of the sentence: 'Er', 'das Bündnis'.")
    replacement: str = Field(..., description="What the claim says instead: 'Jens Stoltenberg', 'Die NATO'.")


class ResolvedDateOut(Schema):
    text: str = Field(..., description="The relative date as the article says it: 'am Montag'.")
    date: str = Field(..., description="The date it was resolved to (ISO), from the publication date.")


class ArticleSentence(Schema):
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


class ArticleClaimResult(Schema):
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


class ArticleSummary(Schema):
    sentences: int
    claims: int
    verdicts: dict[str, int] = Field(..., description="Claims per verdict.")
    note: str | None = Field(None, description="Why no claim was checked, when none was.")


class ArticleReport(Schema):
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
