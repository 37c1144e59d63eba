"""Each passage's sentence vectors for a new version: copied with an unchanged passage, else embedded.

The sentences are the relevance step's windows (the same splitter on the same text), embedded as it embeds
them: the claims' model and query prefix, no title. A claim check then reads them from the index instead of
embedding its windows (``service/verify/relevance.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from haystack import Document

from corpus.sentences import split_sentences
from index.changes import Plan
from index.embedders import embed_passages, embedding_dimension
from index.progress import Progress
from index.store import FaissDocumentStore


def sentence_vectors(
    plan: Plan, base: FaissDocumentStore | None, embedder: Any, batch_size: int, lock: Any, progress: Progress
) -> tuple[list[np.ndarray | None], int]:
    """Per passage of ``plan``, its sentence vectors (a row per sentence), and how many sentences were embedded."""
    out: list[np.ndarray | None] = [None] * len(plan.passages)
    if plan.to_copy and base is not None:
        old = base.sentence_vectors([plan.reuse_from[i] for i in plan.to_copy])
        for i in plan.to_copy:
            out[i] = old.get(plan.reuse_from[i])
    todo = [i for i, rows in enumerate(out) if rows is None]
    if not todo:
        return out, 0
    dimension = embedding_dimension(embedder)
    progress.stage("embedding sentences", total=len(todo))
    embedded, step = 0, max(1, batch_size * 2)  # passages a round: progress moves, memory stays small
    for start in range(0, len(todo), step):
        chunk = todo[start : start + step]
        texts, counts = [], []
        for i in chunk:
            text = plan.passages[i].content or ""
            spans = split_sentences(text, plan.passages[i].meta.get("language"))
            texts += [Document(content=text[s:e]) for s, e in spans]
            counts.append(len(spans))
        vectors = embed_passages(embedder, texts, dimension, batch_size, lock, Progress())
        for i, rows in zip(chunk, np.split(vectors, np.cumsum(counts)[:-1]), strict=True):
            out[i] = rows
        embedded += len(texts)
        progress.advance(len(chunk))
    return out, embedded
