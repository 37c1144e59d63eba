"""One spelling for one country in a stance pair.

The stance model reads two spellings of the same country in one language as two countries: "den Zugang
weißrussischer Vertreter" against "den Zugang belarussischer Vertreter", the sentences otherwise the same,
is a contradiction at 0.86 (2026-12-07, v3 weights), and "Weißrussland" / "Belarus", "Holland" /
"Niederlande" are the same case. Before a (window, claim) pair reaches the model, each name of the claim that the
gazetteer (``service/verify/names.py``) finds in another spelling in the window is written as the window
writes it, inflection kept ("weißrussischen" -> "belarussischen"). Only when the claim and the window are in
one language: across languages the model compares translations, and a claim of mixed languages would be new
to it. The claim shown to the user and everything but the stance model's input stay as written.
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


def harmonise(claim: str, window: str) -> str:
    """The claim with its country names spelled as the window spells them (see the module docstring)."""
    claim_forms = _forms(claim)
    if not claim_forms:
        return claim
    window_forms = _forms(window)
    spelled: dict[tuple[str, bool], set[str]] = {}
    for f in window_forms:
        spelled.setdefault((f.key, f.adjective), set()).add(window[f.start : f.stem_end].lower())
    first = {(f.key, f.adjective): window[f.start : f.stem_end] for f in reversed(window_forms)}
    changes = []
    for f in claim_forms:
        stem = claim[f.start : f.stem_end]
        theirs = spelled.get((f.key, f.adjective))
        if not theirs or stem.lower() in theirs:
            continue
        form = first[(f.key, f.adjective)]
        inflection = claim[f.stem_end : f.end]
        if f.adjective:
            form = _cased_like(form, stem)
        elif form.endswith("s"):  # German genitive: "Weißrusslands" -> "Belarus", not "Belaruss"
            inflection = ""
        changes.append((f.start, f.end, form + inflection))
    if not changes:
        return claim
    language = _language(claim)
    if language is None or language != _language(window):
        return claim
    for start, end, text in reversed(changes):  # from the end, so that earlier offsets hold
        claim = claim[:start] + text + claim[end:]
    return claim
