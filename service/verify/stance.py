"""The stance step: every sentence window of every claim in the batch scored in one model call."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import numpy as np
from haystack import component, default_from_dict, default_to_dict

from service.settings import Settings
from service.stance import StanceScorer
from service.verify.aliases import harmonise
from service.verify.types import Window

_scorers: dict[str, StanceScorer] = {}
_registry = threading.Lock()


def shared_scorer(settings: Settings) -> StanceScorer:
    """One stance model per process and configuration: index swaps and every pipeline share it."""
    return scorer_for(StanceScorer.from_settings(settings).to_dict())


def scorer_for(data: dict[str, Any]) -> StanceScorer:
    """The process's scorer for a serialised configuration (``StanceScorer.to_dict()``), made on first use."""
    key = json.dumps(data, sort_keys=True)
    with _registry:
        if key not in _scorers:
            _scorers[key] = StanceScorer.from_dict(json.loads(key))
        return _scorers[key]


@component
class WindowStance:
    """Score every (window, claim) pair of the batch with the stance model, in one call.

    ``harmonise_names``: a country the claim names in another spelling than the window, in the same language,
    is spelled as the window spells it in the model's input (service/verify/aliases.py)."""

    def __init__(self, scorer: StanceScorer, harmonise_names: bool = True) -> None:
        self.scorer = scorer
        self.harmonise_names = harmonise_names

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, scorer=self.scorer.to_dict(), harmonise_names=self.harmonise_names)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowStance:
        """The scorer is the process's one for its configuration: pipelines loaded or built share the model."""
        data["init_parameters"]["scorer"] = scorer_for(data["init_parameters"]["scorer"])
        return default_from_dict(cls, data)

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
            (c, j, w.text, harmonise(claim, w.text) if self.harmonise_names else claim)
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
