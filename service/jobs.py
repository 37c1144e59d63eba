"""Background index jobs of the API: one at a time, each in its own thread, with progress to poll.

A job holds the index root's build lock (:class:`index.lock.BuildLock`) from the moment it is
accepted until it ends, so a CLI build cannot start beside it and it cannot start beside one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index.errors import IndexBusyError
from index.lock import BuildLock
from index.progress import ProgressTracker
from service.errors import BuildRunningError, describe, error_body
from service.job_store import JobStore
from service.schemas import JobInfo, JobProgress

log = logging.getLogger(__name__)

Work = Callable[[BuildLock, ProgressTracker], dict[str, Any]]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Job:
    id: str
    kind: str
    tracker: ProgressTracker = field(default_factory=ProgressTracker)
    state: str = "queued"
    created_at: str = field(default_factory=_now)
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def record(self) -> dict[str, Any]:
        return self.info().model_dump(mode="json")

    def info(self) -> JobInfo:
        return JobInfo(
            id=self.id,
            kind=self.kind,
            state=self.state,  # type: ignore[arg-type]
            created_at=self.created_at,
            started_at=self.started_at,
            finished_at=self.finished_at,
            progress=JobProgress(**self.tracker.snapshot()),
            result=self.result,
            error=self.error,
        )


def _lower_priority() -> None:
    """Run this (build) thread at nice 10, so claim checks keep their latency during a rebuild."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # Linux: a thread's own nice value
    except (AttributeError, OSError):
        pass


class JobRegistry:
    """The jobs of this process; the finished ones are kept (the last ``keep``) for their status."""

    def __init__(
        self,
        keep: int = 100,
        on_finish: Callable[[str, str, float], None] | None = None,
        store: JobStore | None = None,
    ) -> None:
        self._on_finish = on_finish  # (kind, state, seconds): for metrics
        self._store = store  # records that outlive the process; None: memory only
        self._jobs: dict[str, Job] = {}
        self._mutex = threading.Lock()
        self._keep = keep

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def info(self, job_id: str) -> JobInfo | None:
        """A job of this process, or one an earlier process (or another worker) recorded."""
        job = self._jobs.get(job_id)
        if job is not None:
            return job.info()
        record = self._store.load(job_id) if self._store else None
        return JobInfo(**record) if record else None

    def attach(self, store: JobStore) -> int:
        """Keep records in ``store`` from now on; jobs left running by a dead process are marked failed."""
        self._store = store
        return store.fail_interrupted(_now(), {j.id for j in self._jobs.values() if j.active})

    def _save(self, job: Job) -> None:
        if self._store is not None:
            try:
                self._store.save(job.record())
            except Exception:  # a full disk must not fail the build itself
                log.exception("could not record job %s", job.id)

    def active(self) -> Job | None:
        return next((j for j in self._jobs.values() if j.active), None)

    def submit(self, kind: str, root: Path, work: Work) -> Job:
        """Start ``work`` in a thread, holding ``root``'s build lock.

        :raises BuildRunningError: a job of this service, or a build in another process, is running.
        """
        with self._mutex:
            running = self.active()
            if running is not None:
                raise BuildRunningError(
                    f"a build is already running (job {running.id}); follow it at /v1/index/jobs/{running.id}",
                    running.id,
                )
            lock = BuildLock(root)
            try:
                lock.acquire()
            except IndexBusyError as exc:
                raise BuildRunningError(f"{exc} (a build outside this service)") from exc
            job = Job(id=uuid.uuid4().hex[:12], kind=kind)
            self._jobs[job.id] = job
            self._save(job)
            self._trim()
            threading.Thread(target=self._run, args=(job, work, lock), name=f"index-job-{job.id}", daemon=True).start()
        return job

    def _run(self, job: Job, work: Work, lock: BuildLock) -> None:
        _lower_priority()
        job.state, job.started_at = "running", _now()
        self._save(job)
        began = time.monotonic()
        state, result, error = "failed", None, None
        try:
            result, state = work(lock, job.tracker), "succeeded"
        except Exception as exc:
            info = describe(exc)
            if info.code == "internal_error":
                log.exception("index job %s (%s) failed", job.id, job.kind)
            else:
                log.error("index job %s (%s) failed: %s", job.id, job.kind, info.message)
            error = error_body(info)
        finally:
            # the lock goes first: once the job reads as finished, the next one must be able to start
            lock.release()
            job.tracker.finish(state)
            job.tracker.close()
            job.result, job.error, job.finished_at = result, error, _now()
            job.state = state
            self._save(job)
            if self._on_finish is not None:
                self._on_finish(job.kind, state, time.monotonic() - began)

    def _trim(self) -> None:
        done = [j for j in self._jobs.values() if not j.active]
        for job in done[: max(len(done) - self._keep, 0)]:
            del self._jobs[job.id]
