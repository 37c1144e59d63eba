"""Write a folder completely, then put it in place: a crash never leaves a half-written one; and one
process at a time prepares a given folder (the others wait, then find it ready)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.lock import waiting_lock


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``target``; on success it replaces ``target``, on error it goes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a model folder is read by other users too
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Wait for any other process preparing ``target`` (a model conversion, an export); check again
    inside, since the other one may have finished it. The lock is :mod:`index.lock`'s, the project's one."""
    with waiting_lock(target.parent / f".{target.name}.lock"):
        yield
