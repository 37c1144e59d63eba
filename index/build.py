"""Build an index: corpus -> passages -> embeddings -> FAISS folder, swapped into place atomically."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from haystack import Pipeline
from haystack.components.writers import DocumentWriter
from haystack.document_stores.types import DuplicatePolicy

from corpus.components import CorpusConverter, SentencePassageSplitter
from corpus.documents import IngestError
from index.embedders import document_embedder
from index.manifest import Manifest, content_hash, corpus_fingerprint
from index.store import FaissDocumentStore

log = logging.getLogger(__name__)


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
    progress_bar: bool = False


@dataclass
class BuildReport:
    index_dir: Path
    documents: int
    passages: int
    seconds: float
    errors: list[IngestError] = field(default_factory=list)


def embedding_dimension(embedder) -> int:
    embedder.warm_up()
    return int(embedder.embedding_backend.model.get_embedding_dimension())


def build_index(corpus: Path, index_dir: Path, config: BuildConfig) -> BuildReport:
    """Build a fresh index of ``corpus`` and put it at ``index_dir``.

    The new index is written to a temporary sibling folder and renamed into place only
    when it is complete, so a failed build leaves any existing index untouched.

    :raises ValueError: when the corpus yields no document at all.
    """
    started = time.perf_counter()
    embedder = document_embedder(config.model_path, config.passage_prefix, config.batch_size, config.progress_bar)
    store = FaissDocumentStore(embedding_dimension(embedder))
    pipe = Pipeline()
    pipe.add_component("converter", CorpusConverter())
    pipe.add_component("splitter", SentencePassageSplitter(config.sentences_per_passage, config.max_chars))
    pipe.add_component("embedder", embedder)
    pipe.add_component("writer", DocumentWriter(store, policy=DuplicatePolicy.OVERWRITE))
    pipe.connect("converter.sources", "splitter.sources")
    pipe.connect("splitter.documents", "embedder.documents")
    pipe.connect("embedder.documents", "writer.documents")
    result = pipe.run({"converter": {"path": Path(corpus)}}, include_outputs_from={"converter"})
    sources, errors = result["converter"]["sources"], result["converter"]["errors"]
    if not sources:
        reasons = "; ".join(str(e) for e in errors[:3]) or "no documents"
        raise ValueError(f"nothing to index in {corpus}: {reasons}")
    for src in sources:
        store.sources[src.id] = {
            **{k: v for k, v in src.meta().items() if k != "doc_id"},
            "text": src.text,
            "content_hash": content_hash(src.text),
        }
    manifest = Manifest(
        embedding_model=config.model_name,
        dimension=store.embedding_dim,
        query_prefix=config.query_prefix,
        passage_prefix=config.passage_prefix,
        passage_count=store.count_documents(),
        document_count=len(sources),
        corpus_fingerprint=corpus_fingerprint({k: v["content_hash"] for k, v in store.sources.items()}),
        build_seconds=round(time.perf_counter() - started, 2),
    )
    install_index(store, manifest, Path(index_dir))
    return BuildReport(Path(index_dir), len(sources), store.count_documents(), manifest.build_seconds or 0.0, errors)


def install_index(store: FaissDocumentStore, manifest: Manifest, index_dir: Path) -> None:
    """Save ``store`` beside ``index_dir`` and rename it into place; the old index goes last."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.new-", dir=index_dir.parent))
    try:
        store.save(tmp, manifest)
        os.chmod(tmp, 0o755)
        old = None
        if index_dir.exists():
            old = index_dir.with_name(f".{index_dir.name}.old-{os.getpid()}-{time.time_ns()}")
            os.replace(index_dir, old)
        os.replace(tmp, index_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
