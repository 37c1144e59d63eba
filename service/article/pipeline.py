"""The article pipeline: article -> clean text -> sentences with offsets -> check-worthiness -> claims ->
one batched claim check (the claim verifier's pipeline) -> report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from haystack import Pipeline

from service.model_names import resolve_model_path
from service.settings import Settings

if TYPE_CHECKING:
    from service.claim_checker import ClaimChecker


def build_article_pipeline(settings: Settings, lookup: ClaimChecker) -> Pipeline:
    """article -> clean text -> sentences with offsets -> check-worthiness -> claims -> one batched claim
    check (the verify pipeline of ``lookup``) -> report.

    Run it with ``{"clean": {"text" or "html": ...}, "select": {"max_claims", "min_worthiness"},
    "verify": {"top_k"}}``; every step reports its milliseconds as an ``ms`` output.
    """
    from index.inference import model_lock
    from service.article.claims import ClaimSelector
    from service.article.extract import ArticleCleaner
    from service.article.report import ClaimVerifier, ReportBuilder
    from service.article.sentences import ArticleSentences
    from service.article.worthiness import Classifier, WorthinessScorer
    from service.verify.onnx_embedder import check_embedder

    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    # the classifier was trained on embeddings with its own prefix, not the index's query prefix
    embedder = check_embedder(settings, model_path, Classifier.load().prefix)
    pipe = Pipeline()
    pipe.add_component("clean", ArticleCleaner(max_chars=settings.max_article_chars))
    pipe.add_component("sentences", ArticleSentences(splitter=settings.article_splitter))
    pipe.add_component(
        "worthiness", WorthinessScorer(embedder, model_lock(model_path), embedding_model=settings.embedding_model)
    )
    pipe.add_component("select", ClaimSelector(max_claim_chars=settings.max_claim_chars))
    pipe.add_component("verify", ClaimVerifier(lookup))
    pipe.add_component("report", ReportBuilder())
    pipe.connect("clean.article", "sentences.article")
    pipe.connect("sentences.sentences", "worthiness.sentences")
    pipe.connect("clean.article", "worthiness.article")
    pipe.connect("clean.article", "select.article")
    pipe.connect("worthiness.scored", "select.scored")
    pipe.connect("select.claims", "verify.claims")
    pipe.connect("clean.article", "verify.article")
    pipe.connect("clean.article", "report.article")
    pipe.connect("worthiness.scored", "report.scored")
    pipe.connect("select.roles", "report.roles")
    pipe.connect("select.claims", "report.claims")
    pipe.connect("select.note", "report.note")
    pipe.connect("verify.batch", "report.batch")
    return pipe
