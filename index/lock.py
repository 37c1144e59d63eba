"""One build at a time per index root, across processes: an ``flock`` on ``<root>/.lock``.

The kernel drops an flock when its holder dies, ``kill -9`` included, so a lock can never go
stale; the holder's pid is written into the file only to name it in messages. Two open file
descriptions conflict even inside one process, so a CLI build and the API's job thread exclude
each other as well as two processes do.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from index.errors import IndexBusyError
from index.layout import LOCK


class BuildLock:
    """Exclusive, non-blocking build lock of an index root (a context manager)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> BuildLock:
        """Take the lock or raise :class:`IndexBusyError` at once (never waits)."""
        if self._fd is not None:
            return self
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            pid = holder_pid(self.root)
            who = f" (pid {pid})" if pid and pid > 0 else ""
            raise IndexBusyError(f"another build is running on {self.root}{who}; wait for it to finish", pid) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> BuildLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder_pid(root: Path) -> int | None:
    """The pid holding ``root``'s build lock (-1 if it has not written it yet), or None when nobody holds it."""
    try:
        fd = os.open(Path(root) / LOCK, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)
