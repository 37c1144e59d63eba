"""The claim pipelines, built from settings: search (claim -> embedding -> similar passages), check
(claims -> evidence with stance -> verdict, and the prior fact-checks beside it) and match (claims ->
prior fact-checks alone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from haystack import Pipeline

from index.embedders import text_embedder
from index.retriever import FaissEmbeddingRetriever
from index.search_store import SearchStore
from service.model_names import resolve_model_path
from service.settings import Settings

# Makes the embedder component of a pipeline in place of a local model: called with the kind
# ("text": a text embedder, output ``embedding``; "documents": a document embedder, output
# ``documents``) and the query prefix. The Ray Serve ingress (service.ray_serve) embeds remotely.
EmbedderFactory = Callable[[str, str], Any]


def build_lookup_pipeline(
    settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None = None
) -> Pipeline:
    """claim -> embedding -> top-k passages. The query prefix is the one the index was built for."""
    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    prefix = store.manifest.query_prefix if store.manifest else settings.query_prefix
    pipe = Pipeline()
    if embedder_factory is not None:
        pipe.add_component("embedder", embedder_factory("text", prefix))
    else:
        pipe.add_component("embedder", text_embedder(model_path, prefix, settings.embed_batch_size))
    pipe.add_component("retriever", FaissEmbeddingRetriever(store, top_k=settings.default_top_k))
    pipe.connect("embedder.embedding", "retriever.query_embedding")
    return pipe


def build_verify_pipeline(
    settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None = None
) -> Pipeline:
    """claims -> embeddings -> dense + BM25 hits -> fused candidates -> sentence windows -> stance
    -> judged passages (consistency, corrections, cited window) -> reranked evidence -> verdict,
    for a batch of claims at once.

    Run it with ``{"claims": {"claims": [...], "languages": [...]}}``; every step also reports
    its milliseconds as an unconnected ``ms`` output.
    """
    from index.embedders import document_embedder
    from index.inference import model_lock
    from service.verify.claims import ClaimBatch, LockedEmbedder
    from service.verify.evidence import PassageJudge
    from service.verify.fuse import RankFusion
    from service.verify.prior.match import PriorFactChecks
    from service.verify.relevance import WindowRelevance
    from service.verify.rerank import EvidenceRanker
    from service.verify.retrieve import DenseRetriever, LexicalRetriever
    from service.verify.stance import WindowStance, shared_scorer
    from service.verify.verdict import VerdictAggregator, VerdictParams
    from service.verify.windows import SentenceWindows

    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    prefix = store.manifest.query_prefix if store.manifest else settings.query_prefix
    pipe = Pipeline()
    pipe.add_component("claims", ClaimBatch())
    # the document embedder takes the whole batch in one call; it shares the model with the lookup pipeline
    if embedder_factory is not None:
        embedder = embedder_factory("documents", prefix)
    else:
        embedder = document_embedder(model_path, prefix, settings.embed_batch_size, progress_bar=False)
    locked = LockedEmbedder(embedder, model_lock(model_path))
    pipe.add_component("embedder", locked)
    pipe.add_component("dense", DenseRetriever(store, depth=settings.retrieval_depth))
    pipe.add_component("bm25", LexicalRetriever(store, depth=settings.retrieval_depth))
    pipe.add_component("fuse", RankFusion(store, candidates=settings.verify_candidates))
    pipe.add_component("windows", SentenceWindows(max_sentences=settings.window_sentences))
    params = VerdictParams.load()
    # the windows are embedded by the claims' embedder (e5's symmetric "query: " prefix on both sides)
    pipe.add_component(
        "relevance", WindowRelevance(locked, params, settings.relevance_cache_size, settings.stance_max_windows, store)
    )
    pipe.add_component("stance", WindowStance(shared_scorer(settings)))
    pipe.add_component("judge", PassageJudge(params))
    pipe.add_component("rerank", EvidenceRanker())
    pipe.add_component("verdict", VerdictAggregator(params))
    # beside the evidence, not in its place: the published fact-checks of the same claim
    pipe.add_component("prior", PriorFactChecks(store, top_k=settings.prior_top_k))
    pipe.connect("embedder.documents", "prior.documents")
    pipe.connect("claims.claims", "prior.claims")
    pipe.connect("claims.languages", "prior.languages")
    pipe.connect("claims.documents", "embedder.documents")
    pipe.connect("embedder.documents", "dense.documents")
    pipe.connect("claims.claims", "bm25.claims")
    pipe.connect("claims.languages", "bm25.languages")
    pipe.connect("dense.hits", "fuse.dense")
    pipe.connect("bm25.hits", "fuse.lexical")
    pipe.connect("dense.embeddings", "fuse.embeddings")
    pipe.connect("fuse.candidates", "windows.candidates")
    pipe.connect("embedder.documents", "relevance.claims")
    pipe.connect("claims.languages", "relevance.languages")
    pipe.connect("fuse.candidates", "relevance.candidates")
    pipe.connect("windows.windows", "relevance.windows")
    pipe.connect("claims.claims", "stance.claims")
    pipe.connect("windows.windows", "stance.windows")
    pipe.connect("relevance.relevance", "stance.relevance")
    pipe.connect("relevance.relevance", "judge.relevance")
    pipe.connect("relevance.cosines", "judge.cosines")
    pipe.connect("claims.claims", "judge.claims")
    pipe.connect("claims.languages", "judge.languages")
    pipe.connect("fuse.candidates", "judge.candidates")
    pipe.connect("windows.windows", "judge.windows")
    pipe.connect("stance.probs", "judge.probs")
    pipe.connect("judge.scored", "rerank.scored")
    pipe.connect("rerank.evidence", "verdict.evidence")
    return pipe


def build_match_pipeline(
    settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None = None
) -> Pipeline:
    """claims -> embeddings -> prior fact-checks of the same claims (no evidence, no verdict).

    Run it with ``{"claims": {"claims": [...], "languages": [...]}, "prior": {"top_k": k}}``.
    """
    from index.embedders import document_embedder
    from index.inference import model_lock
    from service.verify.claims import ClaimBatch, LockedEmbedder
    from service.verify.prior.match import PriorFactChecks

    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    prefix = store.manifest.query_prefix if store.manifest else settings.query_prefix
    if embedder_factory is not None:
        embedder = embedder_factory("documents", prefix)
    else:
        embedder = document_embedder(model_path, prefix, settings.embed_batch_size, progress_bar=False)
    pipe = Pipeline()
    pipe.add_component("claims", ClaimBatch())
    pipe.add_component("embedder", LockedEmbedder(embedder, model_lock(model_path)))
    pipe.add_component("prior", PriorFactChecks(store, top_k=settings.prior_top_k))
    pipe.connect("claims.documents", "embedder.documents")
    pipe.connect("embedder.documents", "prior.documents")
    pipe.connect("claims.claims", "prior.claims")
    pipe.connect("claims.languages", "prior.languages")
    return pipe
