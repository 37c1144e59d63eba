"""Index lifecycle operations as the CLI and the API run them: settings in, a report out.

The work itself is in :mod:`index.build`; this module picks the corpus, maps "nothing to index"
onto the error vocabulary, and says what the index root holds (``status``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from corpus.documents import SourceDocument
from corpus.factcheck import FactCheck
from index.build import BuildReport, build_index, delete_documents, rebuild_index, update_index, upsert_documents
from index.factcheck_report import FactCheckReport
from index.lock import BuildLock
from index.progress import Progress
from service.errors import CorpusError, InvalidInputError
from service.index_config import build_config
from service.settings import Settings

log = logging.getLogger(__name__)


@contextmanager
def _corpus_errors() -> Iterator[None]:
    try:
        yield
    except ValueError as exc:  # index.build's "nothing to index"
        raise CorpusError(str(exc)) from exc


def run_build(
    settings: Settings, corpus: Path | None, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """A full build from ``corpus`` (default: FACTCHECK_CORPUS_PATH), or, without one, of the stored documents."""
    corpus = corpus or settings.corpus_path
    with _corpus_errors():
        if corpus is None:
            return rebuild_index(settings.index_dir, build_config(settings), progress, lock)
        return build_index(corpus, settings.index_dir, build_config(settings), progress, lock)


def run_sharded_build(
    settings: Settings,
    corpus: Path | None,
    options: Any,
    progress: Progress | None = None,
    lock: BuildLock | None = None,
    emit: Callable[[str], None] | None = None,
) -> BuildReport:
    """A full build from ``corpus`` on Ray (``options``: :class:`index.distributed.build.RayOptions`), published
    as one sharded version. Needs the ``ray`` extra; imported here so the service never imports ray otherwise."""
    from index.distributed.build import build_sharded

    corpus = corpus or settings.corpus_path
    if corpus is None:
        raise InvalidInputError("a build on Ray needs a corpus: give --corpus PATH or set FACTCHECK_CORPUS_PATH")
    with _corpus_errors():
        return build_sharded(corpus, settings.index_dir, build_config(settings), options, progress, lock, emit)


def run_update(
    settings: Settings, corpus: Path | None, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """An incremental update that makes the index hold exactly ``corpus``."""
    corpus = corpus or settings.corpus_path
    if corpus is None:
        raise InvalidInputError("an update needs a corpus: give --corpus PATH or set FACTCHECK_CORPUS_PATH")
    with _corpus_errors():
        return update_index(corpus, settings.index_dir, build_config(settings), progress, lock)


def run_upsert(
    settings: Settings, documents: list[SourceDocument], progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    with _corpus_errors():
        return upsert_documents(settings.index_dir, documents, build_config(settings), progress, lock)


def run_delete(
    settings: Settings, ids: list[str], progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    with _corpus_errors():
        return delete_documents(settings.index_dir, ids, build_config(settings), progress, lock)


def run_import_fact_checks(
    settings: Settings, records: list[FactCheck], progress: Progress | None = None, lock: BuildLock | None = None
) -> FactCheckReport:
    """Add published fact-checks to the index (a new version; those with the same id are replaced)."""
    from index.factcheck_build import import_fact_checks

    return import_fact_checks(settings.index_dir, records, build_config(settings), lock, progress)


def run_delete_fact_checks(
    settings: Settings, ids: list[str], progress: Progress | None = None, lock: BuildLock | None = None
) -> FactCheckReport:
    from index.factcheck_build import delete_fact_checks

    return delete_fact_checks(settings.index_dir, ids, build_config(settings), lock, progress)


def report_dict(report: BuildReport | FactCheckReport) -> dict[str, Any]:
    """The JSON shape of a build or fact-check import report (CLI ``--json`` and the API's job result)."""
    if isinstance(report, FactCheckReport):
        return {
            "index_dir": str(report.index_dir),
            "version": report.version,
            "previous": report.previous,
            "up_to_date": report.up_to_date,
            "fact_checks": report.fact_checks,
            "added": report.added,
            "replaced": report.replaced,
            "removed": report.removed,
            "unchanged": report.unchanged,
            "embedded": report.embedded,
            "pruned": report.pruned,
            "seconds": report.seconds,
        }
    return {
        "index_dir": str(report.index_dir),
        "version": report.version,
        "previous": report.previous,
        "up_to_date": report.up_to_date,
        "documents": report.documents,
        "passages": report.passages,
        "added": report.added,
        "changed": report.changed,
        "removed": report.removed,
        "unchanged": report.unchanged,
        "embedded": report.embedded,
        "reused": report.reused,
        "sentences_embedded": report.sentences_embedded,
        "verify_embedded": report.checked,
        "pruned": report.pruned,
        "seconds": report.seconds,
        "skipped": [str(e) for e in report.errors],
    }
