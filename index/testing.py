"""Test doubles for the index pipeline: a deterministic embedder that needs no model.

For tests, and for benchmarks that measure the index pipeline's own cost; never for real retrieval.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import replace

import numpy as np
from haystack import Document, component

_WORD = re.compile(r"\w+")


@component
class HashingDocumentEmbedder:
    """A deterministic, model-free embedder (hashed bag of words), for tests and for benchmarks
    that measure the index pipeline's own cost. Never for real retrieval.
    """

    def __init__(self, dimension: int = 384, prefix: str = "") -> None:
        self.dimension = dimension
        self.prefix = prefix
        self.calls = 0
        self.embedded = 0

    def warm_up(self) -> None:
        """Nothing to load."""

    def embed(self, text: str) -> list[float]:
        vec = np.zeros(self.dimension, dtype=np.float32)
        # crc32, not hash(): Python salts str hashes per process, and vectors must match across runs
        for word in _WORD.findall((self.prefix + text).lower()):
            h = zlib.crc32(word.encode())
            vec[h % self.dimension] += 1.0 if h & 0x80000000 else -1.0
        norm = float(np.linalg.norm(vec))
        if not norm:  # no words at all: any fixed unit vector keeps the cosine defined
            vec[0], norm = 1.0, 1.0
        return (vec / norm).tolist()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        self.calls += 1
        self.embedded += len(documents)
        return {"documents": [replace(d, embedding=self.embed(d.content or "")) for d in documents]}
