"""Import and delete published fact-checks: each change is a new index version, like a passage build.

The new version holds the current version's passages as they are (hard links: a published version
is never written again) and a new fact-check collection; it is loaded and checked, renamed into
place and switched to under the index's build lock, so the service serves the old version until the
new one is complete. Claims embedded once are not embedded again while their text and the model
stay the same. An index may hold fact-checks and no passage.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from corpus.factcheck import FactCheck
from index import layout
from index.build import BuildConfig, adopt_flat_index
from index.errors import FactCheckNotFoundError, IndexCorruptError, IndexError_, IndexNotFoundError
from index.factcheck_report import FactCheckReport
from index.factcheck_vectors import claim_vectors
from index.factchecks import FACT_CHECKS_DIR, FactCheckIndex
from index.lock import BuildLock, build_lock
from index.manifest import MANIFEST, Manifest, corpus_fingerprint
from index.progress import Progress
from index.store import FaissDocumentStore

log = logging.getLogger(__name__)


Change = Callable[[list[FactCheck]], list[FactCheck]]


def import_fact_checks(
    index_dir: Path,
    records: list[FactCheck],
    config: BuildConfig,
    lock: BuildLock | None = None,
    progress: Progress | None = None,
) -> FactCheckReport:
    """Add ``records`` to the index's fact-checks, replacing those with the same id."""

    def change(old: list[FactCheck]) -> list[FactCheck]:
        merged = {r.id: r for r in old}
        merged.update({r.id: r for r in records})
        return list(merged.values())

    return _write(Path(index_dir), change, config, lock, progress)


def delete_fact_checks(
    index_dir: Path,
    ids: list[str],
    config: BuildConfig,
    lock: BuildLock | None = None,
    progress: Progress | None = None,
) -> FactCheckReport:
    """Remove the fact-checks ``ids``; :class:`FactCheckNotFoundError` when one is not there."""

    def change(old: list[FactCheck]) -> list[FactCheck]:
        held = {r.id for r in old}
        missing = [i for i in ids if i not in held]
        if missing:
            raise FactCheckNotFoundError(f"no fact-check {missing[0]!r} in the index")
        gone = set(ids)
        return [r for r in old if r.id not in gone]

    return _write(Path(index_dir), change, config, lock, progress, needs_index=True)


def _write(
    root: Path,
    change: Change,
    config: BuildConfig,
    lock: BuildLock | None,
    progress: Progress | None,
    needs_index: bool = False,
) -> FactCheckReport:
    started = time.perf_counter()
    progress = progress or Progress()
    if needs_index and lock is None and not root.is_dir():
        # before the lock, which would make the folder (an empty one with a .lock, where there was none)
        raise IndexNotFoundError(f"no index at {root}: nothing to delete from")
    with build_lock(root, lock):
        layout.remove_debris(root)
        adopt_flat_index(root)
        progress.stage("loading")
        base = _load_base(root)
        if base is None and needs_index:
            raise IndexNotFoundError(f"no index at {root}: nothing to delete from")
        old = list(base.fact_checks.records) if base is not None and base.fact_checks is not None else []
        new = change(old)
        before = {r.id: r for r in old}
        report = FactCheckReport(root, len(new), previous=base.version if base else None)
        report.added = sum(r.id not in before for r in new)
        report.replaced = sum(r.id in before and before[r.id] != r for r in new)
        report.unchanged = sum(r.id in before and before[r.id] == r for r in new)
        report.removed = len(set(before) - {r.id for r in new})
        if base is not None and base.version == layout.read_current(root) and base.fact_checks is not None:
            if not report.added and not report.replaced and not report.removed:
                report.version, report.up_to_date = base.version, True
                report.seconds = round(time.perf_counter() - started, 2)
                return report
        vectors, report.embedded = claim_vectors(new, base, config, progress)
        progress.stage("saving")
        _make_version(root, base, FactCheckIndex.build(new, vectors), config, report, progress)
        report.pruned = layout.prune(root, config.keep_versions)
        report.seconds = round(time.perf_counter() - started, 2)
        return report


def _load_base(root: Path) -> FaissDocumentStore | None:
    try:
        return FaissDocumentStore.load(root)
    except IndexNotFoundError:
        return None
    except IndexError_ as exc:
        # starting from nothing would publish a version without the passages the old ones hold
        raise IndexCorruptError(
            f"every version of the index fails its checks ({exc}); nothing was changed. Rebuild it "
            "(factcheck index build --corpus PATH) or restore the damaged file first"
        ) from exc


def _make_version(
    root: Path,
    base: FaissDocumentStore | None,
    fact_checks: FactCheckIndex,
    config: BuildConfig,
    report: FactCheckReport,
    progress: Progress,
) -> None:
    with layout.new_version(root) as (version, staging):
        if base is not None and base.manifest is not None and base.version is not None:
            source = layout.version_dir(root, base.version)
            _link_tree(source, staging, skip={MANIFEST, FACT_CHECKS_DIR})
            manifest = base.manifest.model_copy(deep=True)
            manifest.checksums = {
                k: v for k, v in manifest.checksums.items() if not k.startswith(FACT_CHECKS_DIR + "/")
            }
            manifest.parent_version = base.version
            manifest.embedded = 0
            manifest.reused = manifest.passage_count
            manifest.built_at = Manifest.model_fields["built_at"].default_factory()  # type: ignore[misc]
        else:
            # fact-checks alone: an empty passage store beside them
            store = FaissDocumentStore(fact_checks.dimension)
            manifest = Manifest(
                embedding_model=config.model_name,
                dimension=fact_checks.dimension,
                query_prefix=config.query_prefix,
                passage_prefix=config.passage_prefix,
                embed_titles=config.embed_titles,
                passage_count=0,
                document_count=0,
                corpus_fingerprint=corpus_fingerprint({}),
                passage_sentences=config.sentences_per_passage,
                passage_max_chars=config.max_chars,
                models=config.identity,
            )
            store.save(staging, manifest)
        manifest.version = version
        manifest.checksums.update(fact_checks.save(staging))
        manifest.fact_check_count = len(fact_checks)
        manifest.write(staging)
        progress.stage("verifying")
        _verify(staging, manifest, fact_checks)
        progress.stage("switching")
    report.version = version


def _verify(staging: Path, manifest: Manifest, fact_checks: FactCheckIndex) -> None:
    """The staged version loads, holds what was written, and finds its claims by their own vectors."""
    store = FaissDocumentStore.load(staging, expected_model=manifest.embedding_model)
    loaded = store.fact_checks
    if loaded is None or len(loaded) != len(fact_checks) or store.count_documents() != manifest.passage_count:
        raise IndexCorruptError(f"verification of {staging} failed: it does not hold what the import wrote")
    if len(fact_checks):
        rows = sorted({0, len(fact_checks) // 2, len(fact_checks) - 1})
        vectors = loaded.vectors()[rows]
        for row, hits in zip(rows, loaded.dense(vectors, 5), strict=True):
            if not any(r == row or loaded.records[r].text == loaded.records[row].text for r, _ in hits):
                raise IndexCorruptError(
                    f"verification of {staging} failed: fact-check {loaded.records[row].id} not found"
                )


def _link_tree(source: Path, target: Path, skip: set[str]) -> None:
    """Hard links of every file under ``source`` (copies where the file system has none)."""
    for item in source.iterdir():
        if item.name in skip:
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name, copy_function=_link)
        else:
            _link(item, target / item.name)


def _link(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
