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
    def run(self, claims: list[str], windows: list[list[Window]]) -> dict:
        """Per claim, an array (windows, 3) of entailment, neutral, contradiction probabilities."""
        started = time.perf_counter()
        premises = [w.text for ws in windows for w in ws]
        hypotheses = [claim for claim, ws in zip(claims, windows, strict=True) for _ in ws]
        probs = self.scorer.probabilities(premises, hypotheses) if premises else np.zeros((0, 3), np.float32)
        out, row = [], 0
        for ws in windows:
            out.append(np.asarray(probs[row : row + len(ws)], dtype=np.float32).reshape(len(ws), 3))
            row += len(ws)
        return {"probs": out, "pairs": len(premises), "ms": (time.perf_counter() - started) * 1000}
