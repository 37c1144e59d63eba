"""FAISS document store: passages, their vectors and their source documents, saved as one folder.

FAISS holds the vectors under sequential int64 ids (an ``IDMap2`` over a flat inner-product
index: exact search, removable ids); a map keeps each int id's passage. Inner product equals
cosine similarity because the embedder normalises its vectors.

Beside it, a lexical BM25 index (:mod:`index.bm25`, files under ``bm25/``) is rebuilt from all
passages by every :meth:`FaissDocumentStore.save`; indexes saved before it existed load without one.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from haystack import Document, default_from_dict, default_to_dict
from haystack.document_stores.types import DuplicatePolicy
from haystack.utils.filters import document_matches_filter

from index import layout
from index.bm25 import BM25_DIR, BM25Index, BM25TokenizerMismatchError
from index.errors import IndexCorruptError, IndexModelMismatchError, IndexNotFoundError
from index.manifest import MANIFEST, Manifest, ModelIdentity, file_sha256

VECTORS, PASSAGES, DOCUMENTS = "vectors.faiss", "passages.jsonl", "documents.jsonl"
log = logging.getLogger(__name__)


class FaissDocumentStore:
    """A Haystack document store over an in-memory FAISS index that saves to and loads from a folder."""

    def __init__(self, embedding_dim: int) -> None:
        self.embedding_dim = embedding_dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(embedding_dim))
        self._passages: dict[int, Document] = {}
        self._int_ids: dict[str, int] = {}
        self._next_id = 0
        # source documents by id: title, url, language, text, content hash (for citations and updates)
        self.sources: dict[str, dict[str, Any]] = {}
        self.manifest: Manifest | None = None
        # set by load() on a versioned root: the version loaded, and newer ones refused on the way
        self.version: str | None = None
        self.skipped: list[tuple[str, str]] = []
        # lexical index of the passages as of the last save()/load(); None for indexes saved
        # before BM25 existed. Passages written since are not in it, deleted ones are skipped.
        self.bm25: BM25Index | None = None

    # --- Haystack DocumentStore protocol ---------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return default_to_dict(self, embedding_dim=self.embedding_dim)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaissDocumentStore:
        return default_from_dict(cls, data)

    def count_documents(self) -> int:
        return len(self._passages)

    def filter_documents(self, filters: dict[str, Any] | None = None) -> list[Document]:
        docs = list(self._passages.values())
        return [d for d in docs if document_matches_filter(filters, d)] if filters else docs

    def write_documents(self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.NONE) -> int:
        """Add passages that carry embeddings; an existing id is replaced with OVERWRITE, skipped with SKIP."""
        fresh: list[Document] = []
        for doc in documents:
            if doc.embedding is None:
                raise ValueError(f"passage {doc.id} has no embedding; run an embedder before writing")
            if len(doc.embedding) != self.embedding_dim:
                raise ValueError(
                    f"passage {doc.id} has a {len(doc.embedding)}-dim embedding, the store takes {self.embedding_dim}"
                )
            if doc.id in self._int_ids:
                if policy == DuplicatePolicy.SKIP:
                    continue
                if policy != DuplicatePolicy.OVERWRITE:
                    from haystack.document_stores.errors import DuplicateDocumentError

                    raise DuplicateDocumentError(f"passage {doc.id} is already in the store")
                self.delete_documents([doc.id])
            fresh.append(doc)
        if not fresh:
            return 0
        return self.add_passages(fresh, np.asarray([d.embedding for d in fresh], dtype=np.float32))

    def add_passages(self, passages: list[Document], vectors: np.ndarray) -> int:
        """Append passages with their vectors (row i belongs to passage i); ids must be new.

        Builds use this with numpy rows directly: a list of floats per passage costs seconds at 100k.
        """
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.shape != (len(passages), self.embedding_dim):
            raise ValueError(f"expected vectors of shape ({len(passages)}, {self.embedding_dim}), got {vectors.shape}")
        seen: set[str] = set()
        for doc in passages:  # checked before FAISS is touched, so a refusal changes nothing
            if doc.id in seen or doc.id in self._int_ids:
                raise ValueError(f"passage {doc.id} is already in the store")
            seen.add(doc.id)
        ids = np.arange(self._next_id, self._next_id + len(passages), dtype=np.int64)
        if len(passages):
            self._index.add_with_ids(vectors, ids)
        for int_id, doc in zip(ids.tolist(), passages, strict=True):
            self._passages[int_id] = Document(id=doc.id, content=doc.content, meta=dict(doc.meta))
            self._int_ids[doc.id] = int_id
        self._next_id += len(passages)
        return len(passages)

    def delete_documents(self, document_ids: list[str]) -> None:
        gone = [self._int_ids.pop(i) for i in document_ids if i in self._int_ids]
        if gone:
            self._index.remove_ids(np.asarray(gone, dtype=np.int64))
            for int_id in gone:
                del self._passages[int_id]

    # --- search ------------------------------------------------------------------------------
    def embedding_retrieval(self, query_embedding: list[float] | np.ndarray, top_k: int = 5) -> list[Document]:
        return self.embedding_retrieval_batch(np.asarray([query_embedding], dtype=np.float32), top_k)[0]

    def embedding_retrieval_batch(self, query_embeddings: np.ndarray, top_k: int = 5) -> list[list[Document]]:
        queries = np.ascontiguousarray(query_embeddings, dtype=np.float32)
        if queries.ndim != 2 or queries.shape[1] != self.embedding_dim:
            raise ValueError(f"query embeddings must have shape (n, {self.embedding_dim}), got {queries.shape}")
        if not self._passages:
            return [[] for _ in range(len(queries))]
        scores, ids = self._index.search(queries, min(top_k, len(self._passages)))
        results = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            hits = []
            for score, int_id in zip(row_scores.tolist(), row_ids.tolist(), strict=True):
                if int_id < 0:
                    continue
                doc = self._passages[int_id]
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
        results = []
        for hits in self.bm25.search_batch(queries, top_k, languages):
            docs = []
            for passage_id, score in hits:
                int_id = self._int_ids.get(passage_id)
                if int_id is None:  # deleted since the BM25 index was built
                    continue
                doc = self._passages[int_id]
                docs.append(Document(id=doc.id, content=doc.content, meta=dict(doc.meta), score=float(score)))
            results.append(docs)
        return results

    def build_bm25(self) -> BM25Index:
        """A BM25 index over the current passages, titles included (a title often names what its
        passages are about without the passages repeating it)."""
        ids, texts, languages = [], [], []
        for doc in self._passages.values():
            title = doc.meta.get("title")
            ids.append(doc.id)
            texts.append(f"{title} {doc.content or ''}" if title else doc.content or "")
            languages.append(doc.meta.get("language"))
        return BM25Index.build(ids, texts, languages)

    def passage_vector(self, passage_id: str) -> np.ndarray:
        return self._index.reconstruct(self._int_ids[passage_id])

    def passage_vectors(self, passage_ids: list[str]) -> np.ndarray:
        """The stored vectors of ``passage_ids``, one row each, in that order."""
        if not passage_ids:
            return np.empty((0, self.embedding_dim), dtype=np.float32)
        keys = np.asarray([self._int_ids[p] for p in passage_ids], dtype=np.int64)
        return self._index.reconstruct_batch(keys)

    def passage(self, passage_id: str) -> Document | None:
        int_id = self._int_ids.get(passage_id)
        return None if int_id is None else self._passages[int_id]

    # --- disk --------------------------------------------------------------------------------
    def save(self, folder: Path, manifest: Manifest) -> None:
        """Write the store into ``folder`` (which the caller renames into place when done)."""
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / VECTORS))
        with open(folder / PASSAGES, "w", encoding="utf-8") as fh:
            for int_id, doc in self._passages.items():
                fh.write(
                    json.dumps(
                        {"int_id": int_id, "id": doc.id, "content": doc.content, "meta": doc.meta}, ensure_ascii=False
                    )
                    + "\n"
                )
        with open(folder / DOCUMENTS, "w", encoding="utf-8") as fh:
            for doc_id, source in self.sources.items():
                fh.write(json.dumps({"id": doc_id, **source}, ensure_ascii=False) + "\n")
        started = time.perf_counter()
        self.bm25 = self.build_bm25()
        bm25_files = self.bm25.save(folder)
        log.info("BM25 index over %d passages built and saved in %.1fs", len(self.bm25), time.perf_counter() - started)
        # relative paths ("bm25/vocab.index.json"): load() checks every file the manifest lists
        manifest.checksums = {name: file_sha256(folder / name) for name in (VECTORS, PASSAGES, DOCUMENTS, *bm25_files)}
        manifest.passage_count = len(self._passages)
        manifest.document_count = len(self.sources)
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
            return cls._load_root(folder, expected_model, expected_weights)
        return cls._load_folder(folder, expected_model, expected_weights)

    @classmethod
    def _load_root(cls, root: Path, expected_model: str | None, expected_weights: str | None) -> FaissDocumentStore:
        failures: list[tuple[str, Exception]] = []
        for version in layout.load_order(root):
            folder = layout.version_dir(root, version)
            try:
                if not folder.is_dir():
                    raise IndexCorruptError(f"version {version} ({folder}) is missing")
                store = cls._load_folder(folder, expected_model, expected_weights)
            except (IndexCorruptError, IndexNotFoundError, IndexModelMismatchError) as exc:
                log.warning("index version %s refused: %s", version, exc)
                failures.append((version, exc))
                continue
            if failures:
                log.warning("serving index version %s instead of %s", version, failures[0][0])
            store.version = version
            store.skipped = [(v, str(e)) for v, e in failures]
            return store
        if not failures:
            raise IndexNotFoundError(f"no index at {root} (build one with: factcheck index build --index-dir {root})")
        first = failures[0][1]
        if len(failures) > 1:
            raise type(first)(f"{first} (and no older version passes its checks)") from first
        raise first

    @classmethod
    def _load_folder(
        cls, folder: Path, expected_model: str | None, expected_weights: str | None = None
    ) -> FaissDocumentStore:
        if not folder.is_dir() or not (folder / MANIFEST).exists():
            raise IndexNotFoundError(
                f"no index at {folder} (build one with: factcheck index build --index-dir {folder})"
            )
        manifest = Manifest.read(folder)
        if expected_model is not None and manifest.embedding_model != expected_model:
            raise IndexModelMismatchError(
                f"the index at {folder} was built with embedding model {manifest.embedding_model!r}, "
                f"but the configured model is {expected_model!r}; rebuild the index or set "
                f"FACTCHECK_EMBEDDING_MODEL={manifest.embedding_model}"
            )
        recorded = manifest.models
        if recorded and recorded.embedding_differs(ModelIdentity(embedding_weights=expected_weights)):
            raise IndexModelMismatchError(
                f"the index at {folder} was built with other weights of {manifest.embedding_model!r} "
                f"(sha256 {recorded.embedding_weights[:12]}, from {recorded.embedding_source}) than the installed "
                f"ones (sha256 {(expected_weights or '')[:12]}); its vectors no longer match the claims': "
                "rebuild the index (factcheck index build --corpus PATH)"
            )
        for name in dict.fromkeys((VECTORS, PASSAGES, DOCUMENTS, *manifest.checksums)):
            path = folder / name
            if not path.resolve().is_relative_to(folder.resolve()):
                raise IndexCorruptError(f"{folder / MANIFEST} lists a file outside the index: {name}")
            if not path.is_file():
                raise IndexCorruptError(f"{path} is missing")
            expected = manifest.checksums.get(name)
            if expected and file_sha256(path) != expected:
                raise IndexCorruptError(f"{path} is damaged (checksum mismatch); rebuild the index")
        store = cls(manifest.dimension)
        try:
            store._index = faiss.read_index(str(folder / VECTORS))
        except RuntimeError as exc:
            raise IndexCorruptError(f"{folder / VECTORS} cannot be read: {str(exc).splitlines()[0]}") from exc
        number = 0
        try:
            with open(folder / PASSAGES, encoding="utf-8") as fh:
                for number, line in enumerate(fh, start=1):  # noqa: B007 (named in the error below)
                    rec = json.loads(line)
                    store._passages[rec["int_id"]] = Document(id=rec["id"], content=rec["content"], meta=rec["meta"])
                    store._int_ids[rec["id"]] = rec["int_id"]
            with open(folder / DOCUMENTS, encoding="utf-8") as fh:
                for number, line in enumerate(fh, start=1):  # noqa: B007 (named in the error below)
                    rec = json.loads(line)
                    store.sources[rec.pop("id")] = rec
        except (ValueError, KeyError) as exc:
            raise IndexCorruptError(f"{fh.name} is damaged near line {number}: {exc}") from exc
        if store._index.ntotal != len(store._passages) or store._index.d != manifest.dimension:
            raise IndexCorruptError(
                f"{folder} is inconsistent: {store._index.ntotal} vectors of dimension {store._index.d} "
                f"for {len(store._passages)} passages of dimension {manifest.dimension}"
            )
        if manifest.passage_count != len(store._passages) or manifest.document_count != len(store.sources):
            raise IndexCorruptError(
                f"{folder} is inconsistent: the manifest counts {manifest.passage_count} passages and "
                f"{manifest.document_count} documents, the files hold {len(store._passages)} and {len(store.sources)}"
            )
        if any(name.startswith(BM25_DIR + "/") for name in manifest.checksums):
            store.bm25 = cls._load_bm25(folder, store)
        store._next_id = max(store._passages, default=-1) + 1
        store.manifest = manifest
        return store

    @staticmethod
    def _load_bm25(folder: Path, store: FaissDocumentStore) -> BM25Index | None:
        try:
            bm25 = BM25Index.load(folder)
        except BM25TokenizerMismatchError as exc:
            # dense search still works; refusing the whole version would take the service down
            # after an upgrade until someone rebuilds
            log.warning("BM25 index not used: %s", exc)
            return None
        if len(bm25.ids) != len(store._passages) or any(i not in store._int_ids for i in bm25.ids):
            raise IndexCorruptError(
                f"{folder / BM25_DIR} is inconsistent: it indexes {len(bm25.ids)} passages that do not match "
                f"the {len(store._passages)} of {folder / PASSAGES}"
            )
        return bm25
