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


def _opposites(lang: str) -> dict[str, str]:
    out = {}
    for a, b in _BOTH_WAYS[lang]:
        out[a], out[b] = b, a
    for a, b in _ONE_WAY[lang]:
        out[a] = b
    return out


_OPPOSITES = {lang: _opposites(lang) for lang in NEWS_LANGS}
_PATTERNS = {
    lang: re.compile(r"\b(" + "|".join(sorted(map(re.escape, ops), key=len, reverse=True)) + r")\b", re.IGNORECASE)
    for lang, ops in _OPPOSITES.items()
}
_UNCLEAN_RE = {lang: re.compile(pattern, re.IGNORECASE) for lang, pattern in _UNCLEAN.items()}


def flip(text: str, lang: str) -> str | None:
    """The text with its first word of the lexicon turned into the opposite, or None where it has none or
    where negation, a question or a condition would make the flip unclean."""
    if _UNCLEAN_RE[lang].search(text):
        return None
    match = _PATTERNS[lang].search(text)
    if not match:
        return None
    word = match.group(0)
    opposite = _OPPOSITES[lang][word.lower()]
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


def _parallel_pairs(texts: Iterable[dict[str, str]], rng: random.Random, translations: int) -> list[Pair]:
    out: list[Pair] = []
    texts = list(texts)
    for item in texts:
        for lang in NEWS_LANGS:
            flipped = flip(item[lang], lang)
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
    nli_root: Path, rng: random.Random, english: int = 4000, translations: int = 6000
) -> dict[str, list[Pair]]:
    """The v4 parts: lexical contradictions with their copies, and translations."""
    parallel = _parallel_pairs(_parallel_texts(nli_root, "test"), rng, translations)
    lexical = [p for p in parallel if p.source.startswith("lexical")]
    candidates = [(s, f) for s in english_sentences(nli_root.parent / "nli-extra") if (f := flip(s, "en"))]
    for sentence, flipped in rng.sample(candidates, min(english // 2, len(candidates))):
        lexical.append(Pair(sentence, flipped, 2, "lexical-contradiction-en-en"))
        lexical.append(Pair(sentence, sentence, 0, "lexical-copy-en-en"))
    return {"lexical": lexical, "translation": [p for p in parallel if p.source.startswith("translation")]}


def lexical_eval_pairs(nli_root: Path, seed: int = 13) -> list[Pair]:
    """The same kinds of pair from XNLI validation rows (never trained on): flips, copies, translations."""
    rng = random.Random(seed)
    return _parallel_pairs(_parallel_texts(nli_root, "validation"), rng, translations=500)
