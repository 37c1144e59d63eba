"""Stance model benchmark: accuracy on the fixed evaluation sets, calibration, speed and memory,
each beside a cheap baseline measured in the same run.

    python -m bench.stance                 # everything (about 15 minutes on 2 cores)
    python -m bench.stance --limit 500     # a quicker look

Baseline: logistic regression on frozen multilingual-e5-small sentence embeddings
[u, v, |u-v|, u*v], trained on the first --baseline-train pairs of the stance model's v1
training mix (the same pairs in every run, so baselines compare across runs).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.common import peak_rss_mb, rss_mb, table

REPO = Path(__file__).resolve().parents[1]


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", type=Path, default=REPO.parent / "shared" / "data" / "nli")
    ap.add_argument("--limit", type=int, default=0, help="pairs per evaluation set (0 = all), a fixed sample")
    ap.add_argument(
        "--variants",
        default=None,
        help="comma list of BACKEND-PRECISION: torch-fp32, torch-bf16, torch-int8, onnx-fp32, onnx-int8; "
        "each runs in a fresh process, so its load time and memory are its own (default: torch-fp32, "
        "onnx-fp32, onnx-int8, and torch-bf16 where the CPU has AMX: elsewhere bf16 is emulated and slow)",
    )
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)  # one variant, JSON on stdout
    ap.add_argument("--max-length", type=int, default=256, help="tokens per pair at inference")
    ap.add_argument("--baseline-train", type=int, default=8000, help="training pairs for the baseline (0 = skip it)")
    ap.add_argument("--speed-pairs", type=int, default=256, help="pairs timed for throughput")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "stance.json")
    args = ap.parse_args()
    args.data_root = args.data_root.resolve()
    if args.variants is None:
        from service.stance.hardware import cpu_has_bf16

        args.variants = "torch-fp32,onnx-fp32,onnx-int8" + (",torch-bf16" if cpu_has_bf16() else "")
    return args


def eval_sets(root: Path, limit: int) -> dict:
    from training.data import eval_sets as all_sets

    sets = all_sets(root)
    if limit:
        sets = {k: random.Random(7).sample(v, min(limit, len(v))) for k, v in sets.items()}
    return sets


def score_sets(predict, sets: dict) -> tuple[dict, dict]:
    """Accuracy per set (FEVER-Symmetric has no neutral: entailment vs contradiction) and all probs."""
    from training.evaluate import accuracy, labels_of, two_way_accuracy

    accs, probs_by_set = {}, {}
    for name, pairs in sets.items():
        probs = predict(pairs)
        labels = labels_of(pairs)
        accs[name] = two_way_accuracy(probs, labels) if name == "fever-symmetric" else accuracy(probs, labels)
        probs_by_set[name] = probs
    return accs, probs_by_set


def speed_pairs(n: int) -> tuple[list[str], list[str]]:
    """Passage-length premises from the sample corpus, claim-length hypotheses."""
    from corpus.components import SentencePassageSplitter
    from corpus.loaders import load_corpus

    docs, _ = load_corpus(REPO / "corpus" / "sample")
    passages = [d.content for d in SentencePassageSplitter().run(docs)["documents"]]
    claims = [
        "Belarusian access to NATO HQ restricted",
        "NATO summit in Brussels on 14 June",
        "Russia forms 20 new units in its Western Military District",
        "Die Außenminister treffen sich am 1. Juni online",
        "The Paris Agreement was adopted in 2015",
        "Italy won the Euro 2020 final",
    ]
    rng = random.Random(3)
    return [rng.choice(passages) for _ in range(n)], [rng.choice(claims) for _ in range(n)]


def bench_variant(variant: str, sets: dict, n_speed: int, max_length: int) -> dict:
    from service.settings import Settings
    from service.stance import StanceScorer
    from training.evaluate import expected_calibration_error, labels_of

    backend, _, precision = variant.partition("-")
    settings = Settings()
    scorer = StanceScorer(
        cache_dir=settings.model_cache_dir,
        precision=precision,
        backend=backend,
        threads=settings.threads,
        max_length=max_length,
    )
    import onnxruntime  # noqa: F401 - imported before the reading, so model RSS is the model's own
    import sentence_transformers  # noqa: F401
    import torch  # noqa: F401

    before = rss_mb()
    t0 = time.perf_counter()
    scorer.warm_up()
    load_s = time.perf_counter() - t0
    model_mb = rss_mb() - before
    prem, hyp = speed_pairs(n_speed)
    scorer.probabilities(prem[:32], hyp[:32])  # warm the kernels
    tokens = [
        len(x) for x in scorer._classifier.tokenizer(prem, hyp, truncation=True, max_length=max_length)["input_ids"]
    ]
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        scorer.probabilities(prem, hyp)
        runs.append(n_speed / (time.perf_counter() - t0))
    accs, probs = score_sets(
        lambda pairs: scorer.probabilities([p.premise for p in pairs], [p.hypothesis for p in pairs]), sets
    )
    all_probs = np.concatenate([probs[k] for k in sets if k != "fever-symmetric"])
    all_labels = np.concatenate([labels_of(sets[k]) for k in sets if k != "fever-symmetric"])
    return {
        "accuracy": accs,
        "ece": expected_calibration_error(all_probs, all_labels),
        "pairs_per_s": float(np.median(runs)),
        "pairs_per_s_runs": runs,
        "mean_tokens": float(np.mean(tokens)),
        "load_s": load_s,
        "model_rss_mb": model_mb,
        "peak_rss_mb": peak_rss_mb(),
        "temperature": scorer.temperature,
        "runtime": f"{scorer.runtime.backend}-{scorer.runtime.precision}",
    }


def run_worker(variant: str, args: argparse.Namespace) -> dict:
    """One variant in a fresh process: its load time and memory are not blurred by the others."""
    cmd = [sys.executable, "-m", "bench.stance", "--worker", variant, "--limit", str(args.limit)]
    cmd += ["--max-length", str(args.max_length), "--speed-pairs", str(args.speed_pairs)]
    cmd += ["--data-root", str(args.data_root)]
    done = subprocess.run(cmd, cwd=REPO, stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise SystemExit(f"Error: the {variant} variant failed (exit {done.returncode}); its log is above")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_baseline(root: Path, sets: dict, n_train: int) -> dict:
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    from service.backbone import ensure_backbone
    from service.settings import Settings
    from training.mix import train_mix

    model = SentenceTransformer(str(ensure_backbone(Settings().model_cache_dir)), device="cpu")
    cache: dict[str, np.ndarray] = {}

    def embed(texts: list[str]) -> np.ndarray:
        todo = sorted({t for t in texts if t not in cache})
        if todo:
            vecs = model.encode(todo, prompt="query: ", batch_size=64, normalize_embeddings=True)
            cache.update(zip(todo, vecs, strict=True))
        return np.stack([cache[t] for t in texts])

    def features(pairs) -> np.ndarray:
        u, v = embed([p.premise for p in pairs]), embed([p.hypothesis for p in pairs])
        return np.hstack([u, v, np.abs(u - v), u * v])

    train = train_mix(root)[0][:n_train]
    t0 = time.perf_counter()
    clf = LogisticRegression(max_iter=2000, C=1.0).fit(features(train), [p.label for p in train])
    train_s = time.perf_counter() - t0
    accs, _ = score_sets(lambda pairs: clf.predict_proba(features(pairs)), sets)
    return {"accuracy": accs, "train_s": train_s, "train_pairs": len(train)}


def main() -> None:
    args = parse_args()
    from service.runtime import configure_threads
    from service.settings import Settings

    configure_threads(Settings().threads)
    sets = eval_sets(args.data_root, args.limit)
    if args.worker:
        print(json.dumps(bench_variant(args.worker, sets, args.speed_pairs, args.max_length)))
        return
    results: dict = {"sizes": {k: len(v) for k, v in sets.items()}, "variants": {}}
    for variant in args.variants.split(","):
        print(f"benchmarking {variant.strip()}...", file=sys.stderr)
        results["variants"][variant.strip()] = run_worker(variant.strip(), args)
    if args.baseline_train:
        results["baseline"] = bench_baseline(args.data_root, sets, args.baseline_train)
    results["peak_rss_mb"] = peak_rss_mb()

    names = list(sets)
    headers = ["set", "pairs"] + [f"cross-encoder {v}" for v in results["variants"]]
    if "baseline" in results:
        headers.append("baseline (LR on frozen e5)")
    rows = []
    for name in names:
        row = [name, len(sets[name])] + [results["variants"][v]["accuracy"][name] for v in results["variants"]]
        if "baseline" in results:
            row.append(results["baseline"]["accuracy"][name])
        rows.append(row)
    print("\nAccuracy (FEVER-Symmetric: 2-way, entailment vs contradiction)\n")
    print(table(headers, rows))
    print("\nSpeed and memory (passage-length premise, claim-length hypothesis, batch 32, 2 threads)\n")
    print(
        table(
            ["variant", "pairs/s", "load s", "model RSS MiB", "peak RSS MiB", "ECE (eval, calibrated)", "temperature"],
            [
                [v, r["pairs_per_s"], r["load_s"], r["model_rss_mb"], r["peak_rss_mb"], r["ece"], r["temperature"]]
                for v, r in results["variants"].items()
            ],
        )
    )
    tokens = next(iter(results["variants"].values()))["mean_tokens"]
    print(f"\ntimed pairs: {args.speed_pairs}, {tokens:.0f} tokens on average; median of 3 runs")
    print(f"peak RSS of the benchmark's own process (baseline): {results['peak_rss_mb']:.0f} MiB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
