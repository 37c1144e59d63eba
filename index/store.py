"""FAISS document store: passages, their vectors and their source documents, saved as one folder.

FAISS holds the vectors under sequential int64 ids (by default an ``IDMap2`` over a flat
inner-product index: exact search, removable ids; or an IVF index, see :mod:`index.faiss_index`).
Inner product equals cosine similarity because the embedder normalises its vectors. The passages
and the source documents live in ``passages.sqlite`` (:mod:`index.passages`), keyed by the same
int ids: a search reads only its hits from disk, so the process does not hold the corpus.

Beside it, a lexical BM25 index (:mod:`index.bm25`, files under ``bm25/``) is rebuilt from all
passages by every :meth:`FaissDocumentStore.save`; indexes saved before it existed load without one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from haystack import Document, default_from_dict, default_to_dict
from haystack.document_stores.errors import DuplicateDocumentError
from haystack.document_stores.types import DuplicatePolicy
from haystack.utils.filters import document_matches_filter

from index import layout
from index.bm25 import BM25Index, CorpusStats, indexed_text
from index.errors import IndexCorruptError
from index.factchecks import FactCheckIndex
from index.faiss_index import (
    DEFAULT_NPROBE,
    FLAT,
    check_trainable,
    enable_lookup_by_id,
    is_flat,
    new_index,
    normalise_factory,
    set_nprobe,
    stored_ids,
    train_index,
)
from index.filters import check_filters
from index.manifest import Manifest, file_sha256
from index.passages import PassageDB, StoredDocuments
from index.vectors import as_queries
from index.version_files import (
    PASSAGES,
    VECTORS,
    load_first,
    no_version_served,
    open_version,
    read_manifest,
)

log = logging.getLogger(__name__)


class FaissDocumentStore:
    """A Haystack document store over an in-memory FAISS index and an on-disk passage table that
    saves to and loads from a folder.

    :param faiss_factory: ``IDMap2,Flat`` (exact), or an IVF factory such as ``IVF4096,PQ48``.
    :param trained_index: an empty index already trained for ``faiss_factory`` (from
        :func:`index.faiss_index.train_index`, shared by shards); without one, an IVF index is
        trained on the vectors of the first :meth:`add_passages`.
    """

    def __init__(self, embedding_dim: int, faiss_factory: str = FLAT, trained_index: faiss.Index | None = None) -> None:
        self.embedding_dim = embedding_dim
        self.faiss_factory = normalise_factory(faiss_factory)
        if trained_index is not None and (trained_index.d != embedding_dim or trained_index.ntotal):
            raise ValueError(f"the trained index must be empty and of dimension {embedding_dim}")
        self._index: faiss.Index | None = trained_index or (
            new_index(self.faiss_factory, embedding_dim) if is_flat(self.faiss_factory) else None
        )
        self._nprobe = DEFAULT_NPROBE
        if self._index is not None:
            set_nprobe(self._index, self._nprobe)
        self._db = PassageDB.create_temporary()
        self._vectors_lock = threading.Lock()
        self._count = 0
        self._next_id = 0
        # source documents by id: title, url, language, text, content hash (for citations and updates);
        # a dict while building, the database's read-only mapping after load()
        self.sources: Mapping[str, dict[str, Any]] = {}
        self.manifest: Manifest | None = None
        # set by load() on a versioned root: the version loaded, and newer ones refused on the way
        self.version: str | None = None
        self.skipped: list[tuple[str, str]] = []
        # lexical index of the passages as of the last save()/load(); None for indexes saved
        # before BM25 existed. Passages written since are not in it, deleted ones are skipped.
        self.bm25: BM25Index | None = None
        # the version's published fact-checks (index/factchecks.py); None when it holds none
        self.fact_checks: FactCheckIndex | None = None
        # the folder load() read (an index root or one version), which to_dict() names
        self.folder: Path | None = None
        # int ids of passages written without an embedding: stored and filtered, never in FAISS
        self._vectorless: set[int] = set()

    # --- Haystack DocumentStore protocol ---------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A store loaded from disk serialises as the version folder it was loaded from (``from_dict``
        loads that version again, as it was saved: writes made since are not in it); a store being
        built, as its empty configuration."""
        folder = None if self.folder is None else str(self.folder)
        return default_to_dict(
            self, embedding_dim=self.embedding_dim, faiss_factory=self.faiss_factory, index_dir=folder
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaissDocumentStore:
        params = dict(data.get("init_parameters", {}))
        folder = params.pop("index_dir", None)
        if folder is not None:
            store = cls.load(Path(folder))
            if store.version is None and store.manifest is not None:  # a version folder names its version
                store.version = store.manifest.version
            return store
        return default_from_dict(cls, {**data, "init_parameters": params})

    def count_documents(self) -> int:
        return self._count

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        """The passages that match ``filters`` (Haystack's filter syntax), each with its embedding
        (float32, as FAISS keeps it; decoded, so approximate, from a PQ index). Every vector becomes a list
        of floats: code of ours that walks the passages uses :meth:`iter_passages`."""
        check_filters(filters)
        found: list[Document] = []
        batch: list[tuple[int, Document]] = []
        for int_id, doc in self._db.iterate():
            if not filters or document_matches_filter(filters, doc):
                batch.append((int_id, doc))
            if len(batch) >= 10_000:
                found.extend(self._with_embeddings(batch))
                batch = []
        found.extend(self._with_embeddings(batch))
        return found

    def _with_embeddings(self, rows: list[tuple[int, Document]]) -> list[Document]:
        keys = [i for i, _ in rows if i not in self._vectorless]
        vectors: dict[int, list[float]] = {}
        if keys:
            decoded = self._reconstruct(np.asarray(keys, dtype=np.int64))
            vectors = dict(zip(keys, decoded.tolist(), strict=True))
        return [Document(id=d.id, content=d.content, meta=d.meta, embedding=vectors.get(i)) for i, d in rows]

    def write_documents(self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE) -> int:
        """Add passages; a passage without an embedding is stored and filtered but never found by
        embedding retrieval. An id already stored, or twice in ``documents``, is refused with
        ``NONE``/``FAIL`` (nothing is written), kept as first written with ``SKIP``, replaced by the
        last one with ``OVERWRITE``. Returns the number of passages written."""
        if not isinstance(documents, list) or not all(isinstance(d, Document) for d in documents):
            raise ValueError("write_documents takes a list of haystack Documents")
        batch: dict[str, Document] = {}
        for doc in documents:
            if doc.embedding is not None and len(doc.embedding) != self.embedding_dim:
                raise ValueError(
                    f"passage {doc.id} has a {len(doc.embedding)}-dim embedding, the store takes {self.embedding_dim}"
                )
            if doc.id in batch and policy == DuplicatePolicy.SKIP:
                continue
            if doc.id in batch and policy != DuplicatePolicy.OVERWRITE:
                raise DuplicateDocumentError(f"passage {doc.id} is twice in the batch")
            batch[doc.id] = doc
        existing = self._db.int_ids(batch)
        if existing and policy == DuplicatePolicy.SKIP:
            batch = {pid: d for pid, d in batch.items() if pid not in existing}
        elif existing and policy != DuplicatePolicy.OVERWRITE:
            raise DuplicateDocumentError(f"passage {next(iter(existing))} is already in the store")
        fresh = list(batch.values())
        embedded = [d.embedding is not None for d in fresh]
        vectors = np.asarray([d.embedding for d in fresh if d.embedding is not None], dtype=np.float32)
        if existing:
            # the replaced passages go only once the write cannot fail for want of training vectors
            if self._index is None and len(vectors):
                check_trainable(self.faiss_factory, self.embedding_dim, len(vectors))
            self.delete_documents(list(existing))
        return self._append(fresh, vectors.reshape(-1, self.embedding_dim), embedded)

    def add_passages(
        self, passages: list[Document], vectors: np.ndarray, sentences: list[np.ndarray | None] | None = None
    ) -> int:
        """Append passages with their vectors (row i belongs to passage i); ids must be new.

        ``sentences``: per passage, the vectors of its sentences (one row each, in order; None: not
        computed), kept in float16 for the relevance step (:meth:`sentence_vectors`).

        Builds use this with numpy rows directly: a list of floats per passage costs seconds at 100k.

        :raises ValueError: a duplicate id, a wrong shape, or (IVF, first call) too few vectors to train on.
        """
        return self._append(passages, vectors, None, sentences)

    def _append(
        self,
        passages: list[Document],
        vectors: np.ndarray,
        embedded: list[bool] | None,
        sentences: list[np.ndarray | None] | None = None,
    ) -> int:
        """Append ``passages``; ``vectors`` holds a row for each passage that ``embedded`` marks (all, when None)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with_vector = len(passages) if embedded is None else sum(embedded)
        if vectors.shape != (with_vector, self.embedding_dim):
            raise ValueError(f"expected vectors of shape ({with_vector}, {self.embedding_dim}), got {vectors.shape}")
        if sentences is not None and len(sentences) != len(passages):
            raise ValueError(f"{len(sentences)} sentence vector sets for {len(passages)} passages")
        for rows in sentences or ():
            if rows is not None and (rows.ndim != 2 or rows.shape[1] != self.embedding_dim):
                raise ValueError(f"sentence vectors must have shape (n, {self.embedding_dim}), got {rows.shape}")
        seen: set[str] = set()
        for doc in passages:  # checked before anything is touched, so a refusal changes nothing
            if doc.id in seen:
                raise ValueError(f"passage {doc.id} is already in the store")
            seen.add(doc.id)
        stored = self._db.int_ids(seen)
        if stored:
            raise ValueError(f"passage {next(iter(stored))} is already in the store")
        if not passages:
            return 0
        if self._index is None and with_vector:
            self._index = train_index(self.faiss_factory, vectors)
            set_nprobe(self._index, self._nprobe)
        ids = np.arange(self._next_id, self._next_id + len(passages), dtype=np.int64)
        vector_ids = ids if embedded is None else ids[np.asarray(embedded, dtype=bool)]
        self._db = self._db.writable()
        self._db.insert(ids.tolist(), passages)
        if sentences is not None:
            self._db.insert_sentences(
                [
                    (int(i), np.ascontiguousarray(rows, dtype=np.float16).tobytes())
                    for i, rows in zip(ids, sentences, strict=True)
                    if rows is not None
                ]
            )
        if with_vector:
            self._index.add_with_ids(vectors, vector_ids)
        if embedded is not None:
            self._vectorless.update(int(i) for i, e in zip(ids, embedded, strict=True) if not e)
        self._next_id += len(passages)
        self._count += len(passages)
        return len(passages)

    def delete_documents(self, document_ids: list[str]) -> None:
        gone = list(self._db.int_ids(document_ids).values())
        if gone:
            with_vector = [i for i in gone if i not in self._vectorless]
            if with_vector:
                self._index.remove_ids(np.asarray(with_vector, dtype=np.int64))
            self._vectorless.difference_update(gone)
            self._db = self._db.writable()
            self._db.delete(gone)
            self._count -= len(gone)

    # --- search ------------------------------------------------------------------------------
    @property
    def nprobe(self) -> int:
        """Lists an IVF index scans per query (more: higher recall, slower); ignored by a flat index."""
        return self._nprobe

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        self._nprobe = int(value)
        if self._index is not None:
            set_nprobe(self._index, self._nprobe)

    def embedding_retrieval(self, query_embedding: list[float] | np.ndarray, top_k: int = 5) -> list[Document]:
        return self.embedding_retrieval_batch(np.asarray([query_embedding], dtype=np.float32), top_k)[0]

    def embedding_retrieval_batch(self, query_embeddings: np.ndarray, top_k: int = 5) -> list[list[Document]]:
        queries = as_queries(query_embeddings, self.embedding_dim)
        if top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        vectors = 0 if self._index is None else self._index.ntotal
        if not vectors:
            return [[] for _ in range(len(queries))]
        scores, ids = self._index.search(queries, min(top_k, vectors))
        found = self._db.get(i for i in ids.ravel().tolist() if i >= 0)
        results = []
        for row_scores, row_ids in zip(scores.tolist(), ids.tolist(), strict=True):
            hits = []
            for score, int_id in zip(row_scores, row_ids, strict=True):
                doc = found.get(int_id)
                if doc is not None:  # -1: an IVF search found fewer than top_k in its lists
                    hits.append(Document(id=doc.id, content=doc.content, meta=doc.meta, score=float(score)))
            results.append(hits)
        return results

    def bm25_retrieval(self, query: str, top_k: int = 5, language: str | None = None) -> list[Document]:
        """Top-k passages by BM25 score for ``query`` (in ``language``, an ISO 639-1 code, when known).

        Returns [] when the store has no BM25 index (saved before it existed) or no query word is known.
        """
        return self.bm25_retrieval_batch([query], top_k, [language])[0]

    def bm25_retrieval_batch(
        self, queries: list[str], top_k: int = 5, languages: list[str | None] | None = None
    ) -> list[list[Document]]:
        if self.bm25 is None:
            if top_k <= 0:
                raise ValueError(f"top_k must be greater than 0, got {top_k}")
            return [[] for _ in queries]
        batches = self.bm25.search_batch(queries, top_k, languages)
        int_ids = self._db.int_ids({pid for hits in batches for pid, _ in hits})
        found = self._db.get(int_ids.values())
        results = []
        for hits in batches:
            docs = []
            for passage_id, score in hits:
                int_id = int_ids.get(passage_id)
                if int_id is None:  # deleted since the BM25 index was built
                    continue
                doc = found[int_id]
                docs.append(Document(id=doc.id, content=doc.content, meta=doc.meta, score=float(score)))
            results.append(docs)
        return results

    def build_bm25(self, corpus: CorpusStats | None = None) -> BM25Index:
        """A BM25 index over the current passages, titles included; ``corpus``: the statistics of the
        whole corpus when this store is one shard of it (see :mod:`index.bm25`)."""
        ids, texts, languages = self._bm25_texts()
        return BM25Index.build(ids, texts, languages, corpus)

    def bm25_stats(self) -> CorpusStats:
        """The BM25 statistics of this store's passages, for a sharded build to merge with its other shards'."""
        _, texts, languages = self._bm25_texts()
        return CorpusStats.of(texts, languages)

    def _bm25_texts(self) -> tuple[list[str], list[str], list[str | None]]:
        ids, texts, languages = [], [], []
        for doc in self.iter_passages():
            ids.append(doc.id)
            texts.append(indexed_text(doc.content, doc.meta.get("title")))
            languages.append(doc.meta.get("language"))
        return ids, texts, languages

    def iter_passages(self) -> Iterator[Document]:
        """Every passage in insertion order, read from disk in batches (the corpus never sits in memory at once)."""
        return (doc for _, doc in self._db.iterate())

    def passage_vector(self, passage_id: str) -> np.ndarray:
        return self.passage_vectors([passage_id])[0]

    def passage_vectors(self, passage_ids: list[str]) -> np.ndarray:
        """The stored vectors of ``passage_ids``, one row each, in that order (decoded, so approximate,
        from a PQ index); a zero row for a passage written without an embedding (its cosine with anything is 0)."""
        if not passage_ids:
            return np.empty((0, self.embedding_dim), dtype=np.float32)
        int_ids = self._db.int_ids(passage_ids)
        keys = np.asarray([int_ids[p] for p in passage_ids], dtype=np.int64)
        if self._vectorless:
            out = np.zeros((len(keys), self.embedding_dim), dtype=np.float32)
            rows = [j for j, key in enumerate(keys.tolist()) if key not in self._vectorless]
            if rows:
                out[rows] = self._reconstruct(keys[rows])
            return out
        return self._reconstruct(keys)

    def _reconstruct(self, keys: np.ndarray) -> np.ndarray:
        # FAISS builds an IVF index's id table without the GIL and marks it ready first: two
        # threads (two requests) must not build it or read it half-built at once
        with self._vectors_lock:
            enable_lookup_by_id(self._index)
            return self._index.reconstruct_batch(keys)

    def existing_ids(self, passage_ids: list[str]) -> set[str]:
        """Those of ``passage_ids`` that are stored."""
        return set(self._db.int_ids(passage_ids))

    def without_vectors(self, passage_ids: list[str]) -> set[str]:
        """Those of ``passage_ids`` stored without an embedding: an update embeds them, it copies no vector."""
        if not self._vectorless:
            return set()
        return {p for p, i in self._db.int_ids(passage_ids).items() if i in self._vectorless}

    def sentence_vectors(self, passage_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of each passage's sentences (float32, a row per sentence, in order), for those of
        ``passage_ids`` that have them: none in a version built without them or before they existed."""
        int_ids = self._db.int_ids(passage_ids)
        stored = self._db.sentences(int_ids.values())
        return {
            pid: np.frombuffer(stored[i], dtype=np.float16).reshape(-1, self.embedding_dim).astype(np.float32)
            for pid, i in int_ids.items()
            if i in stored
        }

    def passage(self, passage_id: str) -> Document | None:
        int_id = self._db.int_ids([passage_id]).get(passage_id)
        return None if int_id is None else self._db.get([int_id]).get(int_id)

    def trained_index(self) -> faiss.Index | None:
        """An empty copy of this store's trained FAISS index, for a new version or shard to share
        (None while an IVF store has not been trained)."""
        if self._index is None:
            return None
        empty = faiss.clone_index(self._index)
        empty.reset()
        return empty

    # --- disk --------------------------------------------------------------------------------
    def save(self, folder: Path, manifest: Manifest, corpus: CorpusStats | None = None) -> None:
        """Write the store into ``folder`` (which the caller renames into place when done); ``corpus``:
        the BM25 statistics of the whole corpus when this store is one of its shards."""
        folder.mkdir(parents=True, exist_ok=True)
        if self._index is None:
            raise ValueError(f"an empty {self.faiss_factory} store has no trained index to save")
        faiss.write_index(self._index, str(folder / VECTORS))
        if not (isinstance(self.sources, StoredDocuments) and self.sources.db is self._db):
            self._db = self._db.writable()
            self._db.replace_documents(self.sources)
        self._db.save(folder / PASSAGES)
        started = time.perf_counter()
        self.bm25 = self.build_bm25(corpus)
        bm25_files = self.bm25.save(folder)
        log.info("BM25 index over %d passages built and saved in %.1fs", len(self.bm25), time.perf_counter() - started)
        # relative paths ("bm25/vocab.index.json"): load() checks every file the manifest lists
        manifest.checksums = {name: file_sha256(folder / name) for name in (VECTORS, PASSAGES, *bm25_files)}
        manifest.passage_count = self._count
        manifest.passages_without_vectors = len(self._vectorless)
        manifest.document_count = len(self.sources)
        manifest.faiss_factory = self.faiss_factory
        manifest.write(folder)
        self.manifest = manifest

    @classmethod
    def load(
        cls, folder: Path, expected_model: str | None = None, expected_weights: str | None = None
    ) -> FaissDocumentStore:
        """Load a saved store, checking the manifest, the checksums and the counts.

        ``folder`` is an index root (``CURRENT`` plus ``versions/``, see :mod:`index.layout`) or
        one index folder. From a root, the version CURRENT names is loaded; when it fails its
        checks, the newest older version that passes is loaded instead (logged, and listed in
        ``store.skipped``).

        :raises IndexNotFoundError: no index in ``folder``.
        :raises IndexCorruptError: a file is missing, damaged or inconsistent (the message names it).
        :raises IndexModelMismatchError: the index was built with another embedding model, or with
            other weights than ``expected_weights`` (when both sides name theirs).
        """
        folder = Path(folder)
        if layout.is_versioned(folder):
            store = cls._load_root(folder, expected_model, expected_weights)
        else:
            store = cls._load_folder(folder, expected_model, expected_weights)
        # what to_dict() names: the version served, not the root, whose CURRENT may move on
        store.folder = layout.version_dir(folder, store.version) if store.version else folder
        return store

    @classmethod
    def _load_root(cls, root: Path, expected_model: str | None, expected_weights: str | None) -> FaissDocumentStore:
        def load(version: str) -> FaissDocumentStore:
            folder = layout.version_dir(root, version)
            if not folder.is_dir():
                raise IndexCorruptError(f"version {version} ({folder}) is missing")
            return cls._load_folder(folder, expected_model, expected_weights)

        failures: list[tuple[str, Exception]] = []
        store = load_first(layout.load_order(root), load, failures)
        if store is None:
            raise no_version_served(root, failures)
        return store

    @classmethod
    def _load_folder(
        cls, folder: Path, expected_model: str | None, expected_weights: str | None = None
    ) -> FaissDocumentStore:
        manifest = read_manifest(folder, expected_model, expected_weights)
        if manifest.shards is not None:  # several store folders behind one manifest (index/sharded.py)
            from index.sharded import load_sharded

            sharded = load_sharded(folder, manifest, expected_model, expected_weights, cls.load)
            sharded.fact_checks = FactCheckIndex.load(folder, manifest)
            return sharded  # type: ignore[return-value]
        store = cls(manifest.dimension, manifest.faiss_factory)
        files = open_version(folder, manifest, store._nprobe)
        store._index = files.index
        store._db.close()
        store._db = files.db
        store.sources = StoredDocuments(store._db)
        store._count = files.passages
        store.bm25 = files.bm25
        store._next_id = store._db.max_int_id() + 1
        if store._index.ntotal < store._count:  # passages written without an embedding
            vectors = set(stored_ids(store._index).tolist())
            store._vectorless = {
                i for i in store._db.int_ids(list(store._db.iterate_ids())).values() if i not in vectors
            }
        store.manifest = manifest
        try:
            store.fact_checks = FactCheckIndex.load(folder, manifest, checked=True)  # open_version checked them
        except BaseException:
            store._db.close()
            raise
        return store
