"""Query vectors as FAISS takes them: numpy only, so a process that never searches imports no FAISS."""

from __future__ import annotations

import numpy as np


def as_queries(query_embeddings: np.ndarray, dimension: int) -> np.ndarray:
    """Query vectors as FAISS takes them (contiguous float32, one row each); ValueError on a wrong shape."""
    queries = np.ascontiguousarray(query_embeddings, dtype=np.float32)
    if queries.ndim != 2 or queries.shape[1] != dimension:
        raise ValueError(f"query embeddings must have shape (n, {dimension}), got {queries.shape}")
    return queries
