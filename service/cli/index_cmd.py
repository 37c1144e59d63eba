"""``factcheck index ...``: build, update and inspect the versioned FAISS index."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from service.cli.common import handle_errors, index_dir_option, is_terminal, make_settings
from service.cli.index_ray import build_on_ray, ray_options, wants_ray


@click.group(name="index")
def index_group() -> None:
    """Build, update and inspect the FAISS index of the reference corpus.

    \b
    Every build writes a new version next to the current one, checks it, and
    only then switches to it; a running service picks it up without a restart.
    """


def _corpus_option(required_text: str) -> Callable[[Any], Any]:
    return click.option(
        "--corpus",
        type=click.Path(exists=True, path_type=Path),
        default=None,
        help=f"Corpus file or folder (.jsonl, .txt, .md, .html). {required_text}",
    )


def _common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")(func)
    func = click.option(
        "--model", default=None, help="Embedding model (default: $FACTCHECK_EMBEDDING_MODEL or the bundled e5)."
    )(func)
    return index_dir_option(func)


def _progress():
    from index.progress import BarProgress, LineProgress

    # a bar when a person watches; otherwise a plain line now and then, which logs keep readably
    return BarProgress() if is_terminal() else LineProgress(lambda line: click.echo(line, err=True))


def _lower_priority() -> None:
    """A build yields the CPU to a service answering claims on the same machine (nice 10)."""
    import os

    try:
        if os.nice(0) < 10:
            os.nice(10 - os.nice(0))
    except OSError:
        pass


@contextmanager
def _early_lock(root: Path) -> Iterator[Any]:
    """The build lock before any slow preparation, so a second build is refused at once; for an index
    folder that does not exist yet, the build takes it itself (a failed first build leaves no folder)."""
    from index.lock import BuildLock

    _lower_priority()
    if not root.is_dir():
        yield None
        return
    with BuildLock(root) as lock:
        yield lock


def _echo_report(report, as_json: bool, verb: str) -> None:
    from service.index_ops import report_dict

    for err in report.errors:
        click.echo(f"Warning: skipped {err}", err=True)
    if as_json:
        click.echo(json.dumps(report_dict(report), ensure_ascii=False))
        return
    if report.up_to_date:
        click.echo(f"{report.index_dir} is up to date ({report.version}): nothing changed, nothing embedded")
        return
    click.echo(
        f"{verb} {report.index_dir} version {report.version}: {report.documents} documents as {report.passages} "
        f"passages ({report.embedded} embedded, {report.reused} reused"
        + (f"; {report.sentences_embedded} sentences embedded" if report.sentences_embedded else "")
        + f") in {report.seconds:.1f} s"
        + (f" ({len(report.errors)} problems skipped, see above)" if report.errors else "")
    )
    if report.previous:
        click.echo(
            f"  against {report.previous}: {report.added} added, {report.changed} changed, "
            f"{report.removed} removed, {report.unchanged} unchanged documents"
        )
    if report.pruned:
        click.echo(f"  pruned old versions: {', '.join(report.pruned)}")


@index_group.command(name="build")
@_corpus_option(
    "Default: $FACTCHECK_CORPUS_PATH; without either, the documents stored in the index are embedded again."
)
@_common_options
@click.option(
    "--faiss-factory",
    default=None,
    help="FAISS index: IDMap2,Flat (exact) or an IVF factory such as IVF4096,PQ48, trained on a sample of the "
    "corpus (default: $FACTCHECK_FAISS_FACTORY, else IDMap2,Flat).",
)
@ray_options
@handle_errors
def build(
    corpus: Path | None,
    index_dir: Path | None,
    model: str | None,
    as_json: bool,
    faiss_factory: str | None,
    **ray: Any,
) -> None:
    """Build a new version of the index, embedding every passage; the current one serves until it is ready.

    \b
    With --ray, the build runs on Ray Data (read and split in tasks, embed on an
    actor pool, one task per shard) and publishes a sharded version, which
    `factcheck serve` searches shard by shard in parallel.
    """
    from service.index_ops import run_build
    from service.runtime import configure_threads

    on_ray = wants_ray(ray)
    settings = make_settings(index_dir, embedding_model=model, faiss_factory=faiss_factory)
    with _early_lock(settings.index_dir) as lock:
        configure_threads(settings.threads)
        if on_ray:
            _echo_report(build_on_ray(settings, corpus, lock, _progress(), ray), as_json, "Built (on Ray)")
            return
        _echo_report(run_build(settings, corpus, _progress(), lock), as_json, "Built")


@index_group.command(name="update")
@_corpus_option("Default: $FACTCHECK_CORPUS_PATH.")
@_common_options
@handle_errors
def update(corpus: Path | None, index_dir: Path | None, model: str | None, as_json: bool) -> None:
    """Make the index hold exactly CORPUS, embedding only new and changed documents.

    Documents are matched by id and content hash; removed documents leave the index, and the
    vectors of unchanged passages are copied from the current version.
    """
    from service.index_ops import run_update
    from service.runtime import configure_threads

    settings = make_settings(index_dir, embedding_model=model)
    with _early_lock(settings.index_dir) as lock:
        configure_threads(settings.threads)
        _echo_report(run_update(settings, corpus, _progress(), lock), as_json, "Updated")


@index_group.command(name="status")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@handle_errors
def status(index_dir: Path | None, as_json: bool) -> None:
    """Check every version (files, checksums, counts) and show what is served, plus any debris or running build."""
    from service.index_status import index_status

    settings = make_settings(index_dir)
    data = index_status(settings)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    if data["current"] and data["serving"] != data["current"]:
        click.echo(
            f"Warning: version {data['current']} (CURRENT) fails its checks; {data['serving']} is served", err=True
        )
    click.echo(f"Index {data['index_dir']}: OK" + (f", serving {data['serving']}" if data["serving"] else ""))
    skip = {"versions", "debris", "staging", "build_running_pid", "index_dir", "serving", "current"}
    for key, value in data.items():
        if key not in skip:
            click.echo(f"  {key:<20} {value}")
    if data["versions"]:
        click.echo("\n  versions (newest first):")
    for v in data["versions"]:
        mark = "*" if v["version"] == data["serving"] else " "
        if v["ok"]:
            click.echo(
                f"  {mark} {v['version']}  {v['passages']:>8} passages  {v['documents']:>7} documents  "
                + (f"{v['fact_checks']:>6} fact-checks  " if v.get("fact_checks") else "")
                + f"built {v['built_at']}  embedded {v['embedded']}, reused {v['reused']}"
            )
        else:
            click.echo(f"  {mark} {v['version']}  REFUSED: {v['error']}")
    if data["debris"]:
        click.echo(f"\n  {len(data['debris'])} leftovers of interrupted builds (removed at the next build or start)")
    if data["build_running_pid"] is not None:
        staging = f", staging in {len(data['staging'])} folder(s)" if data["staging"] else ""
        click.echo(f"\n  a build is running (pid {data['build_running_pid']}){staging}")
