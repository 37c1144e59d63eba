"""Article text in, sentences with character offsets out.

Two splitters: our rules (:mod:`corpus.sentences`, the one that splits the corpus into passages) and
SoMaJo, the standard German and English tokenizer and sentence splitter. ``bench/sentences.py``
measures both; the setting FACTCHECK_ARTICLE_SPLITTER chooses (see :data:`SPLITTERS`).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from haystack import component

from corpus.sentences import paragraph_spans, split_sentences
from service.article.extract import ArticleText

SPLITTERS = ("rules", "somajo")
_SOMAJO_MODELS = {"de": "de_CMC", "en": "en_PTB"}
_somajo_lock = threading.Lock()  # SoMaJo's tokenizer keeps state between calls


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    paragraph: int


@lru_cache(maxsize=2)
def _somajo(model: str):
    from somajo import SoMaJo

    return SoMaJo(model, split_camel_case=False, split_sentences=True, character_offsets=True)


def somajo_spans(text: str, language: str | None) -> list[tuple[int, int]]:
    """Sentence spans by SoMaJo (German or English model), offsets into ``text``; other languages: our rules."""
    model = _SOMAJO_MODELS.get(language or "")
    if model is None:
        return split_sentences(text, language)
    spans: list[tuple[int, int]] = []
    with _somajo_lock:
        tokenizer = _somajo(model)
        for base, end in paragraph_spans(text, strip=False):
            for sentence in tokenizer.tokenize_text([text[base:end]]):
                spans.append((base + sentence[0].character_offset[0], base + sentence[-1].character_offset[1]))
    return spans


def split_article(text: str, language: str | None, splitter: str = "rules") -> list[Sentence]:
    spans = somajo_spans(text, language) if splitter == "somajo" else split_sentences(text, language)
    paragraph_ends = [e for _, e in paragraph_spans(text, strip=False)]
    out, p = [], 0
    for i, (s, e) in enumerate(spans):
        while p < len(paragraph_ends) - 1 and s >= paragraph_ends[p]:
            p += 1
        out.append(Sentence(index=i, start=s, end=e, text=text[s:e], paragraph=p))
    return out


@component
class ArticleSentences:
    """Split the article into sentences, each with its offsets into the article text."""

    def __init__(self, splitter: str = "rules") -> None:
        if splitter not in SPLITTERS:
            raise ValueError(f"unknown sentence splitter {splitter!r}; one of {', '.join(SPLITTERS)}")
        self.splitter = splitter

    def warm_up(self) -> None:
        for model in _SOMAJO_MODELS.values():
            if self.splitter == "somajo":
                _somajo(model)

    @component.output_types(sentences=list[Sentence], ms=float)
    def run(self, article: ArticleText) -> dict:
        started = time.perf_counter()
        sentences = split_article(article.text, article.language, self.splitter)
        return {"sentences": sentences, "ms": (time.perf_counter() - started) * 1000}
