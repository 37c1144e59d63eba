"""Article in, clean text out: the body of an HTML page (with trafilatura) or a text / Markdown article,
with its title, publication date and language where they can be found.

Every offset the article check reports is into :attr:`ArticleText.text`, the text this step returns.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass

from haystack import component

from corpus.language import detect_language
from corpus.markup import markdown_to_text
from service.errors import InvalidInputError
from service.text import blank_controls, check_text, visible

_TITLE_MAX = 200
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_HTML_LANG = re.compile(r"<html[^>]*\blang=[\"']?([A-Za-z]{2})\b", re.IGNORECASE)


@dataclass
class ArticleText:
    """The article as it is checked: ``text`` is the body, the title not included when it was found apart."""

    text: str
    title: str | None = None
    published: str | None = None
    language: str | None = None
    url: str | None = None
    source_format: str = "text"


def _invalid(loc: str, message: str, why: str) -> InvalidInputError:
    return InvalidInputError(message, [{"loc": loc, "message": why}])


def parse_published(value: object, loc: str = "published") -> str | None:
    """An ISO date (``YYYY-MM-DD``), from a date or a date-time string; None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            pass
    raise _invalid(loc, f"{loc} must be a date such as 2021-06-01, got {value!r}", "not a date")


def _split_title(text: str) -> tuple[str | None, str]:
    """A first line that stands alone (a blank line after it, short, no final full stop) is the title."""
    head, sep, rest = text.lstrip().partition("\n")
    if not sep or not rest.strip():
        return None, text
    line = _MD_HEADING.sub("", head).strip()
    if rest.startswith("\n") or rest.lstrip(" \t").startswith("\n") or head.lstrip().startswith("#"):
        if 0 < len(line) <= _TITLE_MAX and not line.endswith((".", ":", ",")):
            return line, rest.strip("\n")
    return None, text


def from_html(html: str) -> ArticleText:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        output_format="python",
        # the date from the page's metadata only: a year in the body is no publication date
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = (doc.text or "") if doc is not None else ""
    # trafilatura puts one newline between blocks; a blank line makes each heading, paragraph and list
    # item a unit of its own for the sentence splitter
    text = re.sub(r"[ \t]*\n\s*", "\n\n", text.strip())
    if doc is not None and doc.title and text.startswith(doc.title + "\n"):
        text = text[len(doc.title) :].lstrip()  # the headline is the title, not the body's first sentence
    if not visible(text):
        raise _invalid("html", "the HTML has no article text that could be extracted", "no text")
    published = None
    if doc.date:
        try:
            published = parse_published(doc.date)
        except InvalidInputError:
            published = None
    declared = getattr(doc, "language", None) or (m.group(1) if (m := _HTML_LANG.search(html[:5000])) else None)
    language = declared.split("-")[0].lower() if declared else None
    return ArticleText(
        text=text.strip(),
        title=(doc.title or None),
        published=published,
        language=language,
        url=doc.url or None,
        source_format="html",
    )


def from_text(text: str, markdown: bool = False) -> ArticleText:
    if not visible(text):
        raise _invalid("text", "the article is empty", "empty or only white space")
    # the corpus's own Markdown reader: headings, lists, quotes, emphasis, code and links, one set of rules
    body = markdown_to_text(text)[0] if markdown else text
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    title, body = _split_title(body)
    if not visible(body):  # a title alone: check it as the text
        body, title = title or "", None
    return ArticleText(text=body.strip(), title=title, source_format="markdown" if markdown else "text")


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:500].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head or "<p>" in head or "<article" in head)


@component
class ArticleCleaner:
    """Text, Markdown or HTML in; the article's clean text and metadata out (limits checked)."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars

    @component.output_types(article=ArticleText, ms=float)
    def run(
        self,
        text: str | None = None,
        html: str | None = None,
        markdown: bool = False,
        language: str | None = None,
        published: str | None = None,
        url: str | None = None,
    ) -> dict:
        started = time.perf_counter()
        if (text is None) == (html is None):
            raise _invalid("text", "give the article as text or as html, not both and not neither", "text or html")
        raw, loc = (html, "html") if html is not None else (text, "text")
        if not isinstance(raw, str):
            raise _invalid(loc, f"{loc} must be a string", "not a string")
        check_text(raw, loc)
        if len(raw) > self.max_chars:
            raise _invalid(
                loc,
                f"the article is {len(raw):,} characters long; the limit is {self.max_chars:,} "
                "(FACTCHECK_MAX_ARTICLE_CHARS)",
                "too long",
            )
        raw = blank_controls(raw)  # a claim taken from the article must pass the claim check, which refuses them
        article = from_html(raw) if html is not None else from_text(raw, markdown)
        article.published = parse_published(published) or article.published
        article.url = url or article.url
        article.language = language or article.language or detect_language(article.text, 0.5)
        return {"article": article, "ms": (time.perf_counter() - started) * 1000}
