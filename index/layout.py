"""The index root on disk: numbered version folders, a CURRENT pointer, staging folders and debris.

::

    <root>/CURRENT                          one line: the version the service loads
    <root>/versions/v000007/                manifest.json, vectors.faiss, passages.sqlite, bm25/
    <root>/versions/.staging-v000008-.../   a build in progress (debris once its builder is gone)
    <root>/.lock                            flock'ed by the one build that may run (see index/lock.py)

A version folder only ever comes into being by renaming a complete, verified staging folder, and
nothing writes into it afterwards; CURRENT is replaced atomically (temp file, fsync, os.replace).
So a build killed at any point leaves the current version serving and its files untouched, and
whatever it left behind starts with a dot. Nothing here takes the lock: callers that change the
root (builds, debris cleanup) hold it.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

VERSIONS_DIR = "versions"
CURRENT = "CURRENT"
LOCK = ".lock"
_VERSION_ID = re.compile(r"^v(\d{6,})$")


def is_versioned(root: Path) -> bool:
    """True when ``root`` uses this layout (as opposed to one flat index folder, or nothing)."""
    return (root / CURRENT).is_file() or (root / VERSIONS_DIR).is_dir()


def version_number(version_id: str) -> int | None:
    match = _VERSION_ID.match(version_id)
    return int(match.group(1)) if match else None


def version_dir(root: Path, version_id: str) -> Path:
    return root / VERSIONS_DIR / version_id


def version_ids(root: Path) -> list[str]:
    """Every version folder under ``root``, oldest first."""
    folder = root / VERSIONS_DIR
    if not folder.is_dir():
        return []
    found = [p.name for p in folder.iterdir() if p.is_dir() and version_number(p.name) is not None]
    return sorted(found, key=lambda v: version_number(v) or 0)


def read_current(root: Path) -> str | None:
    """The version CURRENT names, or None when there is no usable pointer."""
    try:
        text = (root / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    return text if version_number(text) is not None else None


def current_dir(root: Path) -> Path | None:
    current = read_current(root)
    return version_dir(root, current) if current else None


def load_order(root: Path) -> list[str]:
    """Versions to try when loading: CURRENT first, then the older ones, newest first.

    Versions newer than CURRENT were never switched to (their build died after renaming them
    into place), so they are not served. Without a usable CURRENT, the newest version goes first.
    """
    current = read_current(root)
    existing = version_ids(root)
    if current is None:
        return list(reversed(existing))
    number = version_number(current) or 0
    older = [v for v in reversed(existing) if (version_number(v) or 0) < number]
    return [current, *older]


def next_version_id(root: Path) -> str:
    numbers = [version_number(v) or 0 for v in version_ids(root)]
    current = read_current(root)
    if current:
        numbers.append(version_number(current) or 0)
    return f"v{max(numbers, default=0) + 1:06d}"


@contextmanager
def new_version(root: Path, current: bool = True) -> Iterator[tuple[str, Path]]:
    """The one way a version comes into being: its id and an empty staging folder to write it into.

    When the block ends without an error the staging folder is published (renamed into place) and,
    with ``current``, CURRENT points at it; on any error (or an interrupt) the staging folder is
    removed and nothing else changed. The caller holds the build lock, writes and checks the version
    inside the block, and prunes old versions after it.
    """
    version = next_version_id(root)
    staging = make_staging(root, version)  # first, so a build killed while writing leaves debris to find
    try:
        yield version, staging
        publish(staging, root, version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if current:
        switch(root, version)


def make_staging(root: Path, version_id: str) -> Path:
    """A fresh, hidden folder beside the versions, where one build writes its new version."""
    folder = root / VERSIONS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".staging-{version_id}-{os.getpid()}-", dir=folder))


def publish(staging: Path, root: Path, version_id: str) -> Path:
    """Rename a complete staging folder into place as ``version_id``; refuses to replace anything."""
    target = version_dir(root, version_id)
    if target.exists():
        raise FileExistsError(f"{target} already exists; versions are never overwritten")
    # fsync before the rename: after a power cut the version is either absent or whole
    for path in staging.iterdir():
        _fsync_file(path)
    os.chmod(staging, 0o755)
    os.replace(staging, target)
    _fsync_dir(target.parent)
    return target


def switch(root: Path, version_id: str) -> None:
    """Point CURRENT at ``version_id`` in one atomic step."""
    fd, tmp = tempfile.mkstemp(prefix=f".{CURRENT}.", dir=root)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(version_id + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, root / CURRENT)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(root)


def prune(root: Path, keep: int) -> list[str]:
    """Delete all but the newest ``keep`` versions; CURRENT is always kept. Returns what went."""
    current = read_current(root)
    existing = version_ids(root)
    kept = set(existing[-keep:]) if keep > 0 else set()
    gone = [v for v in existing if v not in kept and v != current]
    for version in gone:
        _remove(version_dir(root, version))
    return gone


def debris(root: Path) -> list[Path]:
    """What killed builds and interrupted deletions left behind: hidden entries other than the lock."""
    found: list[Path] = []
    for folder in (root, root / VERSIONS_DIR):
        if folder.is_dir():
            found += [p for p in folder.iterdir() if p.name.startswith(".") and p.name != LOCK]
    return sorted(found)


def remove_debris(root: Path) -> list[Path]:
    """Delete the debris; only call it while holding the build lock (a live build's staging looks the same)."""
    removed = debris(root)
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return removed


def _remove(folder: Path) -> None:
    # Hide the folder first: a deletion cut short leaves debris, never a half version that looks whole.
    hidden = folder.with_name(f".trash-{folder.name}-{os.getpid()}")
    os.replace(folder, hidden)
    shutil.rmtree(hidden, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    if path.is_file():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
