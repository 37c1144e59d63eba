"""Build and update the index: documents -> passages -> embeddings -> a new version, verified, then switched to.

Every build, full or incremental, writes a new version folder next to the current one under the
index root's build lock, reads it back and queries it, and only then renames it into place and
points CURRENT at it (see :mod:`index.layout`). Older versions beyond ``keep_versions`` are pruned.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import faiss
import numpy as np

from corpus.components import CorpusConverter, SentencePassageSplitter
from corpus.documents import IngestError, SourceDocument
from index import layout
from index.bm25 import BM25_DIR
from index.build_config import BuildConfig
from index.changes import Plan, is_noop, plan_version, stored_documents, vectors_reusable
from index.embedders import document_embedder, embed_passages, embedding_dimension
from index.errors import DocumentNotFoundError, IndexCorruptError, IndexError_, IndexNotFoundError
from index.factcheck_vectors import carry_fact_checks
from index.faiss_index import FLAT, check_trainable, is_flat, normalise_factory
from index.inference import model_lock
from index.lock import BuildLock, build_lock
from index.manifest import MANIFEST, Manifest, corpus_fingerprint
from index.progress import BarProgress, Progress
from index.sentence_vectors import sentence_vectors
from index.store import PASSAGES, VECTORS, FaissDocumentStore
from index.version_check import pick_samples, verify_version

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    index_dir: Path
    documents: int
    passages: int
    seconds: float
    errors: list[IngestError] = field(default_factory=list)
    version: str | None = None
    previous: str | None = None
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0  # passages the model embedded for this version
    reused: int = 0  # passages whose vector was copied from the previous version
    checked: int = 0  # passages embedded again by the verification queries
    sentences_embedded: int = 0  # sentences embedded for the relevance step (those of reused passages are copied)
    pruned: list[str] = field(default_factory=list)
    up_to_date: bool = False  # nothing changed: no new version was written


Sources = Callable[[FaissDocumentStore | None], list[SourceDocument]]


def read_corpus(corpus: Path) -> tuple[list[SourceDocument], list[IngestError]]:
    """The corpus's documents; :class:`ValueError` when there is none at all."""
    result = CorpusConverter().run(path=Path(corpus))
    sources, errors = result["sources"], result["errors"]
    if not sources:
        reasons = "; ".join(str(e) for e in errors[:3]) or "no documents"
        raise ValueError(f"nothing to index in {corpus}: {reasons}")
    return sources, errors


