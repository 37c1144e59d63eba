"""``factcheck check-article``: the check-worthy claims of an article, each checked, as a report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from service.cli.check_cmd import print_verdict
from service.cli.common import VERDICT_COLOURS, CLIError, handle_errors, index_dir_option, is_terminal, make_settings
from service.schemas import ArticleReport

_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}


def read_article(path: str, kind: str | None) -> tuple[str, str]:
    """The article's text and its kind (text, markdown, html) from a file or stdin ('-')."""
    if path == "-":
        raw = sys.stdin.buffer.read()
        name = "stdin"
    else:
        file = Path(path)
        if not file.is_file():
            raise CLIError(f"{path}: no such file", 2)
        raw = file.read_bytes()
        name = path
        kind = kind or _SUFFIXES.get(file.suffix.lower())
        if kind is None:
            raise CLIError(
                f"{path}: unknown kind of file; give a .txt, .md or .html file, or --as text|markdown|html", 2
            )
    if b"\x00" in raw[:8192]:
        raise CLIError(f"{name}: a binary file, not an article (give a .txt, .md or .html file)", 2)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CLIError(f"{name}: not UTF-8 text (byte {exc.start}); save the article as UTF-8", 2) from None
    if kind is None:  # stdin: HTML when it looks like HTML
        from service.article.extract import looks_like_html

        kind = "html" if looks_like_html(text) else "text"
    return text, kind


def _summary_line(report: ArticleReport) -> str:
    parts = [
        click.style(f"{n} {v.replace('_', ' ').lower()}", fg=VERDICT_COLOURS[v])
        for v, n in report.summary.verdicts.items()
        if n
    ]
    return f"{report.summary.claims} claims checked of {report.summary.sentences} sentences" + (
        ": " + ", ".join(parts) if parts else ""
    )


def print_report(report: ArticleReport) -> None:
    click.echo(click.style(report.title or "(untitled article)", bold=True))
    meta = [f"language {report.language or '?'}"]
    if report.published:
        meta.append(f"published {report.published}")
    if report.url:
        meta.append(report.url)
    click.echo("  " + ", ".join(meta))
    click.echo(_summary_line(report))
    if report.summary.note:
        click.echo(f"  {report.summary.note}")
    click.echo("\nSentences (check-worthiness):")
    for s in report.sentences:
        mark = "*" if s.claims else " "
        why = f" [{s.excluded}]" if s.excluded else ""
        who = f" ({s.speaker})" if s.speaker else ""
        click.echo(f" {mark} {s.worthiness:.2f}{why}{who} {s.text}")
    for claim in report.claims:
        click.echo("\n" + "-" * 72)
        where = f"sentence {claim.sentence_index + 1}, chars {claim.start}-{claim.end}"
        who = f"; said by {claim.speaker}" + (" (quotation)" if claim.quote else "") if claim.speaker else ""
        click.echo(f"Claim {claim.index + 1} ({where}{who}; check-worthiness {claim.worthiness:.2f})")
        for r in claim.replacements:
            click.echo(f"  '{r.original}' read as '{r.replacement}'")
        for d in claim.resolved_dates:
            click.echo(f"  '{d.text}' resolved to {d.date}")
        print_verdict(claim.result)
    click.echo(f"\n({report.took_ms:.0f} ms; " + ", ".join(f"{k} {v:.0f}" for k, v in report.timings_ms.items()
                                                         if "." not in k and k != "total") + ")")  # fmt: skip


class _Bar:
    """A progress bar on stderr (a terminal only) over the article check's stages."""

    def __init__(self, enabled: bool) -> None:
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=4, file=sys.stderr, leave=False, bar_format="{l_bar}{bar}| {n}/{total} {desc}")

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.set_description_str(stage)
            if done == total:
                self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@click.command(name="check-article")
@click.argument("path")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="The report as JSON (the API's shape).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "claimreview"]),
    default=None,
    help="text (a readable report, the default), json, or claimreview (schema.org ClaimReview JSON-LD, one a claim).",
)
@click.option("--as", "kind", type=click.Choice(["text", "markdown", "html"]), default=None,
              help="What the file holds, when its name does not say (stdin: HTML is recognised).")  # fmt: skip
@click.option("--max-claims", type=int, default=None, help="Most claims to check (default 20).")
@click.option("--min-worthiness", type=float, default=None, help="Lowest check-worthiness, 0 to 1 (default 0.45).")
@click.option("-k", "--top-k", type=int, default=None, help="Evidence passages per claim (default 5).")
@click.option("--language", default=None, help="The article's language (ISO 639-1); detected when not given.")
@click.option("--published", default=None, help="Publication date (YYYY-MM-DD): resolves 'am Montag', 'yesterday'.")
@click.option("--url", default=None, help="Where the article appeared (for ClaimReview's appearance).")
@click.option("--progress/--no-progress", default=None, help="A progress bar on stderr (default: on a terminal).")
@handle_errors
def check_article(
    path: str,
    index_dir: Path | None,
    as_json: bool,
    fmt: str | None,
    kind: str | None,
    max_claims: int | None,
    min_worthiness: float | None,
    top_k: int | None,
    language: str | None,
    published: str | None,
    url: str | None,
    progress: bool | None,
) -> None:
    """Find the check-worthy claims of the article at PATH (.txt, .md or .html; '-' reads stdin) and
    check them all in one batch.

    \b
    Typical use:
      factcheck check-article --index-dir data/index article.txt
      factcheck check-article --published 2021-06-01 --json article.html > report.json
      curl -s https://example.org/story | factcheck check-article --format claimreview -
    """
    from service.article.check import ArticleCheck
    from service.claim_checker import ClaimChecker
    from service.runtime import configure_threads

    if as_json and fmt not in (None, "json"):
        raise CLIError("--json and --format claimreview exclude each other", 2)
    fmt = "json" if as_json else fmt or "text"
    text, kind = read_article(path, kind)
    settings = make_settings(index_dir)
    # bad options are answered before the index and the models load
    from service.article.check import validate_max_claims, validate_worthiness
    from service.article.extract import parse_published
    from service.claim_checker import validate_language, validate_top_k

    validate_language(language)
    validate_top_k(top_k, settings)
    validate_max_claims(max_claims, settings)
    validate_worthiness(min_worthiness, settings)
    parse_published(published)
    configure_threads(settings.threads)
    check = ArticleCheck(settings, ClaimChecker.open(settings))
    bar = _Bar(is_terminal() if progress is None else progress)
    try:
        report = check.check(
            text=None if kind == "html" else text,
            html=text if kind == "html" else None,
            markdown=kind == "markdown",
            language=language,
            published=published,
            url=url,
            max_claims=max_claims,
            min_worthiness=min_worthiness,
            top_k=top_k,
            progress=bar,
        )
    finally:
        bar.close()
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
    elif fmt == "claimreview":
        from service.article.claimreview import claim_reviews

        click.echo(json.dumps(claim_reviews(report, settings.claimreview_author), ensure_ascii=False, indent=2))
    else:
        print_report(report)
