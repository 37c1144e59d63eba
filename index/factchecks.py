"""Published fact-checks as a collection of an index version, beside its passages.

::

    <version>/factchecks/records.jsonl     one fact-check a line (corpus.claimreview.FactCheck), in row order
    <version>/factchecks/vectors.faiss     their claims embedded (exact inner product, row i = record i)
    <version>/factchecks/bm25/             BM25 over each claim with its title (index/bm25.py)

The manifest counts them (``fact_check_count``) and lists the files with their checksums, so a
version's load checks them as it checks the passages. A version without the folder has none.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import faiss
import numpy as np

from corpus.factcheck import FactCheck
from index.bm25 import BM25Index, BM25TokenizerMismatchError
from index.errors import IndexCorruptError
from index.manifest import Manifest

FACT_CHECKS_DIR = "factchecks"
RECORDS = f"{FACT_CHECKS_DIR}/records.jsonl"
VECTORS = f"{FACT_CHECKS_DIR}/vectors.faiss"


class FactCheckIndex:
    """Fact-checks with their claim vectors and a BM25 index, searched by rows."""

    def __init__(self, records: list[FactCheck], vectors: np.ndarray, bm25: BM25Index | None) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(records):
            raise ValueError(f"{len(records)} fact-checks need one vector each, got shape {vectors.shape}")
        self.records = records
        self.row_of = {r.id: i for i, r in enumerate(records)}
        if len(self.row_of) != len(records):
            raise ValueError("fact-check ids must be unique")
        self.dimension = vectors.shape[1]
        self._index = faiss.IndexFlatIP(self.dimension)
        if len(records):
            self._index.add(vectors)
        self.bm25 = bm25

    def __len__(self) -> int:
        return len(self.records)

    @classmethod
    def build(cls, records: list[FactCheck], vectors: np.ndarray) -> FactCheckIndex:
        bm25 = BM25Index.build([r.id for r in records], [r.text for r in records], [r.language for r in records])
        return cls(records, vectors, bm25)

    def vectors(self) -> np.ndarray:
        """Every record's vector, in row order (float32, one row each)."""
        if not len(self.records):
            return np.empty((0, self.dimension), dtype=np.float32)
        return self._index.reconstruct_n(0, len(self.records))

    def vectors_of(self, rows: list[int]) -> np.ndarray:
        """The vectors of ``rows`` (one row each)."""
        if not rows:
            return np.empty((0, self.dimension), dtype=np.float32)
        return np.vstack([self._index.reconstruct(int(r)) for r in rows])

    # --- search ------------------------------------------------------------------------------
    def dense(self, queries: np.ndarray, top_k: int) -> list[list[tuple[int, float]]]:
        """Per query vector, (row, cosine) of the ``top_k`` nearest claims."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if not len(self.records) or not len(queries):
            return [[] for _ in range(len(queries))]
        scores, rows = self._index.search(queries, min(top_k, len(self.records)))
        return [
            [(int(r), float(s)) for r, s in zip(rr, ss, strict=True) if r >= 0]
            for rr, ss in zip(rows, scores, strict=True)
        ]

    def lexical(
        self, queries: Sequence[str], top_k: int, languages: Sequence[str | None] | None = None
    ) -> list[list[tuple[int, float]]]:
        """Per query text, (row, BM25 score) of the ``top_k`` best claims that share a word with it."""
        if self.bm25 is None or not len(self.records):
            return [[] for _ in queries]
        hits = self.bm25.search_batch(list(queries), top_k, languages)
        return [[(self.row_of[i], s) for i, s in found] for found in hits]

    # --- disk --------------------------------------------------------------------------------
    def save(self, version: Path) -> dict[str, str]:
        """Write into ``version/factchecks/``; returns the files written (relative to ``version``)
        with their checksums, for the manifest."""
        from index.manifest import file_sha256

        folder = Path(version) / FACT_CHECKS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        with open(Path(version) / RECORDS, "w", encoding="utf-8") as fh:
            for record in self.records:
                fh.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
        faiss.write_index(self._index, str(Path(version) / VECTORS))
        bm25 = self.bm25 or BM25Index.build([], [], [])
        names = [RECORDS, VECTORS, *(f"{FACT_CHECKS_DIR}/{n}" for n in bm25.save(folder))]
        return {name: file_sha256(Path(version) / name) for name in names}

    @classmethod
    def load(cls, version: Path, manifest: Manifest, checked: bool = False) -> FactCheckIndex | None:
        """The version's fact-checks, or None without any. ``checked``: their files were checked against
        the manifest's checksums already (a one-folder version's load checks every file it lists).

        :raises IndexCorruptError: a file is missing, unreadable or disagrees with the others.
        """
        if manifest.fact_check_count is None:
            return None
        from index.manifest import file_sha256

        version = Path(version)
        listed = [n for n in manifest.checksums if n.startswith(FACT_CHECKS_DIR + "/")]
        for name in dict.fromkeys((RECORDS, VECTORS, *listed)):
            if not (version / name).is_file():
                raise IndexCorruptError(f"{version / name} is missing")
            # a sharded version's load checks only its shards' files: these are checked here
            expected = None if checked else manifest.checksums.get(name)
            if expected and file_sha256(version / name) != expected:
                raise IndexCorruptError(
                    f"{version / name} is damaged (checksum mismatch); import the fact-checks again"
                )
        records: list[FactCheck] = []
        number = 0
        try:
            with open(version / RECORDS, encoding="utf-8") as fh:
                for number, line in enumerate(fh, start=1):  # noqa: B007 (named in the error below)
                    records.append(FactCheck.from_dict(json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise IndexCorruptError(f"{version / RECORDS} is damaged near line {number}: {exc}") from exc
        try:
            index = faiss.read_index(str(version / VECTORS))
        except RuntimeError as exc:
            raise IndexCorruptError(f"{version / VECTORS} cannot be read: {str(exc).splitlines()[0]}") from exc
        if len(records) != manifest.fact_check_count or index.ntotal != len(records) or index.d != manifest.dimension:
            raise IndexCorruptError(
                f"{version / 'factchecks'} is inconsistent: the manifest counts {manifest.fact_check_count} "
                f"fact-checks, the files hold {len(records)} records and {index.ntotal} vectors of dimension {index.d}"
            )
        try:
            bm25: BM25Index | None = BM25Index.load(version / FACT_CHECKS_DIR)
        except BM25TokenizerMismatchError:
            bm25 = None  # dense matching still works; the next import rebuilds it
        if bm25 is not None and bm25.ids != [r.id for r in records]:
            raise IndexCorruptError(f"{version / FACT_CHECKS_DIR / 'bm25'} does not index the records of {RECORDS}")
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.empty((0, index.d), np.float32)
        return cls(records, vectors, bm25)
