"""Scores of one system on one benchmark, and a terminal table comparing systems side by side."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from service.evaluation.metrics import (
    LABELS,
    accuracy,
    bootstrap_ci,
    brier,
    confusion,
    ece,
    format_confusion,
    labels_present,
    macro_f1,
    per_class_f1,
)


@dataclass
class Scores:
    """Verdict metrics of one system. Intervals are 95% bootstrap percentile intervals over claims.

    ``labels`` are the classes macro-F1 averages over (those in the gold labels); ``confusion_labels`` also
    include classes that were only predicted, so every prediction shows up in ``confusion``.
    """

    n: int
    labels: list[str]
    accuracy: float
    accuracy_ci: tuple[float, float]
    macro_f1: float
    macro_f1_ci: tuple[float, float]
    per_class_f1: dict[str, float]
    confusion: list[list[int]]
    confusion_labels: list[str]
    ece: float
    brier: float | None


def score(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    confidences: Sequence[float],
    probs: np.ndarray | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 13,
) -> Scores:
    """Score verdicts against gold labels.

    ``confidences`` are the confidences of the predicted labels (for ECE). ``probs``, when the system gives a
    distribution over verdicts, is (n, 4) with columns in :data:`~service.evaluation.metrics.LABELS` order
    (for the Brier score).
    """
    truth, predicted = list(y_true), list(y_pred)
    labels = labels_present(truth)
    correct = np.asarray(truth) == np.asarray(predicted)
    brier_score = None
    if probs is not None:
        unknown = sorted(set(truth) - set(LABELS))
        if unknown:
            raise ValueError(f"the Brier score needs labels in {LABELS}, got {unknown}")
        brier_score = brier(probs, [LABELS.index(label) for label in truth])
    # Fixed labels: a resample that misses a rare class must still average over it.
    fixed_macro_f1 = partial(macro_f1, labels=labels)
    confusion_labels = labels_present(truth + predicted)
    return Scores(
        n=len(truth),
        labels=labels,
        accuracy=accuracy(truth, predicted),
        accuracy_ci=bootstrap_ci(accuracy, truth, predicted, n=n_boot, seed=seed),
        macro_f1=fixed_macro_f1(truth, predicted),
        macro_f1_ci=bootstrap_ci(fixed_macro_f1, truth, predicted, n=n_boot, seed=seed),
        per_class_f1=per_class_f1(truth, predicted, labels),
        confusion=confusion(truth, predicted, confusion_labels),
        confusion_labels=confusion_labels,
        ece=ece(confidences, correct),
        brier=brier_score,
    )


def format_table(rows: dict[str, Scores], confusions: bool = False) -> str:
    """Systems side by side, one column each: accuracy and macro-F1 with intervals, F1 per class, ECE, Brier.

    ``confusions=True`` appends each system's confusion matrix.
    """
    if not rows:
        raise ValueError("no systems to show")
    all_labels = labels_present([label for scores in rows.values() for label in scores.labels])
    table: list[tuple[str, list[str]]] = [
        ("claims", [str(s.n) for s in rows.values()]),
        ("accuracy", [_with_interval(s.accuracy, s.accuracy_ci) for s in rows.values()]),
        ("macro-F1", [_with_interval(s.macro_f1, s.macro_f1_ci) for s in rows.values()]),
    ]
    for label in all_labels:
        table.append((f"  F1 {label}", [_number(s.per_class_f1.get(label)) for s in rows.values()]))
    table.append(("ECE", [_number(s.ece) for s in rows.values()]))
    table.append(("Brier", [_number(s.brier) for s in rows.values()]))

    names = list(rows)
    first = max(len(metric) for metric, _ in table)
    widths = [max(len(name), *(len(cells[j]) for _, cells in table)) for j, name in enumerate(names)]
    lines = [" " * first + "  " + "  ".join(f"{name:>{w}}" for name, w in zip(names, widths, strict=True))]
    for metric, cells in table:
        lines.append(f"{metric:<{first}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    lines.append("[low, high]: 95% bootstrap interval over claims; '-': not available")
    if confusions:
        for name, scores in rows.items():
            lines += ["", f"{name}:", format_confusion(scores.confusion, scores.confusion_labels)]
    return "\n".join(lines)


def _with_interval(value: float, interval: tuple[float, float]) -> str:
    return f"{value:.3f} [{interval[0]:.3f}, {interval[1]:.3f}]"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
