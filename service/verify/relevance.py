"""The relevance step: how much each sentence window is about its claim, one number that means the
same for every language pair.

A passage's cosine says whether the passage is about the claim, not whether the sentence the stance
model reads is: a passage on the claim's event often holds a sentence on something else (the 1889
Eiffel Tower beside a 2022 defence fund), and the stance model, taught by NLI data where two unrelated
captions "contradict", reads that sentence as a refutation. So each window is embedded too, with the
claim's own model and e5's symmetric "query: " prefix on both sides, and its cosine with the claim goes
through a ramp: 0 below ``relevance_low``, 1 from ``relevance_high`` up.

Across languages the same meaning lands lower, and unrelated text a little lower too, so the cosine is
put on one scale per language pair before the ramp: 0 at the median cosine of unrelated text, 1 at the
median cosine of the sentences that decide a claim. Measured on the gold set (tests/data, already tuned
on) against 400 Climate-FEVER evidence sentences as unrelated text: deciding sentences 0.923 in the
claim's language and 0.887 across (5th percentiles 0.848 and 0.816); unrelated ones 0.747 and 0.729
(99th percentiles 0.805 and 0.794). The ramp runs from 0.4 to 0.6 on that scale: the 99th percentile of
unrelated text gets (almost) nothing, the 5th percentile of deciding sentences most of its weight, in
either case. German evidence for an English claim then counts in full.

The unrelated level also differs by language pair (French claims sit closer to French text of any kind
than German claims to English text: XNLI premises give medians from 0.719 for de-en to 0.809 for fr-fr),
so ``verdict.json`` holds a scale per measured pair (that pair's unrelated median, with the span of its
kind), and the same/cross defaults for the others (Spanish claims, for one).

The passage around the sentence must be about the claim too: a sentence on another event of the same
kind ("Mitsotakis won the election" for "Milei won the runoff") sits close to the claim, the passage
around it less so. So a window's relevance is its own ramp times its passage's, the same ramp over the
passage's dense cosine ("query: " against "passage: ") on a scale measured on the gold set: deciding
passages 0.905 in the claim's language and 0.865 across, the passages retrieved for the claims the
corpus says nothing about 0.788 and 0.770.

Relevance then gates: a window below the ramp is not sent to the stance model at all (it is neutral
by definition, and that saves its pair), and every window's entailment and contradiction are scaled by
its relevance before a passage is judged, cited or ordered.

The window vectors come from the index: a build embeds each passage's sentences too, the same way, and
keeps them (``FaissDocumentStore.sentence_vectors``). Embedding the windows per claim took about 60% of a
cold claim check (365 of 508 ms p50 on the gold set, AMD EPYC with AVX512-BF16); reading them takes 1 ms,
and no verdict of the gold or frozen sets changed. An index without them (built with
``FACTCHECK_INDEX_SENTENCE_VECTORS=false``, by Ray, or before they existed) has its windows embedded here,
with an LRU cache by text.

It also caps: only the ``max_windows`` most relevant windows of a claim (by relevance, then cosine) keep
theirs, since the stance model is most of a check's time and the windows further down the list do not
decide. On the gold set (tuned on) no verdict changed between no cap (11.2 windows a claim on average,
up to 20) and 8; 6 changed two. The frozen cross-lingual set gave the same verdicts at 8 too.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np
from haystack import Document, component, default_from_dict, default_to_dict
from haystack.utils.deserialization import deserialize_component_inplace

from index.search_store import SearchStore
from index.store_serde import store_from_dict
from service.verify.types import Candidate, Window
from service.verify.verdict import VerdictParams, params_from_dict, params_to_dict


def _ramp(
    cosine: float,
    claim_language: str | None,
    text_language: str | None,
    scales: dict[str, tuple[float, float]],
    low: float,
    high: float,
) -> float:
    same = claim_language is None or text_language is None or claim_language == text_language
    unrelated, deciding = scales.get(f"{claim_language}-{text_language}", scales["same" if same else "cross"])
    scaled = (cosine - unrelated) / max(deciding - unrelated, 1e-6)
    return min(max((scaled - low) / max(high - low, 1e-6), 0.0), 1.0)


def window_relevance(
    cosine: float, claim_language: str | None, window_language: str | None, params: VerdictParams
) -> float:
    """How much a sentence is about the claim, from its cosine with it: 0 (not at all) to 1."""
    return _ramp(
        cosine, claim_language, window_language, params.cosine_scale, params.relevance_low, params.relevance_high
    )


def passage_relevance(
    cosine: float, claim_language: str | None, passage_language: str | None, params: VerdictParams
) -> float:
    """How much the passage around it is: the same ramp over the passage's dense cosine."""
    return _ramp(
        cosine,
        claim_language,
        passage_language,
        params.passage_cosine_scale,
        params.passage_relevance_low,
        params.passage_relevance_high,
    )


def keep_most_relevant(relevance: np.ndarray, cosines: np.ndarray, limit: int) -> np.ndarray:
    """``relevance`` with all but the ``limit`` most relevant windows set to 0 (ties: the higher cosine)."""
    if int((relevance > 0).sum()) <= limit:
        return relevance
    # lexsort's last key is the primary one; NaN cosines only go with relevance 0, which never ranks first
    order = np.lexsort((-np.nan_to_num(cosines, nan=-2.0), -relevance))
    kept = np.zeros_like(relevance)
    kept[order[:limit]] = relevance[order[:limit]]
    return kept


