"""Corpus ingestion: files -> documents -> sentence-aligned passages with character offsets.

``corpus/sample/`` holds the bundled reference corpus (German and English).
"""

import service  # noqa: F401  (sets the offline environment before haystack is imported)
