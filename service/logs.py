"""Logging for the service and the CLI: plain lines or JSON (FACTCHECK_LOG_FORMAT), each with the id of
the request it was written for."""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

# One-time work a user waits for (converting the backbone, exporting the stance model): INFO in the
# service's log, and shown by the CLI, whose level is otherwise WARNING.
SETUP_LOG = logging.getLogger("factcheck.setup")

# Routine lines that say nothing an operator acts on: Haystack's "Warming up component …" and
# "Running component …" (a dozen a request) and faiss's report of which SIMD build it loaded
# (a ModuleNotFoundError for the build it skipped, at every start). Shown at DEBUG only.
ROUTINE_LOGGERS = ("haystack.core.pipeline", "faiss.loader")


def quiet_routine_loggers(level: int) -> None:
    for name in ROUTINE_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)


# the id of the request being served (set by service.api.request_id), named in every log line meanwhile
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: int = logging.INFO, fmt: str = "text") -> None:
    """One handler on the root logger (uvicorn's loggers propagate to it)."""
    handler = logging.StreamHandler()
    handler.addFilter(_RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    quiet_routine_loggers(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
