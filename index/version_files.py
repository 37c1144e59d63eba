"""The files of one index version, opened and checked, without the search store around them.

What a load checks: the manifest names this embedding model and weights, every listed file is
there with its checksum, and the vectors, the passages, the documents and BM25 agree in number and
order. :class:`index.store.FaissDocumentStore` builds its store on what :func:`open_version` returns;
``factcheck index status`` checks every version with it, without importing Haystack, torch or a model
(a second where loading a store would take several).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import faiss

from index.bm25 import BM25_DIR, BM25Index, BM25TokenizerMismatchError
from index.errors import IndexCorruptError, IndexModelMismatchError, IndexNotFoundError
from index.faiss_index import is_flat, set_nprobe
from index.manifest import MANIFEST, Manifest, ModelIdentity, file_sha256
from index.passages import PassageDB

VECTORS, PASSAGES = "vectors.faiss", "passages.sqlite"
log = logging.getLogger(__name__)
Loaded = TypeVar("Loaded", bound=Any)


@dataclass
class VersionFiles:
    index: faiss.Index
    db: PassageDB
    passages: int
    bm25: BM25Index | None


def load_first(
    versions: list[str], load: Callable[[str], Loaded], failures: list[tuple[str, Exception]]
) -> Loaded | None:
    """The first of ``versions`` (the current one, then older ones) that ``load`` accepts, with the refusals
    before it in its ``skipped``; each refusal is logged and added to ``failures``. None when every one is
    refused (then :func:`no_version_served` says why)."""
    for version in versions:
        try:
            store = load(version)
        except (IndexCorruptError, IndexNotFoundError, IndexModelMismatchError) as exc:
            log.warning("index version %s refused: %s", version, exc)
            failures.append((version, exc))
            continue
        if failures:
            log.warning("serving index version %s instead of %s", version, failures[0][0])
        store.version = version
        store.skipped = [(v, str(e)) for v, e in failures]
        return store
    return None


def no_version_served(root: Path, failures: list[tuple[str, Exception]]) -> Exception:
    """The error when no version of ``root`` can be served: the first refusal (CURRENT's), each version
    tried named in ``refused_versions``; "no index" when there was none to try."""
    if not failures:
        return IndexNotFoundError(f"no index at {root} (build one with: factcheck index build --index-dir {root})")
    first = failures[0][1]
    error = type(first)(f"{first} (and no older version passes its checks)") if len(failures) > 1 else first
    error.refused_versions = {v: str(e) for v, e in failures}  # type: ignore[attr-defined]
    if error is not first:
        error.__cause__ = first
    return error


def read_manifest(folder: Path, expected_model: str | None, expected_weights: str | None = None) -> Manifest:
    """The version's manifest, refused when it names another embedding model or other weights."""
    if not folder.is_dir() or not (folder / MANIFEST).exists():
        raise IndexNotFoundError(f"no index at {folder} (build one with: factcheck index build --index-dir {folder})")
    return check_models(Manifest.read(folder), f"the index at {folder}", expected_model, expected_weights)


def check_models(
    manifest: Manifest, where: str, expected_model: str | None, expected_weights: str | None = None
) -> Manifest:
    """``manifest``, refused when it names another embedding model or other weights; ``where`` names the
    version in the message ("the index at data/index/versions/v000002")."""
    if expected_model is not None and manifest.embedding_model != expected_model:
        raise IndexModelMismatchError(
            f"{where} was built with embedding model {manifest.embedding_model!r}, "
            f"but the configured model is {expected_model!r}; rebuild the index or set "
            f"FACTCHECK_EMBEDDING_MODEL={manifest.embedding_model}"
        )
    recorded = manifest.models
    if recorded and recorded.embedding_differs(ModelIdentity(embedding_weights=expected_weights)):
        raise IndexModelMismatchError(
            f"{where} was built with other weights of {manifest.embedding_model!r} "
            f"(sha256 {recorded.embedding_weights[:12]}, from {recorded.embedding_source}) than the installed "
            f"ones (sha256 {(expected_weights or '')[:12]}); its vectors no longer match the claims': "
            "rebuild the index (factcheck index build --corpus PATH)"
        )
    return manifest


def open_db(path: Path) -> PassageDB:
    try:
        return PassageDB.open_readonly(path)
    except (sqlite3.Error, OSError) as exc:
        raise IndexCorruptError(f"{path} cannot be read: {exc}") from exc


def open_version(folder: Path, manifest: Manifest, nprobe: int) -> VersionFiles:
    """The files of a one-folder version (not sharded), checked. The caller closes ``db``."""
    for name in dict.fromkeys((VECTORS, PASSAGES, *manifest.checksums)):
        path = folder / name
        if not path.resolve().is_relative_to(folder.resolve()):
            raise IndexCorruptError(f"{folder / MANIFEST} lists a file outside the index: {name}")
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing")
        expected = manifest.checksums.get(name)
        if expected and file_sha256(path) != expected:
            raise IndexCorruptError(f"{path} is damaged (checksum mismatch); rebuild the index")
    try:
        index = faiss.read_index(str(folder / VECTORS))
    except RuntimeError as exc:
        raise IndexCorruptError(f"{folder / VECTORS} cannot be read: {str(exc).splitlines()[0]}") from exc
    if is_flat(manifest.faiss_factory) != isinstance(index, faiss.IndexIDMap2):
        raise IndexCorruptError(
            f"{folder / VECTORS} is inconsistent: the manifest says {manifest.faiss_factory}, "
            f"the file holds a {type(index).__name__}"
        )
    set_nprobe(index, nprobe)
    db = open_db(folder / PASSAGES)
    try:
        passages, documents = db.count(), db.document_count()
        if index.ntotal + manifest.passages_without_vectors != passages or index.d != manifest.dimension:
            raise IndexCorruptError(
                f"{folder} is inconsistent: {index.ntotal} vectors of dimension {index.d} "
                f"for {passages} passages of dimension {manifest.dimension}"
                + (
                    f", {manifest.passages_without_vectors} of them without"
                    if manifest.passages_without_vectors
                    else ""
                )
            )
        if manifest.passage_count != passages or manifest.document_count != documents:
            raise IndexCorruptError(
                f"{folder} is inconsistent: the manifest counts {manifest.passage_count} passages and "
                f"{manifest.document_count} documents, the files hold {passages} and {documents}"
            )
        bm25 = None
        if any(name.startswith(BM25_DIR + "/") for name in manifest.checksums):
            bm25 = _load_bm25(folder, db, passages)
    except BaseException:
        db.close()
        raise
    return VersionFiles(index, db, passages, bm25)


def _load_bm25(folder: Path, db: PassageDB, passages: int) -> BM25Index | None:
    try:
        bm25 = BM25Index.load(folder)
    except BM25TokenizerMismatchError as exc:
        # dense search still works; refusing the whole version would take the service down
        # after an upgrade until someone rebuilds
        log.warning("BM25 index not used: %s", exc)
        return None
    # both were written from the passages in int id order; compared as streams, not as sets,
    # so a million ids are never held twice
    same = len(bm25.ids) == passages and all(a == b for a, b in zip(bm25.ids, db.iterate_ids(), strict=False))
    if not same:
        raise IndexCorruptError(
            f"{folder / BM25_DIR} is inconsistent: it indexes {len(bm25.ids)} passages that do not match "
            f"the {passages} of {folder / PASSAGES}"
        )
    return bm25
