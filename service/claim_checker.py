"""Claim check and lookup: validated claims in, a verdict with stance-labelled, cited evidence out
(or, for a lookup, the similar passages alone). Shared by the API and the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from haystack import Document

from index.search_store import SearchStore
from service.document_store import load_store
from service.errors import FactCheckError, InvalidInputError, ModelError
from service.schemas import (
    BatchVerifyResponse,
    CitedSentence,
    Consistency,
    Evidence,
    IndexInfo,
    MatchResponse,
    PriorFactCheck,
    SearchResponse,
    Stance,
    VerifiedEvidence,
    VerifyResponse,
)
from service.settings import Settings
from service.text import CONTROL, check_text, visible
from service.verify.pipeline import EmbedderFactory, build_lookup_pipeline, build_match_pipeline, verify_pipeline
from service.verify.types import ScoredCandidate, stance_label
from service.verify.verdict import ClaimVerdict

# (settings, index folder) -> the store to serve (index.search_store.SearchStore); by default
# service.document_store.load_store, the one place a store is opened from settings
StoreLoader = Callable[[Settings, Path], SearchStore]


def validate_claim(claim: object, settings: Settings, loc: str = "claim") -> str:
    """The claim, stripped; :class:`InvalidInputError` when it is not a usable claim."""
    if not isinstance(claim, str):
        raise InvalidInputError(f"{loc} must be a string", [{"loc": loc, "message": "not a string"}])
    text = claim.strip()
    if not visible(text):
        raise InvalidInputError(f"{loc} is empty", [{"loc": loc, "message": "empty or only white space"}])
    check_text(text, loc)
    control = CONTROL.search(text)
    if control:
        # a NUL or another control character is no part of a sentence, and the language guess fails on it
        raise InvalidInputError(
            f"{loc} holds a control character (U+{ord(control.group()):04X} at {control.start()}); "
            "send the claim as plain text",
            [{"loc": loc, "message": "control character"}],
        )
    if len(text) > settings.max_claim_chars:
        raise InvalidInputError(
            f"{loc} is {len(text)} characters long; the limit is {settings.max_claim_chars} (FACTCHECK_MAX_CLAIM_CHARS)",
            [{"loc": loc, "message": "too long"}],
        )
    return text


def validate_language(language: object) -> str | None:
    if language is None:
        return None
    code = language.strip().lower() if isinstance(language, str) else ""
    if len(code) != 2 or not ("a" <= code[0] <= "z" and "a" <= code[1] <= "z"):
        raise InvalidInputError(
            f"language must be an ISO 639-1 code such as 'de' or 'en', got {language!r}",
            [{"loc": "language", "message": "not a language code"}],
        )
    return code


def validate_top_k(top_k: int | None, settings: Settings) -> int:
    if top_k is None:
        return settings.default_top_k
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= settings.max_top_k:
        raise InvalidInputError(
            f"top_k must be a whole number from 1 to {settings.max_top_k}, got {top_k!r}",
            [{"loc": "top_k", "message": "out of range"}],
        )
    return top_k


def to_evidence(rank: int, doc: Document) -> Evidence:
    meta = doc.meta
    return Evidence(
        rank=rank,
        passage_id=doc.id,
        text=doc.content or "",
        score=round(float(doc.score or 0.0), 6),
        document_id=meta["doc_id"],
        title=meta.get("title"),
        url=meta.get("url"),
        language=meta.get("language"),
        published=meta.get("published"),
        source=meta.get("source"),
        start=meta["start"],
        end=meta["end"],
    )


def to_verified(rank: int, item: ScoredCandidate) -> VerifiedEvidence:
    base = to_evidence(rank, item.candidate.passage)
    base.score = round(item.candidate.dense_score, 6)
    e, n, c = item.probs
    label = stance_label(e, n, c)
    cons = item.consistency
    cand = item.candidate
    return VerifiedEvidence(
        **base.model_dump(),
        stance=Stance(label=label, supports=round(e, 4), refutes=round(c, 4), neutral=round(n, 4)),
        sentence=CitedSentence(text=item.window.text, start=item.window.start, end=item.window.end),
        consistency=Consistency(
            numbers=cons.numbers if cons else 0,
            dates=cons.dates if cons else 0,
            entities=cons.entities if cons else 0,
            actions=cons.actions if cons else 0,
            mismatches=list(cons.mismatches) if cons else [],
        ),
        retrieval={
            "dense_rank": cand.dense_rank,
            "bm25_rank": cand.bm25_rank,
            "bm25_score": None if cand.bm25_score is None else round(cand.bm25_score, 4),
            "fused": round(cand.fused_score, 6),
            "relevance": round(item.relevance, 4),
            "sentence_cosine": item.window_cosine,
        },
    )


# timings_ms key -> pipeline component
STAGES = {
    "language": "claims",
    "embed": "embedder",
    "dense": "dense",
    "bm25": "bm25",
    "fuse": "fuse",
    "windows": "windows",
    "relevance": "relevance",
    "stance": "stance",
    "judge": "judge",
    "rerank": "rerank",
    "verdict": "verdict",
    "prior": "prior",
}


def shown(items: list[ScoredCandidate], k: int, verdict: ClaimVerdict) -> list[ScoredCandidate]:
    """The ``k`` passages to show, in rerank order, with those the verdict rests on always among them.

    The verdict weighs every candidate, ``top_k`` only says how many to show; a deciding passage
    ranked lower is swapped in for the last of the others (the verdict's own side first).
    """
    first, second = verdict.support_passage, verdict.refute_passage
    if verdict.verdict == "REFUTED":
        first, second = second, first
    must = [p for p in dict.fromkeys((first, second)) if p][:k]
    chosen = [i for i in items if i.candidate.passage.id in must]
    others = [i for i in items if i.candidate.passage.id not in must][: k - len(chosen)]
    return sorted(chosen + others, key=items.index)


@contextmanager
def model_errors() -> Iterator[None]:
    """A model that fails to load is ``model_error`` (exit code 5), named with its settings, not a trace."""
    try:
        yield
    except FactCheckError:
        raise
    except Exception as exc:  # whatever the model libraries raise: OSError, ValueError, their own
        raise ModelError(
            f"a model cannot be loaded ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}); "
            "check FACTCHECK_EMBEDDING_MODEL and FACTCHECK_STANCE_MODEL"
        ) from exc


class ClaimChecker:
    """A loaded index with its two pipelines, check (verify) and search, built once and used by every request."""

    def __init__(
        self,
        settings: Settings,
        store: SearchStore,
        index_dir: Path,
        embedder_factory: EmbedderFactory | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.index_dir = index_dir
        self.pipeline = build_lookup_pipeline(settings, store, embedder_factory)
        self.verify_pipeline = verify_pipeline(settings, store, embedder_factory)
        self.match_pipeline = build_match_pipeline(settings, store, embedder_factory)
        with model_errors():
            self.pipeline.warm_up()
            self.verify_pipeline.warm_up()
            self.match_pipeline.warm_up()

    @property
    def version(self) -> str | None:
        return self.store.version

    @classmethod
    def open(
        cls,
        settings: Settings,
        index_dir: Path | None = None,
        store_loader: StoreLoader | None = None,
        embedder_factory: EmbedderFactory | None = None,
        stage: Callable[[str], None] | None = None,
    ) -> ClaimChecker:
        """Load the index (checking model, checksums, counts) and warm the model up.

        ``stage`` hears what is being loaded ("loading the index", "loading the models"): the
        service's readiness probe says it while the port is already open.

        ``store_loader`` replaces the local load (:func:`service.document_store.load_store`): the
        Ray Serve ingress (:mod:`service.ray_serve`) serves a store whose shards are deployments;
        ``embedder_factory`` replaces the pipelines' local embedders (there: an embedding deployment).
        """
        index_dir = Path(index_dir or settings.index_dir)
        say = stage or (lambda _: None)
        say("loading the index")
        store = (store_loader or load_store)(settings, index_dir)
        say("loading the models")
        return cls(settings, store, index_dir, embedder_factory)

    def lookup(self, claim: object, top_k: int | None = None) -> SearchResponse:
        """The passages most similar to ``claim``: retrieval alone, no stance and no verdict."""
        text = validate_claim(claim, self.settings)
        k = validate_top_k(top_k, self.settings)
        started = time.perf_counter()
        # the embedder takes its model's lock itself
        result = self.pipeline.run({"embedder": {"documents": [Document(content=text)]}, "dense": {"depth": k}})
        docs = result["dense"]["hits"][0]
        return SearchResponse(
            claim=text,
            top_k=k,
            evidence=[to_evidence(i, d) for i, d in enumerate(docs, start=1)],
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def verify(self, claim: object, top_k: int | None = None, language: object = None) -> VerifyResponse:
        """Check one claim: verdict, confidence and the evidence with its stance and cited sentence."""
        batch = self.verify_batch([claim], top_k, language, locs=["claim"])
        result = batch.results[0]
        result.timings_ms = batch.timings_ms
        return result

    def verify_batch(
        self, claims: list[object], top_k: int | None = None, language: object = None, locs: list[str] | None = None
    ) -> BatchVerifyResponse:
        """Check many claims in one pass: one embedding call and one stance call for the whole batch.

        Each claim's result is the one :meth:`verify` gives for it alone; the stage timings and
        ``took_ms`` are the whole batch's.
        """
        return self.verify_batch_with_items(claims, top_k, language, locs)[0]

    def verify_batch_with_items(
        self, claims: list[object], top_k: int | None = None, language: object = None, locs: list[str] | None = None
    ) -> tuple[BatchVerifyResponse, list[list[ScoredCandidate]]]:
        """:meth:`verify_batch`, and every claim's judged passages (all candidates, for evaluation and fitting)."""
        texts = self._claims(claims, locs)
        k = validate_top_k(top_k, self.settings)
        lang = validate_language(language)
        started = time.perf_counter()
        inputs = {
            "claims": {"claims": texts, "languages": [lang] * len(texts)},
            "fuse": {"candidates": max(k, self.settings.verify_candidates)},
        }
        # no lock here: the embedder takes the model's lock itself, the stance model has its own
        out = self.verify_pipeline.run(inputs, include_outputs_from={"claims", "rerank"})
        took = round((time.perf_counter() - started) * 1000, 2)
        stage_ms = {stage: round(out[name]["ms"], 2) for stage, name in STAGES.items()}
        stage_ms["total"] = took
        results = []
        for text, claim_lang, items, verdict, prior in zip(
            texts,
            out["claims"]["languages"],
            out["rerank"]["evidence"],
            out["verdict"]["verdicts"],
            out["prior"]["matches"],
            strict=True,
        ):
            results.append(
                VerifyResponse(
                    claim=text,
                    language=claim_lang,
                    verdict=verdict.verdict,
                    confidence=verdict.confidence,
                    top_k=k,
                    evidence=[to_verified(i, item) for i, item in enumerate(shown(items, k, verdict), start=1)],
                    took_ms=took,
                    index_version=self.store.version,
                    prior_fact_checks=[PriorFactCheck(**m) for m in prior],
                )
            )
        return BatchVerifyResponse(results=results, timings_ms=stage_ms, took_ms=took), out["rerank"]["evidence"]

    def match(self, claims: list[object], top_k: int | None = None, language: object = None,
              locs: list[str] | None = None) -> list[MatchResponse]:
        """Each claim's published fact-checks of the same claim, best first; no evidence and no verdict."""
        texts = self._claims(claims, locs)
        k = self.settings.prior_top_k if top_k is None else validate_top_k(top_k, self.settings)
        lang = validate_language(language)
        started = time.perf_counter()
        out = self.match_pipeline.run(
            {"claims": {"claims": texts, "languages": [lang] * len(texts)}, "prior": {"top_k": k}},
            include_outputs_from={"claims"},
        )
        took = round((time.perf_counter() - started) * 1000, 2)
        return [
            MatchResponse(
                claim=text,
                language=claim_lang,
                matches=[PriorFactCheck(**m) for m in found],
                took_ms=took,
                index_version=self.store.version,
            )
            for text, claim_lang, found in zip(texts, out["claims"]["languages"], out["prior"]["matches"], strict=True)
        ]

    def _claims(self, claims: object, locs: list[str] | None) -> list[str]:
        """A batch's claims, each validated (``locs`` name them in errors); :class:`InvalidInputError` otherwise."""
        if not isinstance(claims, list) or not claims:
            raise InvalidInputError("claims must be a non-empty list", [{"loc": "claims", "message": "empty"}])
        if len(claims) > self.settings.max_batch_claims:
            raise InvalidInputError(
                f"{len(claims)} claims in one batch; the limit is {self.settings.max_batch_claims} "
                "(FACTCHECK_MAX_BATCH_CLAIMS)",
                [{"loc": "claims", "message": "too many"}],
            )
        locs = locs or [f"claims.{i}" for i in range(len(claims))]
        return [validate_claim(c, self.settings, loc) for c, loc in zip(claims, locs, strict=True)]

    def info(self) -> IndexInfo:
        m = self.store.manifest
        return IndexInfo(
            loaded=True,
            index_dir=str(self.index_dir),
            embedding_model=m.embedding_model if m else None,
            dimension=self.store.embedding_dim,
            passage_count=self.store.count_documents(),
            document_count=len(self.store.sources),
            corpus_fingerprint=m.corpus_fingerprint if m else None,
            built_at=m.built_at if m else None,
            format_version=m.format_version if m else None,
            version=self.store.version,
            refused_versions={v: reason for v, reason in self.store.skipped},
            fact_check_count=m.fact_check_count if m else None,
        )
