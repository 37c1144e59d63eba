"""``factcheck index ...``: build the index and show what it holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from service.cli.common import CLIError, handle_errors, index_dir_option, is_terminal, make_settings


@click.group(name="index")
def index_group() -> None:
    """Build and inspect the FAISS index of the reference corpus."""


@index_group.command(name="build")
@click.option(
    "--corpus",
    type=click.Path(exists=True, path_type=Path),
    required=True,
    help="Corpus file or folder (.jsonl, .txt, .md, .html).",
)
@index_dir_option
@click.option("--model", default=None, help="Embedding model (default: $FACTCHECK_EMBEDDING_MODEL or the bundled e5).")
@click.option("--json", "as_json", is_flag=True, help="Print the build report as JSON.")
@handle_errors
def build(corpus: Path, index_dir: Path | None, model: str | None, as_json: bool) -> None:
    """Build a new index from CORPUS; the old index stays until the new one is complete."""
    from index.build import build_index
    from service.pipelines import build_config
    from service.runtime import configure_threads

    settings = make_settings(index_dir, embedding_model=model)
    configure_threads(settings.threads)
    try:
        report = build_index(corpus, settings.index_dir, build_config(settings, progress_bar=is_terminal()))
    except ValueError as exc:
        raise CLIError(str(exc), 4) from exc
    for err in report.errors:
        click.echo(f"Warning: skipped {err}", err=True)
    summary = {
        "index_dir": str(report.index_dir),
        "documents": report.documents,
        "passages": report.passages,
        "seconds": report.seconds,
        "skipped": [str(e) for e in report.errors],
    }
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False))
    else:
        click.echo(
            f"Indexed {report.documents} documents as {report.passages} passages into {report.index_dir} "
            f"in {report.seconds:.1f} s"
            + (f" ({len(report.errors)} problems skipped, see above)" if report.errors else "")
        )


@index_group.command(name="status")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@handle_errors
def status(index_dir: Path | None, as_json: bool) -> None:
    """Show the manifest of the index: model, counts, fingerprint, build time."""
    from index.manifest import Manifest
    from index.store import FaissDocumentStore

    settings = make_settings(index_dir)
    FaissDocumentStore.load(settings.index_dir)  # full check: files, checksums, counts
    manifest = Manifest.read(settings.index_dir)
    data = manifest.model_dump(exclude={"checksums"})
    if as_json:
        click.echo(json.dumps({"index_dir": str(settings.index_dir), **data}))
        return
    click.echo(f"Index {settings.index_dir}: OK")
    for key, value in data.items():
        click.echo(f"  {key:<20} {value}")
