"""What every command shares: settings from options, and one way to report errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from service.errors import FactCheckError, SettingsError, describe
from service.schemas import PriorFactCheck
from service.settings import Settings


class CLIError(click.ClickException):
    """``Error: <message>`` on stderr and the error's exit code; never a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            info = describe(exc)
            if info.code == "internal_error":
                message = f"{type(exc).__name__}: {exc}"
            else:
                message = info.message
            raise CLIError(message, info.exit_code) from exc

    return wrapper


def make_settings(index_dir: Path | None = None, **overrides: Any) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if index_dir is not None:
        values["index_dir"] = index_dir
    try:
        return Settings(**values)
    except ValidationError as exc:
        # One line per bad value, named as the user set it (the env var), not as pydantic's field.
        problems = [
            f"FACTCHECK_{str(e['loc'][0]).upper()}={_shown(str(e['loc'][0]), e.get('input'))}: {e['msg']}"
            if e["loc"]
            else e["msg"].removeprefix("Value error, ")
            for e in exc.errors()
        ]
        raise SettingsError("invalid setting " + "; ".join(problems)) from None


def _shown(field: str, value: object) -> str:
    """A setting's value for an error message; a secret is never repeated (it may sit in a log)."""
    return "(hidden)" if field.endswith("token") else repr(value)


def index_dir_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--index-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder. Default: $FACTCHECK_INDEX_DIR, else data/index.",
    )(func)


# a verdict's colour on a terminal, the same in every command
VERDICT_COLOURS = {"SUPPORTED": "green", "REFUTED": "red", "CONFLICTING": "yellow", "NOT_ENOUGH_INFO": "blue"}


def is_terminal() -> bool:
    return sys.stderr.isatty()


def is_stdout_terminal() -> bool:
    return sys.stdout.isatty()


def read_claims(handle) -> list[tuple[int, object]]:
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


def bad_line(number: int, exc: FactCheckError) -> dict:
    """A bad line of a claims file: warned about on stderr, and its answer in the output."""
    info = describe(exc)
    click.echo(f"Warning: line {number}: {info.message}", err=True)
    return {"ok": False, "line": number, "code": info.code, "error": info.message}


# a rating class's colour on a terminal
RATING_COLOURS = {"false": "red", "mostly_false": "red", "mixed": "yellow", "mostly_true": "green", "true": "green"}


def prior_lines(matches: list[PriorFactCheck]) -> list[str]:
    """The lines that open a claim's answer when it has been fact-checked before."""
    lines = []
    for m in matches:
        rating = m.rating or m.rating_class.replace("_", " ")
        styled = click.style(f"'{rating}'", fg=RATING_COLOURS.get(m.rating_class), bold=True)
        when = f" on {m.published}" if m.published else ""
        who = m.publisher or "A fact-checker"
        lines.append(f"Already fact-checked: {who} rated a matching claim {styled}{when}" + (f" {m.url}" if m.url else ""))
        lines.append(f"  their claim: {m.claim}  (match {m.score:.2f})")
    return lines
