"""``factcheck check`` (verdict and evidence) and ``factcheck search`` (similar passages only), for one claim or a file of claims."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from service.cli.common import (
    VERDICT_COLOURS,
    CLIError,
    bad_line,
    handle_errors,
    index_dir_option,
    is_stdout_terminal,
    make_settings,
    prior_lines,
    read_claims,
)
from service.cli.remote import RemoteError
from service.errors import FactCheckError
from service.schemas import SearchResponse, VerifiedEvidence, VerifyResponse

_STANCE_MARK = {"supports": "SUPPORTS", "refutes": "REFUTES", "neutral": "neutral"}


def print_search(result: SearchResponse) -> None:
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


def _highlight(ev: VerifiedEvidence) -> str:
    """The passage with its cited sentence marked: bold on a terminal, between » « elsewhere."""
    s, e = ev.sentence.start - ev.start, ev.sentence.end - ev.start
    cited = ev.text[s:e]
    mark = click.style(cited, bold=True, underline=True) if is_stdout_terminal() else f"»{cited}«"
    return ev.text[:s] + mark + ev.text[e:]


def print_verdict(result: VerifyResponse) -> None:
    # what has been published about the claim comes first; the verdict below is ours
    for line in prior_lines(result.prior_fact_checks):
        click.echo(line)
    if result.prior_fact_checks:
        click.echo()
    verdict = click.style(result.verdict.replace("_", " "), fg=VERDICT_COLOURS[result.verdict], bold=True)
    click.echo(f"{verdict}  (confidence {result.confidence:.0%})  {result.claim}")
    if not result.evidence:
        click.echo("  No evidence found.")
    for ev in result.evidence:
        title = f" — {ev.title}" if ev.title else ""
        st = ev.stance
        click.echo(
            f"\n  {ev.rank}. {_STANCE_MARK[st.label]:8} supports {st.supports:.2f} refutes {st.refutes:.2f}  "
            f"{ev.document_id}{title} ({ev.language or '?'}, chars {ev.sentence.start}-{ev.sentence.end})"
        )
        if ev.url:
            click.echo(f"     {ev.url}")
        click.echo(f"     {_highlight(ev)}")
        for problem in ev.consistency.mismatches:
            click.echo(f"     differs: {problem}")
    click.echo(f"\n({result.took_ms:.0f} ms)")


def _claims_options(func):
    func = click.option(
        "--claims-file",
        type=click.File("r", encoding="utf-8"),
        default=None,
        help="File of claims, one a line (or JSON objects with a \"claim\" key); '-' reads stdin. "
        "Writes one JSON object a line.",
    )(func)
    func = click.option("--json", "as_json", is_flag=True, help="Machine-readable output (the API's JSON shape).")(func)
    func = click.option("-k", "--top-k", type=int, default=None, help="Evidence passages per claim (default 5).")(func)
    func = click.option(
        "--token",
        envvar="FACTCHECK_READ_TOKEN",
        default=None,
        help="The service's read token, with --server (default: $FACTCHECK_READ_TOKEN).",
    )(func)
    func = click.option(
        "--server",
        envvar="FACTCHECK_SERVER",
        default=None,
        metavar="URL",
        help="Ask the service running at URL (factcheck serve) instead of loading the index and the models "
        "here: the same output, in the time of a request. Default: $FACTCHECK_SERVER.",
    )(func)
    return index_dir_option(func)


def _open(index_dir: Path | None, server: str | None = None, token: str | None = None):
    """The claim checker: the service at ``server``, or the index loaded in this process."""
    if server:
        if index_dir is not None:
            raise CLIError("--index-dir names a local index; with --server the service uses its own", 2)
        from service.cli.remote import RemoteService

        return RemoteService(server, token)
    from service.claim_checker import ClaimChecker
    from service.runtime import configure_threads

    settings = make_settings(index_dir)
    configure_threads(settings.threads)
    return ClaimChecker.open(settings)


@click.command(name="check")
@click.argument("claim", required=False)
@_claims_options
@click.option("--language", default=None, help="The claim's language (ISO 639-1, e.g. de); detected when not given.")
@handle_errors
def check(
    claim: str | None,
    index_dir: Path | None,
    server: str | None,
    token: str | None,
    top_k: int | None,
    as_json: bool,
    claims_file,
    language: str | None,
) -> None:
    """Check CLAIM (any language): a verdict, its confidence and the evidence for and against it.

    \b
    Verdicts: SUPPORTED, REFUTED, CONFLICTING (strong evidence both ways, from different
    documents) and NOT_ENOUGH_INFO. Each piece of evidence has its stance and the sentence cited.
    With --claims-file, the claims are checked in batches (one model call per batch).
    With --server URL (or $FACTCHECK_SERVER), a running service answers: no model loads here.
    """
    if (claim is None) == (claims_file is None):
        raise CLIError("give either a CLAIM or --claims-file (not both)", 2)
    lookup = _open(index_dir, server, token)
    if claims_file is None:
        result = lookup.verify(claim, top_k, language)
        click.echo(result.model_dump_json()) if as_json else print_verdict(result)
        return
    if server:
        validate, batch_size = _plain_claim, REMOTE_BATCH

        def verify_batch(claims: list[str]) -> list[dict]:
            try:
                return [r.model_dump() for r in lookup.verify_batch(claims, top_k, language).results]
            except RemoteError as exc:  # one bad claim refuses the batch: ask claim by claim, to name the line
                if exc.status != 422 or len(claims) == 1:
                    raise
                return [_one_remote(lookup, c, top_k, language) for c in claims]
    else:
        from service.claim_checker import validate_claim

        def validate(item: object) -> str:
            return validate_claim(item, lookup.settings)

        def verify_batch(claims: list[str]) -> list[dict]:
            return [r.model_dump() for r in lookup.verify_batch(claims, top_k, language).results]

        batch_size = lookup.settings.max_batch_claims

    failures = 0
    pending: list[tuple[int, str | dict]] = []  # in line order: a claim to check, or a bad line's answer

    def flush() -> None:
        # one batch of claims, then every pending line in order: output streams, batch by batch
        nonlocal failures
        good = [c for _, c in pending if isinstance(c, str)]
        results = iter(verify_batch(good) if good else [])
        for number, item in pending:
            out = next(results) if isinstance(item, str) else item
            if out.get("ok") is False and "line" not in out:  # refused by the service
                failures += 1
                click.echo(f"Warning: line {number}: {out['error']}", err=True)
                out = {**out, "line": number}
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        pending.clear()

    for number, item in read_claims(claims_file):
        try:
            if isinstance(item, Exception):
                raise item
            pending.append((number, validate(item)))
        except FactCheckError as exc:
            failures += 1
            pending.append((number, bad_line(number, exc)))
        if sum(isinstance(c, str) for _, c in pending) >= batch_size:
            flush()
    flush()
    if failures:
        raise CLIError(f"{failures} claim(s) could not be checked (see warnings)", 2)


# claims a request with --server: a batch well under the service's default limit (64)
REMOTE_BATCH = 32


def _plain_claim(item: object) -> str:
    """The checks a claim gets before it is sent: the service checks the rest, and names the line."""
    from service.errors import InvalidInputError

    if not isinstance(item, str):
        raise InvalidInputError("claim must be a string")  # e.g. a JSON line without a "claim"
    if not item.strip():
        raise InvalidInputError("claim is empty")
    return item.strip()


def _one_remote(service, claim: str, top_k: int | None, language: str | None) -> dict:
    try:
        return service.verify(claim, top_k, language).model_dump()
    except RemoteError as exc:
        if exc.status != 422:
            raise
        return {"ok": False, "code": exc.code, "error": exc.detail}


@click.command(name="search")
@click.argument("claim", required=False)
@_claims_options
@handle_errors
def search(
    claim: str | None,
    index_dir: Path | None,
    server: str | None,
    token: str | None,
    top_k: int | None,
    as_json: bool,
    claims_file,
) -> None:
    """Find the passages most similar to CLAIM: retrieval only, no stance and no verdict."""
    if (claim is None) == (claims_file is None):
        raise CLIError("give either a CLAIM or --claims-file (not both)", 2)
    lookup = _open(index_dir, server, token)
    if claims_file is None:
        result = lookup.lookup(claim, top_k)
        click.echo(result.model_dump_json()) if as_json else print_search(result)
        return
    failures = 0
    for number, item in read_claims(claims_file):
        try:
            if isinstance(item, Exception):
                raise item
            out = lookup.lookup(item, top_k).model_dump()
        except FactCheckError as exc:
            failures += 1
            out = bad_line(number, exc)
        except RemoteError as exc:  # with --server: the service refused this line's claim
            if exc.status != 422:
                raise
            failures += 1
            click.echo(f"Warning: line {number}: {exc.detail}", err=True)
            out = {"ok": False, "line": number, "code": exc.code, "error": exc.detail}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    if failures:
        raise CLIError(f"{failures} claim(s) could not be checked (see warnings)", 2)
