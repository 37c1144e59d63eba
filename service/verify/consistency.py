"""Do the numbers, dates and names of a claim agree with an evidence window?

Most false claims change a detail of a true statement: a year, a count, a city. The NLI model
reads "Der Gipfel fand in Brüssel statt" as support for "The summit took place in Madrid" more
often than one would like, while a regex sees the difference at once. This module pulls the
numbers, dates and names out of both texts (de, en, fr, es, in any mix) and compares them:

* numbers: digits with either convention for separators, number words (via text2num),
  multipliers ("3,7 Millionen" == "3.7 million") and percentages; "rund/about/environ/unos"
  make a value approximate, and approximate values match within 10 %;
* dates: day/month/year in the usual written and numeric forms; two dates match when every part
  both of them give agrees, so "June 14" matches "14. Juni 2021" and "2021" matches "Juni 2021";
* names: a small cross-lingual gazetteer (European capitals and countries, a few other capitals,
  NATO/EU/UN/OSCE/G7/G20) mapped to one key per place, plus other capitalised names of non-German
  text, folded so that transliterations ("Tichanowskaja", "Tikhanovskaya") meet.

Each kind gives +1 (every claim item is in the evidence), -1 (the evidence has items of the same
kind and none agrees) or 0 (nothing to compare). Actions (actions.py) give -1 (the evidence states the opposite
of an action of the claim: formed against disbanded) or 0. A -1 says little on its own about truth, but it
is the strongest cheap hint of a refutation we have, and it is what the verdict layer keys on.
Everything is regular expressions compiled once; a typical pair takes a fraction of a millisecond.

The extraction lives in two modules: quantities.py reads the numbers and dates, names.py the
gazetteer and the other names. This one guesses the language, caches the analysis of each text
and does the comparing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from service.verify import actions as opposite_actions
from service.verify import names, quantities
from service.verify.quantities import DatePart

__all__ = ["Consistency", "DatePart", "check", "extract_dates", "extract_entities", "extract_numbers"]


@dataclass(frozen=True)
class Consistency:
    """How the numbers, dates and names of a claim fare in one evidence window."""

    numbers: int  # +1 every claim number is in the evidence; -1 it has some of that kind, none matches; 0 else
    dates: int  # same for dates, comparing only the parts both sides give
    entities: int  # +1 every claim name is in the evidence; -1 a gazetteer name is replaced by another of its class
    score: float  # -1 when any field (actions too) is -1, else the mean of the three fields; 0 when all are 0
    mismatches: list[str]  # for a person: "date: claim 15 June, evidence 14 June"
    actions: int = 0  # -1 the evidence states the opposite of an action of the claim (actions.py); 0 else


# --------------------------------------------------------------------------------------------
# languages

# Enough to tell the four languages apart on one sentence; a wrong guess only costs number words
# and the reading of "1.000" against "1,000".
_STOPWORDS = {
    "de": frozenset(
        "der die das und ist nicht mit von den dem ein eine zu im am auf für sich des wurde hat fand neue rund nach"
        " bei als auch sie er wird sind werden über".split()
    ),
    "en": frozenset("the and is of to in was with has that for on by were at from which new about are".split()),
    "fr": frozenset("le la les et est des du un une dans pour au aux que qui sur été à avec environ nouvelles".split()),
    "es": frozenset("el la los las y es del un una en por con que para fue se al unos nuevas".split()),
}
_LETTER_HINTS = {"de": "äöüß", "fr": "éèêçàùœ", "es": "ñáíóú¿¡"}


def _language(text: str, language: str | None) -> str:
    if language:
        return language.lower().replace("_", "-").split("-")[0]
    counts = dict.fromkeys(quantities.LANGS, 0)
    for word in quantities.WORD_RE.findall(text.lower()):
        for lang, words in _STOPWORDS.items():
            if word in words:
                counts[lang] += 1
        for lang, letters in _LETTER_HINTS.items():
            if any(ch in letters for ch in word):
                counts[lang] += 1
    best = max(quantities.LANGS, key=lambda lang: counts[lang])
    return best if counts[best] else "en"


# --------------------------------------------------------------------------------------------
# analysis


@dataclass(frozen=True)
class _Analysis:
    numbers: tuple[quantities.Number, ...]
    dates: tuple[DatePart, ...]
    entities: tuple[names.Entity, ...]
    capitalised: frozenset[str]  # folded keys of every capitalised word, where a claim's other names are looked up


@lru_cache(maxsize=4096)
def _analyse(text: str, language: str | None) -> _Analysis:
    # Evidence windows recur across the claims of a batch; the cache makes the second look free.
    text = unicodedata.normalize("NFC", text)
    lang = _language(text, language)
    entities, taken = names.gazetteer(text)
    if lang != "de":  # German capitalises every noun; only the gazetteer tells names there
        entities += names.other_names(text, taken)
    capitalised = frozenset(names.fold(w) for w in quantities.WORD_RE.findall(text) if w[0].isupper())
    dates, rest = quantities.dates(quantities.numeric_text(text, lang), lang)
    return _Analysis(tuple(quantities.numbers(rest, lang)), tuple(dates), tuple(entities), capitalised)


def extract_numbers(text: str, language: str | None = None) -> list[float]:
    """Numbers of ``text`` that are no part of a date, as floats (20 % -> 20.0, "3,7 Mio." -> 3700000.0)."""
    return [n.value for n in _analyse(text, language).numbers]


def extract_dates(text: str, language: str | None = None) -> list[DatePart]:
    """Dates of ``text`` in order, each with the parts the text gives (a bare year is a year-only date)."""
    return list(_analyse(text, language).dates)


def extract_entities(text: str, language: str | None = None) -> list[str]:
    """Names of ``text`` as keys: gazetteer names by their English key ("brussels"), others folded ("tihanovskaia")."""
    keys: list[str] = []
    for entity in _analyse(text, language).entities:
        if entity.key not in keys:
            keys.append(entity.key)
    return keys


# --------------------------------------------------------------------------------------------
# comparison


def _numbers_agree(a: quantities.Number, b: quantities.Number) -> bool:
    if a.percent != b.percent:
        return False
    if a.approximate or b.approximate:
        return abs(a.value - b.value) <= 0.1 * max(abs(a.value), abs(b.value))
    return abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value))


def _comparable(a: DatePart, b: DatePart) -> bool:
    return any(x is not None and y is not None for x, y in zip(_fields(a), _fields(b), strict=True))


def _fields(d: DatePart) -> tuple[int | None, int | None, int | None]:
    return d.day, d.month, d.year


def _dates_agree(a: DatePart, b: DatePart) -> bool:
    pairs = [(x, y) for x, y in zip(_fields(a), _fields(b), strict=True) if x is not None and y is not None]
    return bool(pairs) and all(x == y for x, y in pairs)


_T = TypeVar("_T")


def _compare(
    claim_items: Sequence[_T],
    evidence_items: Sequence[_T],
    agree: Callable[[_T, _T], bool],
    comparable: Callable[[_T, _T], bool],
) -> tuple[int, list[_T], list[_T]]:
    """+1 all claim items agree with one in the evidence; -1 none agrees though some could; 0 otherwise."""
    if not claim_items:
        return 0, [], []
    matched = [any(agree(c, e) for e in evidence_items) for c in claim_items]
    if all(matched):
        return 1, [], []
    rivals = [e for e in evidence_items if any(comparable(c, e) for c in claim_items)]
    if any(matched) or not rivals:
        return 0, [], []
    return -1, [c for c in claim_items if any(comparable(c, e) for e in rivals)], rivals


def _describe(kind: str, claim_items: Sequence[object], evidence_items: Sequence[object]) -> str:
    return f"{kind}: claim {', '.join(map(str, claim_items))}, evidence {', '.join(map(str, evidence_items))}"


def _compare_entities(claim: _Analysis, evidence: _Analysis) -> tuple[int, list[str]]:
    if not claim.entities:
        return 0, []
    evidence_keys = {e.key for e in evidence.entities}
    claim_keys = {e.key for e in claim.entities}
    missing: list[names.Entity] = []
    mismatches: list[str] = []
    seen: set[str] = set()
    for entity in claim.entities:
        if entity.key in seen:
            continue
        seen.add(entity.key)
        if entity.kind == "name":
            last = entity.key.split()[-1]
            if not any(names.same_name(last, word) for word in evidence.capitalised):
                missing.append(entity)
            continue
        if entity.key in evidence_keys:
            continue
        missing.append(entity)
        # Only a closed class can be contradicted: another capital in the evidence where the claim names this one.
        # Organisations act side by side ("the EU banned flights; NATO restricted access"), so another one
        # named in the evidence says nothing against the claim's.
        if entity.kind == "organisation":
            continue
        rivals = [
            e
            for e in evidence.entities
            if e.kind == entity.kind and not e.adjective and e.key not in claim_keys and e.key != entity.key
        ]
        if rivals:
            surfaces = list(dict.fromkeys(e.surface for e in rivals))
            mismatches.append(f"{entity.kind}: claim {entity.surface}, evidence {', '.join(surfaces)}")
    if mismatches:
        return -1, mismatches
    return (0 if missing else 1), []


def check(
    claim: str, evidence: str, claim_language: str | None = None, evidence_language: str | None = None
) -> Consistency:
    """Compare the numbers, dates and names of ``claim`` with those of the evidence window."""
    c = _analyse(claim, claim_language)
    e = _analyse(evidence, evidence_language)
    mismatches: list[str] = []
    numbers, claim_nums, evidence_nums = _compare(
        c.numbers, e.numbers, _numbers_agree, lambda a, b: a.percent == b.percent
    )
    if numbers < 0:
        mismatches.append(_describe("number", claim_nums, evidence_nums))
    dates, claim_dates, evidence_dates = _compare(c.dates, e.dates, _dates_agree, _comparable)
    if dates < 0:
        mismatches.append(_describe("date", claim_dates, evidence_dates))
    entities, entity_mismatches = _compare_entities(c, e)
    mismatches += entity_mismatches
    acts, action_mismatches = opposite_actions.compare(claim, evidence)
    mismatches += action_mismatches
    fields = (numbers, dates, entities)
    score = -1.0 if min(fields) < 0 or acts < 0 else sum(fields) / len(fields)
    return Consistency(numbers, dates, entities, score, mismatches, acts)
