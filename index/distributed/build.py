"""A full build on Ray Data, published as one sharded version (see :mod:`index.sharded`).

1. Read and split: one task per corpus file (the ordinary loaders and splitter; passage ids are
   deterministic). Each task also records its documents (``docs/shard=k/``) and the ids it split
   (``split/shard=k/``), where a passage's shard comes from its 63-bit key, never from block order.
2. Embed: ``map_batches`` with a class on an actor pool, so each actor loads the model once and
   runs as many threads as it has CPUs.
3. Write: Parquet partitioned by shard (``embedded/shard=k/``: id, text, metadata, vector).
4. Shards (with an IVF ``--faiss-factory``, the index is first trained once on the driver, on a
   sample of the vectors of every shard: those with the smallest 63-bit keys; every shard task gets
   it from the object store, empty, and adds its vectors to it, so all shards share its quantisers;
   the split is materialised before embedding so that a corpus too small to train it is refused
   first): one task per shard builds its store from its Parquet, drops rows a retried block wrote
   twice, and checks its ids against the split's. The driver has read back only document ids and
   hashes: duplicate ids (the first wins, as in :func:`corpus.loaders.load_corpus`), ingest
   errors, the corpus fingerprint.
5. Publish: the version is loaded back and queried (every shard's samples must find themselves),
   renamed into place, and only then does CURRENT switch.

The Parquet lives in a hidden folder of the index root, which every node must reach at the same
path (a shared folder), as must the corpus and the model. The build lock is held throughout, and a
failure at any step leaves the current version served and nothing published.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from corpus.documents import IngestError
from corpus.loaders import corpus_files
from index import layout
from index.bm25 import CorpusStats
from index.build import BuildConfig, BuildReport
from index.distributed.cluster import ray_session
from index.distributed.shards import ShardResult, build_shard, sample_vectors, shard_stats
from index.distributed.stages import DOCS, EMBEDDED, SPLIT, EmbedPassages, read_and_split
from index.embedders import document_embedder, embedding_dimension
from index.factcheck_vectors import VersionFactChecks, carry_fact_checks, served_fact_checks
from index.faiss_index import FLAT, check_trainable, is_flat, normalise_factory, train_index, training_sizes
from index.inference import model_lock
from index.lock import BuildLock, build_lock
from index.manifest import MANIFEST, Manifest, corpus_fingerprint, file_sha256
from index.progress import Progress
from index.sharded import SHARD_KEY, shard_name
from index.version_check import verify_version

log = logging.getLogger(__name__)


@dataclasses.dataclass
class RayOptions:
    """Where and how the build runs on Ray."""

    address: str = "local"  # "local": a cluster of this machine for the command; else one to join
    shards: int = 1
    token: str | None = None  # token authentication (see index.distributed.cluster)
    actors: int | None = None  # embedding actors; default: the cluster's CPUs less one, at least one
    actor_cpus: int = 1  # CPUs (and torch threads) per embedding actor


def build_sharded(
    corpus: Path,
    index_dir: Path,
    config: BuildConfig,
    options: RayOptions,
    progress: Progress | None = None,
    lock: BuildLock | None = None,
    emit: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build a new, sharded version of ``index_dir`` from ``corpus`` on Ray; the current one serves until then.

    :raises ValueError: the corpus yields no document, or the options make no sense.
    :raises IndexBusyError: another build holds the index's lock.
    :raises IndexCorruptError: a shard lost or gained passages, or failed its verification.
    """
    config = dataclasses.replace(config, faiss_factory=config.faiss_factory or FLAT)
    if options.shards < 1 or options.actor_cpus < 1 or (options.actors is not None and options.actors < 1):
        raise ValueError("--shards, --actors and --actor-cpus must be at least 1")
    started = time.perf_counter()
    root, corpus = Path(index_dir), Path(corpus)
    progress = progress or Progress()
    emit = emit or log.info
    files = corpus_files(corpus) if corpus.exists() else []
    if not files:
        raise ValueError(f"nothing to index in {corpus}: no corpus files")
    with build_lock(root, lock):
        try:
            layout.remove_debris(root)
            previous = layout.read_current(root)
            with layout.new_version(root) as (version, staging):
                work = Path(tempfile.mkdtemp(prefix=f".ray-{version}-", dir=root))  # hidden: debris if the build dies
                try:
                    report = BuildReport(root, 0, 0, 0.0, version=version, previous=previous)
                    # the fact-checks of the version this one replaces go on into it, as in a build on one machine
                    base = served_fact_checks(root)
                    with ray_session(options.address, options.token, emit) as resources:
                        _build(
                            files,
                            corpus,
                            work,
                            staging,
                            config,
                            options,
                            resources,
                            progress,
                            report,
                            started,
                            emit,
                            base,
                        )
                finally:
                    shutil.rmtree(work, ignore_errors=True)
                progress.stage("switching")
            report.pruned = layout.prune(root, config.keep_versions)
            report.seconds = round(time.perf_counter() - started, 2)
            return report
        finally:
            progress.close()


