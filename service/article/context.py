"""What a sentence leaves to its context: the person behind "Er" / "He", the alliance behind
"das Bündnis" / "the alliance", the full name behind a surname.

A replacement is made only when it is unambiguous: the previous sentence (or, for an organisation,
the title) names exactly one candidate. Otherwise the text is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from service.verify.names import gazetteer

# "Jens Stoltenberg", "Sergei Schoigu": two capitalised words, the surname seen again alone or the
# pair introduced by a title; a lookahead, so that "Verteidigungsminister Sergei Schoigu" yields both pairs
_PAIR = re.compile(
    r"(?=(?<![\w-])([A-ZÄÖÜ][a-zäöüßéèáíóú]+)\s+([A-ZÄÖÜ][a-zäöüßéèáíóú]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)(?![\w-]))"
)
_TITLE_BEFORE = re.compile(
    r"(?:minister|sekretär|präsident|kanzler|chef|sprecher|president|secretary|chancellor|captain|coach|"
    r"goalkeeper|midfielder|striker|leader|spokesman)(?:in)?\s+$",
    re.IGNORECASE,
)
_NOT_GIVEN_NAMES = frozenset(
    "Die Der Das Den Dem Des Ein Eine Im Am In Zuvor Außerdem Mitte Und Auch Bis The A An On At In After "
    "Before Under When While Prime Foreign Defence Secretary General President Minister United European "
    "Western Eastern Northern Southern North South East West New Great".split()
)
_ALLIANCES = {
    "NATO": re.compile(r"(?<![\w])(?:NATO|Nato|North Atlantic Treaty Organi[sz]ation|Nordatlantikpakt)"),
    "der Warschauer Pakt": re.compile(r"(?<![\w])(?:Warschauer Pakt\w*|Warsaw Pact)"),
}
_ALLIANCE_WORDS = re.compile(r"^(?:(?P<de>[Dd]as Bündnis|[Dd]ie Allianz)|(?P<en>[Tt]he [Aa]lliance))(?![\w])")
_PRONOUN = re.compile(r"^(?P<p>Er|Sie|He|She)(?![\w])")
_PLURAL_AFTER_SIE = re.compile(r"^Sie\s+(?:sind|haben|werden|wollen|können|müssen|sollen|waren|hatten|wurden)\b")


@dataclass
class People:
    """The people an article names, by surname."""

    full_names: dict[str, str] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)  # surname -> the title before the name, lower case

    @classmethod
    def of(cls, text: str) -> People:
        people: dict[str, str] = {}
        titles: dict[str, str] = {}
        counts = Counter(re.findall(r"[\w-]+", text))  # one pass: how often each word stands alone
        places: dict[str, bool] = {}
        for m in _PAIR.finditer(text):
            given, surname = m.group(1), m.group(2)
            if given in _NOT_GIVEN_NAMES or surname in _NOT_GIVEN_NAMES or surname in people:
                continue
            pair = f"{given} {surname}"
            if pair not in places:
                places[pair] = bool(gazetteer(pair)[0])
            if places[pair]:
                continue  # "Nachbarn Russland" names a country, not a person
            before = text[max(0, m.start() - 40) : m.start()]
            title = _TITLE_BEFORE.search(before)
            seen_alone = counts[surname] + counts[surname + "s"] > 1
            if title or seen_alone:
                people[surname] = pair
                if title:
                    titles[surname] = before.split()[-1].lower()
        return cls(people, titles)

    def named_in(self, text: str) -> list[str]:
        """Full names of the people ``text`` names (by surname), in order, once each."""
        found = []
        for surname, full in self.full_names.items():
            m = re.search(rf"(?<![\w-]){re.escape(surname)}s?(?![\w-])", text)
            if m:
                found.append((m.start(), full))
        return list(dict.fromkeys(full for _, full in sorted(found)))

    def full(self, name: str) -> str:
        """The full name for a surname the article introduced ("Stoltenberg" -> "Jens Stoltenberg"), or
        for a title it introduced one person with ("der Minister" -> "Sergei Schoigu")."""
        words = name.split()
        if not words:
            return name
        if len(words) == 2 and words[0].lower() in ("der", "die", "the"):
            word = words[1].lower()
            matches = [s for s, title in self.titles.items() if title.endswith(word)]
            if len(matches) == 1:
                return self.full_names[matches[0]]
        return self.full_names.get(words[-1], name)


def alliances_in(text: str) -> list[str]:
    return [name for name, pattern in _ALLIANCES.items() if pattern.search(text)]


@dataclass
class Replacement:
    original: str
    replacement: str


def resolve_start(claim: str, previous: str, title: str | None, people: People) -> tuple[str, Replacement | None]:
    """Replace a claim's first words when they point back ("Er", "He", "das Bündnis", "the alliance")
    and the previous sentence (or the title, for an alliance) names exactly one candidate."""
    m = _ALLIANCE_WORDS.match(claim)
    if m:
        names = alliances_in(previous) or alliances_in(title or "")
        if len(names) == 1:
            name = names[0] if m.group("de") else names[0].removeprefix("der ")
            new = name[:1].upper() + name[1:]
            if m.group("de") and name == "NATO":
                new = "Die NATO"
            return new + claim[m.end() :], Replacement(m.group(0), new)
        return claim, None
    m = _PRONOUN.match(claim)
    if m and not _PLURAL_AFTER_SIE.match(claim):
        named = people.named_in(previous)
        if len(named) == 1:
            return named[0] + claim[m.end() :], Replacement(m.group("p"), named[0])
    return claim, None
