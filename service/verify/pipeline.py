"""The claim pipelines, built from settings: search (claim -> embedding -> similar passages), check
(claims -> evidence with stance -> verdict, and the prior fact-checks beside it) and match (claims ->
prior fact-checks alone).

Every step serialises (Haystack's ``to_dict``/``from_dict``), so the check pipeline can be written to
YAML (:func:`dump_pipeline`, ``factcheck pipeline dump``), edited, and served from that file
instead (``FACTCHECK_VERIFY_PIPELINE``): another stance model, other verdict parameters, another
store, without code.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from haystack import Pipeline
from haystack.marshal.yaml import YamlDumper, YamlMarshaller

from index.search_store import SearchStore
from index.store_serde import resolving_stores
from service.errors import SettingsError
from service.model_names import resolve_model_path
from service.settings import Settings

# Makes the embedder component of a pipeline in place of a local model: called with the kind
# ("documents": a document embedder, output ``documents``) and the query prefix. The Ray Serve
# ingress (service.ray_serve) embeds remotely.
EmbedderFactory = Callable[[str, str], Any]


log = logging.getLogger(__name__)

# the steps whose outputs the claim checker reads (service.claim_checker): a pipeline file keeps their names
VERIFY_STEPS = (
    "claims",
    "embedder",
    "dense",
    "bm25",
    "fuse",
    "windows",
    "relevance",
    "stance",
    "judge",
    "rerank",
    "verdict",
    "prior",
)
# the packages whose classes a pipeline file may name (Haystack's own are trusted already)
PIPELINE_MODULES = ["service.verify", "service.stance", "index"]


def build_lookup_pipeline(
    settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None = None
) -> Pipeline:
    """claim -> embedding -> top-k passages. The query prefix is the one the index was built for.

    Run it with ``{"embedder": {"documents": [Document(content=claim)]}, "dense": {"depth": k}}``:
    the same embedding and dense steps as the check pipeline."""
    from service.verify.retrieve import DenseRetriever

    pipe = Pipeline()
    pipe.add_component("embedder", _claim_embedder(settings, store, embedder_factory))
    pipe.add_component("dense", DenseRetriever(store, depth=settings.default_top_k))
    pipe.connect("embedder.documents", "dense.documents")
    return pipe


def _claim_embedder(settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None) -> Any:
    """The claims' embedder under its model's lock (the model is shared with every pipeline and build)."""
    from index.inference import model_lock
    from service.verify.claims import LockedEmbedder
    from service.verify.onnx_embedder import check_embedder

    model_path = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    prefix = store.manifest.query_prefix if store.manifest else settings.query_prefix
    if embedder_factory is not None:
        embedder = embedder_factory("documents", prefix)
    else:
        embedder = check_embedder(settings, model_path, prefix)
    return LockedEmbedder(embedder, model_lock(model_path))


class _PlainYaml(YamlMarshaller):
    """Haystack's YAML without anchors: steps that share an object (the claims' embedder) are written out
    in full each time, so a person can edit one without changing another."""

    def marshal(self, dict_: dict[str, Any]) -> str:
        dumper = type("PlainDumper", (YamlDumper,), {"ignore_aliases": lambda self, data: True})
        return yaml.dump(dict_, Dumper=dumper)


def dump_pipeline(pipe: Pipeline) -> str:
    """The pipeline as YAML, which :func:`load_pipeline` reads back."""
    return pipe.dumps(marshaller=_PlainYaml())


def load_pipeline(text: str, store: SearchStore | None = None) -> Pipeline:
    """A pipeline from YAML; every step that names a store gets ``store`` (the served index) when given,
    else one store opened from the folder the file names.

    :raises haystack.core.errors.DeserializationError: a step cannot be made (the message names it).
    """
    with resolving_stores(store):
        return Pipeline.loads(text, allowed_modules=PIPELINE_MODULES)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _check_embedders(pipe: Pipeline, settings: Settings, store: SearchStore, path: Path) -> None:
    """The claims' embedders of a pipeline file must give the vectors the index was built for: the model
    the index was checked against (FACTCHECK_EMBEDDING_MODEL) and the index's query prefix."""
    model = resolve_model_path(settings.embedding_model, settings.model_cache_dir)
    prefix = store.manifest.query_prefix if store.manifest else settings.query_prefix
    found = [pipe.get_component(n) for n in ("embedder", "relevance") if n in pipe.graph.nodes]
    for step in found:
        embedder = step.embedder
        while hasattr(embedder, "embedder"):  # the relevance step's embedder is the claims' locked one
            embedder = embedder.embedder
        if getattr(embedder, "model", model) != model or getattr(embedder, "prefix", prefix) != prefix:
            raise SettingsError(
                f"FACTCHECK_VERIFY_PIPELINE: {path} embeds claims with {embedder.model!r} and prefix "
                f"{embedder.prefix!r}; the index at {settings.index_dir} was built for {model!r} and {prefix!r}. "
                "Dump the pipeline again (factcheck pipeline dump), or rebuild the index with that model"
            )


