"""Run the verify pipeline over an evaluation set and keep what every metric and fit needs.

The dataset's evidence pool is indexed once into a folder of its own (an update when it exists,
so a second run reuses it), then the claims are checked in batches. Each claim's record keeps the
verdict, the ranked documents and the per-passage signals, so thresholds and calibration can be
fitted out of fold afterwards without running the models again (see bench/verify.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from service.evaluation.datasets import EvalClaim, EvalSet
from service.settings import Settings
from service.verify.types import ScoredCandidate, stance_label

NAIVE = {"supports": "SUPPORTED", "refutes": "REFUTED", "neutral": "NOT_ENOUGH_INFO"}


def naive_baseline(top: ScoredCandidate) -> tuple[str, float]:
    """The baseline: the stance label of the top retrieved passage's cited sentence, and its probability."""
    return NAIVE[stance_label(*top.probs)], max(top.probs)


@dataclass
class ClaimRecord:
    id: str
    claim: str
    label: str
    fold: int | None
    verdict: str
    confidence: float
    naive: str  # the stance label of the top retrieved passage (the baseline)
    ranked_docs: list[str]  # documents in retrieval (fused) order
    gold_docs: list[str]
    evidence: list[dict] = field(default_factory=list)  # every judged passage, see item_record
    naive_confidence: float = 0.5


def write_corpus(evalset: EvalSet, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{evalset.name}.jsonl"
    text = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in evalset.documents)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def ensure_index(evalset: EvalSet, settings: Settings, index_dir: Path, progress_bar: bool = False) -> Path:
    """Index the evaluation set's evidence pool into ``index_dir`` (embedding only what changed)."""
    from index.build import update_index
    from service.index_config import build_config

    corpus = write_corpus(evalset, index_dir.parent / "corpus")
    update_index(corpus, index_dir, build_config(settings, progress_bar=progress_bar))
    return index_dir


def _cons(c) -> list[float] | None:
    return None if c is None else [c.numbers, c.dates, c.entities, c.score, c.actions]


def item_record(item: ScoredCandidate) -> dict:
    """What the verdict rule reads of a judged passage (see :func:`item_from_record`)."""
    cand = item.candidate
    return {
        "document_id": cand.passage.meta.get("doc_id", cand.passage.id),
        "cos": round(cand.dense_score, 5),
        "fused": round(cand.fused_score, 6),
        "dense_rank": cand.dense_rank,
        "bm25_rank": cand.bm25_rank,
        "probs": [round(p, 5) for p in item.probs],
        "e": round(item.max_entailment, 5),
        "c": round(item.max_contradiction, 5),
        "sup": _cons(item.support_consistency),
        "ref": _cons(item.refute_consistency),
        "rel": round(item.relevance, 5),
    }


def item_from_record(rec: dict) -> ScoredCandidate:
    """A judged passage rebuilt from :func:`item_record`: enough for the verdict rule, to refit it offline."""
    from haystack import Document

    from service.verify.consistency import Consistency
    from service.verify.types import Candidate, Window

    def cons(v):
        # records written before actions were compared have four values
        return None if v is None else Consistency(int(v[0]), int(v[1]), int(v[2]), float(v[3]), [], *map(int, v[4:5]))

    doc = Document(id=rec["document_id"] + "#", content="", meta={"doc_id": rec["document_id"]})
    cand = Candidate(doc, rec["cos"], rec["fused"], rec.get("dense_rank"), rec.get("bm25_rank"))
    return ScoredCandidate(
        cand,
        Window(0, "", 0, 0, 1),
        tuple(rec["probs"]),
        max_entailment=rec["e"],
        max_contradiction=rec["c"],
        support_consistency=cons(rec.get("sup")),
        refute_consistency=cons(rec.get("ref")),
        relevance=rec.get("rel", 1.0),  # records written before relevance was kept: every passage counts
    )


def passages_by_document(store) -> dict[str, list[str]]:
    by_doc: dict[str, list[str]] = {}
    for passage in store.iter_passages():
        by_doc.setdefault(passage.meta.get("doc_id"), []).append(passage.id)
    return by_doc


