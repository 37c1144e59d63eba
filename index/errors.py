"""Errors of the index layer; the service maps each to one HTTP status and one CLI message."""

from __future__ import annotations


class IndexError_(Exception):
    """Base of the index errors (trailing underscore: ``IndexError`` is a builtin)."""

    #: when no version of an index root could be loaded: each version tried, and why it was refused
    refused_versions: dict[str, str] = {}


class IndexNotFoundError(IndexError_):
    """No index at the given folder."""


class IndexCorruptError(IndexError_):
    """An index file is missing, truncated or does not match its checksum."""


class IndexModelMismatchError(IndexError_):
    """The index was built with another embedding model than the one configured."""


class IndexBusyError(IndexError_):
    """Another build holds the index root's lock (in this process or another one)."""

    def __init__(self, message: str, holder_pid: int | None = None) -> None:
        super().__init__(message)
        self.holder_pid = holder_pid


class DocumentNotFoundError(IndexError_):
    """A document id that the index does not hold."""


class FactCheckNotFoundError(DocumentNotFoundError):
    """A fact-check id that the index does not hold."""


class IndexDatabaseError(IndexError_):
    """The database of an index kept in PostgreSQL cannot be reached, or cannot hold one (no pgvector)."""

