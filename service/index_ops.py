"""Index lifecycle operations as the CLI and the API run them: settings in, a report out.

The work itself is in :mod:`index.build`; this module picks the corpus, maps "nothing to index"
onto the error vocabulary, and says what the index root holds (``status``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from corpus.documents import SourceDocument
from corpus.factcheck import FactCheck
from index.build import BuildReport, build_index, delete_documents, rebuild_index, update_index, upsert_documents
from index.factcheck_report import FactCheckReport
from index.lock import BuildLock
from index.progress import Progress
from service.document_store import publish_current, uses_database, workspace_in_step
from service.errors import CorpusError, InvalidInputError
from service.index_config import build_config
from service.settings import Settings

log = logging.getLogger(__name__)
Report = TypeVar("Report", BuildReport, FactCheckReport)


@contextmanager
def _corpus_errors() -> Iterator[None]:
    try:
        yield
    except ValueError as exc:  # index.build's "nothing to index"
        raise CorpusError(str(exc)) from exc


def _published(settings: Settings, report: Report, progress: Progress | None) -> Report:
    """With the index in PostgreSQL, the new version the index folder holds is published there and the report
    names the database's version (the folder is the build's workspace)."""
    if uses_database(settings) and not report.up_to_date:
        published = publish_current(settings, progress)
        if published is not None:  # the versions the service sees: the database's
            report.version, report.previous, report.pruned = published.version, published.previous, published.pruned
    return report


def _in_step(settings: Settings, lock: BuildLock | None) -> None:
    """An operation that starts from the current version: with PostgreSQL, the index folder must hold the
    version the database serves (another machine may have published a newer one: it is fetched)."""
    if uses_database(settings):
        workspace_in_step(settings, lock)


def run_build(
    settings: Settings, corpus: Path | None, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """A full build from ``corpus`` (default: FACTCHECK_CORPUS_PATH), or, without one, of the stored documents."""
    corpus = corpus or settings.corpus_path
    with _corpus_errors():
        if corpus is None:
            _in_step(settings, lock)
            return _published(
                settings, rebuild_index(settings.index_dir, build_config(settings), progress, lock), progress
            )
        return _published(
            settings, build_index(corpus, settings.index_dir, build_config(settings), progress, lock), progress
        )


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
    if uses_database(settings):
        raise InvalidInputError(
            "a build on Ray writes a sharded version, which PostgreSQL does not hold yet: build on one machine"
        )
    with _corpus_errors():
        return build_sharded(corpus, settings.index_dir, build_config(settings), options, progress, lock, emit)


def run_update(
    settings: Settings, corpus: Path | None, progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    """An incremental update that makes the index hold exactly ``corpus``."""
    corpus = corpus or settings.corpus_path
    if corpus is None:
        raise InvalidInputError("an update needs a corpus: give --corpus PATH or set FACTCHECK_CORPUS_PATH")
    _in_step(settings, lock)
    with _corpus_errors():
        return _published(
            settings, update_index(corpus, settings.index_dir, build_config(settings), progress, lock), progress
        )


def run_upsert(
    settings: Settings, documents: list[SourceDocument], progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    _in_step(settings, lock)
    with _corpus_errors():
        report = upsert_documents(settings.index_dir, documents, build_config(settings), progress, lock)
    return _published(settings, report, progress)


def run_delete(
    settings: Settings, ids: list[str], progress: Progress | None = None, lock: BuildLock | None = None
) -> BuildReport:
    _in_step(settings, lock)
    with _corpus_errors():
        report = delete_documents(settings.index_dir, ids, build_config(settings), progress, lock)
    return _published(settings, report, progress)


def run_import_fact_checks(
    settings: Settings, records: list[FactCheck], progress: Progress | None = None, lock: BuildLock | None = None
) -> FactCheckReport:
    """Add published fact-checks to the index (a new version; those with the same id are replaced)."""
    from index.factcheck_build import import_fact_checks

    _in_step(settings, lock)
    report = import_fact_checks(settings.index_dir, records, build_config(settings), lock, progress)
    return _published(settings, report, progress)


def run_delete_fact_checks(
    settings: Settings, ids: list[str], progress: Progress | None = None, lock: BuildLock | None = None
) -> FactCheckReport:
    from index.factcheck_build import delete_fact_checks

    _in_step(settings, lock)
    report = delete_fact_checks(settings.index_dir, ids, build_config(settings), lock, progress)
    return _published(settings, report, progress)


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
