"""The document and passage records that flow from ingestion into the index."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceDocument:
    """One reference document as ingested; ``text`` is what passage offsets point into."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    language: str | None = None
    published: str | None = None
    source: str | None = None
    path: str | None = None
    # For formats whose text is extracted from markup (Markdown): offset of each text
    # character in the original file, so a citation can point into the file too.
    source_offsets: list[int] | None = field(default=None, repr=False)

    def meta(self) -> dict:
        return {
            "doc_id": self.id,
            "title": self.title,
            "url": self.url,
            "language": self.language,
            "published": self.published,
            "source": self.source,
            "path": self.path,
        }


@dataclass(frozen=True)
class IngestError:
    """A part of the corpus that could not be read; the rest is still indexed."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"
