"""One shard of a distributed build: its Parquet rows -> an ordinary store folder.

The embedded rows may hold a passage twice: Ray retries a block whose worker died, and the
retried write lands beside whatever the first attempt wrote. Rows are deduplicated by passage id
(a duplicate must carry the same text), and the ids left must be exactly the ids the split wrote
for this shard: one missing or extra passage fails the build instead of publishing a partial index.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from corpus.documents import SourceDocument
from index.bm25 import CorpusStats, indexed_text
from index.changes import source_record
from index.distributed.stages import DOCS, EMBEDDED, PASSAGE_COLUMNS, SPLIT, partition
from index.errors import IndexCorruptError
from index.faiss_index import FLAT, is_flat
from index.manifest import Manifest
from index.sharded import shard_name

log = logging.getLogger(__name__)


@dataclass
class ShardResult:
    shard: int
    passages: int
    documents: int
    duplicates: int  # passage rows written more than once (retried blocks), dropped
    samples: list[dict[str, Any]] = field(default_factory=list)  # passages for the verification queries


def _read(folder: Path, columns: list[str] | None = None, skip_unreadable: bool = False, filters: Any = None) -> Any:
    """Every Parquet file in ``folder`` (one Hive partition) as one table; None when there is none.

    ``skip_unreadable`` for Ray's own output only: our files are replaced in one step, never half
    written. ``filters``: a row filter in ``pyarrow.parquet.read_table``'s form.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for path in sorted(folder.glob("*.parquet")) if folder.is_dir() else []:
        try:
            tables.append(pq.read_table(path, columns=columns, filters=filters))
        except (OSError, pa.ArrowInvalid) as exc:
            if not skip_unreadable:
                raise IndexCorruptError(f"{path} cannot be read: {exc}") from exc
            # half written by a worker that died: its block was retried into another file, and the
            # id check below still demands every passage
            log.warning("skipped %s: %s", path, exc)
    return pa.concat_tables(tables) if tables else None


def _columns(table: Any, names: tuple[str, ...]) -> dict[str, list[Any]]:
    if table is None:
        return {name: [] for name in names}
    return {name: table.column(name).to_pylist() for name in names}


def _kept_rows(
    work: Path, shard: int, shards: int, dropped: frozenset[tuple[int, int]], columns: list[str] | None = None
) -> tuple[Any, dict[str, list[Any]], dict[str, int]]:
    """This shard's embedded rows (the table, its columns) and the row of each passage kept, by id:
    retried rows and losing duplicates left out, and exactly the passages the split wrote for it."""
    table = _read(partition(work, EMBEDDED, shard), columns, skip_unreadable=True)
    rows = _columns(table, PASSAGE_COLUMNS)
    order = sorted(
        range(len(rows["passage_id"])),
        key=lambda i: (rows["file_order"][i], rows["doc_seq"][i], rows["passage_n"][i], rows["passage_id"][i]),
    )
    kept: dict[str, int] = {}
    for i in order:
        pid = rows["passage_id"][i]
        if (rows["file_order"][i], rows["doc_seq"][i]) in dropped:
            continue
        if pid in kept:
            if rows["content"][kept[pid]] != rows["content"][i]:
                raise IndexCorruptError(f"shard {shard}: passage {pid} was written twice with different texts")
            continue
        if rows["key"][i] % shards != shard:
            raise IndexCorruptError(f"shard {shard}: passage {pid} belongs to shard {rows['key'][i] % shards}")
        kept[pid] = i
    split = _columns(_read(partition(work, SPLIT, shard)), ("passage_id", "file_order", "doc_seq"))
    expected = {
        pid
        for pid, file_order, doc_seq in zip(split["passage_id"], split["file_order"], split["doc_seq"], strict=True)
        if (file_order, doc_seq) not in dropped
    }
    if set(kept) != expected:
        missing, extra = sorted(expected - set(kept)), sorted(set(kept) - expected)
        raise IndexCorruptError(
            f"shard {shard} does not hold what was split: {len(missing)} passages missing "
            f"{missing[:3]}, {len(extra)} unexpected {extra[:3]}"
        )
    return table, rows, kept


def shard_stats(work: Path, shard: int, shards: int, dropped: frozenset[tuple[int, int]]) -> CorpusStats:
    """The BM25 statistics of this shard's passages (the first pass: merged over every shard, they
    weigh each shard's BM25 as one index over the corpus)."""
    _, rows, kept = _kept_rows(work, shard, shards, dropped, list(PASSAGE_COLUMNS))
    metas = [json.loads(rows["meta"][i]) for i in kept.values()]
    return CorpusStats.of(
        [indexed_text(rows["content"][i], m.get("title")) for i, m in zip(kept.values(), metas, strict=True)],
        [m.get("language") for m in metas],
    )


