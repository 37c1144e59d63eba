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
    from service.pipelines import build_config

    corpus = write_corpus(evalset, index_dir.parent / "corpus")
    update_index(corpus, index_dir, build_config(settings, progress_bar=progress_bar))
    return index_dir


def _cons(c) -> list[float] | None:
    return None if c is None else [c.numbers, c.dates, c.entities, c.score]


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
        "sup": _cons(item.extra.get("support_consistency")),
        "ref": _cons(item.extra.get("refute_consistency")),
    }


def item_from_record(rec: dict) -> ScoredCandidate:
    """A judged passage rebuilt from :func:`item_record`: enough for the verdict rule, to refit it offline."""
    from haystack import Document

    from service.verify.consistency import Consistency
    from service.verify.types import Candidate, Window

    def cons(v):
        return None if v is None else Consistency(int(v[0]), int(v[1]), int(v[2]), float(v[3]), [])

    doc = Document(id=rec["document_id"] + "#", content="", meta={"doc_id": rec["document_id"]})
    cand = Candidate(doc, rec["cos"], rec["fused"], rec.get("dense_rank"), rec.get("bm25_rank"))
    return ScoredCandidate(
        cand,
        Window(0, "", 0, 0, 1),
        tuple(rec["probs"]),
        max_entailment=rec["e"],
        max_contradiction=rec["c"],
        extra={"support_consistency": cons(rec.get("sup")), "refute_consistency": cons(rec.get("ref"))},
    )


def run_claims(
    lookup,
    claims: list[EvalClaim],
    top_k: int,
    batch_size: int = 16,
    language: str | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[list[ClaimRecord], float]:
    """Check ``claims``; returns the records and the claims per second."""
    records: list[ClaimRecord] = []
    started = time.perf_counter()
    for start in range(0, len(claims), batch_size):
        chunk = claims[start : start + batch_size]
        batch, judged = lookup.verify_batch_with_items([c.claim for c in chunk], top_k, language)
        for claim, result, items in zip(chunk, batch.results, judged, strict=True):
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
