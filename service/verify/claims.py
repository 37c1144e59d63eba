"""The first step: claims in, documents to embed and the language of each claim out."""

from __future__ import annotations

import time
from typing import Any

from haystack import Document, component, default_from_dict, default_to_dict
from haystack.utils.deserialization import deserialize_component_inplace

from corpus.language import detect_language
from index.inference import FairLock, model_lock

CLAIM_LANGUAGE_BAR = 0.3  # the language identifier's probability a claim's language must reach


@component
class ClaimBatch:
    """Turn a batch of claims into documents for the embedder; the language is detected when not given.

    The whole batch is embedded in one model call, which is what makes checking many claims at
    once cheaper than one by one.
    """

    def warm_up(self) -> None:
        """Load the language identifier now: its first use costs half a second."""
        detect_language("warm up the language identifier")

    @component.output_types(documents=list[Document], claims=list[str], languages=list[str | None], ms=float)
    def run(self, claims: list[str], languages: list[str | None] | None = None) -> dict:
        started = time.perf_counter()
        given = languages or [None] * len(claims)
        if len(given) != len(claims):
            raise ValueError(f"{len(claims)} claims but {len(given)} languages")
        langs = [lang or detect_language(claim, CLAIM_LANGUAGE_BAR) for claim, lang in zip(claims, given, strict=True)]
        docs = [Document(id=f"claim-{i}", content=c) for i, c in enumerate(claims)]
        return {"documents": docs, "claims": claims, "languages": langs, "ms": (time.perf_counter() - started) * 1000}


@component
class LockedEmbedder:
    """Embed the claims with a shared embedder under its model's lock.

    The model (and its fast tokenizer, which two threads may not call at once) is shared with the
    lookup pipeline and with index builds in this process; the lock is held for the embedding
    alone, so a long stance step never keeps a build or a search waiting.
    """

    def __init__(self, embedder: Any, lock: FairLock | None = None) -> None:
        self.embedder = embedder
        # the model's own lock, shared by everything in this process that calls that model
        self.lock = lock or model_lock(embedder.model)

    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, embedder=self.embedder)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LockedEmbedder:
        deserialize_component_inplace(data["init_parameters"], key="embedder")
        return default_from_dict(cls, data)

    def warm_up(self) -> None:
        with self.lock:
            self.embedder.warm_up()

    @component.output_types(documents=list[Document], ms=float)
    def run(self, documents: list[Document]) -> dict:
        started = time.perf_counter()
        with self.lock:
            out = self.embedder.run(documents=documents)["documents"]
        return {"documents": out, "ms": (time.perf_counter() - started) * 1000}
