"""Passages and their source documents in one SQLite file, read only where a search hits them.

A version's passages used to live in the Python heap (about 1.2 KB each: a ``Document``, its meta
dict and its text), which is 12 GB at 10M passages. Here they stay on disk in ``passages.sqlite``
and a search fetches its hits by primary key; the page cache, not the process, holds what is hot.

Tables: ``passages(int_id INTEGER PRIMARY KEY, id TEXT UNIQUE, content, meta JSON)``, where
``int_id`` is the passage's FAISS id, and ``documents(id TEXT PRIMARY KEY, record JSON)``, the
source documents (title, url, language, text, content hash) by id. Versions built since issue 25 also
hold ``sentences(int_id INTEGER PRIMARY KEY, vectors BLOB)``: each passage's sentence vectors (float16,
one row per sentence in order), which the relevance step reads instead of embedding the sentences per
claim; older files have no such table and read as having none.

A served version's file is opened read-only and immutable (``mode=ro&immutable=1``): version
folders never change once published, so SQLite can skip its locks. A store being built, or a
loaded store written to, works on a private temporary copy that is deleted when it is closed or
garbage-collected. One connection serves all threads, behind a lock: each query reads a few rows by
key, far shorter than the model calls around it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where documents are made: checking a version (index status) needs no Haystack
    from haystack import Document

_SCHEMA = """
CREATE TABLE IF NOT EXISTS passages (int_id INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, content TEXT, meta TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sentences (int_id INTEGER PRIMARY KEY, vectors BLOB NOT NULL);
"""
# SQLite before 3.32 allows 999 parameters per statement
_CHUNK = 900


class PassageDB:
    """One SQLite database of passages and documents; see the module docstring."""

    def __init__(self, conn: sqlite3.Connection, path: Path, temporary: bool) -> None:
        self._conn = conn
        self.path = path
        self.temporary = temporary
        self._lock = threading.Lock()
        self._has_sentences: bool | None = None
        # closes the connection and removes a temporary file even when nobody calls close()
        self._finalizer = weakref.finalize(self, _close, conn, path if temporary else None)

    @classmethod
    def create_temporary(cls) -> PassageDB:
        """An empty, writable database in a temporary file (a store that is being built)."""
        fd, name = tempfile.mkstemp(prefix="factcheck-passages-", suffix=".sqlite")
        os.close(fd)
        conn = sqlite3.connect(name, check_same_thread=False, isolation_level=None)
        # a scratch file: a crash loses nothing that matters, so skip the fsyncs; the journal stays in
        # memory, as ROLLBACK needs one (without, a failed insert may leave half its rows)
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(_SCHEMA)
        return cls(conn, Path(name), temporary=True)

    @classmethod
    def open_readonly(cls, path: Path) -> PassageDB:
        """A saved version's database; :class:`sqlite3.DatabaseError` when it is not one of ours."""
        uri = f"{Path(path).resolve().as_uri()}?mode=ro&immutable=1"
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"passages", "documents"} <= tables:
                raise sqlite3.DatabaseError(f"tables passages and documents expected, found {sorted(tables)}")
        except BaseException:
            conn.close()
            raise
        return cls(conn, Path(path), temporary=False)

    def writable(self) -> PassageDB:
        """This database when it can be written, else a temporary copy of it."""
        if self.temporary:
            return self
        copy = PassageDB.create_temporary()
        with self._lock, copy._lock:
            self._conn.backup(copy._conn)
            copy._conn.executescript(_SCHEMA)  # a file older than a table gets it, empty
        return copy

    def close(self) -> None:
        self._finalizer()

    # --- passages ----------------------------------------------------------------------------
    def insert(self, int_ids: list[int], passages: list[Document]) -> None:
        rows = (
            (i, d.id, d.content, json.dumps(d.meta, ensure_ascii=False)) for i, d in zip(int_ids, passages, strict=True)
        )
        self._insert_all("INSERT INTO passages VALUES (?, ?, ?, ?)", rows)

    def _insert_all(self, sql: str, rows: Iterable[tuple]) -> None:
        """All rows or none: a failed insert leaves nothing half written."""
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.executemany(sql, rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def delete(self, int_ids: list[int]) -> None:
        with self._lock:
            for chunk in _chunks(int_ids):
                self._conn.execute(f"DELETE FROM passages WHERE int_id IN ({_marks(chunk)})", chunk)
                self._conn.execute(f"DELETE FROM sentences WHERE int_id IN ({_marks(chunk)})", chunk)

    # --- sentence vectors --------------------------------------------------------------------
    def insert_sentences(self, rows: list[tuple[int, bytes]]) -> None:
        self._insert_all("INSERT INTO sentences VALUES (?, ?)", rows)

    def sentences(self, int_ids: Iterable[int]) -> dict[int, bytes]:
        """The stored sentence vectors of those of ``int_ids`` that have them (none in an older file)."""
        if not self.has_sentences:
            return {}
        found: dict[int, bytes] = {}
        with self._lock:
            for chunk in _chunks(list(dict.fromkeys(int_ids))):
                sql = f"SELECT int_id, vectors FROM sentences WHERE int_id IN ({_marks(chunk)})"
                found.update(self._conn.execute(sql, chunk).fetchall())
        return found

    @property
    def has_sentences(self) -> bool:
        if self._has_sentences is None:
            with self._lock:
                row = self._conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='sentences'")
                self._has_sentences = row.fetchone() is not None
        return self._has_sentences

    def int_ids(self, passage_ids: Iterable[str]) -> dict[str, int]:
        """The int ids of those of ``passage_ids`` that are stored."""
        found: dict[str, int] = {}
        with self._lock:
            for chunk in _chunks(list(passage_ids)):
                sql = f"SELECT id, int_id FROM passages WHERE id IN ({_marks(chunk)})"
                found.update(self._conn.execute(sql, chunk).fetchall())
        return found

    def get(self, int_ids: Iterable[int]) -> dict[int, Document]:
        """The passages with these int ids (those that exist), by int id."""
        from haystack import Document

        found: dict[int, Document] = {}
        with self._lock:
            for chunk in _chunks(list(dict.fromkeys(int_ids))):
                sql = f"SELECT int_id, id, content, meta FROM passages WHERE int_id IN ({_marks(chunk)})"
                for int_id, pid, content, meta in self._conn.execute(sql, chunk):
                    found[int_id] = Document(id=pid, content=content, meta=json.loads(meta))
        return found

    def iterate(self, batch: int = 10_000) -> Iterator[tuple[int, Document]]:
        """Every passage in int id order, read ``batch`` rows at a time (a whole corpus never sits in memory)."""
        from haystack import Document

        last = -1
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT int_id, id, content, meta FROM passages WHERE int_id > ? ORDER BY int_id LIMIT ?",
                    (last, batch),
                ).fetchall()
            if not rows:
                return
            for int_id, pid, content, meta in rows:
                yield int_id, Document(id=pid, content=content, meta=json.loads(meta))
            last = rows[-1][0]

    def iterate_ids(self, batch: int = 50_000) -> Iterator[str]:
        """Every passage id in int id order."""
        last = -1
        while True:
            with self._lock:
                rows = self._conn.execute(
                    "SELECT int_id, id FROM passages WHERE int_id > ? ORDER BY int_id LIMIT ?", (last, batch)
                ).fetchall()
            if not rows:
                return
            yield from (pid for _, pid in rows)
            last = rows[-1][0]

    def count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM passages").fetchone()[0]

    def max_int_id(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT coalesce(max(int_id), -1) FROM passages").fetchone()[0]

    # --- documents ---------------------------------------------------------------------------
    def replace_documents(self, records: Mapping[str, dict[str, Any]]) -> None:
        rows = ((doc_id, json.dumps(rec, ensure_ascii=False)) for doc_id, rec in records.items())
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                self._conn.execute("DELETE FROM documents")
                self._conn.executemany("INSERT INTO documents VALUES (?, ?)", rows)
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def document(self, doc_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute("SELECT record FROM documents WHERE id = ?", (doc_id,)).fetchone()
        return None if row is None else json.loads(row[0])

    def document_ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT id FROM documents ORDER BY rowid")]

    def document_count(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT count(*) FROM documents").fetchone()[0]

    # --- disk --------------------------------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write a copy of the database to ``path`` (a new file)."""
        dest = sqlite3.connect(path, isolation_level=None)
        try:
            with self._lock:
                self._conn.backup(dest)
        finally:
            dest.close()


class StoredDocuments(Mapping[str, dict[str, Any]]):
    """The ``documents`` table as a read-only mapping (``store.sources`` of a loaded version)."""

    def __init__(self, db: PassageDB) -> None:
        self.db = db

    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        rec = self.db.document(doc_id)
        if rec is None:
            raise KeyError(doc_id)
        return rec

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self.db.document(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self.db.document_ids())

    def __len__(self) -> int:
        return self.db.document_count()


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _marks(chunk: list[Any]) -> str:
    return ",".join("?" * len(chunk))


def _close(conn: sqlite3.Connection, path: Path | None) -> None:
    conn.close()
    if path is not None:
        path.unlink(missing_ok=True)
