"""Verification measured: retrieval, verdicts, calibration and speed, each beside a baseline from the same run.

    factcheck eval climate-fever --records bench/results/climate-fever.jsonl   # once: runs the models
    python -m bench.verify --records bench/results/climate-fever.jsonl        # everything below
    python -m bench.verify --records ... --write-params                        # ship the fitted rule

1. Retrieval on Climate-FEVER (its 4,383-sentence pool): recall@5 of a gold SUPPORTS/REFUTES
   sentence for dense, BM25 and the fused hybrid.
2. Verdicts on Climate-FEVER, claim-level stratified 5-fold CV with the committed folds: the naive
   baseline (stance of the top retrieved passage), the rule with default thresholds (raw, and with
   its confidence curves fitted on the other four folds: what ships), the rule with thresholds
   fitted on the other four folds, and a learned aggregator (logistic regression over per-claim
   features) trained out of fold. Macro-F1 and accuracy with bootstrap 95% intervals,
   ECE and Brier of the out-of-fold calibrated confidence.
3. The gold set (tests/data/gold_claims.jsonl) over the sample corpus: verdict accuracy.
4. Speed on the sample corpus: one claim (top_k 5) p50/p95, and a batch of claims against the
   same claims checked one by one.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import table
from bench.verify_fit import (
    aggregator_predict,
    fit_aggregator,
    fit_calibration,
    fit_rule,
    items_of,
)
from service.evaluation.metrics import LABELS, ece
from service.evaluation.report import format_table, score
from service.evaluation.runner import load_records
from service.verify.verdict import PARAMS_FILE, VerdictParams, decide

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "data" / "gold_claims.jsonl"


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=Path, required=True, help="Climate-FEVER records from factcheck eval --records")
    ap.add_argument("--cf-index", type=Path, default=None, help="the Climate-FEVER index (for the retrieval table)")
    ap.add_argument(
        "--write-params",
        action="store_true",
        help=f"write {PARAMS_FILE.name}: the default thresholds with confidence curves fitted on all claims",
    )
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--claims", type=int, default=60, help="claims timed for the speed section")
    return ap.parse_args()


def confidence_probs(verdicts: list[str], confidences: list[float]) -> np.ndarray:
    """A distribution over verdicts from a rule's single confidence (the rest spread evenly), for Brier."""
    out = np.zeros((len(verdicts), len(LABELS)))
    for i, (v, c) in enumerate(zip(verdicts, confidences, strict=True)):
        out[i, :] = (1 - c) / (len(LABELS) - 1)
        out[i, LABELS.index(v)] = c
    return out


def calibrated(items: list[list], params: VerdictParams) -> tuple[list[str], list[float]]:
    decided = [decide(it, params) for it in items]
    return [d.verdict for d in decided], [d.confidence for d in decided]


def cross_validate(records) -> dict:
    items = items_of(records)
    labels = [r.label for r in records]
    folds = np.asarray([r.fold for r in records])
    n = len(records)
    rule_pred, rule_conf = [""] * n, [0.0] * n
    cal_pred, cal_conf = [""] * n, [0.0] * n
    lr_pred, lr_probs = [""] * n, np.zeros((n, len(LABELS)))
    fitted = []
    for f in sorted(set(folds.tolist())):
        train = [i for i in range(n) if folds[i] != f]
        test = [i for i in range(n) if folds[i] == f]
        tr_items, tr_labels = [items[i] for i in train], [labels[i] for i in train]
        params = fit_rule(tr_items, tr_labels)
        params.calibration = fit_calibration(tr_items, tr_labels, params)
        fitted.append(params)
        verdicts, confs = calibrated([items[i] for i in test], params)
        for i, v, c in zip(test, verdicts, confs, strict=True):
            rule_pred[i], rule_conf[i] = v, c
        default = VerdictParams()
        default.calibration = fit_calibration(tr_items, tr_labels, default)
        verdicts, confs = calibrated([items[i] for i in test], default)
        for i, v, c in zip(test, verdicts, confs, strict=True):
            cal_pred[i], cal_conf[i] = v, c
        model = fit_aggregator(tr_items, tr_labels, params)
        pred, probs = aggregator_predict(model, [items[i] for i in test], params)
        for j, i in enumerate(test):
            lr_pred[i], lr_probs[i] = pred[j], probs[j]
    default = VerdictParams()
    d_pred, d_conf = calibrated(items, default)
    naive = [r.naive for r in records]
    rows = {
        "naive top-1": score(labels, naive, [0.5] * n),
        "rule, default thresholds": score(labels, d_pred, d_conf, confidence_probs(d_pred, d_conf)),
        "  ... calibrated out of fold": score(labels, cal_pred, cal_conf, confidence_probs(cal_pred, cal_conf)),
        "rule, fitted out of fold": score(labels, rule_pred, rule_conf, confidence_probs(rule_pred, rule_conf)),
        "logistic aggregator, out of fold": score(labels, lr_pred, [float(p.max()) for p in lr_probs], lr_probs),
    }
    return {"rows": rows, "fitted": fitted}


