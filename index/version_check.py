"""Check a freshly written version before anything switches to it.

The version is read back from disk the way the service will read it (manifest, checksums,
counts), then queried: a few of its passages are embedded again and each must find itself
first. That catches damaged files, vectors copied to the wrong passage in an incremental
update, and vectors from another model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haystack import Document

from index.errors import IndexCorruptError
from index.faiss_index import is_flat
from index.inference import FairLock
from index.store import FaissDocumentStore

# Below this, a passage embedded again is not "the same text by the same model" any more; the
# same text scores ~0.9999 (batch padding moves the last digits).
SELF_SCORE = 0.95
# Passages with identical text tie; any of them counts as the passage finding itself.
TIE = 1e-3
# An approximate index (IVF-PQ) scores a query against each passage's decoded codes, not its vector:
# the same text scores below 1 by a varying quantisation error, and another passage can edge ahead
# of it. So there the passage must be among the first APPROX_RANK hits, with no score bar. A vector
# copied to the wrong passage, or from another model, still misses that in any corpus big enough
# to need IVF.
APPROX_RANK = 10


def pick_samples(reused: list[Document], embedded: list[Document], count: int = 3) -> list[Document]:
    """Up to ``count`` passages to query: copied vectors first (they are what an update can get
    wrong), then freshly embedded ones, spread evenly over each list."""
    picks = _spread(reused, count - 1 if embedded else count)
    return picks + _spread(embedded, count - len(picks))


def _spread(docs: list[Document], count: int) -> list[Document]:
    if count <= 0 or not docs:
        return []
    if len(docs) <= count:
        return list(docs)
    step = (len(docs) - 1) / max(count - 1, 1)
    return [docs[round(i * step)] for i in range(count)]


def verify_version(
    folder: Path,
    *,
    model: str,
    passages: int,
    documents: int,
    samples: list[Document],
    embedder: Any = None,
    lock: FairLock | None = None,
) -> FaissDocumentStore:
    """The version at ``folder``, loaded and checked; :class:`IndexCorruptError` says what failed."""
    store = FaissDocumentStore.load(folder, expected_model=model)
    if store.count_documents() != passages or len(store.sources) != documents:
        raise IndexCorruptError(
            f"verification of {folder} failed: it holds {store.count_documents()} passages and "
            f"{len(store.sources)} documents, the build made {passages} and {documents}"
        )
    if samples:
        with lock or FairLock():
            # with their meta: the title is part of what was embedded
            queries = embedder.run(documents=[Document(id=d.id, content=d.content, meta=d.meta) for d in samples])[
                "documents"
            ]
        exact = is_flat(store.faiss_factory)
        for query in queries:
            hits = store.embedding_retrieval(query.embedding, top_k=5 if exact else APPROX_RANK)
            top = hits[0].score if hits else 0.0
            if exact:
                found = top >= SELF_SCORE and any(h.id == query.id and h.score >= top - TIE for h in hits)
            else:
                found = any(h.id == query.id for h in hits)
            if not found:
                best = f"{hits[0].id} at {top:.3f}" if hits else "nothing"
                raise IndexCorruptError(
                    f"verification of {folder} failed: passage {query.id}, embedded again, found {best} first"
                    + ("" if exact else f" and itself not among the first {APPROX_RANK}")
                )
    return store
