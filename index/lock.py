"""The file locks of the project, on the ``filelock`` library: one build at a time per index root
(:class:`BuildLock`, on ``<root>/.lock``), and one process at a time preparing a folder (:func:`waiting_lock`:
a model conversion, an export).

``filelock`` takes an ``flock`` on local file systems: the kernel drops it when its holder dies, ``kill -9``
included, so a lock can never go stale. Two lock objects conflict even inside one process, so a CLI build and
the API's job thread exclude each other as well as two processes do; a lock is not tied to the thread that
took it (a job takes it in the request's thread and releases it in its own). The holder's pid is written into
the lock file only to name it in messages.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import IndexBusyError
from index.layout import LOCK


def _lock(path: Path) -> FileLock:
    return FileLock(path, thread_local=False)


class BuildLock:
    """Exclusive, non-blocking build lock of an index root (a context manager)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock: FileLock | None = None

    @property
    def held(self) -> bool:
        return self._lock is not None

    def acquire(self) -> BuildLock:
        """Take the lock or raise :class:`IndexBusyError` at once (never waits)."""
        if self._lock is not None:
            return self
        self.root.mkdir(parents=True, exist_ok=True)
        lock = _lock(self.root / LOCK)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            pid = holder_pid(self.root)
            who = f" (pid {pid})" if pid and pid > 0 else ""
            raise IndexBusyError(f"another build is running on {self.root}{who}; wait for it to finish", pid) from None
        (self.root / LOCK).write_text(f"{os.getpid()}\n", encoding="ascii")
        self._lock = lock
        return self

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> BuildLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def build_lock(root: Path, held: BuildLock | None = None) -> Iterator[BuildLock]:
    """``held`` when the caller holds the index's lock already (an API job takes it before it starts),
    else the lock of ``root``, taken for the block (:class:`IndexBusyError` at once when busy)."""
    if held is not None:
        yield held
        return
    with BuildLock(root) as lock:
        yield lock


def holder_pid(root: Path) -> int | None:
    """The pid holding ``root``'s build lock (-1 if it has not written it yet), or None when nobody holds it."""
    path = Path(root) / LOCK
    if not path.is_file():
        return None
    probe = _lock(path)
    try:
        probe.acquire(timeout=0)
    except Timeout:
        try:
            text = path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            return -1
        return int(text) if text.isdigit() else -1
    probe.release()
    return None


@contextmanager
def waiting_lock(path: Path) -> Iterator[None]:
    """Wait for whoever holds ``path`` (another process preparing the same folder), then hold it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock(path):
        yield
