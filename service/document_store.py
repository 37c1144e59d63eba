"""The served index's home, as the settings choose it (``FACTCHECK_DOCUMENT_STORE``): version folders with
FAISS, or PostgreSQL with pgvector. The one place a store is opened from settings, the version it serves
is read, and a build's version is published to the database.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from index import layout
from service.model_identity import current_identity, load_checked, warn_on_differences
from service.settings import Settings

if TYPE_CHECKING:
    from index.lock import BuildLock
    from index.postgres.publish import Published
    from index.progress import Progress
    from index.search_store import SearchStore

log = logging.getLogger(__name__)

# in the index folder: which of its versions the database serves as which (the folder is the build's workspace)
PUBLISHED = "PUBLISHED.json"


def uses_database(settings: Settings) -> bool:
    return settings.document_store == "pgvector"


def database_dsn(settings: Settings) -> str:
    """The DSN of the database (a secret: never put it in a message), the private server started if asked."""
    from index.postgres.database import embedded_dsn

    if settings.pg_dsn is not None:
        return settings.pg_dsn.get_secret_value()
    return embedded_dsn(settings.index_dir)


def load_store(settings: Settings, index_dir: Path | None = None) -> SearchStore:
    """The index the settings name, refused when its embedding model or weights are not this installation's
    (and logged when anything else differs). From PostgreSQL, the schemas of builds that died go first."""
    if not uses_database(settings):
        return load_checked(settings, Path(index_dir or settings.index_dir))
    from index.postgres.database import remove_debris_if_idle
    from index.postgres.store import PostgresSearchStore

    dsn = database_dsn(settings)
    remove_debris_if_idle(dsn)
    current = current_identity(settings)
    store = PostgresSearchStore.load(
        dsn, expected_model=settings.embedding_model, expected_weights=current.embedding_weights
    )
    warn_on_differences(store.manifest, current, store.version)
    return store


def current_version(settings: Settings) -> str | None:
    """The version the index's pointer names now (CURRENT, or the database's current row).

    :raises IndexDatabaseError: the database cannot be reached.
    """
    if not uses_database(settings):
        return layout.read_current(settings.index_dir)
    from index.postgres import database as db

    conn = db.connect(database_dsn(settings))
    try:
        return db.read_current(conn)
    finally:
        conn.close()


def publish_current(settings: Settings, progress: Progress | None = None) -> Published | None:
    """With the index in PostgreSQL: publish the version the index folder serves now (a build has just made
    it) as the database's next version; None with FAISS."""
    if not uses_database(settings):
        return None
    from index.postgres.publish import publish_version

    root = settings.index_dir
    folder = layout.current_dir(root) if layout.is_versioned(root) else root
    if folder is None:
        return None
    published = publish_version(database_dsn(settings), folder, settings.keep_versions, settings.pg_search, progress)
    local = layout.read_current(root)
    (Path(root) / PUBLISHED).write_text(json.dumps({"version": local, "database_version": published.version}) + "\n")
    return published


def workspace_in_step(settings: Settings, lock: BuildLock | None = None) -> None:
    """Before an operation that starts from the current version (an update, a delete, a fact-check import):
    when the database serves a version this machine's index folder did not publish (another replica did),
    that version is fetched into the folder first (its vectors with it: nothing is embedded), so the operation
    starts from what is served.

    :raises IndexDatabaseError: the database cannot be read.
    """
    from index.postgres.fetch import fetch_current

    served = current_version(settings)
    if served is None:
        return
    root = Path(settings.index_dir)
    try:
        marker = json.loads((root / PUBLISHED).read_text())
    except (OSError, ValueError):
        marker = {}
    if marker.get("database_version") == served and marker.get("version") == layout.read_current(root):
        return
    fetched = fetch_current(database_dsn(settings), root, settings.keep_versions, lock)
    if fetched is not None:
        database_version, local = fetched
        (root / PUBLISHED).write_text(json.dumps({"version": local, "database_version": database_version}) + "\n")
        log.warning("the index folder was behind the database: its version %s fetched as %s", database_version, local)
