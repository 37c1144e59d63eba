"""Smaller claims inside a sentence: a named event with its date ("den NATO-Gipfel am 14. Juni in
Brüssel"), and a dated relative clause ("eines Treffens der Minister, das am 1. Juni ... stattfinden
wird"). A long sentence that reports or plans something often states its checkable facts only in such
phrases, and a claim check reads a short, specific claim best.
"""

from __future__ import annotations

import re

from service.verify.consistency import extract_dates, extract_numbers

_MONTHS_DE = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
_MONTHS_EN = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_DE = rf"am\s+\d{{1,2}}\.\s+(?:{_MONTHS_DE})(?:\s+\d{{4}})?"
_DATE_EN = rf"on\s+(?:\d{{1,2}}\s+(?:{_MONTHS_EN})|(?:{_MONTHS_EN})\s+\d{{1,2}})(?:,?\s+\d{{4}})?"
_PLACE = r"(?:\s+in\s+[A-ZÄÖÜ][\w-]+(?:\s+[A-ZÄÖÜ][\w-]+)?)?"
# a named event: a noun with a proper part ("NATO-Gipfel", "G7-Treffen", "NATO summit") and its date
_EVENT_DE = re.compile(
    rf"(?<![\w-])(?:den|der|dem|des|die|das|einen|einem|eines|einer|ein|eine)\s+"
    rf"(?P<event>(?:[\w-]+\s+)?[A-ZÄÖÜ0-9][\w]*[A-Z0-9][\w]*-[A-ZÄÖÜ][\w-]*)\s+(?P<when>{_DATE_DE}){_PLACE}"
)
_EVENT_EN = re.compile(
    rf"(?<![\w-])the\s+(?P<event>(?:[A-Z][\w-]*\s+)+(?:summit|meeting|conference|election|referendum|"
    rf"launch|final|talks))(?P<where>\s+in\s+[A-Z][\w-]+)?\s+(?P<when>{_DATE_EN})"
)
_ARTICLE = re.compile(r"(?<![\w-])(?P<article>eines|einer|des|der|dem|den|die|das|ein|eine|einem|the|a|an)\s+")
_RELATIVE = re.compile(r",\s+(?P<rel>(?:das|die|der|which|that)\s+[^,]+)")
_PREPOSITION = re.compile(
    r"(?<![\w-])(?:auf|im|in|bei|vor|nach|zu|zum|zur|mit|von|vom|für|über|unter|an|am|aus|"
    r"at|in|on|of|for|with|from|by|to|before|after|during)(?![\w-])"
)
_AUXILIARIES = frozenset(
    "wird werden würde würden soll sollte sollen ist war sind waren wurde wurden hat hatte haben kann konnte".split()
)


def _nominative(article: str, np: str) -> str:
    """ "(eines) Treffens der Minister" -> "Treffen der Minister": a genitive head noun loses its -s."""
    head, _, tail = np.partition(" ")
    if article in ("eines", "des") and head.endswith("s") and len(head) > 4:
        head = head[:-2] if re.search(r"[szßx]es$", head) else head[:-1]
    return f"{head} {tail}".strip()


def _clause_phrase(rel: str) -> str:
    """ "das am 1. Juni im Format einer Online-Konferenz stattfinden wird" -> "am 1. Juni im Format einer
    Online-Konferenz"; "which took place on 14 June" -> "on 14 June"."""
    words = rel.strip().rstrip(".").split()
    if words and words[0].lower() in ("which", "that"):  # from the first preposition: "on 14 June in Brussels"
        at = next((i for i, w in enumerate(words) if w.lower() in ("on", "in", "at", "from", "until")), len(words))
        return " ".join(words[at:])
    words = words[1:]  # the relative pronoun
    if words and words[-1] in _AUXILIARIES:
        words = words[:-1]
    if words and words[-1][:1].islower() and re.search(r"(?:en|te|t)$", words[-1]):
        words = words[:-1]
    return " ".join(words)


def event_phrases(text: str, language: str | None) -> list[str]:
    """Named events with a date in ``text``, each as a short claim ("NATO-Gipfel am 14. Juni in Brüssel")."""
    out = []
    for m in _EVENT_DE.finditer(text):
        out.append(m.group(0)[m.start("event") - m.start() :].strip())
    for m in _EVENT_EN.finditer(text):
        out.append(f"The {m['event']}{m['where'] or ''} {m['when']}")
    return list(dict.fromkeys(out))


def dated_clause(text: str | None, language: str | None) -> str | None:
    """A dated relative clause and the noun it describes, as a short claim ("Treffen der
    NATO-Außen- und -Verteidigungsminister am 1. Juni im Format einer Online-Konferenz")."""
    if not text:
        return None
    rel = _RELATIVE.search(text)
    if not rel or not (extract_dates(rel["rel"], language) or extract_numbers(rel["rel"], language)):
        return None
    # the noun the clause describes: from the first article whose phrase up to the comma has no preposition
    # ("auf einer Pressekonferenz im Vorfeld eines Treffens der Minister, das ..." -> "eines Treffens der Minister")
    for m in _ARTICLE.finditer(text, 0, rel.start()):
        phrase_np = text[m.end() : rel.start()]
        if not _PREPOSITION.search(phrase_np):
            break
    else:
        return None
    np = _nominative(m["article"].lower(), phrase_np.strip())
    phrase = _clause_phrase(rel["rel"])
    claim = f"{np} {phrase}".strip()
    return claim[:1].upper() + claim[1:]
