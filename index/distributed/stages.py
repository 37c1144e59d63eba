"""What Ray runs on the workers: read and split a corpus file, embed passages.

A read task writes two records of its own beside the passages it returns, under names fixed by
its file's position, so a retried task replaces them instead of adding to them:

- ``docs/shard=k/file-N.parquet``: the file's documents (shard by document id) and its ingest errors
- ``split/shard=k/file-N.parquet``: the ids of every passage it split, by shard: what each shard
  must hold in the end, whatever happened to the blocks on their way through the actors

Rows carry plain columns (no nulls: a column that is null in one block and text in another gets
two Parquet types). Every passage keeps where it came from (file, document, passage number), so a
shard puts its passages back in corpus order whatever order Ray processed the blocks in.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from corpus.loaders import load_file
from index.manifest import content_hash
from index.sharded import passage_key

DOCS, SPLIT, EMBEDDED = "docs", "split", "embedded"
# the columns of a passage row, as split and as embedded (then with ``embedding`` and ``shard``)
PASSAGE_COLUMNS = ("passage_id", "key", "file_order", "doc_seq", "passage_n", "content", "meta")


def partition(work: Path, stage: str, shard: int) -> Path:
    return work / stage / f"shard={shard}"


def read_and_split(
    row: dict[str, Any], root: str, work: str, shards: int, sentences: int, max_chars: int
) -> list[dict[str, Any]]:
    """The passages of one corpus file (``row``: its ``path`` and ``order``), with the documents
    and split ids written under ``work`` as the module docstring says."""
    from corpus.components import SentencePassageSplitter  # haystack: only where passages are made

    order = int(row["order"])
    docs, errors = load_file(Path(row["path"]), Path(root))
    doc_rows: dict[int, list[dict[str, Any]]] = {}
    for seq, doc in enumerate(docs):
        record = {"doc_id": doc.id, "content_hash": content_hash(doc.text), "error": ""}
        record["source"] = json.dumps(dataclasses.asdict(doc), ensure_ascii=False)
        doc_rows.setdefault(passage_key(doc.id) % shards, []).append({"file_order": order, "doc_seq": seq, **record})
    for seq, err in enumerate(errors, start=len(docs)):
        message = json.dumps(dataclasses.asdict(err), ensure_ascii=False)
        record = {"doc_id": "", "content_hash": "", "error": message, "source": ""}
        doc_rows.setdefault(0, []).append({"file_order": order, "doc_seq": seq, **record})
    splitter = SentencePassageSplitter(sentences, max_chars)
    passages: list[dict[str, Any]] = []
    for seq, doc in enumerate(docs):
        for passage in splitter.run(sources=[doc])["documents"]:
            key = passage_key(passage.id)
            passages.append(
                {
                    "passage_id": passage.id,
                    "key": key,
                    "file_order": order,
                    "doc_seq": seq,
                    "passage_n": int(passage.meta["passage"]),
                    "content": passage.content or "",
                    "meta": json.dumps(passage.meta, ensure_ascii=False),
                }
            )
    ids: dict[int, list[dict[str, Any]]] = {}
    for p in passages:
        ids.setdefault(p["key"] % shards, []).append({k: p[k] for k in ("passage_id", "file_order", "doc_seq")})
    for shard, rows in doc_rows.items():
        _write_rows(partition(Path(work), DOCS, shard) / f"file-{order:06d}.parquet", rows)
    for shard, rows in ids.items():
        _write_rows(partition(Path(work), SPLIT, shard) / f"file-{order:06d}.parquet", rows)
    return passages


def _write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Replace ``path`` with ``rows`` in one step: a reader never sees half a file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    pq.write_table(pa.Table.from_pylist(rows), tmp)
    os.replace(tmp, path)


class EmbedPassages:
    """The map_batches UDF of the actor pool: the model loads once per actor, in ``__init__``.

    ``config`` is the build's :class:`index.build.BuildConfig`; its ``embedder``, when set (tests,
    benchmarks), travels to every actor pickled, otherwise each actor loads ``config.model_path``
    (a folder every node reads at the same path).
    """

    def __init__(self, config: Any, shards: int) -> None:
        import ray

        from index.embedders import document_embedder, embedding_dimension

        self.config, self.shards = config, shards
        self.embedder = config.embedder or document_embedder(
            config.model_path,
            config.passage_prefix,
            config.batch_size,
            progress_bar=False,
            embed_titles=config.embed_titles,
        )
        torch = sys.modules.get("torch")  # loaded with a model; the model-free test embedder has none
        if torch is not None:
            # as many threads as the CPUs Ray gave this actor: more would fight the other actors on the node
            torch.set_num_threads(max(1, int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1))))
        self.dimension = embedding_dimension(self.embedder)  # loads the model now, not on the first batch

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa
        from haystack import Document

        from index.embedders import embed_passages
        from index.inference import FairLock
        from index.progress import Progress

        columns = {name: batch.column(name).to_pylist() for name in PASSAGE_COLUMNS}
        passages = [
            Document(id=pid, content=text, meta=json.loads(meta))
            for pid, text, meta in zip(columns["passage_id"], columns["content"], columns["meta"], strict=True)
        ]
        vectors = embed_passages(
            self.embedder, passages, self.dimension, self.config.batch_size, FairLock(), Progress()
        )
        flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1), type=pa.float32())
        table: dict[str, Any] = dict(columns)
        table["embedding"] = pa.FixedSizeListArray.from_arrays(flat, self.dimension)
        table["shard"] = [key % self.shards for key in columns["key"]]
        return pa.table(table)
