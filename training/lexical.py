"""Pairs made by rule for the v4 mix (synthetic: marked ``lexical-*`` and ``translation-*`` in the manifest).

- **Lexical contradictions** (``lexical-contradiction-*``): a sentence against itself with one action turned
  into its opposite (form/disband, open/close, impose/lift, win/lose, rise/fall, ...), in de/en/fr/es. The
  stance model read "form about 20 new units" as entailing "disband about 20 units": numbers and places
  agree, the verb does not. Each is matched by the unchanged sentence as entailment
  (``lexical-copy-*``), so the words of the lexicon do not themselves mean contradiction.
- **Translations** (``translation-*``): an XNLI sentence against its own translation, entailment. A claim
  that restates its evidence in another language is the commonest supported claim, and NLI data has no
  such pairs.

Sentences come from training sets only: XNLI test rows (parallel in every language, so a flipped
sentence can face its unflipped translation), FNC-1 train bodies, LingNLI and TaxiNLI. Never from
``corpus/sample`` or ``tests/data``. :func:`lexical_eval_pairs` makes the same kinds of pair from XNLI
validation rows, which no stage trains on, to measure whether the skill carries to new sentences.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterable
from pathlib import Path

from training.data import Pair, xnli_rows

NEWS_LANGS = ("de", "en", "fr", "es")

# (a, b): a becomes b and b becomes a. Forms that are also another word ("left", "lift", "end", "erhöht" as a
# participle) go one way only, in _ONE_WAY, towards the reading that cannot be mistaken.
_BOTH_WAYS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("form", "disband"),
        ("forms", "disbands"),
        ("formed", "disbanded"),
        ("open", "close"),
        ("opens", "closes"),
        ("opened", "closed"),
        ("win", "lose"),
        ("wins", "loses"),
        ("won", "lost"),
        ("rise", "fall"),
        ("rises", "falls"),
        ("rose", "fell"),
        ("risen", "fallen"),
        ("increase", "decrease"),
        ("increases", "decreases"),
        ("increased", "decreased"),
        ("accept", "reject"),
        ("accepts", "rejects"),
        ("accepted", "rejected"),
        ("allowed", "banned"),
        ("allows", "bans"),
        ("confirmed", "denied"),
        ("confirms", "denies"),
        ("arrived", "departed"),
        ("bought", "sold"),
        ("buys", "sells"),
        ("succeeded", "failed"),
        ("grew", "shrank"),
        ("supported", "opposed"),
        ("supports", "opposes"),
        ("before", "after"),
        ("more than", "less than"),
        ("always", "never"),
        ("above", "below"),
        ("higher", "lower"),
        ("larger", "smaller"),
        ("cheaper", "more expensive"),
        ("agreed to", "refused to"),
        ("imposed", "lifted"),
        ("imposes", "lifts"),
    ],
    "de": [
        ("gewinnt", "verliert"),
        ("gewann", "verlor"),
        ("gewonnen", "verloren"),
        ("gewinnen", "verlieren"),
        ("steigt", "sinkt"),
        ("stieg", "sank"),
        ("gestiegen", "gesunken"),
        ("steigen", "sinken"),
        ("erhöhte", "senkte"),
        ("erhöhen", "senken"),
        ("erhöhten", "senkten"),
        ("öffnet", "schließt"),
        ("öffnete", "schloss"),
        ("geöffnet", "geschlossen"),
        ("öffnen", "schließen"),
        ("aufgestellt", "aufgelöst"),
        ("gegründet", "aufgelöst"),
        ("beigetreten", "ausgetreten"),
        ("verhängt", "aufgehoben"),
        ("genehmigt", "abgelehnt"),
        ("angenommen", "abgelehnt"),
        ("bestätigt", "dementiert"),
        ("erlaubt", "verboten"),
        ("beginnt", "endet"),
        ("begann", "endete"),
        ("wächst", "schrumpft"),
        ("wuchs", "schrumpfte"),
        ("gewachsen", "geschrumpft"),
        ("bevor", "nachdem"),
        ("mehr als", "weniger als"),
        ("immer", "nie"),
        ("höher", "niedriger"),
        ("größer", "kleiner"),
        ("billiger", "teurer"),
    ],
    "fr": [
        ("gagne", "perd"),
        ("gagné", "perdu"),
        ("gagnent", "perdent"),
        ("gagner", "perdre"),
        ("ouvre", "ferme"),
        ("ouvert", "fermé"),
        ("ouvrent", "ferment"),
        ("ouvrir", "fermer"),
        ("augmente", "diminue"),
        ("augmenté", "diminué"),
        ("augmentent", "diminuent"),
        ("augmenter", "diminuer"),
        ("hausse", "baisse"),
        ("imposé", "levé"),
        ("autorisé", "interdit"),
        ("accepte", "rejette"),
        ("accepté", "rejeté"),
        ("confirme", "dément"),
        ("confirmé", "démenti"),
        ("avant", "après"),
        ("plus de", "moins de"),
        ("créé", "dissous"),
        ("rejoint", "quitté"),
        ("plus élevé", "plus bas"),
        ("plus grand", "plus petit"),
        ("commence", "termine"),
    ],
    "es": [
        ("gana", "pierde"),
        ("ganó", "perdió"),
        ("ganado", "perdido"),
        ("ganar", "perder"),
        ("ganan", "pierden"),
        ("abre", "cierra"),
        ("abrió", "cerró"),
        ("abierto", "cerrado"),
        ("abrir", "cerrar"),
        ("aumenta", "disminuye"),
        ("aumentó", "disminuyó"),
        ("aumentado", "disminuido"),
        ("sube", "baja"),
        ("subió", "bajó"),
        ("acepta", "rechaza"),
        ("aceptó", "rechazó"),
        ("confirma", "niega"),
        ("confirmó", "negó"),
        ("permite", "prohíbe"),
        ("permitió", "prohibió"),
        ("antes", "después"),
        ("más de", "menos de"),
        ("creó", "disolvió"),
        ("siempre", "nunca"),
        ("mayor", "menor"),
        ("comenzó", "terminó"),
    ],
}
_ONE_WAY: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("joined", "left"),
        ("started", "ended"),
        ("raised", "lowered"),
        ("approved", "rejected"),
        ("gained", "lost"),
        ("impose", "lift"),
    ],
    "de": [("erhöht", "gesenkt"), ("zugestimmt", "abgelehnt")],
    "fr": [("impose", "lève"), ("interdit", "autorisé")],
    "es": [("levantó", "impuso")],
}
# A flip under negation, a question or a condition does not make a clean contradiction.
_UNCLEAN = {
    "en": r"\b(not|never|no|if|whether|unless)\b|n't|\?",
    "de": r"\b(nicht|kein\w*|nie|niemals|wenn|falls|ob)\b|\?",
    "fr": r"\b(ne|n'|pas|jamais|si|aucun\w*)\b|\?",
    "es": r"\b(no|nunca|si|ningún|ninguna)\b|\?",
}


# The v5 mix keeps only contrary decisions of one agent on one thing (form/disband, impose/lift, accept or
# approve/reject, allow/ban, join/leave, confirm/deny, support/oppose, agree/refuse): a report cannot state both.
# Scalar pairs (rise/fall, more/less), times (before/after, start/end), converse pairs (win/lose, buy/sell) and
# the rest (open/close, arrive/depart) can both be true of one event, as service/verify/actions.py found.
CONTRARY: dict[str, frozenset[str]] = {
    "en": frozenset(
        "form forms formed accept accepts accepted allowed allows confirmed confirms supported supports "
        "imposed imposes impose joined approved".split()
    )
    | {"agreed to"},
    "de": frozenset(
        "aufgestellt gegründet beigetreten verhängt genehmigt angenommen bestätigt erlaubt zugestimmt".split()
    ),
    "fr": frozenset("accepte accepté autorisé confirme confirmé créé rejoint imposé impose interdit".split()),
    "es": frozenset("acepta aceptó confirma confirmó permite permitió creó levantó".split()),
}


def _opposites(lang: str, contrary_only: bool = False) -> dict[str, str]:
    out = {}
    kept = (lambda a: a in CONTRARY[lang]) if contrary_only else (lambda a: True)
    for a, b in _BOTH_WAYS[lang]:
        if kept(a):
            out[a], out[b] = b, a
    for a, b in _ONE_WAY[lang]:
        if kept(a):
            out[a] = b
    return out


def _pattern(ops: dict[str, str]) -> re.Pattern:
    return re.compile(r"\b(" + "|".join(sorted(map(re.escape, ops), key=len, reverse=True)) + r")\b", re.IGNORECASE)


_OPPOSITES = {(lang, c): _opposites(lang, c) for lang in NEWS_LANGS for c in (False, True)}
_PATTERNS = {key: _pattern(ops) for key, ops in _OPPOSITES.items()}
_UNCLEAN_RE = {lang: re.compile(pattern, re.IGNORECASE) for lang, pattern in _UNCLEAN.items()}


def flip(text: str, lang: str, contrary_only: bool = False) -> str | None:
    """The text with its first word of the lexicon turned into the opposite, or None where it has none or
    where negation, a question or a condition would make the flip unclean. ``contrary_only``: the
    :data:`CONTRARY` part of the lexicon alone."""
    if _UNCLEAN_RE[lang].search(text):
        return None
    match = _PATTERNS[lang, contrary_only].search(text)
    if not match:
        return None
    word = match.group(0)
    opposite = _OPPOSITES[lang, contrary_only][word.lower()]
    if word[0].isupper():
        opposite = opposite[0].upper() + opposite[1:]
    return text[: match.start()] + opposite + text[match.end() :]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'])", " ".join(text.split())) if 30 <= len(s) <= 300]


def english_sentences(extra: Path) -> list[str]:
    """Sentences of FNC-1 train bodies (news), LingNLI and TaxiNLI premises."""
    out: list[str] = []
    with open(extra / "fnc1" / "train_bodies.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out += _sentences(row["articleBody"])
    for path in sorted((extra / "lingnli").glob("*train*.jsonl")):
        out += [json.loads(line)["premise"] for line in path.open(encoding="utf-8") if line.strip()]
    with open(extra / "taxinli" / "taxinli10k.tsv", encoding="utf-8") as fh:
        out += [rec["prem"] for rec in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)]
    return list(dict.fromkeys(s.strip() for s in out if s and 30 <= len(s.strip()) <= 300))


def _parallel_texts(nli_root: Path, split: str) -> list[dict[str, str]]:
    """Each XNLI row's premise and hypothesis as {language: text}: two parallel texts per row."""
    rows = {lang: xnli_rows(nli_root, split, lang) for lang in NEWS_LANGS}
    out = []
    for i in range(len(rows["en"])):
        for k in (0, 1):
            out.append({lang: rows[lang][i][k] for lang in NEWS_LANGS})
    return list({texts["en"]: texts for texts in out}.values())  # premises repeat over three rows


