"""Rule-based sentence splitting for German and English that keeps character offsets.

No NLTK or spaCy data can be downloaded here, so the rules are ours: a sentence ends at
``.``, ``!``, ``?`` or ``…`` (with closing quotes or brackets) followed by white space and
something that can start a sentence, unless the dot belongs to an abbreviation, an initial,
a German ordinal ("am 1. Juni") or a number. A blank line always ends a sentence.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = {
    # English
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "approx",
    "no",
    "nos",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "gen",
    "lt",
    "col",
    "gov",
    "sen",
    "rep",
    "u.s",
    "u.k",
    "u.n",
    "inc",
    "ltd",
    "co",
    "corp",
    "fig",
    "al",
    "cf",
    "vol",
    # German
    "okt",
    "dez",
    "z.b",
    "bzw",
    "ca",
    "usw",
    "vgl",
    "nr",
    "abs",
    "art",
    "bspw",
    "d.h",
    "u.a",
    "o.ä",
    "s.o",
    "s.u",
    "evtl",
    "ggf",
    "inkl",
    "zzgl",
    "sog",
    "dt",
    "hr",
    "fr",
    "str",
    "tel",
    "mio",
    "mrd",
    "jh",
    "jhd",
    "v.chr",
    "n.chr",
    "u.a.m",
    "z.t",
    "i.d.r",
    "u.u",
    "gegr",
    "geb",
    "bzgl",
    "max",
    "min",
    "mind",
    "ebd",
    "hrsg",
}
_GERMAN_MONTHS = (
    "januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|jahrhundert|"
    "jh|platz|stock|klasse|liga|mal|runde|lesung|weltkrieg|advent|quartal|halbjahr"
)
_ORDINAL_FOLLOWER = re.compile(rf"(?:{_GERMAN_MONTHS})\b", re.IGNORECASE)
# candidate boundary: terminal punctuation, optional closers, then white space
_BOUNDARY = re.compile(r"([.!?…]+)([\"'»«“”„’)\]]*)(\s+)")
_PARAGRAPH = re.compile(r"\n\s*\n")
_STARTER = re.compile(r"[\"'«»“”„‚(\[]*[A-ZÄÖÜÀ-ÞΑ-ΩА-Я0-9¿¡]")


def _word_before(text: str, end: int) -> str:
    start = end
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "(\"'„“«»":
        start -= 1
    return text[start:end]


def _is_boundary(text: str, m: re.Match[str], language: str | None = None) -> bool:
    punct, after = m.group(1), m.end()
    if after >= len(text):
        return True
    if "\n\n" in m.group(3).replace("\r", ""):
        return True
    if not _STARTER.match(text, after):
        return False
    if punct != ".":
        return True
    word = _word_before(text, m.start(1)).rstrip(".")
    low = word.lower()
    if low in _ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isalpha():  # an initial: "J. Stoltenberg"
        return False
    if word.isdigit() and len(word) <= 3:
        # German ordinal: "am 1. Juni", "im 20. Jahrhundert"; in German text any small number
        # with a dot is read as an ordinal ("die 26. UN-Klimakonferenz"), which it nearly always is
        if language == "de" or _ORDINAL_FOLLOWER.match(text, after):
            return False
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word):  # "U.S", "z.B" without listing
        return False
    return True


def split_sentences(text: str, language: str | None = None) -> list[tuple[int, int]]:
    """Return ``(start, end)`` character spans of the sentences of ``text``.

    Spans exclude surrounding white space, so ``text[start:end]`` is the sentence itself.
    ``language`` (ISO 639-1), when known, lets language-specific rules apply.
    """
    spans: list[tuple[int, int]] = []
    for para in paragraph_spans(text):
        p_start, p_end = para
        cursor = p_start
        for m in _BOUNDARY.finditer(text, p_start, p_end):
            if m.end() > p_end:
                break
            if _is_boundary(text[:p_end], m, language):
                end = m.end(2)
                if end > cursor:
                    spans.append(_strip(text, cursor, end))
                cursor = m.end()
        if cursor < p_end:
            spans.append(_strip(text, cursor, p_end))
    return [s for s in spans if s[1] > s[0]]


def paragraph_spans(text: str, strip: bool = True) -> list[tuple[int, int]]:
    """The (start, end) of each paragraph of ``text`` (blocks between blank lines), empty ones left out;
    with ``strip``, without the white space at either end. The corpus and the article check share it."""
    spans, start = [], 0
    for m in _PARAGRAPH.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    kept = [(s, e) for s, e in spans if text[s:e].strip()]
    return [_strip(text, s, e) for s, e in kept] if strip else kept


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
