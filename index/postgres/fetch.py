"""The database's current version written into an index folder: how a machine whose folder is behind the
database (another replica published since) gets the start an update, a delete or a fact-check import needs.

The passages come with their vectors and sentence vectors, so nothing is embedded; the FAISS index, the
passage table and BM25 are made again from them, and the fact-check files are copied as they are.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index import layout
from index.factchecks import FACT_CHECKS_DIR
from index.lock import BuildLock, build_lock
from index.manifest import Manifest
from index.postgres import database as db
from index.postgres.tables import sentences_rows, vector_of

_BATCH = 5000


def fetch_current(dsn: str, root: Path, keep: int = 3, lock: BuildLock | None = None) -> tuple[str, str] | None:
    """Write the database's current version into ``root`` as its new current version; returns (the database's
    version, the folder's new one), or None when the database has none.

    :raises IndexDatabaseError: the database cannot be read.
    """
    from haystack import Document

    from index.store import FaissDocumentStore  # FAISS and Haystack: imported by a build, not by a status

    conn = db.connect(dsn)
    try:
        version = db.read_current(conn)
        if version is None:
            return None
        manifest = Manifest.model_validate(db.manifest_json(conn, version))
        schema = db.schema_of(version)
        store = FaissDocumentStore(manifest.dimension)
        last = ""
        while rows := conn.execute(
            f'SELECT id, content, meta, embedding::text FROM "{schema}".passages WHERE id > %s ORDER BY id LIMIT %s',
            (last, _BATCH),
        ).fetchall():
            sentences = dict(
                conn.execute(
                    f'SELECT passage_id, vectors FROM "{schema}".sentences WHERE passage_id = ANY(%s)',
                    ([r[0] for r in rows],),
                ).fetchall()
            )
            docs = [Document(id=r[0], content=r[1], meta=r[2] or {}) for r in rows]
            with_vector = [j for j, r in enumerate(rows) if r[3] is not None]
            vectors = np.asarray([vector_of(rows[j][3]) for j in with_vector], dtype=np.float32)
            store.add_passages(
                [docs[j] for j in with_vector],
                vectors.reshape(len(with_vector), manifest.dimension),
                [
                    None if docs[j].id not in sentences else sentences_rows(sentences[docs[j].id], manifest.dimension)
                    for j in with_vector
                ],
            )
            without = [docs[j] for j in range(len(docs)) if j not in set(with_vector)]
            if without:  # stored without a vector (written so), kept so
                store.write_documents(without)
            last = rows[-1][0]
        store.sources = {r[0]: r[1] for r in conn.execute(f'SELECT id, record FROM "{schema}".sources')}
        files = conn.execute(f'SELECT name, data FROM "{schema}".files WHERE name LIKE %s', (FACT_CHECKS_DIR + "/%",))
        fact_check_files = files.fetchall()
    finally:
        conn.close()
    with build_lock(root, lock):
        layout.remove_debris(root)
        with layout.new_version(root) as (local, staging):
            for name, data in fact_check_files:
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                (staging / name).write_bytes(data)
            kept = {n: s for n, s in manifest.checksums.items() if n.startswith(FACT_CHECKS_DIR + "/")}
            manifest.version, manifest.parent_version = local, None
            store.save(staging, manifest)  # the vectors, the passages and BM25 again, with their checksums
            manifest.checksums.update(kept)
            manifest.write(staging)
        layout.prune(root, keep)
    return version, local
