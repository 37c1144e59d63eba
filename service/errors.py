"""The one error vocabulary: each failure maps to a code, an HTTP status and a CLI exit code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.errors import (
    DocumentNotFoundError,
    IndexBusyError,
    IndexCorruptError,
    IndexDatabaseError,
    IndexModelMismatchError,
    IndexNotFoundError,
)


class FactCheckError(Exception):
    """An error meant for the user: its message says what went wrong and what to do."""

    code = "error"
    status = 500
    exit_code = 1

    def __init__(self, message: str, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers: dict[str, str] = {}


class InvalidInputError(FactCheckError):
    code, status, exit_code = "invalid_request", 422, 2


class IndexUnavailableError(FactCheckError):
    code, status, exit_code = "index_unavailable", 503, 3


class CorpusError(FactCheckError):
    code, status, exit_code = "corpus_error", 400, 4


class ModelError(FactCheckError):
    """A model that cannot be loaded: a configured path or name that does not hold one, damaged weights."""

    code, status, exit_code = "model_error", 500, 5


class SettingsError(FactCheckError):
    code, status, exit_code = "invalid_settings", 500, 2


class UnauthorizedError(FactCheckError):
    code, status, exit_code = "unauthorized", 401, 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"WWW-Authenticate": "Bearer"}


class AdminDisabledError(FactCheckError):
    code, status, exit_code = "admin_disabled", 403, 1


class NotFoundError(FactCheckError):
    code, status, exit_code = "not_found", 404, 1


class BuildRunningError(FactCheckError):
    """A build is running already; ``job_id`` names it when it runs in this service."""

    code, status, exit_code = "build_running", 409, 6

    def __init__(self, message: str, job_id: str | None = None) -> None:
        super().__init__(message, [{"loc": "job_id", "message": job_id}] if job_id else [])
        self.job_id = job_id


@dataclass
class ErrorInfo:
    code: str
    status: int
    exit_code: int
    message: str
    details: list[dict] = field(default_factory=list)


# index error -> (code, HTTP status, CLI exit code)
_INDEX_ERRORS: dict[type[Exception], tuple[str, int, int]] = {
    IndexNotFoundError: ("index_not_found", 503, 3),
    IndexCorruptError: ("index_corrupt", 503, 3),
    IndexModelMismatchError: ("index_model_mismatch", 503, 3),
    IndexBusyError: ("build_running", 409, 6),
    IndexDatabaseError: ("index_unavailable", 503, 3),
    DocumentNotFoundError: ("not_found", 404, 1),
}


class PayloadTooLargeError(FactCheckError):
    code, status, exit_code = "payload_too_large", 413, 2


class JobInterruptedError(FactCheckError):
    code, status, exit_code = "job_interrupted", 500, 1


# Every code an API error body or a job error may carry, with its HTTP status: the one vocabulary the
# README's table documents (tests/unit/test_docs.py compares them).
CODES: dict[str, int] = {
    **{cls.code: cls.status for cls in FactCheckError.__subclasses__()},
    **{code: status for code, status, _ in _INDEX_ERRORS.values()},
    # answered by the API's handlers from the status alone (service/api/errors.py), never raised
    "malformed_json": 400,
    "forbidden": 403,
    "method_not_allowed": 405,
    "internal_error": 500,
}


# code -> CLI exit code, for the codes an answer of the service carries (the CLI's --server)
EXIT_CODES: dict[str, int] = {
    **{cls.code: cls.exit_code for cls in FactCheckError.__subclasses__()},
    **{code: exit_code for code, _, exit_code in _INDEX_ERRORS.values()},
}


def describe(exc: BaseException) -> ErrorInfo:
    """How to report ``exc``: one mapping shared by the API and the CLI. An error a pipeline step raised comes
    wrapped (Haystack's ``PipelineRuntimeError``): the step's own error, when it is one of ours, is reported."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, FactCheckError):
            return ErrorInfo(seen.code, seen.status, seen.exit_code, seen.message, seen.details)
        for cls, (code, status, exit_code) in _INDEX_ERRORS.items():
            if isinstance(seen, cls):
                return ErrorInfo(code, status, exit_code, str(seen))
        seen = seen.__cause__
    return ErrorInfo("internal_error", 500, 1, "internal error; the server log has the details")


def hide_paths(text: str, root: Path) -> str:
    """``text`` with the index folder's server path replaced by its name: an API answer must not tell a
    client where the server keeps its files."""
    forms = {str(root.resolve()), str(root.absolute()), str(root)} - {"", "."}
    for form in sorted(forms, key=len, reverse=True):  # the longest first: one may contain another
        text = text.replace(form, root.name or "index")
    return text


def hide_paths_in(value: Any, root: Path) -> Any:
    """:func:`hide_paths` on every string of a JSON-like value (a job's report or error)."""
    if isinstance(value, str):
        return hide_paths(value, root)
    if isinstance(value, dict):
        return {k: hide_paths_in(v, root) for k, v in value.items()}
    if isinstance(value, list):
        return [hide_paths_in(v, root) for v in value]
    return value


def error_body(info: ErrorInfo) -> dict:
    """The JSON body of every API error."""
    return {"ok": False, "status": info.status, "code": info.code, "error": info.message, "errors": info.details}
