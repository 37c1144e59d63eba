"""Split documents into passages of a few sentences that keep their character offsets."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.documents import SourceDocument
from corpus.sentences import split_sentences


@dataclass(frozen=True)
class PassageSpan:
    start: int
    end: int


def passage_spans(
    text: str, sentences_per_passage: int = 3, max_chars: int = 600, language: str | None = None
) -> list[PassageSpan]:
    """Group consecutive sentences into passages; ``text[start:end]`` is each passage.

    A passage closes after ``sentences_per_passage`` sentences, at a paragraph break, or
    before it would pass ``max_chars``; an over-long single sentence is cut at a space.
    """
    spans: list[PassageSpan] = []
    group: list[tuple[int, int]] = []

    def flush() -> None:
        if group:
            spans.append(PassageSpan(group[0][0], group[-1][1]))
            group.clear()

    for start, end in split_sentences(text, language):
        for s, e in _cut_long(text, start, end, max_chars):
            if group and (
                len(group) >= sentences_per_passage or e - group[0][0] > max_chars or "\n\n" in text[group[-1][1] : s]
            ):
                flush()
            group.append((s, e))
    flush()
    return spans


def _cut_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    pieces = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + max_chars // 2, start + max_chars)
        cut = cut if cut > start else start + max_chars
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


def source_span(doc: SourceDocument, span: PassageSpan) -> tuple[int, int] | None:
    """The passage's offsets in the original file, where the text was extracted from markup."""
    if not doc.source_offsets:
        return None
    return doc.source_offsets[span.start], doc.source_offsets[span.end - 1] + 1
