"""One spelling for one country in a stance pair.

The stance model reads two spellings of one country in one language as two countries: "den Zugang
weißrussischer Vertreter" against "den Zugang belarussischer Vertreter", the sentences otherwise the same, is
a contradiction at 0.86 (2026-12-07, v3 weights; 0.90 entailment in one spelling). So before a (window,
claim) pair reaches the model, each country of the claim that the gazetteer (``service/verify/names.py``)
finds in another spelling in the window is written as the window writes it, the claim's case, gender and
inflection kept ("weißrussischen" -> "belarussischen", "Weißrusslands" -> "Belarus"). Countries only: the
gazetteer lists inflected forms of organisations as spellings ("Europäischen Union"). Only when the claim and
the window are in one language: across languages the model compares translations, and a claim of mixed
languages would be new to it. The claim shown to the user, the consistency check and the cache of
relevance all see the claim as written.
"""

from __future__ import annotations

from functools import lru_cache

from corpus.language import detect_language
from service.verify.names import NameForm, name_forms

LANGUAGE_BAR = 0.3  # the claim step's bar (service/verify/claims.py): short texts rarely reach 0.5


@lru_cache(maxsize=4096)
def _language(text: str) -> str | None:
    return detect_language(text, LANGUAGE_BAR)


@lru_cache(maxsize=4096)
def _forms(text: str) -> tuple[NameForm, ...]:
    return tuple(name_forms(text))


def _cased_like(form: str, model: str) -> str:
    """``form`` with the case of ``model``'s first letter: a sentence may start with either."""
    return (form[0].upper() if model[0].isupper() else form[0].lower()) + form[1:]


_UNACCENT = str.maketrans("áéíóú", "aeiou")


def _spelling(stem: str, adjective: bool) -> str:
    """What tells two spellings apart: case, accents and a Spanish adjective's gender do not ("rusa", "ruso")."""
    low = stem.lower().translate(_UNACCENT)
    return low[:-1] + "o" if adjective and low.endswith("a") else low


def _respelled(form: NameForm, claim: str, theirs: str) -> str:
    """The window's spelling ``theirs`` in the claim's place: the claim's case, gender and inflection kept."""
    stem, inflection = claim[form.start : form.stem_end], claim[form.stem_end : form.end]
    if not form.adjective:
        # German genitive: "Weißrusslands" -> "Belarus", "Hollands" -> "Niederlande"; neither takes an -s
        return theirs + ("" if theirs[-1] in "se" else inflection)
    if stem[-1] in "oa" and theirs[-1] in "oa":  # Spanish gender: "bielorrusa" -> "belarusa"
        theirs = theirs[:-1] + stem[-1]
    return _cased_like(theirs, stem) + inflection


def harmonise(claim: str, window: str) -> str:
    """The claim with its countries spelled as the window spells them (see the module docstring)."""
    claim_forms = [f for f in _forms(claim) if f.kind == "country"]
    if not claim_forms:
        return claim
    spellings: dict[tuple[str, bool], set[str]] = {}
    first: dict[tuple[str, bool], str] = {}
    for f in _forms(window):
        stem = window[f.start : f.stem_end]
        spellings.setdefault((f.key, f.adjective), set()).add(_spelling(stem, f.adjective))
        first.setdefault((f.key, f.adjective), stem)
    changes = []
    for f in claim_forms:
        theirs = spellings.get((f.key, f.adjective))
        if theirs and _spelling(claim[f.start : f.stem_end], f.adjective) not in theirs:
            changes.append((f.start, f.end, _respelled(f, claim, first[(f.key, f.adjective)])))
    if not changes:
        return claim
    language = _language(claim)
    if language is None or language != _language(window):
        return claim
    for start, end, text in reversed(changes):  # from the end, so that earlier offsets hold
        claim = claim[:start] + text + claim[end:]
    return claim