def check_with_given_evidence(
    lookup, claims: list[EvalClaim], language: str | None, by_doc: dict[str, list[str]]
) -> tuple[list, list]:
    """The "gold evidence" setting: each claim judged on the documents its dataset offers for it
    (``candidate_docs``) instead of retrieved ones; the other steps are the verify pipeline's own.

    Returns each claim's verdict and judged passages, like :meth:`ClaimChecker.verify_batch_with_items`.
    """
    from service.verify.fuse import RRF_K
    from service.verify.types import Candidate

    pipe, store = lookup.verify_pipeline, lookup.store
    texts = [c.claim for c in claims]
    first = pipe.get_component("claims").run(claims=texts, languages=[language] * len(texts))
    embedded = pipe.get_component("embedder").run(documents=first["documents"])["documents"]
    candidates = []
    for claim, doc in zip(claims, embedded, strict=True):
        ids = [p for d in claim.candidate_docs for p in by_doc.get(d, [])]
        cosines = (store.passage_vectors(ids) @ np.asarray(doc.embedding, dtype=np.float32)).tolist()
        ranked = sorted(zip(ids, cosines, strict=True), key=lambda x: -x[1])
        candidates.append(
            [Candidate(store.passage(p), c, 1.0 / (RRF_K + r), r) for r, (p, c) in enumerate(ranked, start=1)]
        )
    windows = pipe.get_component("windows").run(candidates=candidates)["windows"]
    relevant = pipe.get_component("relevance").run(
        claims=embedded, languages=first["languages"], candidates=candidates, windows=windows
    )
    probs = pipe.get_component("stance").run(claims=texts, windows=windows, relevance=relevant["relevance"])["probs"]
    scored = pipe.get_component("judge").run(
        claims=texts,
        languages=first["languages"],
        candidates=candidates,
        windows=windows,
        probs=probs,
        relevance=relevant["relevance"],
        cosines=relevant["cosines"],
    )["scored"]
    judged = pipe.get_component("rerank").run(scored=scored)["evidence"]
    return pipe.get_component("verdict").run(evidence=judged)["verdicts"], judged


def run_claims(
    lookup,
    claims: list[EvalClaim],
    top_k: int,
    batch_size: int = 16,
    language: str | None = None,
    on_batch: Callable[[int], None] | None = None,
    evidence: str = "retrieved",
) -> tuple[list[ClaimRecord], float]:
    """Check ``claims``; returns the records and the claims per second.

    ``evidence`` is ``retrieved`` (the verify pipeline as it serves) or ``gold`` (each claim judged on
    the documents its dataset offers for it, see :func:`check_with_given_evidence`).
    """
    if evidence not in ("retrieved", "gold"):
        raise ValueError(f"evidence must be 'retrieved' or 'gold', got {evidence!r}")
    records: list[ClaimRecord] = []
    by_doc = passages_by_document(lookup.store) if evidence == "gold" else {}
    started = time.perf_counter()
    for start in range(0, len(claims), batch_size):
        chunk = claims[start : start + batch_size]
        if evidence == "gold":
            results, judged = check_with_given_evidence(lookup, chunk, language, by_doc)
        else:
            batch, judged = lookup.verify_batch_with_items([c.claim for c in chunk], top_k, language)
            results = batch.results
        for claim, result, items in zip(chunk, results, judged, strict=True):
            # every candidate, in retrieval order (the evidence shown is reranked and cut to top_k)
            by_retrieval = sorted(items, key=lambda i: -i.candidate.fused_score)
            ranked: list[str] = []
            for item in by_retrieval:
                doc = item.candidate.passage.meta.get("doc_id", item.candidate.passage.id)
                if doc not in ranked:
                    ranked.append(doc)
            baseline, baseline_conf = naive_baseline(by_retrieval[0]) if by_retrieval else ("NOT_ENOUGH_INFO", 1.0)
            records.append(
                ClaimRecord(
                    claim.id,
                    claim.claim,
                    claim.label,
                    claim.fold,
                    result.verdict,
                    result.confidence,
                    baseline,
                    ranked,
                    list(claim.evidence_docs),
                    [item_record(item) for item in items],
                    baseline_conf,
                )
            )
        if on_batch:
            on_batch(len(chunk))
    seconds = time.perf_counter() - started
    return records, len(claims) / seconds if seconds else 0.0


def save_records(records: list[ClaimRecord], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")


def load_records(path: Path) -> list[ClaimRecord]:
    with open(path, encoding="utf-8") as fh:
        return [ClaimRecord(**json.loads(line)) for line in fh if line.strip()]
