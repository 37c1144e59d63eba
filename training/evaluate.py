"""Accuracy, calibration error and temperature fitting for the stance model."""

from __future__ import annotations

import numpy as np

from training.data import Pair


def accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    return float((probs.argmax(axis=-1) == labels).mean()) if len(labels) else float("nan")


def two_way_accuracy(probs: np.ndarray, labels: np.ndarray) -> float:
    """For 2-label sets (FEVER-Symmetric: SUPPORTS/REFUTES): entailment vs contradiction only."""
    pred = np.where(probs[:, 0] >= probs[:, 2], 0, 2)
    return float((pred == labels).mean())


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """ECE over confidence bins of the top label (Guo et al. 2017)."""
    conf = probs.max(axis=-1)
    right = probs.argmax(axis=-1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            ece += mask.mean() * abs(right[mask].mean() - conf[mask].mean())
    return float(ece)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    p = _softmax(logits / temperature)
    return float(-np.log(p[np.arange(len(labels)), labels] + 1e-12).mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimising NLL on held-out logits (a 1-D search is all it needs)."""
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 400))
    losses = [nll(logits, labels, t) for t in grid]
    best = float(grid[int(np.argmin(losses))])
    # refine around the best grid point
    fine = np.linspace(best * 0.95, best * 1.05, 101)
    return float(fine[int(np.argmin([nll(logits, labels, t) for t in fine]))])


def labels_of(pairs: list[Pair]) -> np.ndarray:
    return np.asarray([p.label for p in pairs], dtype=np.int64)
