"""Prior fact-checks: the time matching adds to a claim check, with 15,000 fact-checks indexed.

    python -m bench.prior            # needs ../shared/data/benchmarks/claim-matching

The collection is the CheckThat! 2022 and 2020 Snopes fact-checks (their claim vectors from the cache
``factcheck eval checkthat`` fills; embedded here once otherwise), cut to 15,000. Each claim is matched
alone, as the verify pipeline's ``prior`` step runs for one claim: dense and BM25 search, the features,
both models and the selection. The claim's embedding is not counted: the verify pipeline embeds the
claim for its evidence anyway, and the step reuses it. Beside it, in the same run, the step with no
fact-check indexed (what every check pays without the feature). Claims: the gold set's news claims
(tests/data) and the CheckThat! 2022 dev-test tweets.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from bench.common import cpu_kind

ROOT = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=15_000, help="Fact-checks indexed.")
    parser.add_argument("--repeats", type=int, default=3, help="Times each claim is matched.")
    args = parser.parse_args()

    from haystack import Document

    from corpus.factcheck import FactCheck
    from index.embedders import document_embedder
    from index.factchecks import FactCheckIndex
    from service.cli.checkthat_cmd import default_dir
    from service.evaluation import checkthat
    from service.model_names import resolve_model_path
    from service.runtime import configure_threads
    from service.settings import Settings
    from service.verify.prior.match import PriorFactChecks

    settings = Settings()
    configure_threads(settings.threads)
    embedder = document_embedder(
        resolve_model_path(settings.embedding_model, settings.model_cache_dir), settings.query_prefix, progress_bar=False
    )
    embedder.warm_up()

    def embed(texts: list[str]) -> np.ndarray:
        docs = embedder.run(documents=[Document(content=t) for t in texts])["documents"]
        return np.asarray([d.embedding for d in docs], dtype=np.float32)

    cache = settings.model_cache_dir / "eval" / "checkthat"
    key = f"{settings.embedding_model}:{settings.query_prefix}"
    records: list[FactCheck] = []
    rows: list[np.ndarray] = []
    seen: set[str] = set()
    tweets: list[str] = []
    for name in ("2022", "2020"):
        prep = checkthat.prepare(checkthat.load_task(default_dir(), name), embed, cache, key)
        vectors = prep.index.vectors()
        for record, vector in zip(prep.index.records, vectors, strict=True):
            if record.text not in seen and len(records) < args.size:
                seen.add(record.text)
                records.append(FactCheck(id=f"{name}-{record.id}", claim=record.claim, title=record.title, language="en"))
                rows.append(vector)
        if name == "2022":
            tweets = list(prep.task.splits["test"].queries.values())
    full = FactCheckIndex.build(records, np.vstack(rows))
    empty = FactCheckIndex.build([], np.empty((0, full.dimension), dtype=np.float32))

    gold = [json.loads(line) for line in open(ROOT / "tests" / "data" / "gold_claims.jsonl", encoding="utf-8")]
    claims = [(g["claim"], g.get("language")) for g in gold] + [(t, "en") for t in tweets]
    claim_docs = embedder.run(documents=[Document(content=c) for c, _ in claims])["documents"]

    class Store:
        def __init__(self, fact_checks: FactCheckIndex) -> None:
            self.fact_checks = fact_checks

    results = {}
    for label, collection in (("no fact-checks (baseline)", empty), (f"{len(full):,} fact-checks", full)):
        step = PriorFactChecks(Store(collection))
        step.warm_up()
        step.run(documents=claim_docs[:1], claims=[claims[0][0]], languages=[claims[0][1]])  # first-call costs
        times, shown = [], 0
        for _ in range(args.repeats):
            for doc, (claim, language) in zip(claim_docs, claims, strict=True):
                started = time.perf_counter()
                out = step.run(documents=[doc], claims=[claim], languages=[language])
                times.append((time.perf_counter() - started) * 1000)
                shown += len(out["matches"][0])
        results[label] = (times, shown / args.repeats)

    print(f"Prior fact-check matching, one claim at a time, {len(claims)} claims x {args.repeats} ({cpu_kind()})")
    print(f"{'collection':<28} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}  matches shown")
    for label, (times, shown) in results.items():
        print(
            f"{label:<28} {_percentile(times, 50):8.2f} {_percentile(times, 95):8.2f} "
            f"{statistics.fmean(times):8.2f}  {shown:.0f} for {len(claims)} claims"
        )


if __name__ == "__main__":
    main()
