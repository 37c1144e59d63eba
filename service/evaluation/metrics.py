"""Verdict and retrieval metrics in plain numpy, so evaluation needs nothing beyond the service's own dependencies.

Conventions follow scikit-learn where it has the same metric (F1 of a class with no true and no predicted
claims is 0; confusion rows are true labels, columns predicted), and the tests cross-check against it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np

from service.schemas import VERDICTS

LABELS: tuple[str, ...] = VERDICTS


def labels_present(y_true: Sequence[Hashable]) -> list[Hashable]:
    """The labels that occur in ``y_true``: ours in :data:`LABELS` order, then any others sorted."""
    present = set(np.asarray(y_true).tolist())
    return [label for label in LABELS if label in present] + sorted(present - set(LABELS), key=str)


def accuracy(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> float:
    """Share of claims whose predicted label equals the true one."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(t == p))


def per_class_f1(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None = None
) -> dict[Hashable, float]:
    """{label: F1} for ``labels`` (default: those present in ``y_true``).

    A prediction of a label outside ``labels`` still counts as a miss for the true class.
    """
    t, p = _pair(y_true, y_pred)
    labels = labels_present(t) if labels is None else list(labels)
    scores: dict[Hashable, float] = {}
    for label in labels:
        is_true, is_pred = t == label, p == label
        tp = int(np.sum(is_true & is_pred))
        # 2tp / (2tp + fp + fn) equals 2PR / (P + R) and stays defined when P or R is 0/0.
        denominator = int(np.sum(is_true)) + int(np.sum(is_pred))
        scores[label] = 2 * tp / denominator if denominator else 0.0
    return scores


def macro_f1(y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None = None) -> float:
    """Unweighted mean of the per-class F1 over ``labels`` (default: those present in ``y_true``).

    Pass ``labels`` explicitly when comparing subsets (bootstrap resamples, folds): a class missing from one
    subset would otherwise drop out of its mean.
    """
    scores = per_class_f1(y_true, y_pred, labels)
    if not scores:
        raise ValueError("macro_f1 needs at least one label")
    return float(np.mean(list(scores.values())))


def confusion(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] = LABELS
) -> list[list[int]]:
    """Counts ``[true][predicted]`` in ``labels`` order; pairs with a label outside ``labels`` are left out."""
    t, p = _pair(y_true, y_pred)
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for true_label, pred_label in zip(t.tolist(), p.tolist(), strict=True):
        if true_label in index and pred_label in index:
            matrix[index[true_label], index[pred_label]] += 1
    return matrix.tolist()


