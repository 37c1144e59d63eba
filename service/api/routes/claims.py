from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool

from service.api.auth import ReaderDep
from service.api.deps import LookupDep
from service.schemas import (
    BatchVerifyRequest,
    BatchVerifyResponse,
    ErrorResponse,
    MatchRequest,
    MatchResponse,
    SearchRequest,
    SearchResponse,
    VerifyRequest,
    VerifyResponse,
)

router = APIRouter(prefix="/v1/claims", tags=["claims"], dependencies=[ReaderDep])
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 422, 503)}


@router.post("/verify", response_model=VerifyResponse, responses=_ERRORS, summary="Check one claim")
async def verify_claim(body: VerifyRequest, lookup: LookupDep, request: Request) -> VerifyResponse:
    """Check a claim against the reference corpus.

    The answer is a verdict (SUPPORTED, REFUTED, CONFLICTING or NOT_ENOUGH_INFO) with the
    probability that it is right, and the evidence it rests on: each passage with its stance
    (supports, refutes, neutral, with the three probabilities), the exact sentence cited (offsets
    into the document), its document, title, URL and language, and a check of the numbers, dates
    and places the claim and the sentence name.
    """
    # concurrent requests share one pipeline run (service.api.batching; FACTCHECK_BATCH_WINDOW_MS)
    result = await request.app.state.batcher.verify(lookup, body.claim, body.top_k, body.language)
    request.app.state.metrics.observe_check([result.verdict], {})  # stage timings: once per run, by the batcher
    return result


@router.post(
    "/verify-batch",
    response_model=BatchVerifyResponse,
    responses=_ERRORS,
    summary="Check many claims in one pass",
)
async def verify_batch(body: BatchVerifyRequest, lookup: LookupDep, request: Request) -> BatchVerifyResponse:
    """Check up to FACTCHECK_MAX_BATCH_CLAIMS claims: one embedding call and one stance call for
    all of them. Each result is what /v1/claims/verify answers for that claim."""
    batch = await run_in_threadpool(lookup.verify_batch, body.claims, body.top_k, body.language)
    request.app.state.metrics.observe_check([r.verdict for r in batch.results], batch.timings_ms)
    return batch


@router.post("/search", response_model=SearchResponse, responses=_ERRORS, summary="Find passages similar to a claim")
async def search_claim(body: SearchRequest, lookup: LookupDep) -> SearchResponse:
    """Retrieval only: the passages closest in meaning to the claim, ranked by cosine similarity,
    with no stance and no verdict."""
    return await run_in_threadpool(lookup.lookup, body.claim, body.top_k)


@router.post(
    "/match", response_model=MatchResponse, responses=_ERRORS, summary="Find fact-checks already published about a claim"
)
async def match_claim(body: MatchRequest, lookup: LookupDep) -> MatchResponse:
    """The published fact-checks of the same claim (imported ClaimReview records), best match first, each
    with its publisher's rating; no evidence and no verdict. Empty when none passes the matcher's threshold."""
    results = await run_in_threadpool(lookup.match, [body.claim], body.top_k, body.language, ["claim"])
    return results[0]
