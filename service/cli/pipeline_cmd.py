"""``factcheck pipeline dump``: the check pipeline as YAML, to edit and serve with FACTCHECK_VERIFY_PIPELINE."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.common import CLIError, handle_errors, index_dir_option, make_settings


@click.group(name="pipeline")
def pipeline_group() -> None:
    """The check pipeline as a file: write it out, edit it, serve it.

    \b
    Every step is a Haystack component that serialises, so the file names each one with its
    settings: the stance model, the verdict parameters, the store, the depths. Set
    FACTCHECK_VERIFY_PIPELINE to the edited file and `check`, `check-article` and `serve` run it.
    """


@pipeline_group.command(name="dump")
@index_dir_option
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the YAML here instead of stdout."
)
@handle_errors
def dump(index_dir: Path | None, output: Path | None) -> None:
    """Write the check pipeline the settings describe as YAML (FACTCHECK_VERIFY_PIPELINE's when set).

    \b
    The index is opened to name its store and its query prefix; no model is loaded.
    """
    from service.document_store import load_store
    from service.verify.pipeline import dump_pipeline, verify_pipeline

    settings = make_settings(index_dir)
    store = load_store(settings)
    text = dump_pipeline(verify_pipeline(settings, store))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"cannot write {output}: {exc.strerror or exc}", 1) from exc
    click.echo(f"Wrote the check pipeline to {output}; serve it with FACTCHECK_VERIFY_PIPELINE={output}", err=True)
