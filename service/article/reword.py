"""German reported speech back into a plain statement, so that a claim reads as what the speaker asserts.

- subjunctive I to indicative: "sei" -> "ist", "werde" -> "wird" ("Moskau habe ... verstärkt" ->
  "Moskau hat ... verstärkt");
- a "dass" clause to a main clause: the finite verb moves from the end to after the subject
  ("die Allianz den Zugang ... einschränken werde" -> "Die Allianz wird den Zugang ... einschränken");
- a leading "Und" / "And" goes.

Only the unambiguous cases are changed: a subject this module cannot delimit leaves the text as it is,
and :func:`fragment` then says why it cannot be a claim (a person could not check it on its own).
"""

from __future__ import annotations

import re

_INDICATIVE = {
    "sei": "ist", "seien": "sind", "habe": "hat", "werde": "wird", "würden": "werden", "könne": "kann",
    "müsse": "muss", "solle": "soll", "wolle": "will", "dürfe": "darf", "gebe": "gibt", "liege": "liegt",
}  # fmt: skip
_FINITE_END = frozenset(_INDICATIVE) | frozenset(
    "ist sind war waren wird werden wurde wurden hat haben hatte hatten kann können muss müssen soll sollen "
    "will wollen darf dürfen würde".split()
)
_SUBJUNCTIVE = re.compile(rf"(?<![\w-])({'|'.join(_INDICATIVE)})(?![\w-])")
# a subject: an article, lower-case adjectives, a noun, and a genitive attribute; or one bare noun or name
# followed by a lower-case word ("Dialog in einer solchen Situation ... sei"). Two capitalised words are
# not taken: "Russland Truppen ... verlegt habe" cannot be told from "Jens Stoltenberg ... gesagt habe"
_SUBJECT = re.compile(
    r"^(?:(?:[Dd]ie|[Dd]er|[Dd]as|[Ee]ine?|[Ee]in)\s+(?:[a-zäöüß][\w-]*\s+)*[A-ZÄÖÜ][\w-]*"
    r"(?:\s+und\s+[A-ZÄÖÜ-][\w-]*)?(?:\s+(?:der|des)\s+(?:[a-zäöüß][\w-]*\s+)*[A-ZÄÖÜ][\w-]*)?"
    r"|[A-ZÄÖÜ][\w-]*(?=\s+[a-zäöüß]))(?=\s)"
)
# in a "dass" clause the last word is the finite verb, whatever the verb ("... mit Offenheit verbindet")
_LOWER_WORD = re.compile(r"[a-zäöüß][a-zäöüß-]*")
_LEADING_AND = re.compile(r"^(?:Und|And)\s+(?=\w)")


def indicative(text: str) -> str:
    """Subjunctive I verbs of reported speech as indicative ones."""
    return _SUBJUNCTIVE.sub(lambda m: _INDICATIVE[m.group(1)], text)


def main_clause(clause: str) -> str:
    """A verb-final German clause ("die NATO den Zugang ... einschränken werde") as a main clause."""
    words = clause.rstrip(".").split()
    if len(words) < 4 or not (words[-1] in _FINITE_END or _LOWER_WORD.fullmatch(words[-1])):
        return clause
    subject = _SUBJECT.match(clause)
    if not subject:
        return clause
    rest = clause[subject.end() :].strip().rstrip(".").split()[:-1]
    verb = _INDICATIVE.get(words[-1], words[-1])
    return " ".join([subject.group(0), verb, *rest])


def restate(text: str, language: str | None, subordinate: bool) -> str:
    """The claim as a plain statement: ``subordinate`` when ``text`` was a "dass" clause."""
    text = _LEADING_AND.sub("", text).strip()
    if language == "de":
        if subordinate:
            text = main_clause(text)
        text = indicative(text)
    return text[:1].upper() + text[1:] if text else text


# words that only open a dependent clause: a claim starting with one is half a sentence. Words that may
# also open a main clause are left out ("Damit ist klar", "Since 2014 NATO has", "Während des Gipfels")
_OPENERS = {
    "de": frozenset("dass weil ob wenn obwohl nachdem bevor falls sodass indem welche welcher welches".split()),
    "en": frozenset("because whether if although though unless which who whom whose".split()),
    "fr": frozenset("que qu parce lorsque puisque dont".split()),
    "es": frozenset("que porque cuyo cuya".split()),
}
# English "that" opens a clause before a subject ("that the summit was cancelled"), not before a noun
# it points at ("That decision was taken in 2021")
_THAT_CLAUSE = re.compile(r"^that\s+(?:the|a|an|it|he|she|they|we|i|you|this|these|its|his|her|their|our)\s", re.I)


def fragment(text: str, language: str | None) -> str | None:
    """Why ``text`` is not a sentence a person could check on its own, or None when it is one.

    - it starts in the middle of a sentence (a lower-case word);
    - it is a dependent clause ("Weil es schwierig ist", "That the summit was cancelled");
    - German: its finite verb is last and no other stands before it ("Russland Truppen an die Grenze
      verlegt hat"): a "dass" clause whose subject was not found.
    """
    words = text.strip().rstrip(".!?").split()
    if not words:
        return "empty"
    first = words[0].strip("\"'„“«»(")
    if first[:1].islower():
        return "starts in the middle of a sentence"
    opener = re.split(r"['’]", first.lower())[0]
    if opener in _OPENERS.get(language or "", frozenset()) or _THAT_CLAUSE.match(text.strip()):
        return "a dependent clause"
    if language == "de" and len(words) >= 4 and words[-1] in _FINITE_END:
        if not any(w in _FINITE_END for w in words[1:-1]):
            return "a clause with its finite verb last"
    return None
