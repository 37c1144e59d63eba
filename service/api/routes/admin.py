"""Admin endpoints: rebuild the index and add, replace or delete documents, as background jobs.

Each accepted change answers 202 with a job id at once; the job builds a new index version,
verifies it and swaps the service over to it. One job at a time: another request gets 409.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from corpus.documents import SourceDocument
from corpus.language import detect_language
from index.build import BuildReport
from index.factcheck_report import FactCheckReport
from index.lock import BuildLock
from index.progress import ProgressTracker
from service import index_ops
from service.api.auth import AdminDep
from service.api.deps import SettingsDep
from service.errors import InvalidInputError, NotFoundError, hide_paths_in
from service.schemas import DocumentsRequest, ErrorResponse, JobAccepted, JobInfo, RebuildRequest

router = APIRouter(tags=["admin"], dependencies=[AdminDep])
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422, 503)
}
Operation = Callable[[BuildLock, ProgressTracker], BuildReport | FactCheckReport]


def _start(request: Request, kind: str, operation: Operation) -> JSONResponse:
    """Run ``operation`` as a job; when it has written a new version, swap the service over to it."""
    app = request.app

    def work(lock: BuildLock, tracker: ProgressTracker) -> dict[str, Any]:
        report = operation(lock, tracker)
        tracker.stage("swapping")
        app.state.swapper.refresh()
        serving = app.state.lookup.version if app.state.lookup is not None else None
        return {**index_ops.report_dict(report), "serving": serving}

    job = app.state.jobs.submit(kind, app.state.settings.index_dir, work)
    url = f"/v1/index/jobs/{job.id}"
    body = JobAccepted(job_id=job.id, state=job.state, url=url)
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": url})


@router.post(
    "/v1/index/rebuild", status_code=202, response_model=JobAccepted, responses=_ERRORS, summary="Rebuild the index"
)
async def rebuild(
    request: Request, settings: SettingsDep, body: Annotated[RebuildRequest | None, Body()] = None
) -> JSONResponse:
    """Embed every passage again into a new index version (a job), from the corpus or the stored documents."""
    source = (body.source if body else None) or ("corpus" if settings.corpus_path else "stored")
    if source == "corpus" and settings.corpus_path is None:
        raise InvalidInputError(
            "source 'corpus' needs FACTCHECK_CORPUS_PATH to be set", [{"loc": "source", "message": "no corpus set"}]
        )
    corpus = settings.corpus_path if source == "corpus" else None
    return _start(request, "rebuild", lambda lock, tracker: index_ops.run_build(settings, corpus, tracker, lock))


@router.post(
    "/v1/documents", status_code=202, response_model=JobAccepted, responses=_ERRORS, summary="Add or replace documents"
)
async def upsert(request: Request, settings: SettingsDep, body: DocumentsRequest) -> JSONResponse:
    """Add documents, or replace those with the same id; only they are embedded (a job)."""
    if len(body.documents) > settings.max_documents_per_request:
        raise InvalidInputError(
            f"{len(body.documents)} documents in one request; the limit is {settings.max_documents_per_request} "
            "(FACTCHECK_MAX_DOCUMENTS_PER_REQUEST)",
            [{"loc": "documents", "message": "too many"}],
        )
    problems = _document_problems(body, settings.max_document_chars)
    if problems:
        summary = "; ".join(f"{p['loc']}: {p['message']}" for p in problems[:3])
        raise InvalidInputError(f"invalid request: {summary}", problems)
    docs = [
        SourceDocument(
            id=d.id.strip(),
            text=d.text,
            title=d.title,
            url=d.url,
            language=d.language or detect_language(d.text),
            published=d.published,
            source=d.source,
        )
        for d in body.documents
    ]
    return _start(
        request, "upsert_documents", lambda lock, tracker: index_ops.run_upsert(settings, docs, tracker, lock)
    )


def _document_problems(body: DocumentsRequest, max_chars: int) -> list[dict[str, str]]:
    problems, seen = [], set()
    for n, doc in enumerate(body.documents):
        doc_id = doc.id.strip()
        if not doc_id:
            problems.append({"loc": f"documents.{n}.id", "message": "empty or only white space"})
        elif doc_id in seen:
            problems.append({"loc": f"documents.{n}.id", "message": f"duplicate id {doc_id!r} in this request"})
        seen.add(doc_id)
        if not doc.text.strip():
            problems.append({"loc": f"documents.{n}.text", "message": "empty or only white space"})
        elif len(doc.text) > max_chars:
            problems.append(
                {
                    "loc": f"documents.{n}.text",
                    "message": f"longer than {max_chars} characters (FACTCHECK_MAX_DOCUMENT_CHARS)",
                }
            )
    return problems


@router.delete(
    "/v1/documents/{doc_id:path}",
    status_code=202,
    response_model=JobAccepted,
    responses=_ERRORS,
    summary="Delete a document",
)
async def delete(request: Request, settings: SettingsDep, doc_id: str) -> JSONResponse:
    """Remove a document and its passages from the index (a job)."""
    lookup = request.app.state.lookup
    # off the event loop: the lookup reads SQLite, or asks a shard deployment under Ray Serve
    if lookup is not None and not await run_in_threadpool(lambda: doc_id in lookup.store.sources):
        raise NotFoundError(f"no document {doc_id!r} in the index")
    return _start(
        request, "delete_document", lambda lock, tracker: index_ops.run_delete(settings, [doc_id], tracker, lock)
    )


@router.post(
    "/v1/fact-checks",
    status_code=202,
    response_model=JobAccepted,
    responses=_ERRORS,
    summary="Import published fact-checks",
)
async def import_fact_checks(request: Request, settings: SettingsDep, body: Annotated[Any, Body()]) -> JSONResponse:
    """Add published fact-checks (a job), replacing those with the same id; claims are matched to them.

    The body is ClaimReview JSON-LD (a record, a list, an ``@graph`` or a data feed with
    ``dataFeedElement[].item[]``), or a JSON list of ``{"id", "claim", "rating"?, "url"?, "publisher"?,
    "published"?, "language"?, "title"?}``. A request with a bad record imports nothing: the answer
    (422) names each one by its JSON path.
    """
    from corpus.claimreview import parse_fact_checks_json

    records, problems = parse_fact_checks_json(body)
    if problems:
        summary = "; ".join(f"{p['loc']}: {p['message']}" for p in problems[:3])
        raise InvalidInputError(f"invalid fact-checks: {summary}", problems)
    if len(records) > settings.max_fact_checks_per_request:
        raise InvalidInputError(
            f"{len(records)} fact-checks in one request; the limit is {settings.max_fact_checks_per_request} "
            "(FACTCHECK_MAX_FACT_CHECKS_PER_REQUEST)",
            [{"loc": "body", "message": "too many"}],
        )
    return _start(
        request, "import_fact_checks",
        lambda lock, tracker: index_ops.run_import_fact_checks(settings, records, tracker, lock),
    )


@router.delete(
    "/v1/fact-checks/{fact_check_id:path}",
    status_code=202,
    response_model=JobAccepted,
    responses=_ERRORS,
    summary="Delete a published fact-check",
)
async def delete_fact_check(request: Request, settings: SettingsDep, fact_check_id: str) -> JSONResponse:
    """Remove a fact-check from the index (a job)."""
    lookup = request.app.state.lookup
    held = getattr(lookup.store, "fact_checks", None) if lookup is not None else None
    if lookup is not None and (held is None or fact_check_id not in held.row_of):
        raise NotFoundError(f"no fact-check {fact_check_id!r} in the index")
    return _start(
        request, "delete_fact_check",
        lambda lock, tracker: index_ops.run_delete_fact_checks(settings, [fact_check_id], tracker, lock),
    )


@router.get("/v1/index/jobs/{job_id}", response_model=JobInfo, responses=_ERRORS, summary="Follow an index job")
async def job_status(request: Request, job_id: str) -> JobInfo:
    """State, stage and progress (passages embedded, rate, time left) of a job; its report once it is done."""
    info = request.app.state.jobs.info(job_id)
    if info is None:
        raise NotFoundError(f"no job {job_id!r}")
    # a report or error names the index folder; an answer says its name, never where the server keeps it
    return JobInfo.model_validate(hide_paths_in(info.model_dump(mode="json"), request.app.state.settings.index_dir))