def build_shard(
    work: Path,
    shard: int,
    shards: int,
    out: Path,
    manifest: dict[str, Any],
    dropped: frozenset[tuple[int, int]],
    factory: str = FLAT,
    trained: Any = None,
    corpus: CorpusStats | None = None,
) -> ShardResult:
    """Write shard ``shard`` of ``shards`` from the Parquet under ``work`` into ``out``/shard-k.

    ``manifest`` holds the fields the shard's manifest shares with the version's; ``dropped`` the
    (file, document) positions of documents that lost to an earlier one with the same id.
    ``trained``: for an IVF ``factory``, the empty index trained once for every shard (see
    :func:`sample_vectors`); the shard adds its vectors to it, so all shards share its quantisers.
    ``corpus``: every shard's BM25 statistics merged (:func:`shard_stats`), so this shard's BM25 scores
    as one index over the corpus.
    """
    from index.store import FaissDocumentStore

    table, rows, kept = _kept_rows(work, shard, shards, dropped)
    picked = list(kept.values())
    dimension = manifest["dimension"]
    vectors = np.empty((0, dimension), dtype=np.float32)
    if table is not None:
        column = table.column("embedding").combine_chunks()
        if column.type.list_size != dimension:
            raise IndexCorruptError(
                f"shard {shard}: vectors of dimension {column.type.list_size}, expected {dimension}"
            )
        flat = column.values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        vectors = flat.reshape(len(column), dimension)[picked]
    from haystack import Document

    passages = [
        Document(id=rows["passage_id"][i], content=rows["content"][i], meta=json.loads(rows["meta"][i])) for i in picked
    ]
    if trained is None and not is_flat(factory):
        raise ValueError(f"shard {shard}: an IVF index ({factory}) needs the index trained for every shard")
    store = FaissDocumentStore(dimension, factory, trained_index=trained)
    store.add_passages(passages, vectors)
    store.sources = _documents(work, shard, dropped)
    folder = out / shard_name(shard)
    shutil.rmtree(folder, ignore_errors=True)  # what an earlier attempt of this task left
    store.save(folder, Manifest(**manifest, passage_count=len(passages), document_count=len(store.sources)), corpus)
    for path in folder.rglob("*"):  # on disk before the driver renames the version into place
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    samples = [passages[j] for j in sorted({0, len(passages) // 2, len(passages) - 1}) if passages]
    return ShardResult(
        shard,
        len(passages),
        len(store.sources),
        len(rows["passage_id"]) - len(kept),
        [{"id": d.id, "content": d.content, "meta": d.meta} for d in samples],
    )


def _documents(work: Path, shard: int, dropped: frozenset[tuple[int, int]]) -> dict[str, dict[str, Any]]:
    """This shard's documents.jsonl records, in corpus order, retried rows and losing duplicates left out."""
    rows = _columns(_read(partition(work, DOCS, shard)), ("file_order", "doc_seq", "doc_id", "source", "error"))
    order = sorted(range(len(rows["doc_id"])), key=lambda i: (rows["file_order"][i], rows["doc_seq"][i]))
    sources: dict[str, dict[str, Any]] = {}
    for i in order:
        if rows["error"][i] or (rows["file_order"][i], rows["doc_seq"][i]) in dropped:
            continue
        sources.setdefault(rows["doc_id"][i], source_record(SourceDocument(**json.loads(rows["source"][i]))))
    return sources


def sample_vectors(
    work: Path, shards: int, size: int, dimension: int, dropped: frozenset[tuple[int, int]]
) -> np.ndarray:
    """A deterministic training sample of the embedded vectors of every shard: those of the ``size``
    passages with the smallest 63-bit keys (a hash, so an even draw over the corpus), in key order.

    The same corpus gives the same sample whatever order Ray wrote the rows in; rows a retried block
    wrote twice count once. Only the keys are read for every passage, the vectors only for the sample.
    """
    keys: set[int] = set()
    for shard in range(shards):
        rows = _columns(
            _read(partition(work, EMBEDDED, shard), ["key", "file_order", "doc_seq"], skip_unreadable=True),
            ("key", "file_order", "doc_seq"),
        )
        keys.update(
            k for k, f, d in zip(rows["key"], rows["file_order"], rows["doc_seq"], strict=True) if (f, d) not in dropped
        )
    if not keys or size < 1:
        return np.empty((0, dimension), dtype=np.float32)
    ordered = sorted(keys)
    cut = ordered[min(size, len(ordered)) - 1]
    picked: dict[int, np.ndarray] = {}
    for shard in range(shards):
        table = _read(
            partition(work, EMBEDDED, shard),
            ["key", "file_order", "doc_seq", "embedding"],
            skip_unreadable=True,
            filters=[("key", "<=", cut)],
        )
        if table is None or not table.num_rows:
            continue
        column = table.column("embedding").combine_chunks()
        if column.type.list_size != dimension:
            raise IndexCorruptError(
                f"shard {shard}: vectors of dimension {column.type.list_size}, expected {dimension}"
            )
        vectors = column.values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False).reshape(-1, dimension)
        rows = _columns(table, ("key", "file_order", "doc_seq"))
        for i, (key, file_order, doc_seq) in enumerate(
            zip(rows["key"], rows["file_order"], rows["doc_seq"], strict=True)
        ):
            if (file_order, doc_seq) not in dropped:
                picked.setdefault(key, vectors[i])
    return np.vstack([picked[k] for k in sorted(picked)]).astype(np.float32, copy=False)
