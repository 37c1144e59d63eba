"""Check-worthiness rules: what makes a sentence a checkable statement of fact, and what rules it out.

A sentence is worth checking when it states something (a finite verb) about something that can be
looked up: a number, a date, a named entity, a comparison or a cause. Questions, opinions and
promises are not checkable, whatever else they contain. The flags feed the classifier too
(:mod:`service.article.worthiness`), and the exclusions cap its score.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

from service.verify.consistency import extract_dates, extract_entities, extract_numbers


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


# Finite verbs: auxiliaries, modals and the verbs of reporting and change news use most. Without a
# tagger this is a list, backed by German and English finite endings on lower-case words.
_FINITE = _words(
    r"ist|sind|war|waren|wäre|wären|sei|seien|hat|haben|hatte|hatten|habe|wird|werden|wurde|wurden|würde|würden",
    r"kann|können|konnte|konnten|muss|müssen|musste|soll|sollen|sollte|will|wollen|wollte|darf|dürfen",
    r"gibt|gab|liegt|lag|steht|stand|stieg|sank|fiel|kam|kommt|geht|ging|bleibt|blieb|fand|findet|traf|trifft",
    r"is|are|was|were|has|have|had|will|would|can|could|must|shall|should|may|might|does|did|do",
    r"says|said|rose|fell|grew|won|lost|became|becomes|met|meets|took|takes|made|makes|gave|held|holds",
)
_FINITE_ENDING_DE = re.compile(r"(?<![\w-])[a-zäöüß]{3,}(?:t|te|ten|en)(?![\w-])")
_FINITE_ENDING_EN = re.compile(r"(?<![\w-])[a-z]{3,}(?:ed|es)(?![\w-])")
_COMPARISON = _words(
    r"mehr als|weniger als|über|unter|rund|fast|knapp|höher|niedriger|größte[nrs]?|kleinste[nrs]?|meiste[nrs]?",
    r"doppelt|verdoppel\w*|halbiert|gestiegen|gesunken|zugenommen|abgenommen|rekord\w*|erstmals|zum ersten mal",
    r"[a-zäöü]+er als",
    r"more than|less than|fewer than|over|under|almost|nearly|about|higher|lower|largest|smallest|biggest",
    r"most|least|doubled|halved|increased|decreased|rose|fell|record|first time|[a-z]+er than",
)
_CAUSE = _words(
    r"weil|da|denn|wegen|aufgrund|infolge|deshalb|daher|deswegen|verursach\w*|führ\w* zu|löst\w* aus",
    r"because|due to|owing to|as a result|caus\w*|leads? to|led to|therefore|hence|thanks to",
)
_OPINION = _words(
    r"ich finde|ich glaube|ich denke|ich meine|meiner meinung|meines erachtens|finde ich|glaube ich|meine ich",
    r"hoffentlich|leider|zum glück|unglaublich|skandal\w*|schrecklich|toll|super|peinlich",
    r"i think|i believe|i feel|in my opinion|in my view|i guess|hopefully|unfortunately|outrageous|shameful",
)
_PROMISE = _words(
    r"wir wollen|wir werden|ich werde|ich will|wir möchten|ich verspreche|wir versprechen|lasst uns|wir müssen",
    r"we want to|we will|we'll|i will|i'll|we promise|i promise|let us|let's|we must|we need to",
)
_FIRST_PERSON = _words(r"ich|wir|mein|meine|unser|unsere|uns|mir|mich|i|we|my|our|us|me")
_IMPERATIVE_END = re.compile(r"!\s*[\"“”»«]?\s*$")


@dataclass(frozen=True)
class RuleFlags:
    """What the rules see in one sentence (each a 0/1 feature of the classifier)."""

    finite_verb: bool
    number: bool
    date: bool
    entity: bool
    comparison: bool
    cause: bool
    question: bool
    opinion: bool
    promise: bool
    first_person: bool
    exclamation: bool

    @property
    def checkable(self) -> bool:
        """A finite verb and something to look up."""
        return self.finite_verb and (self.number or self.date or self.entity or self.comparison or self.cause)

    @property
    def excluded(self) -> str | None:
        """Why the sentence cannot be checked, or None."""
        if self.question:
            return "question"
        if self.opinion:
            return "opinion"
        if self.promise:
            return "promise"
        return None

    def vector(self) -> list[float]:
        return [float(v) for v in asdict(self).values()]


FLAG_NAMES = list(RuleFlags.__dataclass_fields__)


def rule_flags(sentence: str, language: str | None = None) -> RuleFlags:
    """The rule flags of ``sentence`` (German and English rules; other languages get the digits, dates
    and names that :mod:`service.verify.consistency` finds)."""
    lang = language or "en"
    text = sentence.strip()
    body = text[1:] if text else text  # a capitalised first word is no evidence of a verb's ending
    finite = bool(
        _FINITE.search(text)
        or (lang == "de" and _FINITE_ENDING_DE.search(body))
        or (lang != "de" and _FINITE_ENDING_EN.search(body))
    )
    return RuleFlags(
        finite_verb=finite,
        number=bool(extract_numbers(text, language)),
        date=bool(extract_dates(text, language)),
        entity=bool(extract_entities(text, language)),
        comparison=bool(_COMPARISON.search(text)),
        cause=bool(_CAUSE.search(text)),
        question=text.rstrip("\"'“”»« )").endswith("?"),
        opinion=bool(_OPINION.search(text)),
        promise=bool(_PROMISE.search(text)),
        first_person=bool(_FIRST_PERSON.search(text)),
        exclamation=bool(_IMPERATIVE_END.search(text)),
    )


_URL = re.compile(r"https?://|www\.")
_DIGIT_RUN = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"[.!?]+\s")
SURFACE_NAMES = ["url", "length", "digit_runs", "quotation", "exclamations", "questions", "sentences"]


def surface_features(text: str) -> list[float]:
    """Shape of the text, scaled to [0, 1]: a link, length, digits, quotation marks, ! and ?, sentences.
    They carry what a claim looks like where the flags are too coarse (GermEval test macro-F1 0.703 -> 0.729)."""
    return [
        float(bool(_URL.search(text))),
        math.log1p(len(text)) / 6,
        min(len(_DIGIT_RUN.findall(text)), 5) / 5,
        float('"' in text or "„" in text or "“" in text),
        min(text.count("!"), 3) / 3,
        min(text.count("?"), 3) / 3,
        min(len(_SENTENCE_END.findall(text)), 6) / 6,
    ]


def rule_score(flags: RuleFlags) -> float:
    """The rules alone, as a score in [0, 1]: what ranks sentences when no classifier fits the embedding
    model in use."""
    if flags.excluded:
        return 0.1
    kinds = sum((flags.number, flags.date, flags.entity, flags.comparison, flags.cause))
    if not flags.finite_verb:
        return 0.2 if kinds else 0.05
    return min(0.95, 0.45 + 0.15 * kinds)
