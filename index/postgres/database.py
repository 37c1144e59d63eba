"""The PostgreSQL side of the version lifecycle: where the database is, its catalogue of versions, the
pointer to the served one, and the lock one build at a time holds.

A version lives in its own schema (``factcheck_v000001``): its passages with their vectors (Haystack's
``PgvectorDocumentStore`` table), its sentences' vectors, its source documents and the files of its
BM25 and fact-check indexes. The catalogue (schema ``factcheck``) lists the finished versions with their
manifests, and ``factcheck.current`` names the served one: a version is listed and made current in one
transaction, so a reader never sees a half-written one, and a schema that is not listed is the debris of
a build that died (removed by the next build or start, see :func:`remove_debris`).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from index.errors import IndexBusyError, IndexDatabaseError

__all__ = ["IndexDatabaseError"]

log = logging.getLogger(__name__)

CATALOGUE = "factcheck"
SCHEMA_PREFIX = "factcheck_"
EMBEDDED_DIR = "postgres"  # the private server's data folder, under the index folder
# pg_advisory_lock's key for "a build is writing a version": any 64-bit number no other tool uses
BUILD_LOCK = 0x6661637463686B31
_VERSION = re.compile(r"^v\d{6}$")


def schema_of(version: str) -> str:
    if not _VERSION.match(version):
        raise ValueError(f"not a version id: {version!r}")
    return SCHEMA_PREFIX + version


def embedded_dsn(root: Path) -> str:
    """A private PostgreSQL server (with pgvector) under ``root``, started if need be; stopped when the last
    process using it exits. For users without a server of their own (``FACTCHECK_PG_EMBEDDED=true``)."""
    try:
        with warnings.catch_warnings():  # platformdirs' note on XDG_RUNTIME_DIR, at every command's start
            warnings.simplefilter("ignore")
            import pgserver
    except ImportError as exc:
        raise IndexDatabaseError(
            "FACTCHECK_PG_EMBEDDED needs the pgserver package: pip install 'factcheck[postgres]'"
        ) from exc
    folder = Path(root) / EMBEDDED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pgserver.get_server(folder, cleanup_mode="stop").get_uri()
    except Exception as exc:  # its own errors, and initdb's
        raise IndexDatabaseError(f"the embedded PostgreSQL server in {folder} did not start: {exc}") from exc


def connect(dsn: str, autocommit: bool = True) -> Any:
    """A connection, with an error that names the cause and never the DSN (it may hold a password)."""
    import psycopg

    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        raise IndexDatabaseError(f"the database cannot be reached: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def ensure_catalogue(conn: Any) -> None:
    """The pgvector extension and the catalogue tables; a clear error where pgvector is not installed."""
    import psycopg

    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    except psycopg.Error as exc:
        raise IndexDatabaseError(
            "the database has no pgvector extension, or this user may not create it "
            f"(CREATE EXTENSION vector): {_first_line(exc)}"
        ) from exc
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOGUE}")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {CATALOGUE}.versions (version text PRIMARY KEY, manifest jsonb NOT NULL, "
        "published timestamptz NOT NULL DEFAULT now())"
    )
    conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {CATALOGUE}.version_numbers")
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {CATALOGUE}.current (one boolean PRIMARY KEY DEFAULT true CHECK (one), "
        f"version text NOT NULL REFERENCES {CATALOGUE}.versions (version))"
    )


def read_current(conn: Any) -> str | None:
    """The served version, None before the first build."""
    if not _catalogue_exists(conn):
        return None
    row = conn.execute(f"SELECT version FROM {CATALOGUE}.current").fetchone()
    return row[0] if row else None


def _catalogue_exists(conn: Any) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (f"{CATALOGUE}.current",)).fetchone()[0]


def versions(conn: Any) -> list[str]:
    """The finished versions, oldest first."""
    if not _catalogue_exists(conn):
        return []
    return [r[0] for r in conn.execute(f"SELECT version FROM {CATALOGUE}.versions ORDER BY version")]


def manifest_json(conn: Any, version: str) -> dict[str, Any] | None:
    row = conn.execute(f"SELECT manifest FROM {CATALOGUE}.versions WHERE version = %s", (version,)).fetchone()
    return row[0] if row else None


def version_schemas(conn: Any) -> list[str]:
    """Every schema a version was (or is being) written into, finished or not."""
    rows = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s ORDER BY nspname", (SCHEMA_PREFIX + "v%",)
    )
    return [r[0] for r in rows if _VERSION.match(r[0].removeprefix(SCHEMA_PREFIX))]


def next_version(conn: Any) -> str:
    """A new version id from the catalogue's sequence: never one a build used before, even one that died."""
    number = conn.execute("SELECT nextval(%s)", (f"{CATALOGUE}.version_numbers",)).fetchone()[0]
    return f"v{number:06d}"


def load_order(conn: Any) -> list[str]:
    """The current version first, then older finished ones, newest first: what a load tries."""
    current = read_current(conn)
    older = [v for v in reversed(versions(conn)) if v != current]
    return ([current] if current else []) + older


@contextmanager
def build_lock(dsn: str) -> Iterator[Any]:
    """The database's build lock (one build writes a version at a time, whichever machine runs it), on a
    connection of its own held for the block; yields that connection."""
    conn = connect(dsn)
    try:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
            raise IndexBusyError("another build is writing a version into the database; try again when it is done")
        try:
            yield conn
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (BUILD_LOCK,))
    finally:
        conn.close()


def remove_debris(conn: Any) -> list[str]:
    """Drop the schemas of versions a build began and never listed (it died); the caller holds the build lock."""
    listed = {schema_of(v) for v in versions(conn)}
    gone = [s for s in version_schemas(conn) if s not in listed]
    for schema in gone:
        log.warning("removing %s, left by a build that did not finish", schema)
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return gone


def remove_debris_if_idle(dsn: str) -> list[str]:
    """:func:`remove_debris` when no build is running (at a service's start: a replica must not remove the
    schema another one is writing)."""
    try:
        with build_lock(dsn) as conn:
            return remove_debris(conn) if _catalogue_exists(conn) else []
    except IndexBusyError:
        return []


def prune(conn: Any, keep: int) -> list[str]:
    """Drop all but the ``keep`` newest versions (the current one always stays); the caller holds the lock."""
    current = read_current(conn)
    old = [v for v in versions(conn) if v != current]
    gone = old[: max(0, len(old) - (keep - 1))]
    for version in gone:
        with conn.transaction():
            conn.execute(f"DELETE FROM {CATALOGUE}.versions WHERE version = %s", (version,))
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema_of(version)}" CASCADE')
    return gone
