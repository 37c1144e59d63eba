"""Corpus ingestion: files -> documents -> sentence-aligned passages with character offsets.

``corpus/sample/`` holds the bundled reference corpus (German and English).
"""

import factcheck_env  # noqa: F401  (the offline environment, before haystack is imported)
