"""BM25's tokens: words stemmed by the Snowball stemmer of their language, and folded name keys.

Each passage is stemmed with its own language; a capitalised word also yields a *name key*
("~" + a folded spelling) so that "Tichanowskaja", "Tikhanovskaya" and "Tikhanovskaïa" meet. A
query's words are stemmed with every language present in the index. See :mod:`index.bm25`.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from itertools import chain

import Stemmer

NAME_KEY_PREFIX = "~"

# ISO 639-1 -> Snowball algorithm (only those PyStemmer ships are kept, below).
_ISO_TO_SNOWBALL = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "eo": "esperanto",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fa": "persian",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "st": "sesotho",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
_AVAILABLE = set(Stemmer.algorithms())
SNOWBALL: dict[str, str] = {iso: name for iso, name in _ISO_TO_SNOWBALL.items() if name in _AVAILABLE}

# Deliberately short: articles, prepositions, conjunctions, auxiliaries (and French elision
# fragments). Pronouns stay: dropping them cost 0.02 of recall@1 on German XNLI pairs and changed
# Climate-FEVER by under 0.01. Negations ("not", "nicht", "pas", "no") stay, and so do words that
# double as names or abbreviations ("May", "US", "Will"). Against no stopwords at all, these lists
# gained 0.014 recall@20 (recall@5 even) on Climate-FEVER and 0.005 recall@1 on German XNLI.
STOPWORDS: dict[str, frozenset[str]] = {
    "english": frozenset(
        "a an the and or but of to in on at by for from with as into about over after before between during "
        "under is are was were be been being am has have had do does did that than then so if would should "
        "could shall".split()
    ),
    "german": frozenset(
        "der die das den dem des ein eine einen einem einer eines und oder aber in im an am auf aus bei beim "
        "mit nach von vom zu zum zur für über unter vor durch um bis gegen ohne ist sind war waren wird werden "
        "wurde wurden worden sein hat haben hatte hatten dass als auch wie".split()
    ),
    "french": frozenset(
        "le la les l un une des du de d au aux et ou mais en dans sur sous par pour avec sans à a est sont "
        "était étaient été être ont avait avaient c qui que qu s j n".split()
    ),
    "spanish": frozenset(
        "el la los las lo un una unos unas y e o u pero de del al a en con por para sin sobre entre es son "
        "fue fueron era eran ser sido está están ha han había habían que como".split()
    ),
}
NO_STOPWORDS: frozenset[str] = frozenset()

_WORD = re.compile(r"\w+")
_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
# Transliteration variants of one name across German, English and French spellings, applied in
# this order: "Tichanowskaja", "Tikhanovskaya" and "Tikhanovskaïa" all become "tihanovskaya".
_NAME_FOLDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile("kh"), "h"),
    (re.compile("ch"), "h"),
    (re.compile("w"), "v"),
    (re.compile("j"), "y"),
    (re.compile("iy"), "y"),
    (re.compile("i(?=[aeou])"), "y"),
    (re.compile(r"(.)\1+"), r"\1"),
    (re.compile("y$"), "i"),
)
# Snowball German leaves the "-t" of participles and third persons ("beschränkt" -> "beschrankt",
# "beschränken" -> "beschrank"); dropping a final consonant+"t" joins them. Short stems keep it
# ("Wert" would become "wer", "who").
_GERMAN_T = re.compile(r"(?<=[bcdfghklmnpqrsvwxz])t$")
_GERMAN_T_MIN = 5


def snowball_name(language: str | None) -> str | None:
    """The Snowball stemmer for an ISO 639-1 code ("de", "en-GB", "PT_br"); None when there is none."""
    if not language:
        return None
    return SNOWBALL.get(re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0])


def strip_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def name_key(word: str) -> str:
    """The folded spelling shared by transliterations of one name (without the "~" marker)."""
    key = strip_accents(word.lower())
    for pattern, replacement in _NAME_FOLDS:
        key = pattern.sub(replacement, key)
    return key


def words(text: str) -> list[tuple[str, bool]]:
    """Lowercased ``\\w+`` words of ``text`` (NFKC), each with whether it was capitalised."""
    return [(w.lower(), w[0].isupper()) for w in _WORD.findall(unicodedata.normalize("NFKC", text))]


class _Stemmers(threading.local):
    """PyStemmer objects are not thread-safe, so each thread (service workers) gets its own."""

    def __init__(self) -> None:
        self.by_name: dict[str, Stemmer.Stemmer] = {}

    def stem(self, algorithm: str | None, vocabulary: Sequence[str]) -> list[str]:
        """Stems of ``vocabulary`` without accents (a query typed without them, or a French stem
        next to an English one, must still match); the word itself when there is no stemmer."""
        if algorithm is None:
            return [strip_accents(w) for w in vocabulary]
        stemmer = self.by_name.get(algorithm)
        if stemmer is None:
            stemmer = self.by_name[algorithm] = Stemmer.Stemmer(algorithm)
        stems = stemmer.stemWords(list(vocabulary))
        if algorithm == "german":
            stems = [_GERMAN_T.sub("", s) if len(s) >= _GERMAN_T_MIN else s for s in stems]
        return [strip_accents(s) for s in stems]


_stemmers = _Stemmers()


def _key(word: str) -> str | None:
    key = name_key(word)
    return NAME_KEY_PREFIX + key if len(key) >= 2 and not key.isdigit() else None


def passage_token_ids(texts: Sequence[str], algorithms: Sequence[str | None], vocab: dict[str, int]) -> list[list[int]]:
    """Token ids of each passage (new tokens are added to ``vocab``): its words' stems by its own
    language, plus a name key after each capitalised word.

    What a word yields depends only on its spelling and the language, so each distinct spelling is
    worked out once per language, and passages become lookups (6M words at 100k passages).
    """
    raw_words = [_WORD.findall(t if t.isascii() else unicodedata.normalize("NFKC", t)) for t in texts]
    spellings: dict[str | None, set[str]] = {}
    for ws, algorithm in zip(raw_words, algorithms, strict=True):
        spellings.setdefault(algorithm, set()).update(ws)
    tables: dict[str | None, dict[str, tuple[int, ...]]] = {}
    for algorithm, unique in spellings.items():
        raw = list(unique)
        lower = [w.lower() for w in raw]
        stop = STOPWORDS.get(algorithm or "", NO_STOPWORDS)
        table: dict[str, tuple[int, ...]] = {}
        for word, low, stem in zip(raw, lower, _stemmers.stem(algorithm, lower), strict=True):
            if low in stop:
                table[word] = ()
                continue
            key = _key(low) if word[0].isupper() else None
            tokens = (stem,) if key is None else (stem, key)
            table[word] = tuple(vocab.setdefault(t, len(vocab)) for t in tokens)
        tables[algorithm] = table
    return [
        list(chain.from_iterable(map(tables[algorithm].__getitem__, ws)))
        for ws, algorithm in zip(raw_words, algorithms, strict=True)
    ]


def query_words(
    query: str, algorithms: Iterable[str | None], stop: frozenset[str]
) -> list[tuple[list[str], str | None]]:
    """Each query word as (its distinct stems under every given language, its name key or None).

    A query without case (all lower or all upper) gets a name key for every word, since the
    capital letters that mark names are missing.
    """
    ws = [(w, c) for w, c in words(query) if w not in stop]
    caseless = query == query.lower() or query == query.upper()
    variants: list[list[str]] = [[] for _ in ws]
    vocabulary = [w for w, _ in ws]
    for algorithm in dict.fromkeys(algorithms):
        for i, stem in enumerate(_stemmers.stem(algorithm, vocabulary)):
            if stem not in variants[i]:
                variants[i].append(stem)
    return [
        (stems, _key(word) if capitalised or caseless else None)
        for (word, capitalised), stems in zip(ws, variants, strict=True)
    ]