def retrieval_table(cf_index: Path, records) -> str:
    from service.evaluation.datasets import load_climate_fever
    from service.evaluation.metrics import recall_at_k
    from service.lookup import ClaimLookup
    from service.runtime import configure_threads
    from service.settings import Settings

    settings = Settings(index_dir=cf_index, threads=2, max_batch_claims=64)
    configure_threads(settings.threads)
    lookup = ClaimLookup.open(settings)
    store = lookup.store
    evalset = load_climate_fever()
    claims = [c for c in evalset.claims if c.evidence_docs]
    embedder = lookup.verify_pipeline.get_component("embedder")
    dense, lexical, hybrid = [], [], []
    fuse = lookup.verify_pipeline.get_component("fuse")
    for start in range(0, len(claims), 64):
        chunk = claims[start : start + 64]
        from haystack import Document

        docs = embedder.run(documents=[Document(content=c.claim) for c in chunk])["documents"]
        d_hits = store.embedding_retrieval_batch(np.asarray([d.embedding for d in docs], dtype=np.float32), 30)
        b_hits = store.bm25_retrieval_batch([c.claim for c in chunk], 30, ["en"] * len(chunk))
        fused = fuse.run(dense=d_hits, lexical=b_hits, embeddings=[d.embedding for d in docs], candidates=30)
        for dh, bh, fh in zip(d_hits, b_hits, fused["candidates"], strict=True):
            dense.append([h.meta["doc_id"] for h in dh])
            lexical.append([h.meta["doc_id"] for h in bh])
            hybrid.append([c.passage.meta["doc_id"] for c in fh])
    gold = [c.evidence_docs for c in claims]

    # Climate-FEVER's figure: a gold sentence among the top k (any of them), per claim with gold evidence
    def hit_rate(ranked, k):
        return float(np.mean([bool(set(r[:k]) & set(g)) for r, g in zip(ranked, gold, strict=True)]))

    rows = [
        [name, hit_rate(r, 1), hit_rate(r, 5), hit_rate(r, 10), recall_at_k(r, gold, 5)]
        for name, r in (
            ("dense (e5-small, titles)", dense),
            ("BM25 (bm25s, stemmed)", lexical),
            ("hybrid (RRF)", hybrid),
        )
    ]
    return table(["retriever", "hit@1", "hit@5", "hit@10", "recall@5 (share of gold)"], rows)


def gold_accuracy(lookup) -> tuple[float, dict]:
    rows = [json.loads(line) for line in GOLD.open(encoding="utf-8") if line.strip()]
    results = []
    for start in range(0, len(rows), 32):
        results += lookup.verify_batch([r["claim"] for r in rows[start : start + 32]], 5).results
    per_kind: dict[str, list[int]] = {}
    for r, res in zip(rows, results, strict=True):
        per_kind.setdefault(r["kind"], []).append(int(res.verdict == r["label"]))
    acc = float(np.mean([x for v in per_kind.values() for x in v]))
    summary = {k: f"{sum(v)}/{len(v)}" for k, v in per_kind.items()}
    correct = [res.verdict == r["label"] for r, res in zip(rows, results, strict=True)]
    summary["mean confidence"] = f"{np.mean([res.confidence for res in results]):.3f}"
    summary["ECE"] = f"{ece([res.confidence for res in results], correct):.3f}"
    return acc, summary


def speed(lookup, n: int) -> list[list[object]]:
    rows = [json.loads(line)["claim"] for line in GOLD.open(encoding="utf-8") if line.strip()][:n]
    lookup.verify(rows[0], 5)
    one = []
    for claim in rows:
        started = time.perf_counter()
        lookup.verify(claim, 5)
        one.append((time.perf_counter() - started) * 1000)
    q = statistics.quantiles(one, n=100)
    started = time.perf_counter()
    for s in range(0, len(rows), 32):
        lookup.verify_batch(rows[s : s + 32], 5)
    batch_s = time.perf_counter() - started
    one_s = sum(one) / 1000
    return [
        ["one by one", len(rows), f"{q[49]:.0f} / {q[94]:.0f}", len(rows) / one_s],
        ["batches of 32", len(rows), "", len(rows) / batch_s],
    ]


def main() -> None:
    args = parse_args()
    from service.stance.hardware import choose_runtime

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    print(f"CPU: {cpu}; stance runtime {choose_runtime()}\n")
    records = [r for r in load_records(args.records) if r.fold is not None]
    if args.cf_index:
        print("## Retrieval, Climate-FEVER (claims with gold evidence)\n")
        print(retrieval_table(args.cf_index, records), "\n")
    print(f"## Verdicts, Climate-FEVER, 5-fold CV ({len(records)} claims)\n")
    cv = cross_validate(records)
    print(format_table(cv["rows"]), "\n")
    for i, p in enumerate(cv["fitted"]):
        print(
            f"  fold {i}: support {p.support_threshold} refute {p.refute_threshold} conflict {p.conflict_threshold} "
            f"relevance {p.relevance_low}-{p.relevance_high}"
        )
    if args.write_params:
        items = items_of(records)
        labels = [r.label for r in records]
        # The thresholds fitted on Climate-FEVER do not carry over to news claims (gold set 0.76-0.79 against
        # 0.87 with the defaults), so only the confidence curves are fitted here.
        params = VerdictParams()
        params.calibration = fit_calibration(items, labels, params)
        params.fitted_on = f"confidence curves: Climate-FEVER, all {len(records)} claims (bench/verify.py)"
        params.save()
        print(f"\nwrote {PARAMS_FILE}: {params}")
    from index.build import build_index
    from service.lookup import ClaimLookup
    from service.pipelines import build_config
    from service.runtime import configure_threads
    from service.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", threads=2, max_batch_claims=64)
        configure_threads(settings.threads)
        build_index(REPO / "corpus" / "sample", settings.index_dir, build_config(settings))
        lookup = ClaimLookup.open(settings)
        acc, kinds = gold_accuracy(lookup)
        print(f"\n## Gold set ({GOLD.name}): verdict accuracy {acc:.3f}  {kinds}\n")
        if not args.skip_speed:
            print("## Speed, sample corpus, top_k 5\n")
            print(table(["mode", "claims", "p50 / p95 ms", "claims/s"], speed(lookup, args.claims)))


if __name__ == "__main__":
    main()
