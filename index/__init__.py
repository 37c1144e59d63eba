"""Passages -> embeddings -> FAISS index on disk (store, manifest, build)."""

import service  # noqa: F401  (sets the offline environment before haystack is imported)
