"""What a new version needs: its documents compared with the base version's, passage by passage.

Documents are compared by id and content hash (added, changed, removed, unchanged). A passage
keeps its stored vector when the base holds a passage with the same id and the same text, built
with the same model, passage prefix and title (embedded with the text when the manifest says so):
an embedding depends on nothing else. So the passages of
unchanged documents are never embedded again, and neither are the untouched passages of a long
document where one paragraph changed. Everything else is embedded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from haystack import Document

from corpus.components import SentencePassageSplitter
from corpus.documents import SourceDocument
from index.faiss_index import exact_vectors, normalise_factory
from index.manifest import ModelIdentity, content_hash
from index.store import FaissDocumentStore


@dataclass
class Plan:
    """The passages of the new version, in order, and where each one's vector comes from."""

    passages: list[Document] = field(default_factory=list)
    reuse_from: list[str | None] = field(default_factory=list)  # base passage id to copy, or None: embed
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)  # documents.jsonl records by id
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def to_embed(self) -> list[int]:
        return [i for i, src in enumerate(self.reuse_from) if src is None]

    @property
    def to_copy(self) -> list[int]:
        return [i for i, src in enumerate(self.reuse_from) if src is not None]


def source_record(src: SourceDocument) -> dict[str, Any]:
    """What documents.jsonl keeps of a document: its metadata, text and content hash."""
    meta = {k: v for k, v in src.meta().items() if k != "doc_id"}
    return {**meta, "text": src.text, "content_hash": content_hash(src.text)}


def stored_documents(store: FaissDocumentStore) -> list[SourceDocument]:
    """The documents kept in a version, as ingestion gives them (to rebuild or edit without a corpus)."""
    docs = []
    for doc_id, rec in store.sources.items():
        fields = {k: rec.get(k) for k in ("title", "url", "language", "published", "source", "path")}
        docs.append(SourceDocument(id=doc_id, text=rec["text"], **fields))
    return docs


def vectors_reusable(
    base: FaissDocumentStore | None,
    model: str,
    passage_prefix: str,
    embed_titles: bool = False,
    identity: ModelIdentity | None = None,
    faiss_factory: str | None = None,
) -> bool:
    """Whether ``base``'s stored vectors can stand for new embeddings. A PQ index gives back decoded
    approximations: they are reused only under the same factory (which keeps its quantisers, see
    index.build), never copied into an exact index or a differently quantised one."""
    m = base.manifest if base else None
    return bool(
        m
        and m.embedding_model == model
        and m.passage_prefix == passage_prefix
        and m.embed_titles == embed_titles
        and not (m.models and m.models.embedding_differs(identity))
        and (
            faiss_factory is None
            or exact_vectors(m.faiss_factory)
            or normalise_factory(m.faiss_factory) == normalise_factory(faiss_factory)
        )
    )


def plan_version(
    sources: list[SourceDocument],
    base: FaissDocumentStore | None,
    splitter: SentencePassageSplitter,
    reuse_vectors: bool,
    embed_titles: bool = False,
) -> Plan:
    """Compare ``sources`` with ``base`` (None: nothing to compare with) and decide every passage's vector.

    Every document is split again (cheap next to embedding), so a change in the splitting rules or
    settings reaches unchanged documents too; their passages that come out the same keep their vectors.
    """
    plan = Plan()
    old = base.sources if base else {}
    for src in sources:
        record = source_record(src)
        plan.sources[src.id] = record
        previous = old.get(src.id)
        if previous is None:
            plan.added.append(src.id)
        elif previous.get("content_hash") != record["content_hash"]:
            plan.changed.append(src.id)
        else:
            plan.unchanged.append(src.id)
        for doc in splitter.run(sources=[src])["documents"]:
            kept = base.passage(doc.id) if base is not None and reuse_vectors else None
            plan.passages.append(doc)
            same = kept is not None and kept.content == doc.content and not base.without_vectors([doc.id])
            if same and embed_titles:  # the title is part of what was embedded
                same = kept.meta.get("title") == doc.meta.get("title")
            plan.reuse_from.append(doc.id if same else None)
    plan.removed = [doc_id for doc_id in old if doc_id not in plan.sources]
    return plan


def is_noop(plan: Plan, base: FaissDocumentStore | None) -> bool:
    """True when the new version would hold exactly what ``base`` holds."""
    if base is None or plan.added or plan.changed or plan.removed or plan.to_embed:
        return False
    if plan.sources != base.sources or len(plan.passages) != base.count_documents():
        return False
    return all(
        (old := base.passage(doc.id)) is not None and old.content == doc.content and old.meta == doc.meta
        for doc in plan.passages
    )
