"""Numbers and dates of a text: what a claim or an evidence window says about how many and when.

Digits with either convention for separators, number words (via text2num), multipliers and percentages
become ``Number`` values; day/month/year in the usual written and numeric forms become ``DatePart`` values.
The few text helpers that names.py and consistency.py share (``LANGS``, ``WORD_RE``, ``alternation``) live
here as well, so that this module imports neither of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from text_to_num import alpha2digit

# --------------------------------------------------------------------------------------------
# shared text helpers

LANGS = ("de", "en", "fr", "es")
# No apostrophes inside words: French elision ("d'Alexandre", "l'UE") would hide the capital.
WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def alternation(words: Iterable[str]) -> str:
    # Longest first: Python takes the first alternative that fits, and "Juni" must beat "Jun".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# --------------------------------------------------------------------------------------------
# months

_MONTH_NAMES = {
    1: "januar jänner january janvier enero",
    2: "februar feber february février fevrier febrero",
    3: "märz maerz march mars marzo",
    4: "april avril abril",
    5: "mai may mayo",
    6: "juni june juin junio",
    7: "juli july juillet julio",
    8: "august août aout agosto",
    9: "september septembre septiembre setiembre",
    10: "oktober october octobre octubre",
    11: "november novembre noviembre",
    12: "dezember december décembre decembre diciembre",
}
_MONTH_ABBREVIATIONS = {
    1: "jan janv",
    2: "feb febr févr fév",
    3: "mar mär",
    4: "apr avr",
    6: "jun",
    7: "jul juil",
    8: "aug",
    9: "sep sept",
    10: "oct okt",
    11: "nov",
    12: "dec dez déc",
}
_MONTH_LABELS = {
    1: "January",
    2: "February",
    3: "March",
    4: "April",
    5: "May",
    6: "June",
    7: "July",
    8: "August",
    9: "September",
    10: "October",
    11: "November",
    12: "December",
}
MONTH_OF: dict[str, int] = {
    name: month
    for table in (_MONTH_NAMES, _MONTH_ABBREVIATIONS)
    for month, names in table.items()
    for name in names.split()
}
# English words that are months only when capitalised ("they may", "to march").
_LOWERCASE_NOT_MONTH = frozenset({"may", "march", "august"})


@dataclass(frozen=True)
class DatePart:
    """A date with the parts its text gives; "Juni 2021" has no day, "14. Juni" no year."""

    day: int | None
    month: int | None
    year: int | None

    def __str__(self) -> str:
        parts = [str(self.day) if self.day else "", _MONTH_LABELS[self.month] if self.month else ""]
        parts.append(str(self.year) if self.year else "")
        return " ".join(p for p in parts if p)


_MONTH = rf"(?P<m>{alternation(MONTH_OF)})(?![^\W\d_])\.?"
_MONTH_FULL = rf"(?P<m>{alternation(w for ws in _MONTH_NAMES.values() for w in ws.split())})(?![^\W\d_])"
_DAY = r"(?P<d>[12]\d|3[01]|0?[1-9])"
_YEAR = r"(?P<y>1\d{3}|2\d{3})(?!\d)"
_YEAR_IN_NAME_BEFORE = re.compile(r"\w-$")
_YEAR_IN_NAME_AFTER = re.compile(r"-[^\W\d]|\s+agenda\b", re.IGNORECASE)

# Order matters: longer forms first, each match is blanked before the next pattern runs.
_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(r"(?<![\d.,])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?!\d)")),
    (
        "numeric",
        re.compile(r"(?<![\d.,/-])(?P<d>\d{1,2})(?P<sep>[./-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?![\d]|[.,]\d)"),
    ),
    (
        "day_month",
        re.compile(
            rf"(?<![\d.,]){_DAY}(?:\.º|\.|st|nd|rd|th|er|e|º|°)?\s*(?:de\s+|of\s+)?{_MONTH}"
            rf"(?:,?\s*(?:de\s+|del\s+)?{_YEAR})?",
            re.IGNORECASE,
        ),
    ),
    (
        "month_day",
        re.compile(rf"{_MONTH}\s+{_DAY}(?:st|nd|rd|th)?(?![\d]|[.,]\d)(?:,?\s*{_YEAR})?", re.IGNORECASE),
    ),
    ("month_year", re.compile(rf"{_MONTH}\s*,?\s*(?:de\s+|del\s+)?{_YEAR}", re.IGNORECASE)),
    ("german_short", re.compile(r"(?<![\d.,])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?!\d)")),
    (
        "month_only",
        re.compile(
            r"(?<![^\W\d_])(?:in|im|seit|since|until|bis|anfang|mitte|ende|early|late|mid|depuis|en|début|fin"
            rf"|desde|hasta|principios de|finales de|mediados de)[\s-]+(?:(?:de|d')\s*)?{_MONTH_FULL}",
            re.IGNORECASE,
        ),
    ),
    ("year", re.compile(r"(?<![\w.,/])(?<![^\W\d_]-)(?P<y>19\d\d|20\d\d)(?![\w]|[.,]\d|\s*(?:%|€|\$|£))")),
]

# --------------------------------------------------------------------------------------------
# numbers

_APPROX_BEFORE = re.compile(
    r"(?<![^\W\d_])(?:rund|etwa|ca\.?|circa|zirka|ungefähr|knapp|fast|annähernd|nahezu|beinahe|mehr als|über|gut"
    r"|um die|bis zu|mindestens|about|around|approximately|approx\.?|roughly|nearly|almost|some|over|more than"
    r"|up to|close to|at least|environ|près de|presque|plus de|quelque|autour de|approximativement|au moins"
    r"|jusqu'à|unos|unas|alrededor de|aproximadamente|cerca de|casi|más de|en torno a|al menos|hasta)\s*$"
    r"|[~≈]\s*$",
    re.IGNORECASE,
)
_PERCENT_WORDS = re.compile(
    r"\s*(?:prozent|percent|per cent|pour cent|pour-cent|por ciento)(?![^\W\d_])", re.IGNORECASE
)
_DIGITS = r"\d+(?:[.,\u00a0\u202f]\d+)*"
_MULTIPLIER_WORDS = (
    "mil millones|milliarden|milliarde|mrd\\.|mrd|millionen|million|mio\\.|mio|billionen|billion|tausend|tsd\\."
    "|billions|millions|thousand|milliards|milliard|mille|millones|millón|millon|billones|billón|mil"
)
_DIGIT_MULTIPLIER = re.compile(rf"(?<![\w.,])({_DIGITS})\s*({_MULTIPLIER_WORDS})(?![^\W\d_])", re.IGNORECASE)
# text2num turns a lone "Millionen" into 1000000; "millions of people" is no count, so those go first.
_VAGUE_PLURAL = re.compile(
    r"(?<![^\W\d_])(?:millionen|milliarden|tausende|hunderte|millions|billions|thousands|hundreds|milliards|milliers"
    r"|centaines|millones|miles|cientos|centenares)(?![^\W\d_])",
    re.IGNORECASE,
)
_NUMBER_WORD_BEFORE = re.compile(
    r"(?:\d|ein|eine|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zig|ßig|hundert|tausend|komma|one|two"
    r"|three|four|five|six|seven|eight|nine|ten|eleven|twelve|teen|ty|hundred|thousand|point|un|une|deux|trois"
    r"|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize|vingt|trente|quarante|cinquante"
    r"|soixante|cent|mille|virgule|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|trece|catorce"
    r"|quince|dieci|veint[ei]|treinta|cuarenta|cincuenta|sesenta|setenta|ochenta|noventa|cien|ciento|mil|coma)\W*$",
    re.IGNORECASE,
)
_ROUGHLY = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "soixantaine": 60,
    "centaine": 100,
    "dutzend": 12,
    "dozen": 12,
    "docena": 12,
}
_ROUGHLY_RE = re.compile(rf"(?<![^\W\d_])(?:une|ein|a|una)\s+({'|'.join(_ROUGHLY)})(?![^\W\d_])", re.IGNORECASE)
# "drei Komma sieben Millionen" comes back from text2num as "3,7 1000000".
_DECIMAL_TIMES_POWER = re.compile(r"(?<![\d.,])(\d+[.,]\d+)\s+(1000|1000000|1000000000|1000000000000)(?![\d]|[.,]\d)")
# French "sept." is September, "sept" alone is seven; text2num would read both as 7.
_SEPT_MONTH = re.compile(r"(?<![^\W\d_])sept(?=\.|\s+(?:1\d{3}|2\d{3})(?!\d))", re.IGNORECASE)
_TIME_RE = re.compile(r"(?<![\d.,])\d{1,2}(?:[:h]\d{2}|[.:]\d{2}\s*uhr|\s*uhr)(?![^\W\d_])", re.IGNORECASE)
_NUMBER_RE = re.compile(rf"(?<![^\W\d_])(?<![^\W\d_]-)(?<![\d.,])({_DIGITS})(?![\w]|[.,]\d)(\s*%)?")
_FRENCH_GROUPED = re.compile(r"(?<![\d.,])\d{1,3}(?: \d{3})+(?![\d]|[.,]\d)")


@dataclass(frozen=True)
class Number:
    value: float
    approximate: bool
    percent: bool

    def __str__(self) -> str:
        text = f"{int(self.value)}" if self.value == int(self.value) else f"{self.value:g}"
        return ("~" if self.approximate else "") + text + ("%" if self.percent else "")


def _parse_digits(text: str, lang: str) -> float:
    text = re.sub(r"[\u00a0\u202f ]", "", text)
    if "." in text and "," in text:
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        return float(text.replace(thousands, "").replace(decimal, "."))
    for sep in ".,":
        if sep not in text:
            continue
        head, _, tail = text.rpartition(sep)
        if text.count(sep) > 1:
            return float(text.replace(sep, ""))
        # A single separator before exactly three digits groups thousands in the language that uses it that way.
        grouping = "," if lang == "en" else "."
        if sep == grouping and len(tail) == 3 and head != "0":
            return float(head + tail)
        return float(head + "." + tail)
    return float(text)


def _multiplier(word: str, lang: str) -> float:
    word = word.lower().rstrip(".")
    if word in ("mil millones", "milliarden", "milliarde", "mrd", "milliards", "milliard"):
        return 1e9
    if word.startswith("bill"):  # the short scale is English only; "Billion", "billion", "billón" are 10^12
        return 1e9 if lang == "en" else 1e12
    if word in ("tausend", "tsd", "thousand", "mille", "mil"):
        return 1e3
    return 1e6


def numeric_text(text: str, lang: str) -> str:
    """The text with spelled numbers, multipliers and percent words turned into digits."""
    text = _PERCENT_WORDS.sub(" %", text)
    # Written out as "3700000.0": no separator to misread, and the ".0" keeps it from looking like a year.
    text = _DIGIT_MULTIPLIER.sub(lambda m: f"{_parse_digits(m[1], lang) * _multiplier(m[2], lang):.1f}", text)
    text = _VAGUE_PLURAL.sub(lambda m: m[0] if _ends_with_number_word(m.string, m.start()) else "·", text)
    text = _ROUGHLY_RE.sub(lambda m: f"~{_ROUGHLY[m[1].lower()]}", text)
    text = _SEPT_MONTH.sub("sep", text)
    if lang in LANGS:
        try:
            text = alpha2digit(text, lang, threshold=1)
        except Exception:  # text2num raises on odd input; the digits are still worth reading
            pass
    return _DECIMAL_TIMES_POWER.sub(lambda m: f"{_parse_digits(m[1], lang) * float(m[2]):.1f}", text)


def _ends_with_number_word(text: str, end: int) -> bool:
    before = text[max(0, end - 30) : end].rstrip()
    words = WORD_RE.findall(before)
    return before[-1:].isdigit() or bool(words) and bool(_NUMBER_WORD_BEFORE.search(words[-1].lower()))


# --------------------------------------------------------------------------------------------
# extraction


def dates(text: str, lang: str) -> tuple[list[DatePart], str]:
    """The dates of ``text`` and the text with them blanked, so that their digits are not read as numbers."""
    found: list[tuple[int, DatePart]] = []
    for name, pattern in _DATE_PATTERNS:
        if name == "german_short" and lang != "de":
            continue
        for m in pattern.finditer(text):
            date = _date_part(m, bare_year=name == "year")
            if date is None:
                continue
            found.append((m.start(), date))
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    unique: list[DatePart] = []
    for _, date in sorted(found, key=lambda x: x[0]):
        if date not in unique:
            unique.append(date)
    return unique, text


def _date_part(m: re.Match[str], bare_year: bool) -> DatePart | None:
    groups = m.groupdict()
    month_text = groups.get("m")
    month: int | None = None
    if month_text is not None:
        if month_text.isdigit():
            month = int(month_text)
        elif month_text in _LOWERCASE_NOT_MONTH:
            return None
        else:
            month = MONTH_OF[month_text.lower()]
    day = int(groups["d"]) if groups.get("d") else None
    year = int(groups["y"]) if groups.get("y") else None
    if year is not None and year < 100:
        year += 2000 if year < 50 else 1900
    if month is not None and month > 12 and day is not None and day <= 12:
        day, month = month, day  # 06/14/2021 written the American way
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    if bare_year:  # "rund 2000" and "€2000" are amounts, not years
        before = m.string[max(0, m.start() - 25) : m.start()]
        if _APPROX_BEFORE.search(before) or before.rstrip()[-1:] in ("€", "$", "£"):
            return None
        # "Sapad-2021", "the 2030 agenda", "2030-Agenda" name a thing; the year in them is no date to compare
        if _YEAR_IN_NAME_BEFORE.search(before) or _YEAR_IN_NAME_AFTER.match(m.string, m.end()):
            return None
    return DatePart(day, month, year)


def numbers(text: str, lang: str) -> list[Number]:
    text = _TIME_RE.sub(lambda m: " " * len(m[0]), text)
    out: list[Number] = []
    matches = list(_FRENCH_GROUPED.finditer(text)) if lang == "fr" else []
    for m in matches:
        text = text[: m.start()] + "_" * (m.end() - m.start()) + text[m.end() :]
    spans = [(m.start(), m[0].replace(" ", ""), "") for m in matches]
    spans += [(m.start(), m[1], m[2] or "") for m in _NUMBER_RE.finditer(text)]
    for start, digits, percent in sorted(spans):
        try:
            value = _parse_digits(digits, lang)
        except ValueError:
            continue
        approximate = bool(_APPROX_BEFORE.search(text, max(0, start - 25), start))
        out.append(Number(value, approximate, bool(percent)))
    return out
