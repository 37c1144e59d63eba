"""A sharded version: several ordinary store folders behind one manifest, served as one store.

::

    versions/v000009/manifest.json    the whole version: model, counts, ``shards``, ``shard_key``; its
                                      checksums pin each shard's manifest, which pins that shard's files
    versions/v000009/shard-0/ ...     each one folder that :class:`FaissDocumentStore` saves and loads

A passage lives in shard ``passage_key(id) % len(shards)``, a document (its ``documents.jsonl``
record) in shard ``passage_key(doc id) % len(shards)``. The key is the first 8 bytes of the
SHA-256 of the id, masked to 63 bits: a non-negative int64 that every process and machine
computes alike (``hash()`` is salted per process), whatever order a distributed build met the
passages in.

Dense search asks every shard for its top k in parallel (FAISS releases the GIL) and merges the
lists with ``faiss.merge_knn_results``: the top k of the union, so the same passages one index
over everything returns. IVF shards (a Ray build with ``--faiss-factory``) share one trained index,
so their approximate scores are on one scale; ``nprobe`` is set on every shard, and each scans
``nprobe`` of its own lists. BM25 hits are merged by score: a sharded build weighs every shard's
BM25 with the statistics of the whole corpus (collection size, average length, document
frequencies; index/bm25.py), so the scores are those of one BM25 over all passages (within float32
rounding of the sums) and the merged lists are that index's, up to the order of tied passages.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Lock
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from index.errors import IndexCorruptError
from index.manifest import MANIFEST, Manifest, file_sha256
from index.vectors import as_queries

if TYPE_CHECKING:  # FAISS and haystack load late: Ray workers import this module for passage_key alone
    from haystack import Document

SHARD_KEY = "sha256-63"  # what Manifest.shard_key names: the rule below
_MASK63 = (1 << 63) - 1
T = TypeVar("T")


def passage_key(passage_id: str) -> int:
    """The stable 63-bit id of a passage (or document) id."""
    return int.from_bytes(hashlib.sha256(passage_id.encode("utf-8")).digest()[:8], "big") & _MASK63


def shard_of(item_id: str, shards: int) -> int:
    return passage_key(item_id) % shards


def shard_name(shard: int) -> str:
    return f"shard-{shard}"


_pool: ThreadPoolExecutor | None = None
_pool_lock = Lock()


def _shared_pool() -> ThreadPoolExecutor:
    # one pool for every sharded store: a hot swap loads a new store while the old one still answers
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="shard-search")
        return _pool


class ShardedSources(Mapping[str, dict[str, Any]]):
    """The source documents of every shard as one read-only mapping (each shard keeps its own)."""

    def __init__(self, shards: list[Any]) -> None:
        self._shards = shards

    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        return self._shards[shard_of(doc_id, len(self._shards))].sources[doc_id]

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and doc_id in self._shards[shard_of(doc_id, len(self._shards))].sources

    def __iter__(self) -> Iterator[str]:
        for shard in self._shards:
            yield from shard.sources

    def __len__(self) -> int:
        return sum(len(shard.sources) for shard in self._shards)


class ShardedDocumentStore:
    """The stores of a sharded version, searched and looked up as one store.

    It offers what the service and incremental builds read from a :class:`FaissDocumentStore`, and
    Haystack's document-store protocol; writes change the loaded shards in memory, as they do a
    loaded store (a build publishes a new version, never this object).
    """

    def __init__(self, shards: list[Any], manifest: Manifest) -> None:
        self.fact_checks: Any = None  # set by the load (index/factchecks.py)
        self.shards = shards
        self.manifest = manifest
        self.embedding_dim = manifest.dimension
        self.version: str | None = None
        self.folder: Path | None = None  # set by the load: what to_dict() names
        self.skipped: list[tuple[str, str]] = []
        self.sources: Mapping[str, dict[str, Any]] = ShardedSources(shards)
        self._count = sum(shard.count_documents() for shard in shards)

    def _each(self, call: Callable[[Any], T]) -> list[T]:
        if len(self.shards) == 1:
            return [call(self.shards[0])]
        return list(_shared_pool().map(call, self.shards))

    def _owner(self, passage_id: str) -> Any:
        return self.shards[shard_of(passage_id, len(self.shards))]

    # --- what the service reads ----------------------------------------------------------
    @property
    def faiss_factory(self) -> str:
        return self.shards[0].faiss_factory

    @property
    def nprobe(self) -> int:
        return self.shards[0].nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        for shard in self.shards:
            shard.nprobe = value

    def trained_index(self) -> Any:
        """What an incremental update starting from this version shares (shards are trained alike)."""
        return self.shards[0].trained_index()

    def count_documents(self) -> int:
        return self._count

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        return [doc for found in self._each(lambda s: s.filter_documents(filters)) for doc in found]

    def iter_passages(self) -> Iterator[Document]:
        for shard in self.shards:
            yield from shard.iter_passages()

    def passage(self, passage_id: str) -> Document | None:
        return self._owner(passage_id).passage(passage_id)

    def passage_vector(self, passage_id: str) -> np.ndarray:
        return self._owner(passage_id).passage_vector(passage_id)

    def passage_vectors(self, passage_ids: list[str]) -> np.ndarray:
        out = np.empty((len(passage_ids), self.embedding_dim), dtype=np.float32)
        rows: dict[int, list[int]] = {}
        for row, passage_id in enumerate(passage_ids):
            rows.setdefault(shard_of(passage_id, len(self.shards)), []).append(row)
        for shard, picked in rows.items():
            out[picked] = self.shards[shard].passage_vectors([passage_ids[r] for r in picked])
        return out

    def sentence_vectors(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        """Each shard's kept sentence vectors (none from the Ray build, which does not embed sentences)."""
        found: dict[str, np.ndarray] = {}
        by_shard: dict[int, list[str]] = {}
        for passage_id in passage_ids:
            by_shard.setdefault(shard_of(passage_id, len(self.shards)), []).append(passage_id)
        for shard, ids in by_shard.items():
            found.update(self.shards[shard].sentence_vectors(ids))
        return found

    def embedding_retrieval(self, query_embedding: list[float] | np.ndarray, top_k: int = 5) -> list[Document]:
        return self.embedding_retrieval_batch(np.asarray([query_embedding], dtype=np.float32), top_k)[0]

    def embedding_retrieval_batch(self, query_embeddings: np.ndarray, top_k: int = 5) -> list[list[Document]]:
        queries = as_queries(query_embeddings, self.embedding_dim)
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        per_shard = self._each(lambda s: s.embedding_retrieval_batch(queries, top_k))
        count, k = len(self.shards), top_k
        # a label says where a hit came from: rank j of shard s is j * count + s
        scores = np.full((count, len(queries), k), -np.inf, dtype=np.float32)
        labels = np.full((count, len(queries), k), -1, dtype=np.int64)
        for s, rows in enumerate(per_shard):
            for q, hits in enumerate(rows):
                for j, doc in enumerate(hits):
                    scores[s, q, j], labels[s, q, j] = doc.score, j * count + s
        import faiss

        _, merged = faiss.merge_knn_results(scores, labels, keep_max=True)
        results = []
        for q, row in enumerate(merged.tolist()):
            results.append([per_shard[label % count][q][label // count] for label in row if label >= 0])
        return results

    def bm25_retrieval(self, query: str, top_k: int = 5, language: str | None = None) -> list[Document]:
        return self.bm25_retrieval_batch([query], top_k, [language])[0]

    def bm25_retrieval_batch(
        self, queries: list[str], top_k: int = 5, languages: list[str | None] | None = None
    ) -> list[list[Document]]:
        per_shard = self._each(lambda s: s.bm25_retrieval_batch(queries, top_k, languages))
        results = []
        for q in range(len(queries)):
            hits = [doc for rows in per_shard for doc in rows[q]]
            hits.sort(key=lambda d: -(d.score or 0.0))  # stable: equal scores keep shard order
            results.append(hits[:top_k])
        return results

    # --- writes: in memory, each passage to its shard; a build publishes them as a version ---
    def write_documents(self, documents: list[Document], policy: Any = None) -> int:
        """Each passage written to the shard its id hashes to, so a duplicate meets its twin there
        (the policies are the shards': see :meth:`FaissDocumentStore.write_documents`)."""
        if not isinstance(documents, list):
            raise ValueError("write_documents takes a list of haystack Documents")
        from haystack.document_stores.errors import DuplicateDocumentError
        from haystack.document_stores.types import DuplicatePolicy

        by_shard: dict[int, list[Document]] = {}
        for doc in documents:
            if not hasattr(doc, "id"):
                raise ValueError("write_documents takes a list of haystack Documents")
            by_shard.setdefault(shard_of(doc.id, len(self.shards)), []).append(doc)
        if policy not in (DuplicatePolicy.SKIP, DuplicatePolicy.OVERWRITE):
            # refused before any shard is written: a later shard's refusal must not leave the earlier ones changed
            ids = [doc.id for doc in documents]
            twice = next((i for i in ids if ids.count(i) > 1), None) if len(set(ids)) != len(ids) else None
            if twice is not None:
                raise DuplicateDocumentError(f"passage {twice} is twice in the batch")
            for shard, docs in by_shard.items():
                stored = self.shards[shard].existing_ids([d.id for d in docs])
                if stored:
                    raise DuplicateDocumentError(f"passage {next(iter(stored))} is already in the store")
        kwargs = {} if policy is None else {"policy": policy}
        try:
            return sum(self.shards[s].write_documents(docs, **kwargs) for s, docs in sorted(by_shard.items()))
        finally:
            self._count = sum(shard.count_documents() for shard in self.shards)

    def delete_documents(self, document_ids: list[str]) -> None:
        by_shard: dict[int, list[str]] = {}
        for passage_id in document_ids:
            by_shard.setdefault(shard_of(passage_id, len(self.shards)), []).append(passage_id)
        try:
            for shard, ids in by_shard.items():
                self.shards[shard].delete_documents(ids)
        finally:
            self._count = sum(shard.count_documents() for shard in self.shards)

    def without_vectors(self, passage_ids: list[str]) -> set[str]:
        return {p for p in passage_ids if self._owner(p).without_vectors([p])}

    def to_dict(self) -> dict[str, Any]:
        """Serialises as its shards' first store type would, naming the version's folder (loading it
        again gives this sharded store)."""
        first = self.shards[0].to_dict()
        first["init_parameters"]["index_dir"] = None if self.folder is None else str(self.folder)
        return first


def load_sharded(
    folder: Path,
    manifest: Manifest,
    expected_model: str | None,
    expected_weights: str | None,
    load_shard: Callable[[Path, str | None, str | None], Any],
) -> ShardedDocumentStore:
    """The sharded version at ``folder`` (whose ``manifest`` is read already), every shard checked.

    A shard that fails any check refuses the whole version: a version that silently lacks a shard
    would answer without part of the corpus.

    :raises IndexCorruptError: a shard is missing, damaged or does not add up to the manifest.
    :raises IndexModelMismatchError: a shard was built with another model or other weights.
    """
    if manifest.shard_key != SHARD_KEY or not manifest.shards:
        raise IndexCorruptError(
            f"{folder / MANIFEST} names shards {manifest.shards!r} by key {manifest.shard_key!r}; "
            f"this version of factcheck reads {SHARD_KEY!r}"
        )
    shards = []
    for name in manifest.shards:
        path = folder / name
        pinned = manifest.checksums.get(f"{name}/{MANIFEST}")
        if not name or not path.resolve().is_relative_to(folder.resolve()) or path.resolve() == folder.resolve():
            raise IndexCorruptError(f"{folder / MANIFEST} lists a shard outside the version: {name!r}")
        if not (path / MANIFEST).is_file():
            raise IndexCorruptError(f"shard {path} is missing")
        if pinned is None or file_sha256(path / MANIFEST) != pinned:
            raise IndexCorruptError(f"{path / MANIFEST} is damaged (checksum mismatch); rebuild the index")
        # the caller's loader of one store folder (index.store's): this module never imports it back
        shard = load_shard(path, expected_model, expected_weights)
        if (
            shard.manifest.shards is not None
            or shard.manifest.dimension != manifest.dimension
            or shard.faiss_factory != manifest.faiss_factory
        ):
            raise IndexCorruptError(f"shard {path} does not belong to {folder}: its manifest differs")
        shards.append(shard)
    passages = sum(s.count_documents() for s in shards)
    documents = sum(len(s.sources) for s in shards)
    if passages != manifest.passage_count or documents != manifest.document_count:
        raise IndexCorruptError(
            f"{folder} is inconsistent: the manifest counts {manifest.passage_count} passages and "
            f"{manifest.document_count} documents, its shards hold {passages} and {documents}"
        )
    return ShardedDocumentStore(shards, manifest)
