"""Read a corpus file or folder into :class:`SourceDocument` records.

Formats by extension: ``.jsonl`` (one document a line), ``.txt``, ``.md``/``.markdown``,
``.html``/``.htm``. A file or line that cannot be read becomes an :class:`IngestError`
naming the file and line; everything else is still loaded.
"""

from __future__ import annotations

import json
from pathlib import Path

from corpus.documents import IngestError, SourceDocument
from corpus.language import detect_language
from corpus.markup import html_to_text, markdown_to_text

SUFFIXES = {
    ".jsonl": "jsonl",
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
}
_OPTIONAL = ("title", "url", "language", "published", "source")


def corpus_files(path: Path) -> list[Path]:
    """The readable files under ``path`` (or ``path`` itself), in a stable order."""
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


def load_corpus(path: Path) -> tuple[list[SourceDocument], list[IngestError]]:
    """Load every document under ``path``; duplicate ids keep the first and report the rest."""
    path = Path(path)
    if not path.exists():
        return [], [IngestError(str(path), None, "no such file or folder")]
    files = corpus_files(path)
    if not files:
        return [], [IngestError(str(path), None, f"no corpus files ({', '.join(sorted(SUFFIXES))}) found")]
    docs: list[SourceDocument] = []
    errors: list[IngestError] = []
    seen: dict[str, str] = {}
    root = path if path.is_dir() else path.parent
    for file in files:
        file_docs, file_errors = load_file(file, root)
        errors += file_errors
        for doc in file_docs:
            if doc.id in seen:
                errors.append(
                    IngestError(str(file), None, f"duplicate document id {doc.id!r} (first in {seen[doc.id]})")
                )
                continue
            seen[doc.id] = str(file)
            docs.append(doc)
    return docs, errors


def load_file(file: Path, root: Path | None = None) -> tuple[list[SourceDocument], list[IngestError]]:
    """Load one file; its documents and the errors met on the way."""
    kind = SUFFIXES.get(file.suffix.lower())
    if kind is None:
        return [], [IngestError(str(file), None, f"unsupported file type {file.suffix!r}")]
    try:
        raw = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [], [IngestError(str(file), None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return [], [IngestError(str(file), None, f"cannot read: {exc.strerror}")]
    rel = str(file.relative_to(root)) if root and file.is_relative_to(root) else file.name
    if kind == "jsonl":
        return _jsonl_documents(raw, file, rel)
    doc_id = str(Path(rel).with_suffix(""))
    if kind == "html":
        text, title = html_to_text(raw)
        doc = SourceDocument(id=doc_id, text=text, title=title)
    elif kind == "markdown":
        text, offsets = markdown_to_text(raw)
        doc = SourceDocument(id=doc_id, text=text, title=_first_line(text), source_offsets=offsets)
    else:
        doc = SourceDocument(id=doc_id, text=raw, title=_first_line(raw))
    if not doc.text.strip():
        return [], [IngestError(str(file), None, "no text in file")]
    doc.path = rel
    doc.language = detect_language(doc.text)
    return [doc], []


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 200 else None
    return None


def _jsonl_documents(raw: str, file: Path, rel: str) -> tuple[list[SourceDocument], list[IngestError]]:
    docs, errors = [], []
    for number, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(IngestError(str(file), number, f"invalid JSON ({exc.msg} at column {exc.colno})"))
            continue
        problem = _check_record(record)
        if problem:
            errors.append(IngestError(str(file), number, problem))
            continue
        doc = SourceDocument(
            id=str(record["id"]),
            text=record["text"],
            path=rel,
            **{key: _optional_str(record.get(key)) for key in _OPTIONAL},
        )
        doc.language = doc.language or detect_language(doc.text)
        docs.append(doc)
    return docs, errors


def _check_record(record: object) -> str | None:
    if not isinstance(record, dict):
        return "each line must be a JSON object"
    if "id" not in record or not isinstance(record["id"], str | int) or not str(record["id"]).strip():
        return "missing or empty 'id' (a string)"
    if not isinstance(record.get("text"), str) or not record["text"].strip():
        return "missing or empty 'text' (a string)"
    for key in _OPTIONAL:
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"'{key}' must be a string"
    return None


def _optional_str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
