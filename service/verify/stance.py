"""The stance step: every sentence window of every claim in the batch scored in one model call."""

from __future__ import annotations

import threading
import time

import numpy as np
from haystack import component

from service.settings import Settings
from service.stance import StanceScorer
from service.verify.types import Window

_scorers: dict[tuple, StanceScorer] = {}
_registry = threading.Lock()


def shared_scorer(settings: Settings) -> StanceScorer:
    """One stance model per process and configuration: index swaps and every pipeline share it."""
    key = (
        settings.stance_model,
        str(settings.model_cache_dir),
        settings.stance_backend,
        settings.stance_precision,
        settings.stance_quantize,
        settings.stance_batch_size,
        settings.threads,
        settings.stance_cache_size,
    )
    with _registry:
        if key not in _scorers:
            _scorers[key] = StanceScorer.from_settings(settings)
        return _scorers[key]


@component
class WindowStance:
    """Score every (window, claim) pair of the batch with the stance model, in one call."""

    def __init__(self, scorer: StanceScorer) -> None:
        self.scorer = scorer

    def warm_up(self) -> None:
        self.scorer.warm_up()

    @component.output_types(probs=list[np.ndarray], pairs=int, ms=float)
    def run(self, claims: list[str], windows: list[list[Window]], relevance: list[np.ndarray] | None = None) -> dict:
        """Per claim, an array (windows, 3) of entailment, neutral, contradiction probabilities.

        A window whose ``relevance`` is 0 (not about the claim) is neutral without asking the model:
        its stance could not count, so its pair is saved."""
        started = time.perf_counter()
        rels = relevance or [np.ones(len(ws), np.float32) for ws in windows]
        asked = [
            (c, j, w.text, claim)
            for c, (claim, ws, rel) in enumerate(zip(claims, windows, rels, strict=True))
            for j, w in enumerate(ws)
            if rel[j] > 0
        ]
        out = [np.tile(np.array([0.0, 1.0, 0.0], np.float32), (len(ws), 1)) for ws in windows]
        if asked:
            probs = self.scorer.probabilities([a[2] for a in asked], [a[3] for a in asked])
            for (c, j, _, _), p in zip(asked, np.asarray(probs, dtype=np.float32), strict=True):
                out[c][j] = p
        return {"probs": out, "pairs": len(asked), "ms": (time.perf_counter() - started) * 1000}