def _build(
    files: list[Path],
    corpus: Path,
    work: Path,
    staging: Path,
    config: BuildConfig,
    options: RayOptions,
    resources: dict[str, float],
    progress: Progress,
    report: BuildReport,
    started: float,
    emit: Callable[[str], None],
    base: VersionFactChecks | None = None,
) -> None:
    import ray
    import ray.data
    from ray.data import ActorPoolStrategy, DataContext

    context = DataContext.get_current()
    # A block that fails fails the build: a positive max_errored_blocks drops its rows silently.
    context.max_errored_blocks = 0
    shards = options.shards

    cpus = int(resources.get("CPU", 1))
    # one CPU stays free for the read and write tasks that feed and drain the actors
    actors = options.actors or max(1, (cpus - 1) // options.actor_cpus)
    if cpus <= options.actor_cpus:
        # seen with one CPU: the actor holds it, Ray Data's budget holds back the tasks that feed
        # it, and the build waits for ever; better to say so at once
        raise ValueError(
            f"the Ray cluster has {cpus} CPU(s), and a build needs more than --actor-cpus "
            f"({options.actor_cpus}): one embedding actor and the tasks that feed it. Build on this "
            "machine instead (leave out --ray), or add CPUs to the cluster"
        )
    emit(f"reading, splitting and embedding {len(files)} files on up to {actors} actors of {options.actor_cpus} CPU(s)")
    progress.stage("embedding")
    root = corpus if corpus.is_dir() else corpus.parent
    items = [{"path": str(f), "order": n} for n, f in enumerate(files)]
    split_kwargs = {
        "root": str(root),
        "work": str(work),
        "shards": shards,
        "sentences": config.sentences_per_passage,
        "max_chars": config.max_chars,
    }
    flat = is_flat(config.faiss_factory)
    embedder = None
    passages = ray.data.from_items(items, override_num_blocks=len(items)).flat_map(
        read_and_split, fn_kwargs=split_kwargs
    )
    if not flat:
        # split first, so that a corpus too small to train the IVF index is refused before it is
        # embedded, as on one machine (the split passages wait in the object store)
        passages = passages.materialize()
        dropped, hashes, errors = _documents(work / DOCS, files)
        _check_nonempty(corpus, hashes, errors, work)
        embedder = _driver_embedder(config)
        check_trainable(config.faiss_factory, embedding_dimension(embedder), _count(work / SPLIT, dropped))
    (
        # blocks of a few batches, so one big file still spreads over every actor
        passages.repartition(target_num_rows_per_block=config.batch_size * 4)
        .map_batches(
            EmbedPassages,
            fn_constructor_kwargs={"config": config, "shards": shards},
            compute=ActorPoolStrategy(min_size=1, max_size=actors),
            num_cpus=options.actor_cpus,
            batch_size=config.batch_size * 4,
            batch_format="pyarrow",
        )
        .write_parquet(str(work / EMBEDDED), partition_cols=["shard"])
    )
    dropped, hashes, errors = _documents(work / DOCS, files)
    report.errors, report.documents = errors, len(hashes)
    _check_nonempty(corpus, hashes, errors, work)

    progress.stage(f"building {shards} shards")
    embedder = embedder or _driver_embedder(config)
    dimension = embedding_dimension(embedder)
    trained = None
    if not flat:
        # trained once, on the driver, and shared through the object store: every shard adds its
        # vectors to a copy of the same empty index, so their codes and scores are comparable
        progress.stage("training the FAISS index")
        sample = sample_vectors(work, shards, training_sizes(config.faiss_factory, dimension)[1], dimension, dropped)
        emit(f"training {normalise_factory(config.faiss_factory)} once on {len(sample):,} vectors for {shards} shards")
        trained = ray.put(faiss.serialize_index(train_index(config.faiss_factory, sample)))
    shared = {
        "embedding_model": config.model_name,
        "dimension": dimension,
        "query_prefix": config.query_prefix,
        "passage_prefix": config.passage_prefix,
        "embed_titles": config.embed_titles,
        "corpus_fingerprint": corpus_fingerprint(hashes),
        "version": report.version,
        "passage_sentences": config.sentences_per_passage,
        "passage_max_chars": config.max_chars,
        "reused": 0,
        "models": config.identity,
    }
    # BM25 in two passes, as a distributed search engine's DFS phase: every shard's term statistics
    # first, merged, then each shard weighed by the corpus's, so the shards score as one index
    stats_task = ray.remote(num_cpus=1, max_retries=3)(shard_stats)
    corpus = ray.put(CorpusStats.merge(ray.get([stats_task.remote(work, k, shards, dropped) for k in range(shards)])))
    task = ray.remote(num_cpus=1, max_retries=3)(_shard_task)
    factory = normalise_factory(config.faiss_factory)
    refs = [
        task.remote(str(work), k, shards, str(staging), shared, dropped, factory, trained, corpus)
        for k in range(shards)
    ]
    results: list[ShardResult] = ray.get(refs)
    # each shard holds exactly its share of what was split (build_shard checks), so these add up to the split
    report.passages = sum(r.passages for r in results)

    progress.stage("verifying")
    names = [shard_name(k) for k in range(shards)]
    manifest = Manifest(
        **{**shared, "build_seconds": round(time.perf_counter() - started, 2)},
        passage_count=sum(r.passages for r in results),
        document_count=sum(r.documents for r in results),
        embedded=sum(r.passages for r in results),
        shards=names,
        shard_key=SHARD_KEY,
        faiss_factory=factory,
        checksums={f"{name}/{MANIFEST}": file_sha256(staging / name / MANIFEST) for name in names},
    )
    manifest.write(staging)
    carry_fact_checks(base, staging, manifest, config)
    from haystack import Document

    samples = [Document(id=s["id"], content=s["content"], meta=s["meta"]) for r in results for s in r.samples]
    verify_version(
        staging,
        model=config.model_name,
        passages=report.passages,
        documents=report.documents,
        samples=samples,
        embedder=embedder,
        lock=model_lock(config.model_path),
    )
    report.embedded, report.checked = report.passages, len(samples)
    duplicates = sum(r.duplicates for r in results)
    if duplicates:
        log.warning("%d passage rows were written twice (retried blocks) and dropped", duplicates)


def _shard_task(
    work: str,
    shard: int,
    shards: int,
    out: str,
    manifest: dict[str, Any],
    dropped: frozenset[tuple[int, int]],
    factory: str,
    trained: Any,
    corpus: CorpusStats,
) -> ShardResult:
    """``trained``: the serialised trained index (Ray resolves the object reference), or None for Flat;
    ``corpus``: every shard's BM25 statistics merged."""
    import faiss

    faiss.omp_set_num_threads(1)  # the task holds one CPU
    index = None if trained is None else faiss.deserialize_index(np.asarray(trained))
    return build_shard(
        Path(work), shard, shards, Path(out), {**manifest, "embedded": None}, dropped, factory, index, corpus
    )


def _driver_embedder(config: BuildConfig) -> Any:
    """The embedder the driver needs: its dimension, and the verification queries."""
    return config.embedder or document_embedder(
        config.model_path,
        config.passage_prefix,
        config.batch_size,
        progress_bar=False,
        embed_titles=config.embed_titles,
    )


def _check_nonempty(corpus: Path, hashes: dict[str, str], errors: list[IngestError], work: Path) -> None:
    if not hashes or not _count(work / SPLIT):
        reasons = "; ".join(str(e) for e in errors[:3]) or "no text"
        raise ValueError(f"nothing to index in {corpus}: {reasons}")


def _documents(folder: Path, files: list[Path]) -> tuple[frozenset[tuple[int, int]], dict[str, str], list[IngestError]]:
    """From the document rows: positions of duplicates that lose to an earlier id, hashes by id, errors."""
    import pyarrow.dataset as pds

    table = pds.dataset(str(folder), format="parquet", partitioning="hive").to_table(
        columns=["file_order", "doc_seq", "doc_id", "content_hash", "error"]
    )
    rows = sorted(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))
    hashes: dict[str, str] = {}
    first: dict[str, tuple[int, int]] = {}
    dropped: set[tuple[int, int]] = set()
    errors: list[IngestError] = []
    for file_order, doc_seq, doc_id, digest, error in rows:
        if error:
            errors.append(IngestError(**json.loads(error)))
        elif doc_id in hashes:
            dropped.add((file_order, doc_seq))
            where = f"first in {files[first[doc_id][0]]}"
            errors.append(IngestError(str(files[file_order]), None, f"duplicate document id {doc_id!r} ({where})"))
        else:
            hashes[doc_id], first[doc_id] = digest, (file_order, doc_seq)
    return frozenset(dropped), hashes, errors


def _count(folder: Path, dropped: frozenset[tuple[int, int]] = frozenset()) -> int:
    """Rows under ``folder``, less those of the documents in ``dropped`` (a duplicate id that lost)."""
    import pyarrow.dataset as pds

    if not folder.is_dir():
        return 0
    dataset = pds.dataset(str(folder), format="parquet", partitioning="hive")
    if not dropped:
        return dataset.count_rows()
    table = dataset.to_table(columns=["file_order", "doc_seq"])
    pairs = zip(table.column("file_order").to_pylist(), table.column("doc_seq").to_pylist(), strict=True)
    return sum(1 for pair in pairs if pair not in dropped)
