"""Verification measured: retrieval, verdicts, calibration and speed, each beside a baseline from the same run.

    factcheck eval climate-fever --records bench/results/climate-fever.jsonl   # once: runs the models
    python -m bench.verify --records bench/results/climate-fever.jsonl        # everything below

1. Retrieval on Climate-FEVER (its 4,383-sentence pool): recall@5 of a gold SUPPORTS/REFUTES
   sentence for dense, BM25 and the fused hybrid.
2. Verdicts on Climate-FEVER, claim-level stratified 5-fold CV with the committed folds: the naive
   baseline (stance of the top retrieved passage), the rule with default thresholds (raw, and with
   its confidence curves fitted out of fold: the shipped curves' form), the rule with thresholds fitted on the
   other four folds, and a learned aggregator (logistic regression over per-claim features)
   trained out of fold. Macro-F1 and accuracy with bootstrap 95% intervals, ECE and Brier.
3. The gold set (tests/data/gold_claims.jsonl, news claims) over the sample corpus: verdict
   accuracy per kind, and ECE of the confidence out of fold, the curves fitted here on Climate-FEVER
   and the gold set, each weighing the same (five folds by line for the gold set). The shipped
   curves add the cross-lingual development set: ``python -m bench.calibration`` compares and writes them.
4. Speed on the sample corpus and on a 100k-passage synthetic index: one claim (top_k 5) p50/p95,
   and batches of claims against the same claims checked one by one, with the pairs per claim the stance
   model scores; in one run, the pipeline before issue 25 (every relevant window embedded per claim and
   scored), with only the ``stance_max_windows`` most relevant scored, with the window vectors read from
   the index (today), and today's with the claims checked before (stance and vector caches warm).
   Then what ``auto`` picks for the stance model on each kind of CPU.

Without ``--records`` only the gold set and the speed are measured:

    python -m bench.verify --scale 100000
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
from service.evaluation.metrics import LABELS
from service.evaluation.report import format_table, score
from service.evaluation.runner import load_records
from service.verify.verdict import VerdictParams, decide

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "tests" / "data" / "gold_claims.jsonl"


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--records", type=Path, default=None, help="Climate-FEVER records from factcheck eval --records (else skipped)"
    )
    ap.add_argument("--cf-index", type=Path, default=None, help="the Climate-FEVER index (for the retrieval table)")
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--claims", type=int, default=60, help="claims timed for the speed section")
    ap.add_argument(
        "--scale",
        type=int,
        default=100_000,
        help="also time a synthetic index of this many passages (the sample's, then jittered copies; 0 = skip)",
    )
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


def pooled(cf: list, gold: list) -> tuple[list, list, list[float]]:
    """Claims of both sets with weights that give each set the same total weight (mean weight 1, so the
    fit's regularisation means what it does unweighted)."""
    items = items_of(cf) + items_of(gold)
    labels = [r.label for r in cf] + [r.label for r in gold]
    total = len(cf) + len(gold)
    weights = [total / (2 * len(cf))] * len(cf) + [total / (2 * len(gold))] * len(gold) if gold else [1.0] * len(cf)
    return items, labels, weights


def cross_validate(records, gold_records) -> dict:
    """Out-of-fold verdicts and confidences on Climate-FEVER (its folds) and the gold set (5 folds by line)."""
    items = items_of(records)
    labels = [r.label for r in records]
    folds = np.asarray([r.fold for r in records])
    g_items, g_labels = items_of(gold_records), [r.label for r in gold_records]
    n = len(records)
    rule_pred, rule_conf = [""] * n, [0.0] * n
    cal_pred, cal_conf = [""] * n, [0.0] * n
    gold_conf = [0.0] * len(gold_records)
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
        # what ships: default thresholds, curves fitted on both sets' training folds
        g_train = [i for i, r in enumerate(gold_records) if r.fold != f]
        g_test = [i for i, r in enumerate(gold_records) if r.fold == f]
        p_items, p_labels, weights = pooled([records[i] for i in train], [gold_records[i] for i in g_train])
        default = VerdictParams()
        default.calibration = fit_calibration(p_items, p_labels, default, weights)
        verdicts, confs = calibrated([items[i] for i in test], default)
        for i, v, c in zip(test, verdicts, confs, strict=True):
            cal_pred[i], cal_conf[i] = v, c
        for i, c in zip(g_test, calibrated([g_items[i] for i in g_test], default)[1], strict=True):
            gold_conf[i] = c
        model = fit_aggregator(tr_items, tr_labels, params)
        pred, probs = aggregator_predict(model, [items[i] for i in test], params)
        for j, i in enumerate(test):
            lr_pred[i], lr_probs[i] = pred[j], probs[j]
    default = VerdictParams()
    d_pred, d_conf = calibrated(items, default)
    naive = [r.naive for r in records]
    rows = {
        "naive top-1": score(labels, naive, [r.naive_confidence for r in records]),
        "rule, default thresholds": score(labels, d_pred, d_conf, confidence_probs(d_pred, d_conf)),
        "  ... calibrated out of fold": score(labels, cal_pred, cal_conf, confidence_probs(cal_pred, cal_conf)),
        "rule, fitted out of fold": score(labels, rule_pred, rule_conf, confidence_probs(rule_pred, rule_conf)),
        "logistic aggregator, out of fold": score(labels, lr_pred, [float(p.max()) for p in lr_probs], lr_probs),
    }
    g_pred = [decide(it, default).verdict for it in g_items]
    gold = score(g_labels, g_pred, gold_conf, confidence_probs(g_pred, gold_conf)) if gold_records else None
    return {"rows": rows, "fitted": fitted, "gold": gold}


def retrieval_table(cf_index: Path) -> str:
    from service.claim_checker import ClaimChecker
    from service.evaluation.datasets import load_climate_fever
    from service.evaluation.metrics import recall_at_k
    from service.runtime import configure_threads
    from service.settings import Settings

    settings = Settings(index_dir=cf_index, threads=2, max_batch_claims=64)
    configure_threads(settings.threads)
    lookup = ClaimChecker.open(settings)
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


def gold_records(lookup) -> list:
    """The gold set checked by the pipeline, as evaluation records (5 folds by line, for calibration)."""
    from service.evaluation.datasets import EvalClaim
    from service.evaluation.runner import run_claims

    rows = [json.loads(line) for line in GOLD.open(encoding="utf-8") if line.strip()]
    claims = [EvalClaim(r["id"], r["claim"], r["label"], [], fold=i % 5) for i, r in enumerate(rows)]
    records, _ = run_claims(lookup, claims, top_k=5, batch_size=32)
    for rec, row in zip(records, rows, strict=True):
        rec.gold_docs = [row["kind"]]  # kept for the per-kind summary below
    return records


def per_kind(records) -> dict[str, str]:
    kinds: dict[str, list[int]] = {}
    for r in records:
        kinds.setdefault(r.gold_docs[0], []).append(int(r.verdict == r.label))
    return {k: f"{sum(v)}/{len(v)}" for k, v in kinds.items()}


def speed(lookup, n: int, repeat: bool = False) -> list[list[object]]:
    """One claim at a time (p50/p95), then batches of 32; ``repeat``: the claims were all checked before."""
    rows = [json.loads(line)["claim"] for line in GOLD.open(encoding="utf-8") if line.strip()][:n]
    scorer = lookup.verify_pipeline.get_component("stance").scorer
    lookup.verify(rows[0], 5)
    if repeat:
        for s in range(0, len(rows), 32):
            lookup.verify_batch(rows[s : s + 32], 5)
    scored = scorer.pairs_scored
    one = []
    for claim in rows:
        started = time.perf_counter()
        lookup.verify(claim, 5)
        one.append((time.perf_counter() - started) * 1000)
    pairs = (scorer.pairs_scored - scored) / len(rows)
    q = statistics.quantiles(one, n=100)
    started = time.perf_counter()
    for s in range(0, len(rows), 32):
        lookup.verify_batch(rows[s : s + 32], 5)
    batch_s = time.perf_counter() - started
    one_s = sum(one) / 1000
    return [
        ["one by one", len(rows), pairs, f"{q[49]:.0f} / {q[94]:.0f}", len(rows) / one_s],
        ["batches of 32", len(rows), pairs, "", len(rows) / batch_s],
    ]


# (name, which index, settings changes, claims checked before the timing): before issue 25 every window its
# relevance let through was embedded per claim and scored; then only the most relevant were scored; then the
# index kept its sentences' vectors; the cache then answers repeats
SPEED_VARIANTS = [
    (
        "before: every relevant window, embedded per claim",
        "plain",
        {"stance_max_windows": 1000, "stance_cache_size": 0},
        False,
    ),
    ("the 8 most relevant windows scored", "plain", {"stance_cache_size": 0}, False),
    ("and their vectors from the index (today)", "sentences", {"stance_cache_size": 0}, False),
    ("today, the claims checked before (caches)", "sentences", {}, True),
]


def speed_rows(settings, indexes: dict[str, Path], label: str, n: int) -> list[list[object]]:
    from service.claim_checker import ClaimChecker

    rows = []
    for name, which, changes, repeat in SPEED_VARIANTS:
        lookup = ClaimChecker.open(settings.model_copy(update={"index_dir": indexes[which], **changes}))
        rows += [[label, name, *row] for row in speed(lookup, n, repeat)]
    return rows


def runtime_rows() -> list[list[object]]:
    """What ``auto`` picks for the stance model on each kind of CPU our users have."""
    from service.stance.hardware import choose_runtime

    kinds = [
        ("Intel Xeon with AMX", True),
        ("AMD EPYC with AVX512-BF16", True),
        ("AVX2 only (AMD EPYC Zen 2/3, most laptops)", False),
    ]
    return [[name, *(lambda r: (r.backend, r.precision, r.reason))(choose_runtime(bf16=bf16))] for name, bf16 in kinds]


def main() -> None:
    args = parse_args()
    from bench.common import cpu_kind
    from service.settings import Settings
    from service.stance.hardware import choose_runtime

    configured = Settings()  # the environment's FACTCHECK_STANCE_BACKEND / _PRECISION apply to every lookup below
    print(
        f"CPU: {cpu_kind()}; stance runtime {choose_runtime(configured.stance_backend, configured.stance_precision)}\n"
    )
    records = [r for r in load_records(args.records) if r.fold is not None] if args.records else []
    if args.cf_index:
        print("## Retrieval, Climate-FEVER (claims with gold evidence)\n")
        print(retrieval_table(args.cf_index), "\n")
    from index.build import build_index
    from service.claim_checker import ClaimChecker
    from service.index_config import build_config
    from service.runtime import configure_threads
    from service.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index", threads=2, max_batch_claims=64)
        configure_threads(settings.threads)
        started = time.perf_counter()
        build_index(REPO / "corpus" / "sample", settings.index_dir, build_config(settings))
        print(
            f"sample index built in {time.perf_counter() - started:.1f} s with sentence vectors (model load included)"
        )
        lookup = ClaimChecker.open(settings)
        gold = gold_records(lookup)
        if records:
            print(f"## Verdicts, Climate-FEVER, 5-fold CV ({len(records)} claims)\n")
            cv = cross_validate(records, gold)
            print(format_table(cv["rows"]), "\n")
            for i, p in enumerate(cv["fitted"]):
                print(
                    f"  fold {i}: support {p.support_threshold} refute {p.refute_threshold} conflict {p.conflict_threshold}"
                )
            print(f"\n## Gold set ({GOLD.name}, {len(gold)} claims), default thresholds\n")
            print(format_table({"verify pipeline (confidence out of fold)": cv["gold"]}))
        else:
            accuracy = sum(r.verdict == r.label for r in gold) / len(gold)
            print(
                f"## Gold set ({GOLD.name}, {len(gold)} claims, tuned on), default thresholds: accuracy {accuracy:.3f}"
            )
        print(f"  per kind: {per_kind(gold)}")
        if not args.skip_speed:
            plain = Path(tmp) / "plain"  # the same corpus, built without sentence vectors
            started = time.perf_counter()
            build_index(
                REPO / "corpus" / "sample",
                plain,
                build_config(settings.model_copy(update={"index_sentence_vectors": False})),
            )
            print(f"\nsample index built in {time.perf_counter() - started:.1f} s without sentence vectors")
            indexes = {"plain": plain, "sentences": settings.index_dir}
            rows = speed_rows(settings, indexes, "sample corpus", args.claims)
            if args.scale:
                from bench.lookup import synthetic_index

                scaled = {
                    which: synthetic_index(settings, folder, args.scale, Path(tmp) / f"scaled-{which}")
                    for which, folder in indexes.items()
                }
                rows += speed_rows(settings, scaled, f"{args.scale:,} passages", args.claims)
            print("\n## Speed, top_k 5, verdict included\n")
            print(
                table(
                    [
                        "index",
                        "pipeline",
                        "mode",
                        "claims",
                        "pairs/claim scored by the stance model",
                        "p50 / p95 ms",
                        "claims/s",
                    ],
                    rows,
                )
            )
        print("\n## The stance runtime `auto` picks, per kind of CPU\n")
        print(table(["CPU", "backend", "precision", "why"], runtime_rows()))


if __name__ == "__main__":
    main()
