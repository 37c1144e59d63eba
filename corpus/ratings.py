"""Fact-checkers' ratings, as written ("Pants on Fire", "Teilweise falsch", "Trompeur"), in one scale.

Every publisher has its own words; the product compares and colours them by ``rating_class``:
false, mostly_false, mixed, mostly_true, true, unverifiable, or other (satire, an unknown word).
The table holds the usual ratings of German, English, French and Spanish fact-checkers (CORRECTIV,
dpa, AFP, Full Fact, PolitiFact, Snopes, Les Décodeurs, Maldita, Newtral, Chequeado and others).
"""

from __future__ import annotations

import re
import unicodedata

RATING_CLASSES = ("false", "mostly_false", "mixed", "mostly_true", "true", "unverifiable", "other")

_TABLE: dict[str, tuple[str, ...]] = {
    "false": (
        # en
        "false",
        "pants on fire",
        "pants on fire!",
        "fake",
        "fabricated",
        "incorrect",
        "wrong",
        "not true",
        "untrue",
        "hoax",
        "scam",
        "fake news",
        "altered",
        "doctored",
        "manipulated",
        "miscaptioned",
        "misattributed",
        "four pinocchios",
        "full flop",
        "baseless",
        # de
        "falsch",
        "frei erfunden",
        "erfunden",
        "manipuliert",
        "fake",
        "stimmt nicht",
        "unwahr",
        "gefalscht",
        # fr
        "faux",
        "fausse",
        "infox",
        "inexact",
        "montage",
        "detourne",
        "photo detournee",
        "video detournee",
        "c'est faux",
        "archi-faux",
        # es
        "falso",
        "falsa",
        "bulo",
        "mentira",
        "fake",
        "montaje",
        "inventado",
        "manipulado",
        "es falso",
        "refuted",  # this product's own verdicts, as its ClaimReview export writes them
    ),
    "mostly_false": (
        "mostly false",
        "barely true",
        "misleading",
        "three pinocchios",
        "largely false",
        "mostly inaccurate",
        "exaggerated",
        "exaggeration",
        "distorts the facts",
        "grosstenteils falsch",
        "irrefuhrend",
        "uberwiegend falsch",
        "ubertrieben",
        "eher falsch",
        "plutot faux",
        "trompeur",
        "trompeuse",
        "en grande partie faux",
        "exagere",
        "errone",
        "mayormente falso",
        "enganoso",
        "enganosa",
        "exagerado",
        "casi falso",
        "mayormente falsa",
    ),
    "mixed": (
        "half true",
        "half-true",
        "mixture",
        "mixed",
        "partly true",
        "partly false",
        "partially true",
        "partially false",
        "missing context",
        "lacks context",
        "needs context",
        "cherry picks",
        "two pinocchios",
        "half flip",
        "out of context",
        "spins the facts",
        "teilweise falsch",
        "teilweise richtig",
        "fehlender kontext",
        "halbwahr",
        "halb wahr",
        "teils richtig",
        "teils falsch",
        "zum teil falsch",
        "aus dem kontext gerissen",
        "partiellement faux",
        "partiellement vrai",
        "manque de contexte",
        "contexte manquant",
        "a nuancer",
        "mitige",
        "melange",
        "sorti de son contexte",
        "en partie faux",
        "en partie vrai",
        "imprecis",
        "parcialmente falso",
        "parcialmente verdadero",
        "parcialmente cierto",
        "impreciso",
        "discutible",
        "falta contexto",
        "sin contexto",
        "fuera de contexto",
        "verdad a medias",
        "media verdad",
        "conflicting",
    ),
    "mostly_true": (
        "mostly true",
        "mostly accurate",
        "largely true",
        "largely accurate",
        "one pinocchio",
        "grosstenteils richtig",
        "uberwiegend richtig",
        "grosstenteils wahr",
        "eher richtig",
        "plutot vrai",
        "en grande partie vrai",
        "globalement vrai",
        "mayormente verdadero",
        "mayormente cierto",
        "verdadero, pero",
        "casi verdadero",
        "cierto, pero",
    ),
    "true": (
        "true",
        "correct",
        "accurate",
        "legit",
        "real",
        "correct attribution",
        "geppetto checkmark",
        "no flip",
        "richtig",
        "wahr",
        "stimmt",
        "korrekt",
        "belegt",
        "vrai",
        "exact",
        "c'est vrai",
        "juste",
        "verdadero",
        "verdadera",
        "cierto",
        "cierta",
        "correcto",
        "verdad",
        "supported",
    ),
    "unverifiable": (
        "unproven",
        "unverified",
        "unsupported",
        "no evidence",
        "unsubstantiated",
        "research in progress",
        "not verifiable",
        "unverifiable",
        "cannot be verified",
        "undetermined",
        "unclear",
        "unbelegt",
        "unklar",
        "nicht belegt",
        "nicht belegbar",
        "nicht uberprufbar",
        "unbewiesen",
        "infonde",
        "non prouve",
        "invérifiable",
        "inverifiable",
        "non verifiable",
        "incertain",
        "pas de preuve",
        "dudoso",
        "sin evidencia",
        "no verificable",
        "insostenible",
        "inverificable",
        "sin pruebas",
        "not_enough_info",
        "not enough info",
    ),
    "other": (
        "satire",
        "labeled satire",
        "originated as satire",
        "satirical",
        "outdated",
        "legend",
        "lost legend",
        "opinion",
        "sarcasm",
        "humour",
        "humor",
        "parody",
        "satirisch",
        "parodie",
        "veraltet",
        "satirique",
        "parodie",
        "satira",
        "satirico",
        "parodia",
    ),
}


def _key(text: str) -> str:
    """Lower case, no accents, no trailing punctuation, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ß", "ss")
    plain = re.sub(r"[\s\u00a0]+", " ", plain).strip()
    return plain.strip(" .!?:;\"'«»„“”")


_CLASS_OF: dict[str, str] = {_key(word): cls for cls, words in _TABLE.items() for word in words}


def rating_class(
    rating: str | None, value: float | None = None, best: float | None = None, worst: float | None = None
) -> str:
    """The class of a rating as written; without words, of ``value`` on the ``worst``..``best`` scale.

    An unknown word is ``other``: a publisher's own scale is kept as written and never guessed at.
    """
    if rating and rating.strip():
        key = _key(rating)
        if key in _CLASS_OF:
            return _CLASS_OF[key]
        # "False. The photo shows..." or "Falsch: ...": a known rating opens a longer verdict
        head = re.split(r"[.:;,(\u2013\u2014-]", key, maxsplit=1)[0].strip()
        return _CLASS_OF.get(head, "other")
    if value is None:
        return "other"
    low = 1.0 if worst is None else worst
    high = 5.0 if best is None else best
    if high <= low or not low <= value <= high:
        return "other"
    share = (value - low) / (high - low)
    for bound, cls in ((0.2, "false"), (0.4, "mostly_false"), (0.6, "mixed"), (0.8, "mostly_true")):
        if share < bound:
            return cls
    return "true"
