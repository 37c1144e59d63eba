"""``factcheck factchecks ...`` (import and delete published fact-checks) and ``factcheck match`` (a claim's
prior fact-checks)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from service.cli.common import (
    CLIError,
    bad_line,
    handle_errors,
    index_dir_option,
    make_settings,
    prior_lines,
    read_claims,
)
from service.schemas import MatchResponse


@click.group(name="factchecks")
def factchecks_group() -> None:
    """Import and delete published fact-checks (ClaimReview), which claims are matched to.

    \b
    They are kept in the index beside the passages: each change writes a new index version,
    checks it and switches to it, and a running service picks it up without a restart.
    """


def _echo_report(report, as_json: bool) -> None:
    from service.index_ops import report_dict

    if as_json:
        click.echo(json.dumps(report_dict(report), ensure_ascii=False))
        return
    if report.up_to_date:
        click.echo(f"{report.index_dir} is up to date ({report.version}): no fact-check changed")
        return
    click.echo(
        f"Wrote {report.index_dir} version {report.version}: {report.fact_checks} fact-checks "
        f"({report.added} added, {report.replaced} replaced, {report.removed} removed, {report.unchanged} unchanged; "
        f"{report.embedded} embedded) in {report.seconds:.1f} s"
    )
    if report.pruned:
        click.echo(f"  pruned old versions: {', '.join(report.pruned)}")


@factchecks_group.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@handle_errors
def import_(paths: tuple[Path, ...], index_dir: Path | None, as_json: bool) -> None:
    """Import the fact-checks in PATHS (files or folders) into the index.

    \b
    Reads ClaimReview JSON-LD (.json, .jsonld: a record, a list, an @graph, or a feed with
    dataFeedElement[].item[]), HTML pages with ClaimReview in JSON-LD or microdata (.html, .htm),
    and JSONL (.jsonl): one {"id", "claim", "rating", "url", "publisher", "published",
    "language", "title"} a line, id and claim required. A fact-check with the id of one already
    imported replaces it. A bad record is reported with its file and line or JSON path; the
    others are imported.
    """
    from corpus.claimreview import read_fact_checks
    from service.index_ops import run_import_fact_checks
    from service.runtime import configure_threads

    records, errors = read_fact_checks(list(paths))
    for err in errors:
        click.echo(f"Warning: skipped {err}", err=True)
    if not records:
        raise CLIError("no fact-check to import" + (" (every record was refused, see above)" if errors else ""), 2)
    settings = make_settings(index_dir)
    configure_threads(settings.threads)
    click.echo(f"Importing {len(records)} fact-checks into {settings.index_dir} ...", err=True)
    from service.cli.index_cmd import _progress

    _echo_report(run_import_fact_checks(settings, records, _progress()), as_json)
    if errors:
        click.echo(f"({len(errors)} record(s) skipped, see the warnings above)", err=True)


@factchecks_group.command(name="delete")
@click.argument("ids", nargs=-1, required=True)
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handle_errors
def delete(ids: tuple[str, ...], index_dir: Path | None, as_json: bool) -> None:
    """Remove the fact-checks IDS from the index (a new version)."""
    from service.index_ops import run_delete_fact_checks

    settings = make_settings(index_dir)
    _echo_report(run_delete_fact_checks(settings, list(ids)), as_json)


def print_matches(result: MatchResponse) -> None:
    click.echo(f"Claim: {result.claim}")
    if not result.matches:
        click.echo("  No prior fact-check of this claim found.")
    for line in prior_lines(result.matches):
        click.echo(f"  {line}")
    click.echo(f"\n({result.took_ms:.0f} ms)")


@click.command(name="match")
@click.argument("claim", required=False)
@index_dir_option
@click.option("-k", "--top-k", type=int, default=None, help="At most this many fact-checks per claim (default 3).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per claim: {claim, matches: [...]}.")
@click.option(
    "--claims-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="File of claims, one a line (or JSON objects with a \"claim\" key); '-' reads stdin. "
    "Writes one JSON object a line.",
)
@click.option("--language", default=None, help="The claim's language (ISO 639-1); detected when not given.")
@handle_errors
def match(
    claim: str | None, index_dir: Path | None, top_k: int | None, as_json: bool, claims_file, language: str | None
) -> None:
    """Find the fact-checks already published about CLAIM (any language): no evidence, no verdict.

    \b
    Shows those the matcher rates as the same claim, not merely the same topic, best first,
    with their publisher's rating, date and link. Import fact-checks first:
    factcheck factchecks import PATH.
    """
    from service.claim_checker import ClaimChecker, validate_claim
    from service.errors import FactCheckError
    from service.runtime import configure_threads

    if (claim is None) == (claims_file is None):
        raise CLIError("give either a CLAIM or --claims-file (not both)", 2)
    settings = make_settings(index_dir)
    configure_threads(settings.threads)
    lookup = ClaimChecker.open(settings)
    if not getattr(lookup.store, "fact_checks", None):
        click.echo(f"Warning: the index at {settings.index_dir} holds no fact-check; import some with: "
                   "factcheck factchecks import PATH", err=True)
    if claims_file is None:
        result = lookup.match([claim], top_k, language, ["claim"])[0]
        if as_json:
            click.echo(json.dumps(_shape(result), ensure_ascii=False))
        else:
            print_matches(result)
        return
    failures = 0
    lines = read_claims(claims_file)
    for start in range(0, len(lines), settings.max_batch_claims):
        chunk = lines[start : start + settings.max_batch_claims]
        good: list[tuple[int, str]] = []
        answers: dict[int, dict] = {}
        for number, item in chunk:
            try:
                if isinstance(item, Exception):
                    raise item
                good.append((number, validate_claim(item, settings, f"line {number}")))
            except FactCheckError as exc:
                failures += 1
                answers[number] = bad_line(number, exc)
        if good:
            for (number, _), result in zip(good, lookup.match([c for _, c in good], top_k, language), strict=True):
                answers[number] = _shape(result)
        for number, _ in chunk:
            sys.stdout.write(json.dumps(answers[number], ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if failures:
        raise CLIError(f"{failures} claim(s) could not be matched (see warnings)", 2)


def _shape(result: MatchResponse) -> dict:
    return {"claim": result.claim, "matches": [m.model_dump() for m in result.matches]}
