"""Haystack components for ingestion: corpus path -> documents -> passages."""

from __future__ import annotations

from pathlib import Path

from haystack import Document, component

from corpus.documents import IngestError, SourceDocument
from corpus.loaders import load_corpus
from corpus.passages import passage_spans, source_span


@component
class CorpusConverter:
    """Read a corpus file or folder (JSONL, text, Markdown, HTML) into source documents."""

    @component.output_types(sources=list[SourceDocument], errors=list[IngestError])
    def run(self, path: Path) -> dict:
        sources, errors = load_corpus(Path(path))
        return {"sources": sources, "errors": errors}


@component
class SentencePassageSplitter:
    """Split each source document into passages of a few sentences, with character offsets.

    Passage ids are ``<document id>#<n>``; ``meta.start``/``meta.end`` point into the
    document text, so ``document.text[start:end] == passage.content``.
    """

    def __init__(self, sentences_per_passage: int = 3, max_chars: int = 600) -> None:
        self.sentences_per_passage = sentences_per_passage
        self.max_chars = max_chars

    @component.output_types(documents=list[Document])
    def run(self, sources: list[SourceDocument]) -> dict:
        passages: list[Document] = []
        for src in sources:
            for n, span in enumerate(passage_spans(src.text, self.sentences_per_passage, self.max_chars, src.language)):
                meta = {**src.meta(), "start": span.start, "end": span.end, "passage": n}
                if (in_file := source_span(src, span)) is not None:
                    meta["source_start"], meta["source_end"] = in_file
                passages.append(Document(id=f"{src.id}#{n}", content=src.text[span.start : span.end], meta=meta))
        return {"documents": passages}