def _parallel_pairs(
    texts: Iterable[dict[str, str]], rng: random.Random, translations: int, contrary_only: bool = False
) -> list[Pair]:
    out: list[Pair] = []
    texts = list(texts)
    for item in texts:
        for lang in NEWS_LANGS:
            flipped = flip(item[lang], lang, contrary_only)
            if flipped is None:
                continue
            # the evidence in the claim's language one time in four, as in the product's traffic
            premise_lang = lang if rng.random() < 0.25 else rng.choice([x for x in NEWS_LANGS if x != lang])
            out.append(Pair(item[premise_lang], flipped, 2, f"lexical-contradiction-{premise_lang}-{lang}"))
            out.append(Pair(item[premise_lang], item[lang], 0, f"lexical-copy-{premise_lang}-{lang}"))
            break
    for item in rng.sample(texts, min(translations, len(texts))):
        a, b = rng.sample(NEWS_LANGS, 2)
        out.append(Pair(item[a], item[b], 0, f"translation-{a}-{b}"))
    return out


def lexical_parts(
    nli_root: Path, rng: random.Random, english: int = 4000, translations: int = 6000, contrary_only: bool = False
) -> dict[str, list[Pair]]:
    """The v4 parts: lexical contradictions with their copies, and translations (v5: contrary actions only)."""
    parallel = _parallel_pairs(_parallel_texts(nli_root, "test"), rng, translations, contrary_only)
    lexical = [p for p in parallel if p.source.startswith("lexical")]
    extra = nli_root.parent / "nli-extra"
    candidates = [(s, f) for s in english_sentences(extra) if (f := flip(s, "en", contrary_only))]
    for sentence, flipped in rng.sample(candidates, min(english // 2, len(candidates))):
        lexical.append(Pair(sentence, flipped, 2, "lexical-contradiction-en-en"))
        lexical.append(Pair(sentence, sentence, 0, "lexical-copy-en-en"))
    return {"lexical": lexical, "translation": [p for p in parallel if p.source.startswith("translation")]}


def lexical_eval_pairs(nli_root: Path, seed: int = 13) -> list[Pair]:
    """The same kinds of pair from XNLI validation rows (never trained on): flips, copies, translations."""
    rng = random.Random(seed)
    return _parallel_pairs(_parallel_texts(nli_root, "validation"), rng, translations=500)
