"""schema.org ClaimReview records (JSON-LD) from an article report, for the fact-checking ecosystem.

The mapping (also in the README):

- ``claimReviewed``: the claim as it was checked;
- ``reviewRating``: a ``Rating`` with ``alternateName`` the verdict and, on a 1-3 scale
  (``worstRating`` 1, ``bestRating`` 3), ``ratingValue`` 3 for SUPPORTED, 2 for CONFLICTING and 1 for
  REFUTED; NOT_ENOUGH_INFO has no numeric value;
- ``itemReviewed``: a ``Claim`` whose ``author`` is the speaker (a ``Person``) when the article reports
  who said it, with the article as ``appearance`` (a ``CreativeWork`` with its URL, headline and date)
  when its URL is known, and ``firstAppearance`` the same;
- ``datePublished``: the day of the review; ``author``: the ``Organization`` named by
  FACTCHECK_CLAIMREVIEW_AUTHOR;
- ``reviewBody``: the cited evidence sentence the verdict rests on, with its document's title;
- ``citation``: the fact-checks already published about the same claim (``prior_fact_checks``), each a
  ``ClaimReview`` of its own with its publisher as ``author`` and its publisher's rating: cited beside
  our review, never merged into our ``reviewRating``.
"""

from __future__ import annotations

import datetime as dt

from service.schemas import ArticleClaimResult, ArticleReport

RATINGS = {"SUPPORTED": 3, "CONFLICTING": 2, "REFUTED": 1}
CONTEXT = "https://schema.org"


def _rating(verdict: str, confidence: float) -> dict:
    rating: dict = {"@type": "Rating", "alternateName": verdict}
    if verdict in RATINGS:
        rating.update(ratingValue=RATINGS[verdict], worstRating=1, bestRating=3)
    return rating


def _item(claim: ArticleClaimResult, report: ArticleReport) -> dict:
    item: dict = {"@type": "Claim", "text": claim.sentence}
    if claim.speaker:
        item["author"] = {"@type": "Person", "name": claim.speaker}
    if report.url:
        work: dict = {"@type": "CreativeWork", "url": report.url}
        if report.title:
            work["headline"] = report.title
        if report.published:
            work["datePublished"] = report.published
        item["appearance"] = work
        item["firstAppearance"] = work
    if report.published:
        item["datePublished"] = report.published
    return item


def _body(claim: ArticleClaimResult) -> str | None:
    result = claim.result
    if not result.evidence:
        return None
    first = result.evidence[0]
    where = f" ({first.title})" if first.title else ""
    return f"{result.verdict} ({result.confidence:.0%}): {first.sentence.text}{where}"


def _prior(claim: ArticleClaimResult) -> list[dict]:
    cited = []
    for m in claim.result.prior_fact_checks:
        review: dict = {"@type": "ClaimReview", "claimReviewed": m.claim}
        if m.url:
            review["url"] = m.url
        if m.publisher:
            review["author"] = {"@type": "Organization", "name": m.publisher}
        if m.rating:
            review["reviewRating"] = {"@type": "Rating", "alternateName": m.rating}
        if m.published:
            review["datePublished"] = m.published
        if m.language:
            review["inLanguage"] = m.language
        cited.append(review)
    return cited


def claim_reviews(report: ArticleReport, author: str, today: dt.date | None = None) -> list[dict]:
    """One ClaimReview per checked claim of ``report``."""
    reviewed_on = (today or dt.date.today()).isoformat()
    records = []
    for claim in report.claims:
        record = {
            "@context": CONTEXT,
            "@type": "ClaimReview",
            "claimReviewed": claim.text,
            "reviewRating": _rating(claim.result.verdict, claim.result.confidence),
            "itemReviewed": _item(claim, report),
            "datePublished": reviewed_on,
            "author": {"@type": "Organization", "name": author},
        }
        body = _body(claim)
        if body:
            record["reviewBody"] = body
        prior = _prior(claim)
        if prior:
            record["citation"] = prior
        if claim.result.language or report.language:
            record["inLanguage"] = claim.result.language or report.language
        records.append(record)
    return records
