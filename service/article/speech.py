"""Reported speech and quotes: who said it, and what was said.

``X sagte, dass ...``, ``..., sagte X``, ``laut X ...``, ``X said (that) ...``, ``..., X said`` and
``according to X, ...``: the content is checked and the speaker kept as metadata. A quotation
(``Er sagte: "..."``) is a claim of its speaker. Rules only: the patterns cover the forms news
German and English use most, and anything else is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DE_VERBS = (
    r"sagte|sagt|erklärte|erklärt|betonte|betont|meinte|behauptete|behauptet|warnte|bestätigte|berichtete|"
    r"schrieb|resümierte|unterstrich|ergänzte|so(?=\s+(?:(?:der|die|das|ein|eine)\b|[A-ZÄÖÜ]))|kündigte\s+(?:\w+\s+)*?an|teilte\s+(?:\w+\s+)*?mit|"
    r"wies\s+(?:\w+\s+)*?darauf\s+hin|fügte\s+(?:\w+\s+)*?hinzu|hob\s+(?:\w+\s+)*?hervor|"
    r"merkte\s+(?:\w+\s+)*?an|gab\s+(?:\w+\s+)*?bekannt|räumte\s+(?:\w+\s+)*?ein|stellte\s+(?:\w+\s+)*?klar"
)
_EN_VERBS = (
    r"said|says|stated|added|announced|warned|claimed|told\s+\w+(?:\s+\w+)?|reported|wrote|explained|noted|"
    r"confirmed|insisted|argued|stressed|pointed\s+out"
)
_SPEECH_WORD = re.compile(rf"(?<!\w)(?:{_DE_VERBS}|{_EN_VERBS}|Erklärung\s+abgegeben|erklärt\s+hat)(?!\w)")
_QUOTES = "\"„“”«»‚‘’'"
_SPEAKER_END = re.compile(
    r"\s+(?:auf|bei|in|im|am|an|vor|nach|gegenüber|während|zu|zum|zur|laut|"
    r"on|at|in|during|before|after|to|in\s+a|on\s+a)\b|\s*[,;:(]"
)

_TRAILING = [
    # "..., sagte NATO-Generalsekretär Jens Stoltenberg auf einer Pressekonferenz ..."
    re.compile(
        rf"^(?P<content>.+?)[,;]\s*(?:{_DE_VERBS})\s+(?P<speaker>[^,;]+?(?:,[^,;]+?)??)(?P<rest>[,;]?\s.*)?[.!]?$",
        re.DOTALL,
    ),
    # "..., said the minister" / "..., the minister said on Monday"
    re.compile(rf"^(?P<content>.+?),\s*(?:{_EN_VERBS})\s+(?P<speaker>.+?)(?P<rest>\s.*)?[.!]?$", re.DOTALL),
    re.compile(
        rf"^(?P<content>.+?),\s*(?P<speaker>(?:\w[\w.'-]*\s+){{0,4}}\w[\w.'-]*)\s+(?:{_EN_VERBS})(?P<rest>\s.*)?[.!]?$",
        re.DOTALL,
    ),
]
# what may follow an English trailing attribution: nothing, or when and where it was said ("on Monday",
# "in a statement"); anything else means the verb took an object ("the company reported record profits")
_EN_REST = re.compile(
    r"^(?:on|at|in|during|after|before|yesterday|today|tonight|last|this|earlier|later|afterwards|told|to)\b",
    re.IGNORECASE,
)
MAX_ATTRIBUTION_CHARS = 1000  # longer "sentences" (lists, run-on text) are left as they are
_LEADING = [
    # "Stoltenberg kündigte an, dass ...", "Er wies außerdem darauf hin, dass ..."
    re.compile(r"^(?P<prefix>[^,]+(?:,[^,]+)?),\s*(?:dass|daß)\s+(?P<content>.+)$"),
    # "X said (that) ...", "X told reporters that ..."
    re.compile(rf"^(?P<prefix>(?:[\w.'-]+\s+){{0,5}}[\w.'-]+\s+(?:{_EN_VERBS}))(?:\s+that)?\s+(?P<content>.+)$"),
]
_ACCORDING = [
    re.compile(r"^(?:According\s+to|As\s+reported\s+by)\s+(?P<speaker>[^,]+),\s*(?P<content>.+)$"),
    re.compile(r"^(?:Laut|Nach\s+Angaben\s+(?:von|des|der))\s+(?P<speaker>[^,]+?),\s*(?P<content>.+)$"),
    re.compile(r"^(?P<speaker>[^,]{3,60}?)\s+zufolge\s+(?P<content>.+)$"),
    # "Laut dem Ministerium wurden ..." (no comma: the speaker is an article, a word and any names after it)
    re.compile(
        r"^(?:Laut|Nach\s+Angaben\s+(?:von|des|der))\s+(?P<speaker>(?:(?:dem|der|des|den)\s+)?\S+(?:\s+[A-ZÄÖÜ]\S*)*)"
        r"\s+(?P<content>.+)$"
    ),
]
_TITLE = re.compile(
    r"(?:minister|sekretär|präsident|kanzler|chef|sprecher|vorsitzende|president|minister|secretary|spokesman|"
    r"spokeswoman|chancellor|captain|coach|goalkeeper|CEO)(?:in)?$",
    re.IGNORECASE,
)
# German indirect speech without "dass": "X behauptete (bei ...), die Grundlage ... sei ..."
_SUBJUNCTIVE = re.compile(r"(?<!\w)(?:sei|seien|habe|werde|könne|müsse|solle|wolle|gebe|liege|stehe)(?!\w)")


@dataclass
class Attribution:
    content: str
    speaker: str | None
    rest: str | None = None  # what the attribution said besides the speaker ("auf einer Pressekonferenz ...")
    subordinate: bool = False  # the content was a "dass" clause (German verb-final word order)


def _without_title(words: list[str]) -> list[str]:
    """ "NATO-Generalsekretär Jens Stoltenberg" -> "Jens Stoltenberg"; a title alone stays."""
    while len(words) > 1 and _TITLE.search(words[0]) and words[1][:1].isupper():
        words = words[1:]
    return words


def _clean_speaker(text: str) -> str:
    m = _SPEAKER_END.search(text)
    speaker = (text[: m.start()] if m else text).strip(" ,.;:" + _QUOTES)
    words = speaker.split()
    if words and all(w[:1].isupper() for w in words):
        return " ".join(_without_title(words))
    return speaker


_QUOTE_MARKS = re.compile("[" + _QUOTES.replace("'", "").replace("’", "") + "]")  # apostrophes belong to words


def clean_claim(text: str) -> str:
    """``text`` without quotation marks, trailing separators or runs of white space."""
    text = _QUOTE_MARKS.sub("", text.strip()).strip().rstrip(",;:")
    return re.sub(r"\s{2,}", " ", text)


def _content(text: str) -> str:
    text = clean_claim(text)
    return text[:1].upper() + text[1:] if text else text


def split_attribution(sentence: str) -> Attribution | None:
    """The content and the speaker of a sentence of reported speech, or None when it is none."""
    text = sentence.strip()
    if len(text) > MAX_ATTRIBUTION_CHARS:
        return None
    body = text.rstrip(".!")
    for pattern in _ACCORDING:
        m = pattern.match(body)
        if m:
            return Attribution(_content(m["content"]), _clean_speaker(m["speaker"]))
    for i, pattern in enumerate(_TRAILING):
        m = pattern.match(body)
        if m and len(m["content"]) >= 15:
            whole = (m["speaker"] + (m["rest"] or "")).strip()
            speaker = _clean_speaker(whole)
            at = whole.find(speaker)
            rest = whole[at + len(speaker) :].strip(" ,;") if at >= 0 and speaker else None
            # English: only when and where it was said may follow, else the verb had an object
            after = (m["rest"] or "").strip() if i == 2 else (rest or "")
            if i > 0 and after and not _EN_REST.match(after):
                continue
            return Attribution(_content(m["content"]), speaker, rest or None)
    for pattern in _LEADING:
        m = pattern.match(body)
        verb = _SPEECH_WORD.search(m["prefix"]) if m else None
        if m and verb:
            prefix = m["prefix"]
            speaker = _speaker_of_prefix(prefix[: verb.start()], prefix[verb.end() :])
            if speaker:
                german = pattern is _LEADING[0]
                return Attribution(_content(m["content"]), speaker, subordinate=german)
    # "Mitte Mai behauptete Stoltenberg bei ..., die Grundlage ... sei ..."
    verb = _SPEECH_WORD.search(body)
    if verb and verb.end() < len(body):
        comma = body.find(",", verb.end())
        if comma > 0 and _SUBJUNCTIVE.search(body, comma):
            speaker = _speaker_of_prefix(body[: verb.start()], body[verb.end() : comma])
            if speaker:
                return Attribution(_content(body[comma + 1 :]), speaker)
    return None


_NOT_SPEAKERS = frozenset(
    "Im Am In Zuvor Außerdem Mitte Anfang Ende Bei Auf Und Die Der Das Den Dem Des Eine Ein Einer Es The A An "
    "On At After Before Later Earlier Also März Mai Juni Juli April Montag Dienstag Mittwoch Donnerstag Freitag "
    "Samstag Sonntag Monday Tuesday Wednesday Thursday Friday Saturday Sunday Erklärung".split()
)
_PRONOUNS = frozenset("Er Sie He She They Wir We Ich I".split())


def _runs(text: str) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    for word in text.split():
        w = word.strip(",.")
        if w[:1].isupper() and w not in _NOT_SPEAKERS:
            runs[-1].append(w)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _speaker_of_prefix(before: str, after: str = "") -> str | None:
    """The speaker around a verb of saying: a pronoun, the name right after the verb (German "behauptete
    Stoltenberg"), or the last run of capitalised words before it ("der russische Verteidigungsminister
    Sergei Schoigu")."""
    words = before.split()
    if len(words) > 12:
        return None
    if words and words[0] in _PRONOUNS and len(words) <= 3:
        return words[0]
    following = after.split()
    if following and following[0] in _PRONOUNS:
        return following[0]
    if following and following[0][:1].isupper() and following[0].strip(",.") not in _NOT_SPEAKERS:
        return " ".join(_without_title(_runs(after)[0]))
    runs = _runs(before)
    if not runs:
        return None
    # the name right before the verb ("England captain Harry Kane said"), else the subject, which comes
    # first ("Jens Stoltenberg hat die NATO-Russland-Beziehungen ... bezeichnet, merkte an")
    adjacent = before.rstrip().rstrip(",").endswith(runs[-1][-1])
    return " ".join(_without_title(runs[-1] if adjacent else runs[0]))


def is_speech_intro(sentence: str) -> bool:
    """ "Er sagte:" and the like: a sentence that only introduces a quotation."""
    text = sentence.strip()
    return text.endswith(":") and len(text.split()) <= 14 and bool(_SPEECH_WORD.search(text))


def speaker_of_intro(sentence: str) -> str | None:
    text = sentence.strip().rstrip(":")
    verb = _SPEECH_WORD.search(text)
    return _speaker_of_prefix(text[: verb.start()], text[verb.end() :]) if verb else None


def quote_regions(text: str) -> list[tuple[int, int]]:
    """Spans of quotations in ``text`` (the marks included): „…“, “…”, «…», »…« and "…"."""
    pairs = {"„": "“", "“": "”", "«": "»", "»": "«", '"': '"'}
    # where each closing mark and each paragraph break is next, from any position (one pass, not a search each)
    marks = set(pairs.values()) | {"”"}
    next_at: dict[str, list[int]] = {m: [-1] * (len(text) + 1) for m in marks | {"\n\n"}}
    for pos in range(len(text) - 1, -1, -1):
        for mark, table in next_at.items():
            table[pos] = pos if text.startswith(mark, pos) else table[pos + 1]
    regions, i = [], 0
    while i < len(text):
        closer = pairs.get(text[i])
        if closer is None:
            i += 1
            continue
        # a German „ closes with “ (or a straight quote); a paragraph break ends any quotation
        candidates = [closer] + (['"', "”"] if text[i] == "„" else [])
        found = [j for c in candidates if (j := next_at[c][i + 1]) != -1]
        end = min(found, default=-1)
        para = next_at["\n\n"][i + 1]
        if end == -1 or (para != -1 and para < end):
            i += 1
            continue
        regions.append((i, end + 1))
        i = end + 1
    return regions


def whole_quote(start: int, end: int, regions: list[tuple[int, int]]) -> bool:
    """Whether the sentence at ``start:end`` lies inside one quotation (a quoted sentence)."""
    return any(s <= start + 1 and end - 1 <= e for s, e in regions)
