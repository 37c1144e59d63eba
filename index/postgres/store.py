"""A version served from PostgreSQL, read as the claim pipelines read a FAISS version (the
:class:`index.search_store.SearchStore` protocol).

Dense search is the ``PgvectorDocumentStore``'s (exact, or the version's HNSW index); BM25 is the same
``bm25s`` index a FAISS version has, read from the version's files; passages, sentence vectors and
source documents are read from their tables when asked. One connection serves the whole store and is
taken by one call at a time (psycopg's cursors are not to be shared); a lost connection is opened again on
the next call, so the service recovers when the database is back.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from haystack import Document

from index.bm25 import BM25_DIR, BM25Index, BM25TokenizerMismatchError
from index.errors import IndexCorruptError, IndexNotFoundError
from index.factchecks import FactCheckIndex
from index.manifest import Manifest, file_sha256
from index.postgres import database as db
from index.postgres.tables import passage_table, sentences_rows, vector_of
from index.version_files import check_models, load_first, no_version_served

log = logging.getLogger(__name__)

HNSW_EF_SEARCH = 100  # candidates an HNSW search keeps (pgvector's default, 40, loses recall at top 30)


class PostgresSearchStore:
    """One version of the index in PostgreSQL. Made by :meth:`load`; :meth:`close` lets its connections go."""

    def __init__(self, dsn: str, version: str, manifest: Manifest) -> None:
        self.dsn = dsn
        self.version: str | None = version
        self.manifest: Manifest | None = manifest
        self.embedding_dim = manifest.dimension
        self.schema = db.schema_of(version)
        self.skipped: list[tuple[str, str]] = []
        self.bm25: BM25Index | None = None
        self.fact_checks: FactCheckIndex | None = None
        self.sources: Mapping[str, dict[str, Any]] = StoredSources(self)
        self._count = manifest.passage_count
        self._lock = threading.Lock()
        self._conn: Any = None
        self._passages = passage_table(dsn, self.schema, manifest.dimension)
        self._ef_set_on: int | None = None  # the passage store's connection that hnsw.ef_search was set on

    # --- loading -------------------------------------------------------------------------------
    @classmethod
    def load(
        cls, dsn: str, expected_model: str | None = None, expected_weights: str | None = None
    ) -> PostgresSearchStore:
        """The current version, or the newest older one that passes its checks when it does not (logged, and
        listed in ``skipped``), as a FAISS root loads.

        :raises IndexDatabaseError: the database cannot be reached.
        :raises IndexNotFoundError: no version was ever published to it.
        :raises IndexCorruptError, IndexModelMismatchError: no version passes its checks.
        """
        conn = db.connect(dsn)
        try:
            order = db.load_order(conn)
            failures: list[tuple[str, Exception]] = []
            store = load_first(
                order, lambda v: cls._load_version(dsn, conn, v, expected_model, expected_weights), failures
            )
            if store is not None:
                return store
        finally:
            conn.close()
        if not failures:
            raise IndexNotFoundError("no index in the database: build one (factcheck index build --corpus PATH)")
        raise no_version_served(Path("the database"), failures)

    @classmethod
    def _load_version(
        cls, dsn: str, conn: Any, version: str, expected_model: str | None, expected_weights: str | None
    ) -> PostgresSearchStore:
        where = f"index version {version} in the database"
        raw = db.manifest_json(conn, version)
        if raw is None:
            raise IndexNotFoundError(f"{where} is not listed")
        try:
            manifest = Manifest.model_validate(raw)
        except ValueError as exc:
            raise IndexCorruptError(f"{where} has an unreadable manifest: {exc}") from exc
        check_models(manifest, where, expected_model, expected_weights)
        schema = db.schema_of(version)
        counts = conn.execute(
            f'SELECT (SELECT count(*) FROM "{schema}".passages), (SELECT count(*) FROM "{schema}".sources)'
        ).fetchone()
        if tuple(counts) != (manifest.passage_count, manifest.document_count):
            raise IndexCorruptError(
                f"{where} is inconsistent: the manifest counts {manifest.passage_count} passages and "
                f"{manifest.document_count} documents, its tables hold {counts[0]} and {counts[1]}"
            )
        store = cls(dsn, version, manifest)
        store._read_files(conn, where)
        return store

    def _read_files(self, conn: Any, where: str) -> None:
        """The BM25 and fact-check indexes, from the version's files (checked against the manifest's checksums)."""
        manifest = self.manifest
        with tempfile.TemporaryDirectory(prefix="factcheck-version-") as tmp:
            folder = Path(tmp)
            for name, data in conn.execute(f'SELECT name, data FROM "{self.schema}".files'):
                path = folder / name
                if not path.resolve().is_relative_to(folder.resolve()):
                    raise IndexCorruptError(f"{where} lists a file outside its folder: {name}")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            for name, expected in manifest.checksums.items():
                if name in ("vectors.faiss", "passages.sqlite"):  # in tables here
                    continue
                if not (folder / name).is_file():
                    raise IndexCorruptError(f"{where} lacks its file {name}")
                if file_sha256(folder / name) != expected:
                    raise IndexCorruptError(f"{where}: {name} is damaged (checksum mismatch); build the index again")
            if any(name.startswith(BM25_DIR + "/") for name in manifest.checksums):
                try:
                    self.bm25 = BM25Index.load(folder)
                except BM25TokenizerMismatchError as exc:
                    log.warning("BM25 index not used: %s", exc)
                if self.bm25 is not None and len(self.bm25) != self._count:
                    raise IndexCorruptError(
                        f"{where} is inconsistent: BM25 indexes {len(self.bm25)} passages, the version holds {self._count}"
                    )
            self.fact_checks = FactCheckIndex.load(folder, manifest, checked=True)

    def to_dict(self) -> dict[str, Any]:
        """The version, never the database's DSN (a secret): a pipeline file gets the store the service serves."""
        return {"type": f"{type(self).__module__}.{type(self).__name__}", "init_parameters": {"version": self.version}}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PostgresSearchStore:
        raise ValueError(
            "a pipeline file's PostgreSQL store is the one the service opens from its settings "
            "(FACTCHECK_DOCUMENT_STORE=pgvector); it cannot be opened from the file alone"
        )

    def close(self) -> None:
        with self._lock:
            self._passages.close()
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # --- the database, one call at a time ------------------------------------------------------
    def _query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            for attempt in (1, 2):
                if self._conn is None or self._conn.closed:
                    self._conn = db.connect(self.dsn)
                try:
                    return self._conn.execute(sql, params).fetchall()
                except Exception as exc:  # a connection lost since the last call: one new try
                    if attempt == 2 or not _connection_lost(exc):
                        raise db.IndexDatabaseError(f"the database cannot be read: {db._first_line(exc)}") from exc
                    self._conn = None
        raise AssertionError("unreachable")

    def _search(self, query: list[float], top_k: int) -> list[Document]:
        from haystack.document_stores.errors import DocumentStoreError

        with self._lock:
            try:
                self._passages._ensure_db_setup()
                connection = self._passages._connection
                if id(connection) != self._ef_set_on:  # per session: again after a reconnection
                    connection.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")
                    self._ef_set_on = id(connection)
                return self._passages._embedding_retrieval(query, top_k=top_k)
            except (DocumentStoreError, OSError) as exc:
                raise db.IndexDatabaseError(f"the database cannot be searched: {db._first_line(exc)}") from exc
            except Exception as exc:
                if _connection_lost(exc):
                    raise db.IndexDatabaseError(f"the database cannot be searched: {db._first_line(exc)}") from exc
                raise

    # --- SearchStore ---------------------------------------------------------------------------
    def count_documents(self) -> int:
        return self._count

    def embedding_retrieval_batch(self, query_embeddings: np.ndarray, top_k: int = 5) -> list[list[Document]]:
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        queries = np.asarray(query_embeddings, dtype=np.float32).reshape(-1, self.embedding_dim)
        results = []
        for query in queries:
            hits = self._search(query.tolist(), top_k)
            # a passage stored without a vector has no score: never a search hit (as in FAISS)
            results.append([_plain(d, d.score) for d in hits if d.score is not None])
        return results

    def bm25_retrieval_batch(
        self, queries: list[str], top_k: int = 5, languages: list[str | None] | None = None
    ) -> list[list[Document]]:
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        if self.bm25 is None:
            return [[] for _ in queries]
        batches = self.bm25.search_batch(queries, top_k, languages)
        found = self._passages_by_id(list({pid for hits in batches for pid, _ in hits}))
        return [[_plain(found[pid], score) for pid, score in hits if pid in found] for hits in batches]

    def _passages_by_id(self, ids: list[str]) -> dict[str, Document]:
        if not ids:
            return {}
        rows = self._query(f'SELECT id, content, meta FROM "{self.schema}".passages WHERE id = ANY(%s)', (ids,))
        return {r[0]: Document(id=r[0], content=r[1], meta=r[2] or {}) for r in rows}

    def passage(self, passage_id: str) -> Document | None:
        return self._passages_by_id([passage_id]).get(passage_id)

    def passage_vector(self, passage_id: str) -> np.ndarray:
        return self.passage_vectors([passage_id])[0]

    def passage_vectors(self, passage_ids: list[str]) -> np.ndarray:
        """The vectors of ``passage_ids`` in that order; a zero row for one stored without a vector."""
        out = np.zeros((len(passage_ids), self.embedding_dim), dtype=np.float32)
        if not passage_ids:
            return out
        rows = self._query(
            f'SELECT id, embedding::text FROM "{self.schema}".passages WHERE id = ANY(%s)', (list(passage_ids),)
        )
        found = {r[0]: r[1] for r in rows}
        for j, pid in enumerate(passage_ids):
            if pid not in found:
                raise KeyError(pid)
            if found[pid] is not None:
                out[j] = vector_of(found[pid])
        return out

    def existing_ids(self, passage_ids: list[str]) -> set[str]:
        rows = self._query(f'SELECT id FROM "{self.schema}".passages WHERE id = ANY(%s)', (list(passage_ids),))
        return {r[0] for r in rows}

    def sentence_vectors(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        if not passage_ids:
            return {}
        rows = self._query(
            f'SELECT passage_id, vectors FROM "{self.schema}".sentences WHERE passage_id = ANY(%s)',
            (list(passage_ids),),
        )
        return {pid: sentences_rows(data, self.embedding_dim) for pid, data in rows}

    def iter_passages(self, batch: int = 5000) -> Iterator[Document]:
        """Every passage, in id order, a batch of rows at a time."""
        last = ""
        while True:
            rows = self._query(
                f'SELECT id, content, meta FROM "{self.schema}".passages WHERE id > %s ORDER BY id LIMIT %s',
                (last, batch),
            )
            if not rows:
                return
            yield from (Document(id=r[0], content=r[1], meta=r[2] or {}) for r in rows)
            last = rows[-1][0]


class StoredSources(Mapping[str, dict[str, Any]]):
    """The version's source documents, read from its table when asked (a corpus's texts never sit in memory)."""

    def __init__(self, store: PostgresSearchStore) -> None:
        self.store = store
        self._len: int | None = None

    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        rows = self.store._query(f'SELECT record FROM "{self.store.schema}".sources WHERE id = %s', (doc_id,))
        if not rows:
            raise KeyError(doc_id)
        return rows[0][0]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and bool(
            self.store._query(f'SELECT 1 FROM "{self.store.schema}".sources WHERE id = %s', (doc_id,))
        )

    def __iter__(self) -> Iterator[str]:
        return iter([r[0] for r in self.store._query(f'SELECT id FROM "{self.store.schema}".sources ORDER BY id')])

    def __len__(self) -> int:
        if self._len is None:
            self._len = self.store.manifest.document_count if self.store.manifest else 0
        return self._len


def _plain(doc: Document, score: float | None) -> Document:
    """The hit as the FAISS store gives it: id, content, meta and score (no vector)."""
    return Document(id=doc.id, content=doc.content, meta=doc.meta, score=None if score is None else float(score))


def _connection_lost(exc: BaseException) -> bool:
    import psycopg

    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)
