"""Train the check-worthiness classifier: logistic regression on the multilingual embedding of a
sentence plus the rule flags, fitted on GermEval 2021 subtask 3 (fact-claiming comments, German).

    python -m training.worthiness --data ../shared/data/benchmarks/germeval2021-factclaiming \
        --out service/article/worthiness.json

The regularisation and the decision threshold are chosen by 5-fold cross-validation on the train
split alone; the test split (with ``truth.csv``) is read once, at the end, for the report. The
threshold is folded into the intercept, so a score of 0.5 is the decision boundary.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import time
from pathlib import Path

import numpy as np

from service.article.rules import FLAG_NAMES, SURFACE_NAMES, rule_flags, surface_features
from service.settings import DEFAULT_EMBEDDING_MODEL, Settings

PREFIX = "query: "


def read_split(folder: Path, split: str) -> tuple[list[str], np.ndarray]:
    with (folder / f"{split}.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    if split == "test":
        with (folder / "truth.csv").open(encoding="utf-8", newline="") as f:
            truth = {r["comment_id"]: int(r["Sub3_FactClaiming"]) for r in csv.DictReader(f)}
        labels = [truth[r["comment_id"]] for r in rows]
    else:
        labels = [int(r["Sub3_FactClaiming"]) for r in rows]
    return [r["comment_text"] for r in rows], np.array(labels)


def features(texts: list[str], model, language: str = "de") -> np.ndarray:
    emb = model.encode([PREFIX + t for t in texts], batch_size=32, normalize_embeddings=True, show_progress_bar=True)
    flags = np.array([rule_flags(t, language).vector() + surface_features(t) for t in texts], dtype=np.float32)
    return np.hstack([emb.astype(np.float32), flags])


def macro_f1(y: np.ndarray, pred: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, pred, average="macro"))


def main() -> None:
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from service.model_names import resolve_model_path

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="GermEval 2021 folder (train.csv, test.csv, truth.csv)")
    ap.add_argument("--out", type=Path, required=True, help="where to write the classifier (JSON)")
    ap.add_argument("--cache", type=Path, default=None, help="keep the features here (.npz) between runs")
    args = ap.parse_args()

    settings = Settings()
    started = time.time()
    n_extra = len(FLAG_NAMES) + len(SURFACE_NAMES)
    if args.cache and args.cache.exists() and np.load(args.cache)["x_train"].shape[1] == 384 + n_extra:
        z = np.load(args.cache)
        x_train, y_train, x_test, y_test = z["x_train"], z["y_train"], z["x_test"], z["y_test"]
    else:
        model = SentenceTransformer(resolve_model_path(DEFAULT_EMBEDDING_MODEL, settings.model_cache_dir), device="cpu")
        train_texts, y_train = read_split(args.data, "train")
        test_texts, y_test = read_split(args.data, "test")
        x_train, x_test = features(train_texts, model), features(test_texts, model)
        if args.cache:
            np.savez(args.cache, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    print(f"features: train {x_train.shape}, test {x_test.shape} ({time.time() - started:.0f} s)")

    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=13)
    thresholds = np.arange(0.25, 0.76, 0.01)
    best = (-1.0, 1.0, 0.5)
    for c in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0):
        oof = np.zeros(len(y_train))
        for tr, va in folds.split(x_train, y_train):
            clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x_train[tr], y_train[tr])
            oof[va] = clf.predict_proba(x_train[va])[:, 1]
        scores = [macro_f1(y_train, (oof >= t).astype(int)) for t in thresholds]
        i = int(np.argmax(scores))
        print(f"C={c:<5} CV macro-F1 {scores[i]:.4f} at threshold {thresholds[i]:.2f}")
        if scores[i] > best[0]:
            best = (scores[i], c, float(thresholds[i]))
    cv_f1, c, threshold = best
    clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced").fit(x_train, y_train)
    test_prob = clf.predict_proba(x_test)[:, 1]
    test_f1 = macro_f1(y_test, (test_prob >= threshold).astype(int))
    test_f1_half = macro_f1(y_test, (test_prob >= 0.5).astype(int))
    # rules alone on the test split: a finite verb and something to look up, not excluded
    flag_idx = {n: x_test.shape[1] - n_extra + i for i, n in enumerate(FLAG_NAMES)}
    f = {n: x_test[:, j] > 0 for n, j in flag_idx.items()}
    rules = f["finite_verb"] & (f["number"] | f["date"] | f["entity"] | f["comparison"] | f["cause"])
    rules &= ~(f["question"] | f["opinion"] | f["promise"])
    rules_f1 = macro_f1(y_test, rules.astype(int))
    print(f"chosen C={c}, threshold {threshold:.2f}: CV macro-F1 {cv_f1:.4f}")
    print(
        f"GermEval 2021 test macro-F1: {test_f1:.4f} (at 0.5 uncalibrated: {test_f1_half:.4f}); rules alone {rules_f1:.4f}"
    )

    shift = math.log(threshold / (1 - threshold))
    payload = {
        "about": "check-worthiness: logistic regression on the embedding (prefix 'query: '), the rule flags and "
        "the surface features; "
        "trained on GermEval 2021 subtask 3 train; the chosen threshold is folded into the intercept",
        "embedding_model": DEFAULT_EMBEDDING_MODEL,
        "prefix": PREFIX,
        "flags": FLAG_NAMES,
        "surface": SURFACE_NAMES,
        "dimension": int(x_train.shape[1] - n_extra),
        "coef": [round(float(v), 6) for v in clf.coef_[0]],
        "intercept": round(float(clf.intercept_[0] - shift), 6),
        "C": c,
        "threshold": round(threshold, 2),
        "cv_macro_f1": round(cv_f1, 4),
        "germeval_test_macro_f1": round(test_f1, 4),
        "rules_only_test_macro_f1": round(rules_f1, 4),
    }
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
