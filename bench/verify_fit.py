"""Fitting the verdict rule and its confidence out of fold, from claim records (no model runs).

- ``fit_rule``: coordinate descent over the rule's thresholds, maximising
  macro-F1 on the training claims.
- ``fit_calibration``: one logistic curve per verdict, P(correct | deciding score, how much the evidence is
  about the claim).
- ``aggregator_features`` / ``fit_aggregator``: the learned alternative, a multinomial logistic
  regression over per-claim features (strongest support and refutation, cosine, consistency,
  number of distinct sources), for the comparison the benchmark prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from service.evaluation.metrics import LABELS, macro_f1
from service.evaluation.runner import ClaimRecord, item_from_record
from service.verify.verdict import VerdictParams, decide, most_about, relevance

# The thresholds only: a record's entailment and contradiction are already weighed by relevance (the pipeline's
# relevance step), so the relevance ramp cannot be refitted from records.
GRID = {
    "support_threshold": [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "refute_threshold": [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7],
    "conflict_threshold": [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01],  # 1.01: never CONFLICTING
}


def items_of(records: list[ClaimRecord]) -> list[list]:
    return [[item_from_record(e) for e in r.evidence] for r in records]


def predict(items: list[list], params: VerdictParams) -> list[str]:
    return [decide(it, params).verdict for it in items]


def coordinate_descent(
    objective: Callable[[VerdictParams], float], start: VerdictParams, rounds: int = 2
) -> VerdictParams:
    """The thresholds of :data:`GRID` that maximise ``objective``, one at a time from ``start``; a step is taken
    only when it gains."""
    best, best_score = replace(start), objective(start)
    for _ in range(rounds):
        for name, values in GRID.items():
            for value in values:
                trial = replace(best, **{name: value})
                score = objective(trial)
                if score > best_score + 1e-9:
                    best, best_score = trial, score
    return best


def fit_rule(
    items: list[list], labels: list[str], start: VerdictParams | None = None, rounds: int = 2
) -> VerdictParams:
    """The thresholds with the best macro-F1 on ``items``."""
    return coordinate_descent(lambda params: macro_f1(labels, predict(items, params)), start or VerdictParams(), rounds)


def fit_calibration(
    items: list[list],
    labels: list[str],
    params: VerdictParams,
    weights: list[float] | None = None,
    about: bool = False,
) -> dict[str, tuple[float, ...]]:
    """One logistic curve per verdict: P(right | deciding score[, with ``about``: the relevance of the passage most
    about the claim]), claims weighted by ``weights`` (bench/calibration.py compares the two forms)."""
    from sklearn.linear_model import LogisticRegression

    out: dict[str, tuple[float, ...]] = {}
    decided = [decide(it, params) for it in items]
    w_all = weights or [1.0] * len(items)
    for verdict in LABELS:
        rows = [i for i, d in enumerate(decided) if d.verdict == verdict]
        xs = [[decided[i].deciding] + ([most_about(items[i])] if about else []) for i in rows]
        ys = [int(labels[i] == verdict) for i in rows]
        ws = [w_all[i] for i in rows]
        rate = (sum(y * w for y, w in zip(ys, ws, strict=True)) + 1) / (sum(ws) + 2)
        fallback = (0.0, float(np.log(rate / (1 - rate))))  # the smoothed hit rate, flat
        if len(xs) < 10 or len(set(ys)) < 2:
            out[verdict] = fallback
            continue
        x, y, w = np.asarray(xs), np.asarray(ys), np.asarray(ws)
        model = LogisticRegression(C=1.0).fit(x, y, sample_weight=w)
        coef, intercept = [float(c) for c in model.coef_[0]], float(model.intercept_[0])
        if coef[0] > 0:
            out[verdict] = (coef[0], intercept, *coef[1:])
        elif about:  # a stronger score never makes a verdict less likely right: a falling slope is noise
            model = LogisticRegression(C=1.0).fit(x[:, 1:], y, sample_weight=w)
            out[verdict] = (0.0, float(model.intercept_[0]), float(model.coef_[0][0]))
        else:
            out[verdict] = fallback
    return out


def aggregator_features(items: list, params: VerdictParams) -> list[float]:
    rel = [relevance(i, params) for i in items] or [0.0]
    e = [i.max_entailment for i in items] or [0.0]
    c = [i.max_contradiction for i in items] or [0.0]
    cos = [i.candidate.dense_score for i in items] or [0.0]
    mism = [float(i.refute_consistency is not None and i.refute_consistency.score < 0) for i in items] or [0.0]
    docs_e = {i.candidate.passage.meta.get("doc_id") for i in items if i.max_entailment >= 0.5}
    docs_c = {i.candidate.passage.meta.get("doc_id") for i in items if i.max_contradiction >= 0.5}
    ew = [a * r for a, r in zip(e, rel, strict=True)]
    cw = [a * r for a, r in zip(c, rel, strict=True)]
    top = int(np.argmax(cos))
    return [
        max(e),
        max(c),
        max(ew),
        max(cw),
        min(max(ew), max(cw)),
        max(cos),
        float(np.mean(cos)),
        e[top],
        c[top],
        mism[top],
        float(np.mean(mism)),
        len(docs_e),
        len(docs_c),
    ]


def fit_aggregator(items: list[list], labels: list[str], params: VerdictParams):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.asarray([aggregator_features(it, params) for it in items])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced"))
    return model.fit(x, labels)


def aggregator_predict(model, items: list[list], params: VerdictParams) -> tuple[list[str], np.ndarray]:
    x = np.asarray([aggregator_features(it, params) for it in items])
    probs = model.predict_proba(x)
    classes = list(model.classes_)
    full = np.zeros((len(items), len(LABELS)))
    for j, label in enumerate(classes):
        full[:, LABELS.index(label)] = probs[:, j]
    return [classes[i] for i in probs.argmax(axis=1)], full
