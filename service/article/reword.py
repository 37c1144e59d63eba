"""German reported speech back into a plain statement, so that a claim reads as what the speaker asserts.

- subjunctive I to indicative: "sei" -> "ist", "werde" -> "wird" ("Moskau habe ... verstärkt" ->
  "Moskau hat ... verstärkt");
- a "dass" clause to a main clause: the finite verb moves from the end to after the subject
  ("die Allianz den Zugang ... einschränken werde" -> "Die Allianz wird den Zugang ... einschränken");
- a leading "Und" / "And" goes.

Only the unambiguous cases are changed: a subject this module cannot delimit leaves the text as it is.
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
# a subject: an article, lower-case adjectives, a noun, and a genitive attribute. A bare name is not taken:
# "Russland Truppen ... verlegt habe" cannot be told from "Jens Stoltenberg ... gesagt habe" by rule
_SUBJECT = re.compile(
    r"^(?:[Dd]ie|[Dd]er|[Dd]as|[Ee]ine?|[Ee]in)\s+(?:[a-zäöüß][\w-]*\s+)*[A-ZÄÖÜ][\w-]*"
    r"(?:\s+und\s+[A-ZÄÖÜ-][\w-]*)?(?:\s+(?:der|des)\s+(?:[a-zäöüß][\w-]*\s+)*[A-ZÄÖÜ][\w-]*)?(?=\s)"
)
_LEADING_AND = re.compile(r"^(?:Und|And)\s+(?=\w)")


def indicative(text: str) -> str:
    """Subjunctive I verbs of reported speech as indicative ones."""
    return _SUBJUNCTIVE.sub(lambda m: _INDICATIVE[m.group(1)], text)


def main_clause(clause: str) -> str:
    """A verb-final German clause ("die NATO den Zugang ... einschränken werde") as a main clause."""
    words = clause.rstrip(".").split()
    if len(words) < 4 or words[-1] not in _FINITE_END:
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
