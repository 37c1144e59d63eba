"""``factcheck check``: evidence for one claim, or for a file of claims (JSON lines out)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from service.cli.common import CLIError, handle_errors, index_dir_option, make_settings
from service.errors import FactCheckError, describe
from service.schemas import VerifyResponse


def _read_claims(handle) -> list[tuple[int, object]]:
    """Claims from a file: a line is a claim, or a JSON object with a "claim" key."""
    claims = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        text = line.rstrip("\n")
        if text.lstrip().startswith("{"):
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                claims.append((number, FactCheckError(f"line {number}: invalid JSON ({exc.msg})")))
                continue
            claims.append((number, record.get("claim") if isinstance(record, dict) else None))
        else:
            claims.append((number, text))
    return claims


def _print_human(result: VerifyResponse) -> None:
    click.echo(f"Claim: {result.claim}")
    if not result.evidence:
        click.echo("  No evidence found.")
    for ev in result.evidence:
        title = f" — {ev.title}" if ev.title else ""
        click.echo(
            f"\n  {ev.rank}. [{ev.score:.3f}] {ev.document_id}{title} ({ev.language or '?'}, chars {ev.start}-{ev.end})"
        )
        if ev.url:
            click.echo(f"     {ev.url}")
        click.echo(f"     {ev.text}")
    click.echo(f"\n({result.took_ms:.0f} ms)")


@click.command(name="check")
@click.argument("claim", required=False)
@index_dir_option
@click.option("-k", "--top-k", type=int, default=None, help="Evidence passages per claim (default 5).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (one JSON object).")
@click.option(
    "--claims-file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="File of claims, one a line (or JSON objects with a \"claim\" key); '-' reads stdin. Writes one JSON object a line.",
)
@handle_errors
def check(claim: str | None, index_dir: Path | None, top_k: int | None, as_json: bool, claims_file) -> None:
    """Find the evidence in the index for CLAIM (any language)."""
    from service.lookup import ClaimLookup
    from service.runtime import configure_threads

    if (claim is None) == (claims_file is None):
        raise CLIError("give either a CLAIM or --claims-file (not both)", 2)
    settings = make_settings(index_dir)
    configure_threads(settings.threads)
    lookup = ClaimLookup.open(settings)
    if claims_file is None:
        result = lookup.lookup(claim, top_k)
        if as_json:
            click.echo(result.model_dump_json())
        else:
            _print_human(result)
        return
    failures = 0
    for number, item in _read_claims(claims_file):
        try:
            if isinstance(item, Exception):
                raise item
            out = lookup.lookup(item, top_k).model_dump()
        except FactCheckError as exc:
            failures += 1
            info = describe(exc)
            out = {"ok": False, "line": number, "code": info.code, "error": info.message}
            click.echo(f"Warning: line {number}: {info.message}", err=True)
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    if failures:
        raise CLIError(f"{failures} claim(s) could not be checked (see warnings)", 2)
