"""One lock per loaded model, shared by every component that calls it.

Haystack's backend factory hands the same SentenceTransformer instance to every embedder built
with the same parameters: the lookup pipeline, a background build and the lookup that replaces
the old one after a swap all share it. Its fast tokenizer is not safe to call from two threads
at once ("Already borrowed"), so every call goes through the model's lock. The lock is FIFO: a
build embedding batch after batch would otherwise grab it again before a waiting request wakes.
"""

from __future__ import annotations

import threading
from collections import deque


class FairLock:
    """A mutex handed to waiters in arrival order."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._locked = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._locked:
                self._locked = True
                return
            ticket = threading.Lock()
            ticket.acquire()
            self._waiters.append(ticket)
        ticket.acquire()  # release() hands the lock over by releasing our ticket

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # ownership passes on: _locked stays True
            else:
                self._locked = False

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_locks: dict[str, FairLock] = {}
_registry = threading.Lock()


def model_lock(model_path: str) -> FairLock:
    """The process-wide lock of the model loaded from ``model_path``."""
    with _registry:
        return _locks.setdefault(model_path, FairLock())
