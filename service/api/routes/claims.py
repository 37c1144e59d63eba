from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from service.api.auth import ReaderDep
from service.api.deps import LookupDep
from service.schemas import ErrorResponse, VerifyRequest, VerifyResponse

router = APIRouter(prefix="/v1/claims", tags=["claims"], dependencies=[ReaderDep])
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 422, 503)}


@router.post("/verify", response_model=VerifyResponse, responses=_ERRORS, summary="Find evidence for one claim")
async def verify_claim(body: VerifyRequest, lookup: LookupDep) -> VerifyResponse:
    """Rank the passages of the reference corpus by how closely they bear on the claim.

    Each passage comes with its document, title, URL, language and character offsets.
    """
    return await run_in_threadpool(lookup.lookup, body.claim, body.top_k)
