"""Stance results kept by (evidence sentence, claim), least recently used out first.

A newsroom's traffic repeats its claims: the same claim checked again, an article checked again after an
edit, a popular claim sent by many readers. Each repeat would score the same sentence windows again, and
the stance model is most of a check's time. The cache belongs to one loaded model (one
:class:`~service.stance.StanceScorer`), so its model identity is part of every key by construction.

Keys are 16-byte BLAKE2b digests of the pair, not the texts, so the memory per entry is fixed whatever the
length of the sentences: about 200 bytes with the dictionary's own (measured by the unit test), 20 MB for
the default 100,000 entries.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np


def pair_key(premise: str, hypothesis: str) -> bytes:
    # the separator cannot occur in either text's UTF-8 (it is not a valid byte there)
    return hashlib.blake2b(
        premise.encode("utf-8", "surrogatepass") + b"\xff" + hypothesis.encode("utf-8", "surrogatepass"),
        digest_size=16,
    ).digest()


class PairCache:
    """Raw logits (3 float32) per pair; ``size`` 0 keeps nothing."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError(f"the stance cache size must be 0 or more, got {size}")
        self.size = size
        self._items: OrderedDict[bytes, bytes] = OrderedDict()
        self._mutex = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def lookup(self, keys: list[bytes], width: int) -> tuple[np.ndarray, list[int]]:
        """The logits found (rows of zeros elsewhere), and the positions of the keys not found."""
        found = np.zeros((len(keys), width), dtype=np.float32)
        missing = []
        with self._mutex:
            for i, key in enumerate(keys):
                raw = self._items.get(key) if self.size else None
                if raw is None:
                    missing.append(i)
                    continue
                self._items.move_to_end(key)
                found[i] = np.frombuffer(raw, dtype=np.float32)
            self.hits += len(keys) - len(missing)
            self.misses += len(missing)
        return found, missing

    def store(self, keys: list[bytes], logits: np.ndarray) -> None:
        if not self.size:
            return
        rows = np.asarray(logits, dtype=np.float32)
        with self._mutex:
            for key, row in zip(keys, rows, strict=True):
                self._items[key] = row.tobytes()
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def stats(self) -> dict[str, float]:
        asked = self.hits + self.misses
        return {
            "entries": len(self._items),
            "hits": self.hits,
            "misses": self.misses,
            "hit_rate": self.hits / asked if asked else 0.0,
        }
