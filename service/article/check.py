"""Article check: article -> clean text -> sentences -> check-worthiness -> claims -> one batched claim
check -> report. Shared by the API and the CLI; the steps are the components of
:func:`service.pipelines.build_article_pipeline`.
"""

from __future__ import annotations

import time
from collections import Counter

from haystack import component
from haystack.core.errors import PipelineRuntimeError

from index.errors import IndexError_
from service.article.claims import ArticleClaim, SentenceRole
from service.article.extract import ArticleText
from service.article.rules import FLAG_NAMES
from service.article.worthiness import Progress, ScoredSentence
from service.errors import FactCheckError, InvalidInputError
from service.lookup import ClaimLookup, validate_language, validate_top_k
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
from service.settings import Settings

# timings_ms key -> pipeline component
STAGES = {
    "extract": "clean",
    "sentences": "sentences",
    "worthiness": "worthiness",
    "claims": "select",
    "verify": "verify",
}


@component
class ClaimVerifier:
    """Check all chosen claims in one batch (one embedding call, one stance call) with the claim check pipeline."""

    def __init__(self, lookup: ClaimLookup) -> None:
        self.lookup = lookup

    @component.output_types(batch=BatchVerifyResponse, ms=float)
    def run(
        self, claims: list[ArticleClaim], article: ArticleText, top_k: int, progress: Progress | None = None
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


def validate_max_claims(value: object, settings: Settings) -> int:
    if value is None:
        return min(settings.article_max_claims, settings.max_batch_claims)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= settings.max_batch_claims:
        raise InvalidInputError(
            f"max_claims must be a whole number from 1 to {settings.max_batch_claims} (FACTCHECK_MAX_BATCH_CLAIMS), "
            f"got {value!r}",
            [{"loc": "max_claims", "message": "out of range"}],
        )
    return value


def validate_worthiness(value: object, settings: Settings) -> float:
    if value is None:
        return settings.min_worthiness
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise InvalidInputError(
            f"min_worthiness must be a number from 0 to 1, got {value!r}",
            [{"loc": "min_worthiness", "message": "out of range"}],
        )
    return float(value)


class ArticleCheck:
    """The article check pipeline over a loaded claim lookup."""

    def __init__(self, settings: Settings, lookup: ClaimLookup) -> None:
        from service.pipelines import build_article_pipeline

        self.settings = settings
        self.lookup = lookup
        self.pipeline = build_article_pipeline(settings, lookup)
        self.pipeline.warm_up()

    def check(
        self,
        text: str | None = None,
        html: str | None = None,
        *,
        markdown: bool = False,
        language: object = None,
        published: object = None,
        url: str | None = None,
        max_claims: object = None,
        min_worthiness: object = None,
        top_k: object = None,
        progress: Progress | None = None,
    ) -> ArticleReport:
        lang = validate_language(language)
        k = validate_top_k(top_k, self.settings)  # type: ignore[arg-type]
        limit = validate_max_claims(max_claims, self.settings)
        bar = validate_worthiness(min_worthiness, self.settings)
        started = time.perf_counter()
        out = self._run(
            {
                "clean": {
                    "text": text, "html": html, "markdown": markdown, "language": lang, "published": published,
                    "url": url,
                },
                "select": {"max_claims": limit, "min_worthiness": bar},
                "verify": {"top_k": k, "progress": progress},
                "worthiness": {"progress": progress},
            },
        )  # fmt: skip
        report: ArticleReport = out["report"]["report"]
        report.took_ms = round((time.perf_counter() - started) * 1000, 2)
        report.timings_ms = {stage: round(out[name]["ms"], 2) for stage, name in STAGES.items()}
        batch: BatchVerifyResponse = out["verify"]["batch"]
        for stage, ms in batch.timings_ms.items():
            if stage != "total":
                report.timings_ms[f"verify.{stage}"] = ms
        report.timings_ms["total"] = report.took_ms
        return report

    def _run(self, inputs: dict) -> dict:
        try:
            return self.pipeline.run(inputs, include_outputs_from=set(STAGES.values()))
        except PipelineRuntimeError as exc:
            # a step's own error (bad input, no index) is the user's answer, not the pipeline's wrapper
            cause = exc.__cause__
            while isinstance(cause, PipelineRuntimeError):
                cause = cause.__cause__
            if isinstance(cause, FactCheckError | IndexError_):
                raise cause from None
            raise
