"""Admin job records in SQLite under the index root (``jobs.sqlite``), so they survive a restart and
every worker process sees them. A job that was queued or running when its process died is marked
failed, with that reason, by the next process that opens the store."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from service.errors import JobInterruptedError, describe, error_body

FILE = "jobs.sqlite"
_COLUMNS = ("id", "kind", "state", "created_at", "started_at", "finished_at", "progress", "result", "error")


class JobStore:
    def __init__(self, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / FILE
        self._mutex = threading.Lock()
        # one connection, used under the mutex; sqlite's own locking covers other processes
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, kind TEXT, state TEXT, created_at TEXT, "
            "started_at TEXT, finished_at TEXT, progress TEXT, result TEXT, error TEXT)"
        )

    def save(self, record: dict[str, Any]) -> None:
        row = [record.get(c) for c in _COLUMNS]
        row[6:] = [None if v is None else json.dumps(v) for v in row[6:]]
        with self._mutex:
            self._db.execute(f"INSERT OR REPLACE INTO jobs VALUES ({', '.join('?' * len(_COLUMNS))})", row)

    def load(self, job_id: str) -> dict[str, Any] | None:
        with self._mutex:
            row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            return None
        record = dict(zip(_COLUMNS, row, strict=True))
        for key in ("progress", "result", "error"):
            record[key] = json.loads(record[key]) if record[key] else None
        return record

    def fail_interrupted(self, now: str, running_here: set[str]) -> int:
        """Mark the jobs another process left queued or running as failed; returns how many."""
        body = error_body(describe(JobInterruptedError(
            "the service stopped while this job ran (killed or restarted); nothing it did was published. "
            "Start it again"
        )))  # fmt: skip
        from index.lock import holder_pid

        if holder_pid(self.path.parent) is not None:
            return 0  # a live process holds the build lock: its job is running, not interrupted
        with self._mutex:
            rows = self._db.execute("SELECT id, progress FROM jobs WHERE state IN ('queued', 'running')")
            stale = [(i, progress) for i, progress in rows if i not in running_here]
            for job_id, progress in stale:
                # the stage says how it ended, as for a job that finished in its own process
                ended = {**(json.loads(progress) if progress else {}), "stage": "failed", "eta_s": None}
                ended.setdefault("done", 0)
                ended.setdefault("elapsed_s", 0.0)
                self._db.execute(
                    "UPDATE jobs SET state = 'failed', finished_at = ?, error = ?, progress = ? WHERE id = ?",
                    (now, json.dumps(body), json.dumps(ended), job_id),
                )
        return len(stale)

    def close(self) -> None:
        with self._mutex:
            self._db.close()