def verify_pipeline(
    settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None = None
) -> Pipeline:
    """The check pipeline the settings name: from ``FACTCHECK_VERIFY_PIPELINE`` when set, else built in
    (always built in under Ray Serve, whose embedders are remote).

    :raises SettingsError: the file cannot be read, or does not describe a pipeline these steps can make.
    """
    path = settings.verify_pipeline
    if path is None or embedder_factory is not None:
        return build_verify_pipeline(settings, store, embedder_factory)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"FACTCHECK_VERIFY_PIPELINE: cannot read {path}: {exc}") from exc
    try:
        pipe = load_pipeline(text, store)
    except Exception as exc:  # YAML's, Haystack's and a step's own errors: all mean a bad file
        first = _first_line(exc).rstrip(":")
        cause = exc
        while cause.__cause__ is not None:  # Haystack wraps a step's own error: name both
            cause = cause.__cause__
        if cause is not exc:
            first += f": {_first_line(cause)}"
        raise SettingsError(
            f"FACTCHECK_VERIFY_PIPELINE: {path} is not a pipeline this service can run: {first}"
        ) from exc
    _check_embedders(pipe, settings, store, path)
    missing = sorted(set(VERIFY_STEPS) - set(pipe.graph.nodes))
    if missing:
        raise SettingsError(
            f"FACTCHECK_VERIFY_PIPELINE: {path} lacks the steps {', '.join(missing)}, which the check's answer is read from"
        )
    changed = differences(pipe.to_dict(), build_verify_pipeline(settings, store).to_dict())
    log.info(
        "serving the check pipeline of %s; it differs from the built-in one (settings as now) in: %s",
        path,
        ", ".join(changed) or "nothing",
    )
    return pipe


def differences(mine: dict[str, Any], builtin: dict[str, Any]) -> list[str]:
    """The settings in which a pipeline's dict differs from the built-in one's, as dotted paths
    ("stance.scorer.model"); a step added or left out counts as its name. Store entries are left out:
    the service gives every step its own store."""

    def walk(a: Any, b: Any, where: str) -> list[str]:
        if isinstance(a, dict) and isinstance(b, dict):
            if "document_store" in a or "store" in a:
                a = {k: v for k, v in a.items() if k not in ("document_store", "store")}
                b = {k: v for k, v in b.items() if k not in ("document_store", "store")}
            keys = sorted(set(a) | set(b))
            return [d for k in keys for d in walk(a.get(k), b.get(k), f"{where}.{k}" if where else k)]
        return [] if a == b else [where]

    found: list[str] = []
    steps, built = mine.get("components", {}), builtin.get("components", {})
    for name in sorted(set(steps) | set(built)):
        if name not in steps or name not in built:
            found.append(name)
            continue
        params = walk(steps[name].get("init_parameters", {}), built[name].get("init_parameters", {}), "")
        kind = [] if steps[name].get("type") == built[name].get("type") else [f"{name} (its class)"]
        found.extend(kind + [f"{name}.{p}".replace(".init_parameters", "") for p in params])
    if sorted(map(str, mine.get("connections", []))) != sorted(map(str, builtin.get("connections", []))):
        found.append("connections")
    return found


def build_verify_pipeline(
    settings: Settings, store: SearchStore, embedder_factory: EmbedderFactory | None = None
) -> Pipeline:
    """claims -> embeddings -> dense + BM25 hits -> fused candidates -> sentence windows -> stance
    -> judged passages (consistency, corrections, cited window) -> reranked evidence -> verdict,
    for a batch of claims at once.

    Run it with ``{"claims": {"claims": [...], "languages": [...]}}``; every step also reports
    its milliseconds as an unconnected ``ms`` output.
    """
    from service.verify.claims import ClaimBatch
    from service.verify.evidence import PassageJudge
    from service.verify.fuse import RankFusion
    from service.verify.prior.match import PriorFactChecks
    from service.verify.relevance import WindowRelevance
    from service.verify.rerank import EvidenceRanker
    from service.verify.retrieve import DenseRetriever, LexicalRetriever
    from service.verify.stance import WindowStance, shared_scorer
    from service.verify.verdict import VerdictAggregator
    from service.verify.windows import SentenceWindows

    pipe = Pipeline()
    pipe.add_component("claims", ClaimBatch())
    # the document embedder takes the whole batch in one call; it shares the model with the lookup pipeline
    locked = _claim_embedder(settings, store, embedder_factory)
    pipe.add_component("embedder", locked)
    pipe.add_component("dense", DenseRetriever(store, depth=settings.retrieval_depth))
    pipe.add_component("bm25", LexicalRetriever(store, depth=settings.retrieval_depth))
    pipe.add_component("fuse", RankFusion(store, candidates=settings.verify_candidates))
    pipe.add_component("windows", SentenceWindows(max_sentences=settings.window_sentences))
    params = None  # the packaged verdict.json, read at warm-up (a pipeline file may hold its own)
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
    from service.verify.claims import ClaimBatch
    from service.verify.prior.match import PriorFactChecks

    pipe = Pipeline()
    pipe.add_component("claims", ClaimBatch())
    pipe.add_component("embedder", _claim_embedder(settings, store, embedder_factory))
    pipe.add_component("prior", PriorFactChecks(store, top_k=settings.prior_top_k))
    pipe.connect("claims.documents", "embedder.documents")
    pipe.connect("embedder.documents", "prior.documents")
    pipe.connect("claims.claims", "prior.claims")
    pipe.connect("claims.languages", "prior.languages")
    return pipe
