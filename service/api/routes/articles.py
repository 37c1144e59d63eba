from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool

from service.api.auth import ReaderDep
from service.api.deps import LookupDep, SettingsDep
from service.article.check import ArticleCheck
from service.article.claimreview import claim_reviews
from service.schemas import ArticleCheckRequest, ArticleReport, ErrorResponse

router = APIRouter(prefix="/v1/articles", tags=["articles"], dependencies=[ReaderDep])
_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 422, 503)}


def get_article_check(request: Request, lookup: LookupDep) -> ArticleCheck:
    """The article check over the lookup this request uses; made again after an index swap."""
    state = request.app.state
    cached: ArticleCheck | None = getattr(state, "article_check", None)
    if cached is None or cached.lookup is not lookup:
        cached = ArticleCheck(state.settings, lookup)
        state.article_check = cached
    return cached


ArticleCheckDep = Annotated[ArticleCheck, Depends(get_article_check)]


@router.post("/check", response_model=ArticleReport, responses=_ERRORS, summary="Check the claims of an article")
async def check_article(body: ArticleCheckRequest, check: ArticleCheckDep, request: Request) -> ArticleReport:
    """Find the check-worthy claims of an article (text or HTML) and check them all in one batch.

    The report has the article's title, language and date where found; every sentence with its
    offsets into `text` and its check-worthiness; the claims chosen, each with the sentence it came
    from (`text[start:end]`), its speaker when the article reports who said it, and the full claim
    check (verdict, confidence, evidence); and a summary with counts per verdict and the time per stage.
    """
    report = await run_in_threadpool(
        check.check,
        body.text,
        body.html,
        markdown=body.markdown,
        language=body.language,
        published=body.published,
        url=body.url,
        max_claims=body.max_claims,
        min_worthiness=body.min_worthiness,
        top_k=body.top_k,
    )
    stages = {k.removeprefix("verify."): v for k, v in report.timings_ms.items() if k.startswith("verify.")}
    request.app.state.metrics.observe_check([c.result.verdict for c in report.claims], stages)
    return report


@router.post(
    "/claimreview",
    responses=_ERRORS,
    summary="ClaimReview records of an article report",
    response_model=list[dict[str, Any]],
)
async def claimreview(report: ArticleReport, settings: SettingsDep) -> list[dict[str, Any]]:
    """schema.org ClaimReview JSON-LD, one record per checked claim, from a report that
    /v1/articles/check answered (nothing is checked again). The mapping is in the README."""
    return claim_reviews(report, settings.claimreview_author)