class VectorCache:
    """Window vectors by text, least recently used out first: articles repeat their claims' passages, and
    popular claims retrieve the same passages again."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._mutex = threading.Lock()
        self.hits = self.misses = 0

    def get(self, text: str) -> np.ndarray | None:
        with self._mutex:
            vector = self._items.get(text)
            if vector is None:
                self.misses += 1
                return None
            self.hits += 1
            self._items.move_to_end(text)
            return vector

    def put(self, text: str, vector: np.ndarray) -> None:
        if self.size <= 0:
            return
        with self._mutex:
            self._items[text] = vector
            self._items.move_to_end(text)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@component
class WindowRelevance:
    """For each claim, the cosine of each window with the claim and its relevance (0 to 1).

    ``embedder`` is the claims' embedder (a component taking ``documents``: the one the pipeline embeds
    claims with, so no second model is loaded); its query prefix is e5's symmetric one.
    """

    def __init__(
        self,
        embedder: Any,
        params: VerdictParams | None = None,
        cache_size: int = 20_000,
        max_windows: int = 8,
        store: SearchStore | None = None,
    ) -> None:
        if max_windows < 1:
            raise ValueError(f"max_windows must be at least 1, got {max_windows}")
        self.embedder = embedder
        self.params = params
        self._given = params  # what to_dict() writes: None stands for the packaged verdict.json
        self.cache = VectorCache(cache_size)
        self.max_windows = max_windows
        self.store = store
        self.embedded = 0  # windows embedded here since start (the rest came from the index or the cache)

    def warm_up(self) -> None:
        if self.params is None:
            self.params = VerdictParams.load()

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(
            self,
            embedder=self.embedder,
            params=params_to_dict(self._given),
            cache_size=self.cache.size,
            max_windows=self.max_windows,
            store=self.store,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowRelevance:
        params = data["init_parameters"]
        deserialize_component_inplace(params, key="embedder")
        params["params"] = params_from_dict(params.get("params"))
        if params.get("store") is not None:
            params["store"] = store_from_dict(params["store"])
        return default_from_dict(cls, data)

    def _stored(self, candidates: list[list[Candidate]], windows: list[list[Window]]) -> dict[str, np.ndarray]:
        """Window vectors the index keeps (its passages' sentences, embedded when it was built), by text.

        A passage's stored rows are its one-sentence windows in order; where the counts differ (a version
        built by another sentence splitter) its windows are embedded instead."""
        reader = getattr(self.store, "sentence_vectors", None)
        if reader is None:
            return {}
        stored = reader(list(dict.fromkeys(c.passage.id for cands in candidates for c in cands)))
        found: dict[str, np.ndarray] = {}
        for cands, ws in zip(candidates, windows, strict=True):
            singles: dict[int, list[Window]] = {}
            for w in ws:
                if w.sentences == 1:
                    singles.setdefault(w.candidate, []).append(w)
            for j, cand in enumerate(cands):
                rows, sentences = stored.get(cand.passage.id), singles.get(j, [])
                if rows is not None and len(rows) == len(sentences):
                    found.update((w.text, row) for w, row in zip(sentences, rows, strict=True))
        return found

    def _vectors(self, texts: list[str], stored: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Each distinct text's vector: from the index, the cache, or embedded in one call."""
        stored = stored or {}
        found = {
            t: v
            for t in dict.fromkeys(texts)
            if (v := stored.get(t)) is not None or (v := self.cache.get(t)) is not None
        }
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        self.embedded += len(missing)
        if missing:
            # fp32, as the claims: bf16 autocast would be 2x faster on AMX, but its vectors move by 4e-4 with
            # the texts they are batched with, and a claim checked alone must get the answer it gets in a batch
            docs = self.embedder.run(documents=[Document(content=t) for t in missing])["documents"]
            for text, doc in zip(missing, docs, strict=True):
                found[text] = np.asarray(doc.embedding, dtype=np.float32)
                self.cache.put(text, found[text])
        return found

    def passage_relevances(self, languages: list[str | None], candidates: list[list[Candidate]]) -> list[list[float]]:
        """How much each candidate passage is about its claim, 0 to 1 (``bench/relevance.py`` measures other
        signals against this one by overriding it)."""
        return [
            [passage_relevance(c.dense_score, lang, c.passage.meta.get("language"), self.params) for c in cands]
            for lang, cands in zip(languages, candidates, strict=True)
        ]

    @component.output_types(cosines=list[np.ndarray], relevance=list[np.ndarray], ms=float)
    def run(
        self,
        claims: list[Document],
        languages: list[str | None],
        candidates: list[list[Candidate]],
        windows: list[list[Window]],
    ) -> dict:
        started = time.perf_counter()
        self.warm_up()
        # a passage that is not about the claim makes each of its windows irrelevant: those are not embedded
        around = self.passage_relevances(languages, candidates)
        vectors = self._vectors(
            [w.text for ws, rel in zip(windows, around, strict=True) for w in ws if rel[w.candidate]],
            self._stored(candidates, windows),
        )
        cosines, relevance = [], []
        for claim, language, cands, ws, rel in zip(claims, languages, candidates, windows, around, strict=True):
            query = np.asarray(claim.embedding, dtype=np.float32)
            # NaN: not embedded, its passage being about something else (relevance 0)
            cos = np.array([float(vectors[w.text] @ query) if rel[w.candidate] else np.nan for w in ws])
            scores = [
                rel[w.candidate]
                * window_relevance(c, language, cands[w.candidate].passage.meta.get("language"), self.params)
                if rel[w.candidate]
                else 0.0
                for c, w in zip(cos, ws, strict=True)
            ]
            cosines.append(cos.astype(np.float32))
            relevance.append(keep_most_relevant(np.asarray(scores, dtype=np.float32), cos, self.max_windows))
        return {"cosines": cosines, "relevance": relevance, "ms": (time.perf_counter() - started) * 1000}