def ece(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error of the top-label confidence over ``bins`` equal-width bins.

    Bins are right-closed, ``(0.1, 0.2]``, with 0 in the first. The error is the claim-weighted mean, over bins,
    of |accuracy - mean confidence|.
    """
    conf = np.asarray(confidences, dtype=float)
    hit = np.asarray(correct, dtype=float)
    if conf.ndim != 1 or conf.shape != hit.shape:
        raise ValueError(f"confidences and correct must be 1-d of equal length, got {conf.shape} and {hit.shape}")
    if not conf.size:
        raise ValueError("ece needs at least one prediction")
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if np.any(~np.isfinite(conf)) or np.any((conf < 0) | (conf > 1)):
        raise ValueError("confidences must lie in [0, 1]")
    inner_edges = np.linspace(0.0, 1.0, bins + 1)[1:-1]
    bin_of = np.digitize(conf, inner_edges, right=True)
    # Per bin, |sum(hit) - sum(conf)| / n equals (n_bin / n) * |accuracy - confidence|.
    gap = np.bincount(bin_of, weights=hit, minlength=bins) - np.bincount(bin_of, weights=conf, minlength=bins)
    return float(np.sum(np.abs(gap)) / conf.size)


def brier(probs: np.ndarray, y_true: Sequence[int]) -> float:
    """Multi-class Brier score: mean over claims of the squared distance between ``probs`` and the one-hot truth.

    ``probs`` is (n claims, k classes) with rows summing to 1; ``y_true`` are class indices into its columns.
    0 is perfect, 2 is the worst possible.
    """
    p = np.asarray(probs, dtype=float)
    t = np.asarray(y_true)
    if p.ndim != 2 or t.shape != (p.shape[0],):
        raise ValueError(f"probs must be (n, k) and y_true (n,), got {p.shape} and {t.shape}")
    if not p.shape[0]:
        raise ValueError("brier needs at least one prediction")
    if not np.issubdtype(t.dtype, np.integer) or np.any((t < 0) | (t >= p.shape[1])):
        raise ValueError(f"y_true must be class indices in 0..{p.shape[1] - 1}")
    if np.any(np.abs(p.sum(axis=1) - 1.0) > 1e-3):
        raise ValueError("each row of probs must sum to 1")
    one_hot = np.zeros_like(p)
    one_hot[np.arange(p.shape[0]), t] = 1.0
    return float(np.mean(np.sum((p - one_hot) ** 2, axis=1)))


def bootstrap_ci(
    metric_fn: Callable[[np.ndarray, np.ndarray], float],
    y_true: Sequence[Hashable],
    y_pred: Sequence[Hashable],
    n: int = 1000,
    seed: int = 13,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of ``metric_fn(y_true, y_pred)`` over ``n`` resamples of the claims with replacement.

    The seed is fixed so that a report printed twice shows the same interval.
    """
    t, p = _pair(y_true, y_pred)
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = np.random.default_rng(seed)
    values = np.empty(n)
    for i in range(n):
        sample = rng.integers(0, t.size, t.size)
        values[i] = metric_fn(t[sample], p[sample])
    tail = (1.0 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def recall_at_k(ranked_doc_ids: Sequence[Sequence[str]], gold: Sequence[Sequence[str]], k: int) -> float:
    """Mean over claims with gold evidence of the share of their gold documents among the first ``k`` documents.

    Repeated ids in a ranking (several passages of one document) count once, so ``k`` means k distinct
    documents. Claims without gold evidence are left out; NaN when no claim has any.
    """
    if len(ranked_doc_ids) != len(gold):
        raise ValueError(f"{len(ranked_doc_ids)} rankings for {len(gold)} gold lists")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    recalls = []
    for ranking, wanted in zip(ranked_doc_ids, gold, strict=True):
        wanted_set = set(wanted)
        if not wanted_set:
            continue
        top = list(dict.fromkeys(ranking))[:k]
        recalls.append(len(wanted_set.intersection(top)) / len(wanted_set))
    return float(np.mean(recalls)) if recalls else float("nan")


def format_confusion(matrix: Sequence[Sequence[int]], labels: Sequence[Hashable]) -> str:
    """The matrix as an aligned text table: a row per true label, a column per predicted label."""
    if len(matrix) != len(labels) or any(len(row) != len(labels) for row in matrix):
        raise ValueError(f"matrix must be {len(labels)} x {len(labels)} to match the labels")
    names = [str(label) for label in labels]
    corner = "true \\ predicted"
    first = max([len(corner), *map(len, names)])
    widths = [max(len(name), *(len(str(row[j])) for row in matrix)) for j, name in enumerate(names)]
    lines = [f"{corner:<{first}}  " + "  ".join(f"{name:>{w}}" for name, w in zip(names, widths, strict=True))]
    for name, row in zip(names, matrix, strict=True):
        cells = "  ".join(f"{count:>{w}}" for count, w in zip(row, widths, strict=True))
        lines.append(f"{name:<{first}}  {cells}")
    return "\n".join(lines)


def _pair(y_true: Sequence[Hashable], y_pred: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray]:
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim != 1 or t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must be 1-d of equal length, got {t.shape} and {p.shape}")
    if not t.size:
        raise ValueError("no claims to score")
    return t, p
