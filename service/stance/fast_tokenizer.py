"""One ``tokenizers`` object per tokenizer file, shared by the models that read the same file.

The claims' embedder and the stance model are both e5-small underneath, with the same 17 MB XLM-R
tokenizer, which takes 0.5 s to load: a command-line check loads it once. Truncation is a setting of a
``tokenizers`` object, and the two need different lengths (512 single texts, 256 pairs), so the shared
object never truncates; the rare input over its length is encoded again by a truncating copy, loaded the
first time one is needed. Both give the ids transformers' tokenizer gives (tested).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

_SHARED: dict[str, Any] = {}  # by the file's digest
_TRUNCATING: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _load(path: Path, max_length: int | None) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    if max_length is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length, strategy="longest_first")
    return tokenizer


class FastTokenizer:
    """Encode texts or pairs with the tokenizer in ``path``, truncated to ``max_length`` tokens."""

    def __init__(self, path: Path, max_length: int) -> None:
        self.path = Path(path)
        self.max_length = max_length
        self._key = _digest(self.path)
        with _LOCK:
            if self._key not in _SHARED:
                _SHARED[self._key] = _load(self.path, None)
        self.tokenizer = _SHARED[self._key]

    def _truncating(self) -> Any:
        with _LOCK:
            found = _TRUNCATING.get((self._key, self.max_length))
            if found is None:
                found = _TRUNCATING[(self._key, self.max_length)] = _load(self.path, self.max_length)
        return found

    def encode(self, inputs: list[str] | list[tuple[str, str]]) -> list[Any]:
        """The encodings of ``inputs`` (texts, or (first, second) pairs), in order."""
        encodings = self.tokenizer.encode_batch(inputs)
        long = [i for i, e in enumerate(encodings) if len(e.ids) > self.max_length]
        if long:
            for i, e in zip(long, self._truncating().encode_batch([inputs[i] for i in long]), strict=True):
                encodings[i] = e
        return encodings

    def token_id(self, token: str) -> int | None:
        return self.tokenizer.token_to_id(token)
