"""``factcheck nli``: stance (entailment / neutral / contradiction) of premise-hypothesis pairs."""

from __future__ import annotations

import json
import sys

import click

from service.cli.common import CLIError, handle_errors, make_settings

_KEYS = (("premise", "hypothesis"), ("evidence", "claim"))


def parse_pair(line: str) -> tuple[str, str]:
    """A pair from one JSON line; ValueError says what is wrong with it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    for first, second in _KEYS:
        if first in record or second in record:
            a, b = record.get(first), record.get(second)
            if not isinstance(a, str) or not a.strip() or not isinstance(b, str) or not b.strip():
                raise ValueError(f"'{first}' and '{second}' must both be non-empty strings")
            return a, b
    raise ValueError("needs 'premise' and 'hypothesis' (or 'evidence' and 'claim')")


@click.command(name="nli")
@click.option(
    "--pairs",
    "pairs_file",
    type=click.File("r", encoding="utf-8"),
    required=True,
    help='JSON lines {"premise": ..., "hypothesis": ...} (or "evidence"/"claim"); "-" reads stdin.',
)
@click.option("--model", default=None, help="Stance model (default: $FACTCHECK_STANCE_MODEL, the bundled one).")
@handle_errors
def nli(pairs_file, model: str | None) -> None:
    """Label each pair entailment / neutral / contradiction, one JSON line out per line in.

    Bad lines are answered with {"ok": false, "line": N, "error": ...} and named on stderr;
    the good lines are still scored. Exit code 2 when any line was bad.
    """
    from service.runtime import configure_threads
    from service.stance import StanceScorer

    settings = make_settings(stance_model=model)
    configure_threads(settings.threads)
    items: list[tuple[int, tuple[str, str] | str]] = []
    for number, line in enumerate(pairs_file, start=1):
        if not line.strip():
            continue
        try:
            items.append((number, parse_pair(line)))
        except ValueError as exc:
            items.append((number, str(exc)))
    good = [(n, p) for n, p in items if isinstance(p, tuple)]
    scorer = StanceScorer.from_settings(settings)
    result = scorer.run([p[0] for _, p in good], [p[1] for _, p in good]) if good else {"scores": [], "labels": []}
    answers = {
        n: {"label": lab, "scores": sc}
        for (n, _), lab, sc in zip(good, result["labels"], result["scores"], strict=True)
    }
    bad = 0
    for number, item in items:
        if isinstance(item, str):
            bad += 1
            click.echo(f"Warning: line {number}: {item}", err=True)
            out = {"ok": False, "line": number, "error": item}
        else:
            out = answers[number]
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    if bad:
        raise CLIError(f"{bad} line(s) could not be read (see warnings); the others were answered", 2)