def build_index(
    corpus: Path, index_dir: Path, config: BuildConfig, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """Build a new version of the index at ``index_dir`` from ``corpus``, embedding every passage.

    :raises ValueError: when the corpus yields no document at all.
    :raises IndexBusyError: when another build holds the index's lock.
    """
    sources, errors = read_corpus(corpus)
    return _write_version(Path(index_dir), config, lambda _: sources, False, progress, lock, errors)


def update_index(
    corpus: Path, index_dir: Path, config: BuildConfig, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """Make the index hold exactly ``corpus``: new and changed documents are embedded, removed
    ones leave, the vectors of everything else are copied from the current version."""
    sources, errors = read_corpus(corpus)
    return _write_version(Path(index_dir), config, lambda _: sources, True, progress, lock, errors)


def rebuild_index(
    index_dir: Path, config: BuildConfig, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """Embed the documents stored in the current version again (new model or splitting, no corpus needed)."""

    def sources(base: FaissDocumentStore | None) -> list[SourceDocument]:
        if base is None:
            raise IndexNotFoundError(f"no index at {index_dir} to rebuild; build one from a corpus first")
        return stored_documents(base)

    return _write_version(Path(index_dir), config, sources, False, progress, lock, needs_documents=True)


def upsert_documents(
    index_dir: Path,
    documents: list[SourceDocument],
    config: BuildConfig,
    progress: Progress | None = None,
    lock: BuildLock | None = None,
) -> BuildReport:
    """Add ``documents`` to the index, replacing those with the same id; only they are embedded."""

    def sources(base: FaissDocumentStore | None) -> list[SourceDocument]:
        merged = {d.id: d for d in stored_documents(base)} if base else {}
        merged.update({d.id: d for d in documents})
        return list(merged.values())

    return _write_version(Path(index_dir), config, sources, True, progress, lock, needs_documents=True)


def delete_documents(
    index_dir: Path,
    ids: list[str],
    config: BuildConfig,
    progress: Progress | None = None,
    lock: BuildLock | None = None,
) -> BuildReport:
    """Remove the documents ``ids`` (and their passages) from the index.

    :raises DocumentNotFoundError: when the current version lacks one of them.
    """

    def sources(base: FaissDocumentStore | None) -> list[SourceDocument]:
        if base is None:
            raise IndexNotFoundError(f"no index at {index_dir}: nothing to delete from")
        missing = [i for i in ids if i not in base.sources]
        if missing:
            raise DocumentNotFoundError(f"no document {missing[0]!r} in the index")
        gone = set(ids)
        return [d for d in stored_documents(base) if d.id not in gone]  # type: ignore[arg-type]

    return _write_version(Path(index_dir), config, sources, True, progress, lock, needs_documents=True)


def install_index(store: FaissDocumentStore, manifest: Manifest, index_dir: Path, keep_versions: int = 3) -> str:
    """Save a ready ``store`` as a new version of ``index_dir`` and switch to it; returns the version id."""
    root = Path(index_dir)
    with BuildLock(root):
        layout.remove_debris(root)
        with layout.new_version(root) as (version, staging):
            manifest.version = version
            store.save(staging, manifest)
            verify_version(
                staging,
                model=manifest.embedding_model,
                passages=store.count_documents(),
                documents=len(store.sources),
                samples=[],
            )
        layout.prune(root, keep_versions)
    return version


def _write_version(
    root: Path,
    config: BuildConfig,
    sources_from: Sources,
    incremental: bool,
    progress: Progress | None,
    lock: BuildLock | None,
    errors: list[IngestError] | None = None,
    needs_documents: bool = False,
) -> BuildReport:
    started = time.perf_counter()
    progress = progress or (BarProgress() if config.progress_bar else Progress())
    with build_lock(root, lock):
        try:
            layout.remove_debris(root)
            adopt_flat_index(root)
            progress.stage("loading")
            base = _load_base(root, needs_documents)
            # an update keeps its index's kind unless told otherwise: an IVF index never turns Flat by default
            config = replace(config, faiss_factory=config.faiss_factory or (base.faiss_factory if base else FLAT))
            sources = sources_from(base)
            if not sources:
                raise ValueError(f"nothing to index: the new version of {root} would hold no document")
            reuse = incremental and vectors_reusable(
                base,
                config.model_name,
                config.passage_prefix,
                config.embed_titles,
                config.identity,
                config.faiss_factory,
            )
            if incremental and base is not None and not reuse:
                log.warning(
                    "version %s was built with another model, other weights, prefix, title setting or quantised FAISS "
                    "index: every passage is embedded",
                    base.version,
                )
            splitter = SentencePassageSplitter(config.sentences_per_passage, config.max_chars)
            progress.stage("planning")
            plan = plan_version(sources, base, splitter, reuse, config.embed_titles)
            report = BuildReport(
                root,
                len(plan.sources),
                len(plan.passages),
                0.0,
                list(errors or []),
                previous=base.version if base else None,
                added=len(plan.added),
                changed=len(plan.changed),
                removed=len(plan.removed),
                unchanged=len(plan.unchanged),
            )
            same_index = base is not None and base.faiss_factory == normalise_factory(config.faiss_factory)
            if incremental and same_index and base.version == layout.read_current(root) and is_noop(plan, base):
                report.version, report.up_to_date = base.version, True
            else:
                _make_version(root, config, plan, base, progress, report, started)
                report.pruned = layout.prune(root, config.keep_versions)
            report.seconds = round(time.perf_counter() - started, 2)
            return report
        finally:
            progress.close()


def _make_version(
    root: Path,
    config: BuildConfig,
    plan: Plan,
    base: FaissDocumentStore | None,
    progress: Progress,
    report: BuildReport,
    started: float,
) -> None:
    with layout.new_version(root) as (version, staging):
        embedder = config.embedder or document_embedder(
            config.model_path,
            config.passage_prefix,
            config.batch_size,
            progress_bar=False,
            embed_titles=config.embed_titles,
        )
        lock = model_lock(config.model_path)
        dimension = embedding_dimension(embedder)
        copy, embed = plan.to_copy, plan.to_embed
        shared = _shared_training(base, config, dimension, copy)
        if shared is None:  # refused before the corpus is embedded, not after
            check_trainable(config.faiss_factory, dimension, len(plan.passages))
        vectors = np.empty((len(plan.passages), dimension), dtype=np.float32)
        if copy:
            vectors[copy] = base.passage_vectors([plan.reuse_from[i] for i in copy])  # type: ignore[union-attr]
        new = [plan.passages[i] for i in embed]
        if embed:
            vectors[embed] = embed_passages(embedder, new, dimension, config.batch_size, lock, progress)
        sentences = None
        if config.sentence_vectors and (config.embedder is None or config.sentence_embedder is not None):
            sentences, report.sentences_embedded = sentence_vectors(
                plan,
                base,
                config.sentence_embedder
                or document_embedder(config.model_path, config.query_prefix, config.batch_size, progress_bar=False),
                config.batch_size,
                lock,
                progress,
            )
        store = FaissDocumentStore(dimension, config.faiss_factory, shared)
        store.add_passages(plan.passages, vectors, sentences)
        store.sources = plan.sources
        manifest = Manifest(
            embedding_model=config.model_name,
            dimension=dimension,
            query_prefix=config.query_prefix,
            passage_prefix=config.passage_prefix,
            embed_titles=config.embed_titles,
            passage_count=store.count_documents(),
            document_count=len(store.sources),
            corpus_fingerprint=corpus_fingerprint({k: v["content_hash"] for k, v in store.sources.items()}),
            build_seconds=round(time.perf_counter() - started, 2),
            version=version,
            parent_version=base.version if base and copy else None,
            passage_sentences=config.sentences_per_passage,
            passage_max_chars=config.max_chars,
            embedded=len(embed),
            reused=len(copy),
            models=config.identity,
        )
        progress.stage("saving")
        store.save(staging, manifest)
        carry_fact_checks(base, staging, manifest, config)
        progress.stage("verifying")
        samples = pick_samples([plan.passages[i] for i in copy], new)
        verify_version(
            staging,
            model=config.model_name,
            passages=store.count_documents(),
            documents=len(store.sources),
            samples=samples,
            embedder=embedder,
            lock=lock,
        )
        progress.stage("switching")
    report.version, report.embedded, report.reused, report.checked = version, len(embed), len(copy), len(samples)


def _shared_training(
    base: FaissDocumentStore | None, config: BuildConfig, dimension: int, copied: list[int]
) -> faiss.Index | None:
    """The base version's trained IVF index (emptied) when this version copies vectors from it with
    the same factory; None: the new store trains its own on a sample of its vectors.

    Copied vectors come back decoded from the base's PQ codes; under the same quantisers they encode
    to the same codes again, whereas new quantisers would quantise them a second time. A full
    build (``factcheck index build``) embeds everything and trains afresh.
    """
    if base is None or not copied or is_flat(config.faiss_factory) or base.embedding_dim != dimension:
        return None
    if base.faiss_factory != normalise_factory(config.faiss_factory):
        return None
    return base.trained_index()


def _load_base(root: Path, needs_documents: bool = False) -> FaissDocumentStore | None:
    """The version a build starts from: the current one (or the last good one), or None when there is none.

    :raises IndexCorruptError: when ``needs_documents`` (a change to the stored documents) and versions
        exist but every one fails its checks: starting from nothing would publish an index without their
        documents and prune the versions that still hold them.
    """
    try:
        return FaissDocumentStore.load(root)  # no expected model: an update decides what it can reuse
    except IndexError_ as exc:
        if isinstance(exc, IndexNotFoundError):
            return None
        if needs_documents:
            raise IndexCorruptError(
                f"every version of the index fails its checks ({exc}); this change would start from nothing and "
                "drop the documents they hold. Rebuild from a corpus (factcheck index build --corpus PATH) or "
                "restore the damaged file first; nothing was changed"
            ) from exc
        log.warning("no usable version in %s, building without one: %s", root, exc)
        return None


def adopt_flat_index(root: Path) -> None:
    """Move an index saved in the old one-folder layout into ``versions/`` (copied, then removed)."""
    if not (root / MANIFEST).is_file():
        return
    names = [n for n in (MANIFEST, VECTORS, PASSAGES) if (root / n).is_file()]
    with layout.new_version(root, current=layout.read_current(root) is None) as (version, staging):
        for name in names:
            shutil.copy2(root / name, staging / name)
        if (root / BM25_DIR).is_dir():
            shutil.copytree(root / BM25_DIR, staging / BM25_DIR)
    for name in names:
        (root / name).unlink(missing_ok=True)
    shutil.rmtree(root / BM25_DIR, ignore_errors=True)
    log.warning("moved the index at %s into the versioned layout as %s", root, version)
