"""Progress of long index work: the stage, passages done, rate and time left.

A build reports through the small :class:`Progress` interface and does not know who listens:
a bar on a terminal (:class:`BarProgress`), a plain line now and then for logs
(:class:`LineProgress`), or the API's job status (a :class:`ProgressTracker` snapshot).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any


class Progress:
    """Receives a build's progress; this base ignores it."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage begins; ``total`` is the number of items it will count, when known."""

    def advance(self, n: int = 1) -> None:
        """``n`` more items of the current stage are done."""

    def close(self) -> None:
        """The work is over (finished or failed)."""


class ProgressTracker(Progress):
    """Keeps the numbers (thread-safe) so another thread can read a snapshot at any time."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._started = time.monotonic()
        self._stage = "queued"
        self._stage_started = self._started
        self._done = 0
        self._total: int | None = None
        self._ended: float | None = None

    def finish(self, state: str) -> None:
        """The job ended (``succeeded`` or ``failed``): its stage says so and its clock stops."""
        with self._mutex:
            self._stage, self._ended = state, time.monotonic()

    def stage(self, name: str, total: int | None = None) -> None:
        with self._mutex:
            self._stage, self._total, self._done = name, total, 0
            self._stage_started = time.monotonic()

    def advance(self, n: int = 1) -> None:
        with self._mutex:
            self._done += n

    def snapshot(self) -> dict[str, Any]:
        with self._mutex:
            now = self._ended or time.monotonic()
            spent = now - self._stage_started
            rate = self._done / spent if spent > 0 and self._done else None
            left = None
            if rate and self._total is not None and self._ended is None:
                left = round(max(self._total - self._done, 0) / rate, 1)
            return {
                "stage": self._stage,
                "done": self._done,
                "total": self._total,
                "rate_per_s": round(rate, 2) if rate else None,
                "eta_s": left,
                "elapsed_s": round(now - self._started, 1),
            }


def describe(snap: dict[str, Any], unit: str = "passages") -> str:
    """One line for a person: ``embedding: 320/3400 passages (27.1/s, about 1 min 54 s left)``."""
    if snap["total"] is None:
        return f"{snap['stage']} ..."
    text = f"{snap['stage']}: {snap['done']}/{snap['total']} {unit}"
    if snap["rate_per_s"]:
        text += f" ({snap['rate_per_s']:.1f}/s"
        text += f", about {_duration(snap['eta_s'])} left)" if snap["eta_s"] is not None else ")"
    return text


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


class LineProgress(ProgressTracker):
    """Plain lines for logs and pipes: one when a stage starts, then one every ``every`` seconds."""

    def __init__(self, emit: Callable[[str], None], every: float = 10.0) -> None:
        super().__init__()
        self._emit, self._every = emit, every
        self._last = 0.0

    def stage(self, name: str, total: int | None = None) -> None:
        super().stage(name, total)
        self._last = time.monotonic()
        self._emit(f"{name} {total} passages ..." if total is not None else f"{name} ...")

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        snap = self.snapshot()
        if time.monotonic() - self._last >= self._every or snap["done"] == snap["total"]:
            self._last = time.monotonic()
            self._emit(describe(snap))


class BarProgress(ProgressTracker):
    """A tqdm bar on the terminal for each counted stage (it shows count, rate and time left)."""

    def __init__(self) -> None:
        super().__init__()
        self._bar: Any = None

    def stage(self, name: str, total: int | None = None) -> None:
        from tqdm import tqdm

        super().stage(name, total)
        self.close()
        if total is not None:
            self._bar = tqdm(total=total, desc=name, unit=" passages", file=sys.stderr, dynamic_ncols=True)

    def advance(self, n: int = 1) -> None:
        super().advance(n)
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
