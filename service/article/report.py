"""The article pipeline's last steps: the chosen claims checked in one batch, and the report built from
every step's output (sentences with their signals, claims with their results, the summary)."""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

from haystack import component

from service.article.claims import ArticleClaim, SentenceRole
from service.article.extract import ArticleText
from service.article.rules import FLAG_NAMES
from service.article.worthiness import ScoredSentence, StepReporter
from service.schemas import (
    VERDICTS,
    ArticleClaimResult,
    ArticleReport,
    ArticleSentence,
    ArticleSummary,
    BatchVerifyResponse,
    ReplacedWords,
    ResolvedDateOut,
)

if TYPE_CHECKING:
    from service.claim_checker import ClaimChecker


@component
class ClaimVerifier:
    """Check all chosen claims in one batch (one embedding call, one stance call) with the claim check pipeline."""

    def __init__(self, lookup: ClaimChecker) -> None:
        self.lookup = lookup

    @component.output_types(batch=BatchVerifyResponse, ms=float)
    def run(
        self, claims: list[ArticleClaim], article: ArticleText, top_k: int, progress: StepReporter | None = None
    ) -> dict:
        started = time.perf_counter()
        if progress:
            progress(f"checking {len(claims)} claims", 0, len(claims))
        if claims:
            # the article's language (given or detected on the whole text) beats a guess from a short claim
            batch = self.lookup.verify_batch([c.text for c in claims], top_k, article.language)
        else:
            batch = BatchVerifyResponse(results=[], timings_ms={}, took_ms=0.0)
        if progress:
            progress(f"checked {len(claims)} claims", len(claims), len(claims))
        return {"batch": batch, "ms": (time.perf_counter() - started) * 1000}


def _signals(item: ScoredSentence) -> list[str]:
    return [name for name, value in zip(FLAG_NAMES, item.flags.vector(), strict=True) if value]


@component
class ReportBuilder:
    """Sentences, claims with their check results, and a summary: the report a person or a machine reads."""

    @component.output_types(report=ArticleReport)
    def run(
        self,
        article: ArticleText,
        scored: list[ScoredSentence],
        roles: list[SentenceRole],
        claims: list[ArticleClaim],
        batch: BatchVerifyResponse,
        note: str = "",
    ) -> dict:
        by_sentence: dict[int, list[int]] = {}
        results = []
        for i, (claim, result) in enumerate(zip(claims, batch.results, strict=True)):
            by_sentence.setdefault(claim.sentence_index, []).append(i)
            result.timings_ms = {}
            results.append(
                ArticleClaimResult(
                    index=i,
                    text=claim.text,
                    sentence_index=claim.sentence_index,
                    start=claim.start,
                    end=claim.end,
                    sentence=claim.sentence,
                    worthiness=round(claim.worthiness, 4),
                    speaker=claim.speaker,
                    quote=claim.quote,
                    replacements=[
                        ReplacedWords(original=r.original, replacement=r.replacement) for r in claim.replacements
                    ],
                    resolved_dates=[ResolvedDateOut(text=d.text, date=d.date) for d in claim.resolved_dates],
                    result=result,
                )
            )
        sentences = [
            ArticleSentence(
                index=item.sentence.index,
                start=item.sentence.start,
                end=item.sentence.end,
                text=item.sentence.text,
                worthiness=round(item.score, 4),
                signals=_signals(item),
                excluded=item.excluded or role.skipped,
                speaker=role.speaker,
                quote=role.quote,
                claims=by_sentence.get(item.sentence.index, []),
            )
            for item, role in zip(scored, roles, strict=True)
        ]
        counts = Counter(r.result.verdict for r in results)
        report = ArticleReport(
            title=article.title,
            language=article.language,
            published=article.published,
            url=article.url,
            source_format=article.source_format,
            text=article.text,
            sentences=sentences,
            claims=results,
            summary=ArticleSummary(
                sentences=len(sentences),
                claims=len(results),
                verdicts={v: counts.get(v, 0) for v in VERDICTS},
                note=note or None,
            ),
            took_ms=0.0,
            index_version=batch.results[0].index_version if batch.results else None,
        )
        return {"report": report}
