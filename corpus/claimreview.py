"""Published fact-checks read from ClaimReview JSON-LD, HTML pages and JSONL, as :class:`FactCheck` records.

Accepted shapes:

- JSON (``.json``, ``.jsonld``): one ClaimReview, a list of them, an ``@graph``, or a data feed with
  ``dataFeedElement[].item[]`` (Data Commons, Google Fact Check Tools); other objects are passed over.
- HTML (``.html``, ``.htm``): ClaimReview in ``<script type="application/ld+json">`` or in microdata,
  extracted by ``extruct``.
- JSONL (``.jsonl``): one fact-check a line, ``{"id", "claim", "rating"?, "url"?, "publisher"?,
  "published"?, "language"?, "title"?}``.

A record that cannot be used is an :class:`~corpus.documents.IngestError` naming its file and line
or JSON path; the others are still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from corpus.documents import IngestError
from corpus.factcheck import (
    FactCheck,
    RecordError,
    claim_text,
    day,
    derived_id,
    first,
    language_code,
    language_name,
    looks_like_url,
    many,
    name_of,
    number_value,
    text_value,
    url_of,
)
from corpus.ratings import rating_class

__all__ = ["FactCheck", "RecordError", "parse_fact_checks_json", "read_fact_checks"]

SUFFIXES = {".json": "json", ".jsonld": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".html": "html", ".htm": "html"}
JSONL_FIELDS = ("id", "claim", "rating", "url", "publisher", "published", "language", "title")


def read_fact_checks(paths: list[Path]) -> tuple[list[FactCheck], list[IngestError]]:
    """Every fact-check in ``paths`` (files, or folders searched for the suffixes above), and what was refused.

    A later record with the same id replaces an earlier one.
    """
    found: dict[str, FactCheck] = {}
    errors: list[IngestError] = []
    for path in _files(paths, errors):
        records, problems = read_file(path)
        errors.extend(problems)
        for record in records:
            found[record.id] = record
    return list(found.values()), errors


def _files(paths: list[Path], errors: list[IngestError]) -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not inside:
                errors.append(IngestError(str(path), None, f"no {', '.join(sorted(SUFFIXES))} file in this folder"))
            yield from inside
        elif path.is_file():
            yield path
        else:
            errors.append(IngestError(str(path), None, "no such file or folder"))


def read_file(path: Path) -> tuple[list[FactCheck], list[IngestError]]:
    """The fact-checks of one file, its kind told by its suffix (or, failing that, by its first character)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [IngestError(str(path), None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return [], [IngestError(str(path), None, f"cannot be read: {exc.strerror or exc}")]
    kind = SUFFIXES.get(path.suffix.lower()) or _sniff(text)
    if kind == "jsonl":
        return parse_jsonl(text, str(path))
    if kind == "html":
        return parse_html(text, str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [IngestError(str(path), exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})")]
    return parse_jsonld(data, str(path))


def _sniff(text: str) -> str:
    head = text.lstrip()[:1]
    if head == "<":
        return "html"
    first = text.strip().split("\n", 1)[0]
    try:
        json.loads(first)
        return "jsonl" if "\n" in text.strip() and first.strip().startswith("{") else "json"
    except json.JSONDecodeError:
        return "json"


# --- JSONL -----------------------------------------------------------------------------------
def parse_jsonl(text: str, source: str = "<jsonl>") -> tuple[list[FactCheck], list[IngestError]]:
    records: list[FactCheck] = []
    errors: list[IngestError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(IngestError(source, number, f"not valid JSON: {exc.msg} (column {exc.colno})"))
            continue
        try:
            records.append(from_plain(data))
        except RecordError as exc:
            errors.append(IngestError(source, number, str(exc)))
    return records, errors


def from_plain(data: object) -> FactCheck:
    """One fact-check of the JSONL shape; :class:`RecordError` when it is not usable."""
    if not isinstance(data, dict):
        raise RecordError("a fact-check must be a JSON object")
    unknown = sorted(set(data) - set(JSONL_FIELDS))
    if unknown:
        raise RecordError(f"unknown field {unknown[0]!r}; the fields are {', '.join(JSONL_FIELDS)}")
    for name in JSONL_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise RecordError(f"{name} must be a string, got {type(value).__name__}")
    ident = (data.get("id") or "").strip()
    if not ident:
        raise RecordError("id is missing or empty")
    claim = claim_text(data.get("claim"))
    rating = text_value(data.get("rating"))
    return FactCheck(
        id=ident,
        claim=claim,
        rating=rating,
        rating_class=rating_class(rating),
        publisher=text_value(data.get("publisher")),
        url=text_value(data.get("url")),
        published=day(data.get("published")),
        language=language_code(data.get("language"), claim),
        title=text_value(data.get("title")),
    )


def parse_fact_checks_json(data: object) -> tuple[list[FactCheck], list[dict[str, str]]]:
    """A JSON body of fact-checks (the API's): ClaimReview JSON-LD, or a list of the JSONL shape.

    Returns the records and, for each bad one, ``{"loc": JSON path, "message"}``; an id given twice is bad too.
    """
    problems: list[dict[str, str]] = []
    records: list[FactCheck] = []
    plain = isinstance(data, list) and data and all(isinstance(d, dict) and "claim" in d and "@type" not in d for d in data)
    if plain:
        for i, item in enumerate(data):  # type: ignore[arg-type]
            try:
                records.append(from_plain(item))
            except RecordError as exc:
                problems.append({"loc": f"$[{i}]", "message": str(exc)})
    else:
        found, errors = parse_jsonld(data, "body")
        records = found
        for e in errors:
            where, _, message = e.message.partition(": ")
            if message:
                problems.append({"loc": where, "message": message})
            else:
                problems.append({"loc": "body", "message": e.message.replace("in this file", "in the body")})
    seen: set[str] = set()
    for r in records:
        if r.id in seen:
            problems.append({"loc": "body", "message": f"fact-check {r.id!r} is given twice"})
        seen.add(r.id)
    return records, problems


# --- JSON-LD ---------------------------------------------------------------------------------
def parse_jsonld(data: object, source: str = "<json>") -> tuple[list[FactCheck], list[IngestError]]:
    """ClaimReview records anywhere in a JSON-LD document (a record, a list, a graph or a feed)."""
    records: list[FactCheck] = []
    errors: list[IngestError] = []
    seen = 0
    for where, node in _claim_reviews(data, "$"):
        seen += 1
        try:
            records.append(from_claim_review(node))
        except RecordError as exc:
            errors.append(IngestError(source, None, f"{where}: {exc}"))
    if not seen:
        errors.append(IngestError(source, None, "no ClaimReview record in this file"))
    return records, errors


def _types(node: dict) -> list[str]:
    kinds = node.get("@type", node.get("type", []))
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return [str(k).rsplit("/", 1)[-1].rsplit(":", 1)[-1] for k in kinds]


def _claim_reviews(node: object, where: str) -> Iterator[tuple[str, dict]]:
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _claim_reviews(item, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if "ClaimReview" in _types(node):
        yield where, node
        return
    for key in ("@graph", "dataFeedElement", "item", "mainEntity", "itemListElement"):
        if key in node:
            yield from _claim_reviews(node[key], f"{where}.{key}")


def from_claim_review(node: dict) -> FactCheck:
    """One ClaimReview object; :class:`RecordError` when it reviews no claim."""
    claim = claim_text(node.get("claimReviewed"), "claimReviewed")
    rating_node = first(node.get("reviewRating"))
    rating = value = best = worst = None
    if isinstance(rating_node, dict):
        rating = text_value(rating_node.get("alternateName")) or text_value(rating_node.get("name"))
        value, best, worst = (number_value(rating_node.get(k)) for k in ("ratingValue", "bestRating", "worstRating"))
    elif isinstance(rating_node, str):
        rating = text_value(rating_node)
    cls = rating_class(rating, value, best, worst)
    if rating is None and value is not None:  # shown as the publisher's scale has it
        rating = f"{value:g}/{best:g}" if best is not None else f"{value:g}"
    item = first(node.get("itemReviewed"))
    claimant = appearances = None
    if isinstance(item, dict):
        claimant = name_of(item.get("author"))
        appearances = [
            u for u in (url_of(a) for a in many(item.get("appearance")) + many(item.get("firstAppearance"))) if u
        ]
    url = text_value(node.get("url")) or (node.get("@id") if looks_like_url(node.get("@id")) else None)
    ident = text_value(node.get("@id")) or derived_id(url, claim)
    return FactCheck(
        id=ident,
        claim=claim,
        rating=rating,
        rating_class=cls,
        rating_value=value,
        best_rating=best,
        worst_rating=worst,
        publisher=name_of(node.get("author")) or name_of(node.get("publisher")),
        url=url,
        published=day(node.get("datePublished") or node.get("dateCreated")),
        language=language_code(language_name(node.get("inLanguage")), claim),
        title=text_value(node.get("headline")) or text_value(node.get("name")),
        claimant=claimant,
        appearances=list(dict.fromkeys(appearances or [])),
    )


# --- HTML ------------------------------------------------------------------------------------
def parse_html(html: str, source: str = "<html>") -> tuple[list[FactCheck], list[IngestError]]:
    """ClaimReview records in a page's JSON-LD scripts and microdata.

    Each JSON-LD script is parsed on its own, so one broken script is reported (by its number on
    the page) and the others are still read; microdata is extracted by ``extruct``.
    """
    import extruct
    from selectolax.lexbor import LexborHTMLParser

    found: list[FactCheck] = []
    errors: list[IngestError] = []
    scripts = LexborHTMLParser(html).css('script[type="application/ld+json"]')
    for number, script in enumerate(scripts, start=1):
        try:
            data = json.loads(script.text(deep=True), strict=False)
        except json.JSONDecodeError as exc:
            errors.append(IngestError(source, None, f"JSON-LD script {number} is not valid JSON: {exc.msg}"))
            continue
        records, problems = parse_jsonld(data, f"{source} (JSON-LD script {number})")
        found.extend(records)
        errors.extend(p for p in problems if not p.message.startswith("no ClaimReview"))
    try:
        microdata = extruct.extract(html, syntaxes=["microdata"], uniform=True, errors="strict")["microdata"]
    except Exception as exc:
        errors.append(IngestError(source, None, f"the page's microdata cannot be read: {_first_line(exc)}"))
        microdata = []
    records, problems = parse_jsonld(microdata, f"{source} (microdata)")
    found.extend(records)
    errors.extend(p for p in problems if not p.message.startswith("no ClaimReview"))
    if not found and not errors:
        errors.append(IngestError(source, None, "no ClaimReview record in this page"))
    return found, errors


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
