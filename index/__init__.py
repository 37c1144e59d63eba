"""Passages -> embeddings -> FAISS index on disk (store, manifest, build)."""

import factcheck_env  # noqa: F401  (the offline environment, before haystack is imported)
