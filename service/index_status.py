"""What an index root holds, checked (``factcheck index status``, ``GET``-side views), and the
clean-up of what killed builds left behind.

Every version is checked the way a load checks it (:mod:`index.version_files`: manifest, model,
checksums, counts, BM25), without building a search store: no Haystack, torch or model is imported,
so the command answers in about a second.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from index import layout
from index.errors import IndexBusyError, IndexCorruptError, IndexError_
from index.factchecks import FactCheckIndex
from index.lock import BuildLock, holder_pid
from index.manifest import Manifest
from index.version_files import check_models, no_version_served, open_version, read_manifest
from service.document_store import database_dsn, uses_database
from service.model_identity import current_identity, warn_on_differences
from service.settings import Settings

log = logging.getLogger(__name__)


def clean_debris(root: Path) -> list[Path]:
    """Remove what killed builds left in ``root``, unless a build is running now (its staging looks the same)."""
    if not layout.debris(root):
        return []
    try:
        with BuildLock(root):
            removed = layout.remove_debris(root)
    except IndexBusyError:
        return []
    for path in removed:
        log.warning("removed %s, left by an interrupted build", path)
    return removed


def check_version(folder: Path, settings: Settings, expected_weights: str | None) -> Manifest:
    """The version's manifest once its files pass the checks a load makes; the load's error otherwise."""
    manifest = read_manifest(folder, settings.embedding_model, expected_weights)
    if manifest.shards is not None:
        # a sharded version: its checks live in the store that loads it
        from index.store import FaissDocumentStore

        return FaissDocumentStore.load(folder, settings.embedding_model, expected_weights).manifest  # type: ignore[return-value]
    files = open_version(folder, manifest, settings.faiss_nprobe)
    files.db.close()
    FactCheckIndex.load(folder, manifest)  # the fact-checks' records, vectors and BM25 agree
    return manifest


def index_status(settings: Settings) -> dict[str, Any]:
    """What the index root holds: every version with its check result, what is served, debris, a running build.

    :raises IndexError_: when no version can be served (the message says why, as the service's load would).
    """
    if uses_database(settings):
        return database_status(settings)
    root = settings.index_dir
    current = current_identity(settings)
    if not layout.is_versioned(root):  # one flat index folder, or nothing
        manifest = check_version(root, settings, current.embedding_weights)
        checked: dict[str, Manifest | IndexError_] = {}
        serving = None
    else:
        checked = {}
        for version in layout.version_ids(root):
            try:
                checked[version] = check_version(layout.version_dir(root, version), settings, current.embedding_weights)
            except IndexError_ as exc:
                checked[version] = exc
        order = layout.load_order(root)
        serving = next((v for v in order if isinstance(checked.get(v), Manifest)), None)
        if serving is None:
            # CURRENT may name a version whose folder is gone: refused as the load refuses it
            failures = [
                (v, checked.get(v) or IndexCorruptError(f"version {v} ({layout.version_dir(root, v)}) is missing"))
                for v in order
            ]
            raise no_version_served(root, failures)
        manifest = checked[serving]  # type: ignore[assignment]
    warn_on_differences(manifest, current, serving)
    versions = _version_entries(checked)
    running = holder_pid(root)
    return {
        "index_dir": str(root),
        **manifest.model_dump(exclude={"checksums"}),
        "serving": serving,
        "current": layout.read_current(root),
        "versions": versions,
        # while a build runs, the hidden folders are its staging, not leftovers
        "debris": [] if running is not None else [str(p) for p in layout.debris(root)],
        "staging": [str(p) for p in layout.debris(root)] if running is not None else [],
        "build_running_pid": running,
    }


def _version_entries(checked: dict[str, Manifest | IndexError_]) -> list[dict[str, Any]]:
    """Each version as status lists it, newest first: its counts when it passed its checks, else why not."""
    versions = []
    for version, result in reversed(checked.items()):
        entry: dict[str, Any] = {"version": version, "ok": True, "error": None}
        if isinstance(result, Manifest):
            entry.update(
                passages=result.passage_count,
                documents=result.document_count,
                built_at=result.built_at,
                embedded=result.embedded,
                reused=result.reused,
                fact_checks=result.fact_check_count or 0,
            )
        else:
            entry.update(ok=False, error=str(result))
        versions.append(entry)
    return versions


def database_status(settings: Settings) -> dict[str, Any]:
    """:func:`index_status` for an index in PostgreSQL: its versions (each checked against this installation's
    embedding model and its tables' counts), the current one, the one served, and schemas builds left.

    :raises IndexError_: no version can be served, or the database cannot be reached.
    """
    from index.postgres import database as db

    current = current_identity(settings)
    conn = db.connect(database_dsn(settings))
    try:
        checked: dict[str, Manifest | IndexError_] = {}
        for version in db.versions(conn):
            where = f"index version {version} in the database"
            try:
                manifest = check_models(
                    Manifest.model_validate(db.manifest_json(conn, version)),
                    where,
                    settings.embedding_model,
                    current.embedding_weights,
                )
                schema = db.schema_of(version)
                passages = conn.execute(f'SELECT count(*) FROM "{schema}".passages').fetchone()[0]
                if passages != manifest.passage_count:
                    raise IndexCorruptError(f"{where} holds {passages} passages, its manifest {manifest.passage_count}")
                checked[version] = manifest
            except IndexError_ as exc:
                checked[version] = exc
        order = db.load_order(conn)
        serving = next((v for v in order if isinstance(checked.get(v), Manifest)), None)
        if serving is None:
            raise no_version_served(Path("the database"), [(v, checked[v]) for v in order if v in checked])
        leftovers = [s for s in db.version_schemas(conn) if s.removeprefix(db.SCHEMA_PREFIX) not in checked]
        building = not conn.execute("SELECT pg_try_advisory_lock(%s)", (db.BUILD_LOCK,)).fetchone()[0]
        if not building:
            conn.execute("SELECT pg_advisory_unlock(%s)", (db.BUILD_LOCK,))
        current_version = db.read_current(conn)
    finally:
        conn.close()
    manifest = checked[serving]
    warn_on_differences(manifest, current, serving)  # type: ignore[arg-type]
    versions = _version_entries(checked)
    return {
        "document_store": "pgvector",
        "index_dir": str(settings.index_dir),
        **manifest.model_dump(exclude={"checksums"}),  # type: ignore[union-attr]
        "serving": serving,
        "current": current_version,
        "versions": versions,
        # while a build holds the database's lock, a schema not listed yet is its staging, not debris
        "debris": [] if building else leftovers,
        "staging": leftovers if building else [],
        "build_running_pid": None,
    }
