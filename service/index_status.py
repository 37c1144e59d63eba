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
from index.version_files import no_version_served, open_version, read_manifest
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
