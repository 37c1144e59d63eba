"""Check-worthiness of every sentence: the rules first (questions, opinions and promises are dropped),
then a logistic regression on the sentence's multilingual embedding, the rule flags and the surface
features. A sentence's worthiness is the mean of the rules' score and the classifier's probability.

The classifier (``worthiness.json``, trained by ``training/worthiness.py`` on GermEval 2021
fact-claiming comments) belongs to the embedding model it was trained with; with another embedding
model the rules alone score the sentences.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document, component

from index.inference import FairLock
from service.article.extract import ArticleText
from service.article.rules import FLAG_NAMES, SURFACE_NAMES, RuleFlags, rule_flags, rule_score, surface_features
from service.article.sentences import Sentence

# how an article step reports progress: (stage, done, total); index.progress.Progress is the builds' class
StepReporter = Callable[[str, int, int], None]
CLASSIFIER_FILE = Path(__file__).with_name("worthiness.json")
EXCLUDED_CAP = 0.1  # a question, an opinion or a promise scores at most this, whatever the classifier says


@dataclass
class Classifier:
    embedding_model: str
    prefix: str
    coef: np.ndarray
    intercept: float
    dimension: int

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, path: Path = CLASSIFIER_FILE) -> Classifier:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["flags"] != FLAG_NAMES or data.get("surface") != SURFACE_NAMES:
            raise ValueError(f"{path} was trained with other rule flags; retrain it (training/worthiness.py)")
        return cls(
            data["embedding_model"], data["prefix"], np.asarray(data["coef"], np.float32), data["intercept"],
            data["dimension"],
        )  # fmt: skip

    def score(self, embeddings: np.ndarray, flags: list[RuleFlags], texts: list[str]) -> list[float]:
        extra = [f.vector() + surface_features(t) for f, t in zip(flags, texts, strict=True)]
        x = np.hstack([embeddings, np.array(extra, np.float32)])
        logits = x @ self.coef + self.intercept
        return [1.0 / (1.0 + math.exp(-float(v))) for v in logits]


@dataclass
class ScoredSentence:
    sentence: Sentence
    score: float
    flags: RuleFlags
    excluded: str | None  # "question", "opinion", "promise", or None


@component
class WorthinessScorer:
    """Score every sentence of an article: one embedding call for all of them."""

    def __init__(self, embedder: Any | None, lock: FairLock | None, embedding_model: str) -> None:
        # ``embedder`` embeds with the classifier's prefix; None: rules only
        self.embedder = embedder
        self.lock = lock
        self.embedding_model = embedding_model
        self._classifier: Classifier | None = None

    def warm_up(self) -> None:
        if self._classifier is not None or self.embedder is None:
            return
        classifier = Classifier.load()
        if classifier.embedding_model != self.embedding_model:
            self.embedder = None  # trained on another model's embeddings: the rules score alone
            return
        with self.lock:
            self.embedder.warm_up()
        self._classifier = classifier

    @component.output_types(scored=list[ScoredSentence], ms=float)
    def run(self, sentences: list[Sentence], article: ArticleText, progress: StepReporter | None = None) -> dict:
        started = time.perf_counter()
        if progress:
            progress(f"scoring {len(sentences)} sentences", 0, len(sentences))
        flags = [rule_flags(s.text, article.language) for s in sentences]
        if self._classifier is not None and sentences:
            docs = [Document(id=f"s{s.index}", content=s.text) for s in sentences]
            with self.lock:
                embedded = self.embedder.run(documents=docs)["documents"]
            vectors = np.array([d.embedding for d in embedded], np.float32)
            learned = self._classifier.score(vectors, flags, [s.text for s in sentences])
            # The classifier learned from German comments; on news sentences the rules rank better (AUC 0.90
            # against 0.78 on bench/data/article_worthiness.json), their mean in between (0.85) with both views
            scores = [(p + rule_score(f)) / 2 for p, f in zip(learned, flags, strict=True)]
        else:
            scores = [rule_score(f) for f in flags]
        scored = []
        for sentence, f, score in zip(sentences, flags, scores, strict=True):
            excluded = f.excluded
            scored.append(ScoredSentence(sentence, min(score, EXCLUDED_CAP) if excluded else score, f, excluded))
        if progress:
            progress(f"scored {len(sentences)} sentences", len(sentences), len(sentences))
        return {"scored": scored, "ms": (time.perf_counter() - started) * 1000}
