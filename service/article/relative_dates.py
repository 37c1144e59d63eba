"""Relative dates ("am Montag", "gestern", "next Tuesday") made absolute, when the article's
publication date is known: a claim is checked against a corpus that does not know when "Monday" was.

A bare weekday points back (news reports what happened) unless the sentence speaks of the future
("wird", "will"); "next" / "nächsten" / "kommenden" point forward, "last" / "vergangenen" back.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEEKDAYS = {
    "montag": 0, "dienstag": 1, "mittwoch": 2, "donnerstag": 3, "freitag": 4, "samstag": 5, "sonnabend": 5,
    "sonntag": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_OFFSETS = {"heute": 0, "gestern": -1, "vorgestern": -2, "morgen": 1, "übermorgen": 2, "today": 0,
            "yesterday": -1, "tomorrow": 1}  # fmt: skip
_MONTHS_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
              "November", "Dezember"]  # fmt: skip
_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December"]  # fmt: skip
_DAY = "|".join(_WEEKDAYS)
_RELATIVE = re.compile(
    rf"(?<![\w-])(?:(?P<prep>am|on|this|diesen|an\s+diesem)\s+)?"
    rf"(?:(?P<dir>nächsten|kommenden|vergangenen|letzten|next|last|coming|past)\s+)?"
    rf"(?P<day>{_DAY})(?![\w-])"
    rf"|(?<![\w-])(?P<offset>{'|'.join(_OFFSETS)})(?![\w-])",
    re.IGNORECASE | re.ASCII,
)
_FUTURE = re.compile(r"(?<!\w)(?:wird|werden|will|shall|is\s+to|are\s+to|soll|sollen)(?!\w)", re.IGNORECASE)
_FORWARD = {"nächsten", "kommenden", "next", "coming"}
_BACKWARD = {"vergangenen", "letzten", "last", "past"}


@dataclass
class ResolvedDate:
    text: str  # as the article says it: "am Montag"
    date: str  # ISO date
    start: int  # offsets into the claim text before resolution
    end: int


def _format(day: dt.date, language: str | None, prep: str | None) -> str:
    if language == "de":
        words = f"{day.day}. {_MONTHS_DE[day.month - 1]} {day.year}"
        return f"am {words}" if prep else words
    words = f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"on {words}" if prep else words


def resolve_relative_dates(claim: str, published: str | None, language: str | None) -> tuple[str, list[ResolvedDate]]:
    """``claim`` with its relative dates replaced by dates, and what was replaced; unchanged without
    a publication date."""
    if not published:
        return claim, []
    base = dt.date.fromisoformat(published)
    if not dt.date(1, 2, 1) <= base <= dt.date(9998, 12, 1):  # a week either way must stay a date
        return claim, []
    future = bool(_FUTURE.search(claim))
    out, resolved, cursor = [], [], 0
    for m in _RELATIVE.finditer(claim):
        if m.group("offset") == "Morgen":  # "am Morgen": the morning, not tomorrow
            continue
        if m.group("offset"):
            day = base + dt.timedelta(days=_OFFSETS.get(m.group("offset").lower(), 0))
            prep = None
        else:
            weekday = _WEEKDAYS.get(m.group("day").lower())
            if weekday is None:
                continue
            direction = (m.group("dir") or "").lower()
            forward = direction in _FORWARD or (not direction and future)
            if forward:
                delta = (weekday - base.weekday()) % 7 or 7
            else:
                delta = -((base.weekday() - weekday) % 7)
                if direction in _BACKWARD and delta == 0:
                    delta = -7
            day = base + dt.timedelta(days=delta)
            prep = m.group("prep")
        out.append(claim[cursor : m.start()])
        out.append(_format(day, language, prep))
        resolved.append(ResolvedDate(m.group(0), day.isoformat(), m.start(), m.end()))
        cursor = m.end()
    out.append(claim[cursor:])
    return "".join(out), resolved
