"""What a build needs to know: the model, its prefixes, the splitting, the FAISS index, and how many
versions to keep. Apart from :mod:`index.build` so that what only reads it imports no builder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from index.manifest import ModelIdentity


@dataclass
class BuildConfig:
    """What a build needs to know: the model (its recorded name and loadable path) and the splitting."""

    model_name: str
    model_path: str
    passage_prefix: str = "passage: "
    query_prefix: str = "query: "
    batch_size: int = 32
    sentences_per_passage: int = 3
    max_chars: int = 600
    embed_titles: bool = True
    progress_bar: bool = False
    keep_versions: int = 3
    # the FAISS index of new versions: exact (IDMap2,Flat) or an IVF factory such as IVF4096,PQ48
    # None: the factory of the version an update starts from, or Flat for a new index
    faiss_factory: str | None = None
    # the weights and libraries recorded in the manifest (the service fills it in; None records nothing)
    identity: ModelIdentity | None = None
    # A ready document-embedder component to use instead of the model (tests, benchmarks).
    embedder: Any = field(default=None, repr=False)
    # each passage's sentences embedded too (with the query prefix) and kept in the version, so a claim check
    # reads its sentence windows' vectors instead of embedding them (see service/verify/relevance.py)
    sentence_vectors: bool = True
    # with ``embedder``: the component that embeds the sentences (None: a version without sentence vectors)
    sentence_embedder: Any = field(default=None, repr=False)
