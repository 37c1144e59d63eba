"""Article check: article -> clean text -> sentences -> check-worthiness -> claims -> one batched claim
check -> report. Shared by the API and the CLI; the pipeline is :func:`service.article.pipeline.build_article_pipeline`,
its last steps :mod:`service.article.report`.
"""

from __future__ import annotations

import time

from haystack.core.errors import PipelineRuntimeError

from index.errors import IndexError_
from service.article.pipeline import build_article_pipeline
from service.article.worthiness import StepReporter
from service.claim_checker import ClaimChecker, validate_language, validate_top_k
from service.errors import FactCheckError, InvalidInputError
from service.schemas import (
    ArticleReport,
    BatchVerifyResponse,
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

    def __init__(self, settings: Settings, lookup: ClaimChecker) -> None:
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
        progress: StepReporter | None = None,
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
