"""Copy a built version (a local version folder) into PostgreSQL as a new version, and make it current.

The build itself stays what it is (corpus -> passages -> embeddings, in the index folder, which is the
build's workspace); this step writes its result where every replica reads it. Passages and their vectors
go into Haystack's ``PgvectorDocumentStore`` table, the rest into tables of the version's schema, and the
version is listed and made current in one transaction at the end.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.manifest import MANIFEST
from index.postgres import database as db
from index.postgres.tables import SEARCHES, create_tables, passage_table, sentences_bytes
from index.progress import Progress

log = logging.getLogger(__name__)

_BATCH = 1000
_NOT_FILES = {MANIFEST, "vectors.faiss", "passages.sqlite"}  # in tables, or the catalogue


@dataclass(frozen=True)
class Published:
    version: str  # the database's own numbering: several machines may publish into one database
    previous: str | None  # the version served before
    pruned: list[str]  # older versions removed (FACTCHECK_KEEP_VERSIONS)


def publish_version(
    dsn: str, folder: Path, keep: int = 3, search: str = "exact", progress: Progress | None = None
) -> Published:
    """Write the version in ``folder`` into the database as its next version and serve it.

    :raises IndexDatabaseError: the database cannot be reached or has no pgvector.
    :raises IndexBusyError: another build is writing a version into the database.
    """
    from index.store import FaissDocumentStore  # FAISS and Haystack: imported by a build, not by a status

    started = time.perf_counter()
    progress = progress or Progress()
    if search not in SEARCHES:
        raise ValueError(f"unknown search {search!r}; choose one of {', '.join(SEARCHES)}")
    store = FaissDocumentStore.load(folder)
    manifest = store.manifest
    if manifest is None or manifest.shards is not None:
        raise db.IndexDatabaseError(
            f"{folder} is a sharded version (a Ray build): it cannot be published to PostgreSQL; build it on one machine"
        )
    with db.build_lock(dsn) as conn:
        db.ensure_catalogue(conn)
        db.remove_debris(conn)
        previous = db.read_current(conn)
        version = db.next_version(conn)
        schema = db.schema_of(version)
        conn.execute(f'CREATE SCHEMA "{schema}"')
        create_tables(conn, schema)
        passages = passage_table(dsn, schema, manifest.dimension, hnsw=search == "hnsw")
        progress.stage("publishing", total=store.count_documents())
        batch: list[Any] = []
        for doc in store.iter_passages():
            batch.append(doc)
            if len(batch) == _BATCH:
                _write_passages(conn, schema, passages, store, batch)
                progress.advance(len(batch))
                batch = []
        if batch:
            _write_passages(conn, schema, passages, store, batch)
            progress.advance(len(batch))
        passages.close()
        with conn.cursor() as cur:
            cur.executemany(
                f'INSERT INTO "{schema}".sources (id, record) VALUES (%s, %s)',
                [(doc_id, json.dumps(store.sources[doc_id], ensure_ascii=False)) for doc_id in store.sources],
            )
            cur.executemany(
                f'INSERT INTO "{schema}".files (name, data) VALUES (%s, %s)',
                [(name, (folder / name).read_bytes()) for name in _files(folder)],
            )
        manifest.version = version
        with conn.transaction():
            conn.execute(
                f"INSERT INTO {db.CATALOGUE}.versions (version, manifest) VALUES (%s, %s)",
                (version, manifest.model_dump_json()),
            )
            conn.execute(
                f"INSERT INTO {db.CATALOGUE}.current (one, version) VALUES (true, %s) "
                "ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version",
                (version,),
            )
        pruned = db.prune(conn, keep)
    log.info(
        "version %s published to PostgreSQL (%d passages) in %.1fs%s",
        version,
        manifest.passage_count,
        time.perf_counter() - started,
        f"; removed {', '.join(pruned)}" if pruned else "",
    )
    return Published(version, previous, pruned)


def _files(folder: Path) -> list[str]:
    """The version's other files (BM25, fact-checks), by their path inside the folder."""
    names = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*")) if p.is_file()]
    return [n for n in names if n not in _NOT_FILES]


def _write_passages(conn: Any, schema: str, passages: Any, store: Any, docs: list[Any]) -> None:
    from haystack import Document
    from haystack.document_stores.types import DuplicatePolicy

    ids = [d.id for d in docs]
    vectors = store.passage_vectors(ids)
    vectorless = store.without_vectors(ids)
    passages.write_documents(
        [
            Document(id=d.id, content=d.content, meta=d.meta, embedding=None if d.id in vectorless else v.tolist())
            for d, v in zip(docs, vectors, strict=True)
        ],
        policy=DuplicatePolicy.NONE,
    )
    sentences = store.sentence_vectors(ids)
    if sentences:
        with conn.cursor() as cur:
            cur.executemany(
                f'INSERT INTO "{schema}".sentences (passage_id, vectors) VALUES (%s, %s)',
                [(pid, sentences_bytes(rows)) for pid, rows in sentences.items()],
            )
