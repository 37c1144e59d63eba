"""Do the numbers, dates and names of a claim agree with an evidence window?

Most false claims change a detail of a true statement: a year, a count, a city. The NLI model
reads "Der Gipfel fand in Brüssel statt" as support for "The summit took place in Madrid" more
often than one would like, while a regex sees the difference at once. This module pulls the
numbers, dates and names out of both texts (de, en, fr, es, in any mix) and compares them:

* numbers: digits with either convention for separators, number words (via text2num),
  multipliers ("3,7 Millionen" == "3.7 million") and percentages; "rund/about/environ/unos"
  make a value approximate, and approximate values match within 10 %;
* dates: day/month/year in the usual written and numeric forms; two dates match when every part
  both of them give agrees, so "June 14" matches "14. Juni 2021" and "2021" matches "Juni 2021";
* names: a small cross-lingual gazetteer (European capitals and countries, a few other capitals,
  NATO/EU/UN/OSCE/G7/G20) mapped to one key per place, plus other capitalised names of non-German
  text, folded so that transliterations ("Tichanowskaja", "Tikhanovskaya") meet.

Each kind gives +1 (every claim item is in the evidence), -1 (the evidence has items of the same
kind and none agrees) or 0 (nothing to compare). A -1 says little on its own about truth, but it
is the strongest cheap hint of a refutation we have, and it is what the verdict layer keys on.
Everything is regular expressions compiled once; a typical pair takes a fraction of a millisecond.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from text_to_num import alpha2digit

__all__ = ["Consistency", "DatePart", "check", "extract_dates", "extract_entities", "extract_numbers"]


@dataclass(frozen=True)
class Consistency:
    """How the numbers, dates and names of a claim fare in one evidence window."""

    numbers: int  # +1 every claim number is in the evidence; -1 it has some of that kind, none matches; 0 else
    dates: int  # same for dates, comparing only the parts both sides give
    entities: int  # +1 every claim name is in the evidence; -1 a gazetteer name is replaced by another of its class
    score: float  # -1 when any field is -1, else the mean of the three fields; 0 when all are 0
    mismatches: list[str]  # for a person: "date: claim 15 June, evidence 14 June"


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


# --------------------------------------------------------------------------------------------
# languages

_LANGS = ("de", "en", "fr", "es")
# Enough to tell the four languages apart on one sentence; a wrong guess only costs number words
# and the reading of "1.000" against "1,000".
_STOPWORDS = {
    "de": frozenset(
        "der die das und ist nicht mit von den dem ein eine zu im am auf für sich des wurde hat fand neue rund nach"
        " bei als auch sie er wird sind werden über".split()
    ),
    "en": frozenset("the and is of to in was with has that for on by were at from which new about are".split()),
    "fr": frozenset("le la les et est des du un une dans pour au aux que qui sur été à avec environ nouvelles".split()),
    "es": frozenset("el la los las y es del un una en por con que para fue se al unos nuevas".split()),
}
_LETTER_HINTS = {"de": "äöüß", "fr": "éèêçàùœ", "es": "ñáíóú¿¡"}
# No apostrophes inside words: French elision ("d'Alexandre", "l'UE") would hide the capital.
_WORD_RE = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _language(text: str, language: str | None) -> str:
    if language:
        return language.lower().replace("_", "-").split("-")[0]
    counts = dict.fromkeys(_LANGS, 0)
    for word in _WORD_RE.findall(text.lower()):
        for lang, words in _STOPWORDS.items():
            if word in words:
                counts[lang] += 1
        for lang, letters in _LETTER_HINTS.items():
            if any(ch in letters for ch in word):
                counts[lang] += 1
    best = max(_LANGS, key=lambda lang: counts[lang])
    return best if counts[best] else "en"


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
_MONTH_OF: dict[str, int] = {
    name: month
    for table in (_MONTH_NAMES, _MONTH_ABBREVIATIONS)
    for month, names in table.items()
    for name in names.split()
}
# English words that are months only when capitalised ("they may", "to march").
_LOWERCASE_NOT_MONTH = frozenset({"may", "march", "august"})


def _alternation(words: Iterable[str]) -> str:
    # Longest first: Python takes the first alternative that fits, and "Juni" must beat "Jun".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_MONTH = rf"(?P<m>{_alternation(_MONTH_OF)})(?![^\W\d_])\.?"
_MONTH_FULL = rf"(?P<m>{_alternation(w for ws in _MONTH_NAMES.values() for w in ws.split())})(?![^\W\d_])"
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
class _Number:
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


def _numeric_text(text: str, lang: str) -> str:
    """The text with spelled numbers, multipliers and percent words turned into digits."""
    text = _PERCENT_WORDS.sub(" %", text)
    # Written out as "3700000.0": no separator to misread, and the ".0" keeps it from looking like a year.
    text = _DIGIT_MULTIPLIER.sub(lambda m: f"{_parse_digits(m[1], lang) * _multiplier(m[2], lang):.1f}", text)
    text = _VAGUE_PLURAL.sub(lambda m: m[0] if _ends_with_number_word(m.string, m.start()) else "·", text)
    text = _ROUGHLY_RE.sub(lambda m: f"~{_ROUGHLY[m[1].lower()]}", text)
    text = _SEPT_MONTH.sub("sep", text)
    if lang in _LANGS:
        try:
            text = alpha2digit(text, lang, threshold=1)
        except Exception:  # text2num raises on odd input; the digits are still worth reading
            pass
    return _DECIMAL_TIMES_POWER.sub(lambda m: f"{_parse_digits(m[1], lang) * float(m[2]):.1f}", text)


def _ends_with_number_word(text: str, end: int) -> bool:
    before = text[max(0, end - 30) : end].rstrip()
    words = _WORD_RE.findall(before)
    return before[-1:].isdigit() or bool(words) and bool(_NUMBER_WORD_BEFORE.search(words[-1].lower()))


# --------------------------------------------------------------------------------------------
# names

# key, class, noun forms (case as written), adjective forms (lowercase ones also match capitalised)
_GAZETTEER: list[tuple[str, str, str, str]] = [
    ("nato", "organisation", "NATO|Nato|OTAN|Otan|North Atlantic Treaty Organization", ""),
    (
        "eu",
        "organisation",
        "EU|UE|European Union|Europäische Union|Europäischen Union|Union européenne|Unión Europea",
        "",
    ),
    (
        "un",
        "organisation",
        "UN|UNO|ONU|United Nations|Vereinte Nationen|Vereinten Nationen|Nations unies|Nations Unies|Naciones Unidas",
        "",
    ),
    ("osce", "organisation", "OSCE|OSZE", ""),
    ("g7", "organisation", "G7|G-7", ""),
    ("g20", "organisation", "G20|G-20", ""),
    ("council_of_europe", "organisation", "Council of Europe|Europarat|Conseil de l'Europe|Consejo de Europa", ""),
    ("albania", "country", "Albania|Albanien|Albanie", "albanisch|Albanian|albanais|albanés"),
    ("andorra", "country", "Andorra|Andorre", ""),
    ("armenia", "country", "Armenia|Armenien|Arménie", "armenisch|Armenian|arménien|armenio"),
    ("austria", "country", "Austria|Österreich|Autriche", "österreichisch|Austrian|autrichien|austriaco"),
    ("azerbaijan", "country", "Azerbaijan|Aserbaidschan|Azerbaïdjan|Azerbaiyán", ""),
    (
        "belarus",
        "country",
        "Belarus|Weißrussland|Weissrussland|Biélorussie|Bélarus|Bielorrusia|Belarús",
        "belarussisch|belarusisch|weißrussisch|weissrussisch|Belarusian|Belorussian|Byelorussian|biélorusse"
        "|bélarusse|bielorruso|belaruso",
    ),
    ("belgium", "country", "Belgium|Belgien|Belgique|Bélgica", "belgisch|Belgian|belge|belga"),
    (
        "bosnia",
        "country",
        "Bosnia and Herzegovina|Bosnien und Herzegowina|Bosnie-Herzégovine|Bosnia y Herzegovina|Bosnia|Bosnien|Bosnie",
        "",
    ),
    ("bulgaria", "country", "Bulgaria|Bulgarien|Bulgarie", "bulgarisch|Bulgarian|bulgare|búlgaro"),
    ("croatia", "country", "Croatia|Kroatien|Croatie|Croacia", "kroatisch|Croatian|croate|croata"),
    ("cyprus", "country", "Cyprus|Zypern|Chypre|Chipre", ""),
    (
        "czechia",
        "country",
        "Czech Republic|Czechia|Tschechien|Tschechische Republik|République tchèque|Tchéquie|República Checa|Chequia",
        "tschechisch|Czech|tchèque|checo",
    ),
    ("denmark", "country", "Denmark|Dänemark|Danemark|Dinamarca", "dänisch|Danish|danois|danés"),
    ("estonia", "country", "Estonia|Estland|Estonie", "estnisch|Estonian|estonien|estonio"),
    ("finland", "country", "Finland|Finnland|Finlande|Finlandia", "finnisch|Finnish|finlandais|finlandés"),
    ("france", "country", "France|Frankreich|Francia", "französisch|French|français|francés"),
    ("georgia", "country", "Georgia|Georgien|Géorgie", "georgisch|Georgian|géorgien|georgiano"),
    ("germany", "country", "Germany|Deutschland|Allemagne|Alemania", "deutsch|German|allemand|alemán"),
    ("greece", "country", "Greece|Griechenland|Grèce|Grecia", "griechisch|Greek|grec|grecque|griego"),
    ("hungary", "country", "Hungary|Ungarn|Hongrie|Hungría", "ungarisch|Hungarian|hongrois|húngaro"),
    ("iceland", "country", "Iceland|Island|Islande|Islandia", ""),
    ("ireland", "country", "Ireland|Irland|Irlande|Irlanda", "irisch|Irish|irlandais|irlandés"),
    ("italy", "country", "Italy|Italien|Italie|Italia", "italienisch|Italian|italien|italiano"),
    ("kosovo", "country", "Kosovo|Kosova", ""),
    ("latvia", "country", "Latvia|Lettland|Lettonie|Letonia", "lettisch|Latvian|letton|letón"),
    ("liechtenstein", "country", "Liechtenstein", ""),
    ("lithuania", "country", "Lithuania|Litauen|Lituanie|Lituania", "litauisch|Lithuanian|lituanien|lituano"),
    ("luxembourg", "country", "Luxembourg|Luxemburg|Luxemburgo", ""),
    ("malta", "country", "Malta|Malte", ""),
    ("moldova", "country", "Moldova|Moldau|Moldawien|Moldavie|Moldavia", "moldauisch|Moldovan|moldave|moldavo"),
    ("monaco", "country", "Monaco|Mónaco", ""),
    ("montenegro", "country", "Montenegro|Monténégro", ""),
    (
        "netherlands",
        "country",
        "Netherlands|Niederlande|Pays-Bas|Países Bajos|Holland|Holanda|Hollande",
        "niederländisch|Dutch|néerlandais|neerlandés|holandés",
    ),
    (
        "north_macedonia",
        "country",
        "North Macedonia|Nordmazedonien|Macédoine du Nord|Macedonia del Norte|Macedonia|Mazedonien|Macédoine",
        "",
    ),
    ("norway", "country", "Norway|Norwegen|Norvège|Noruega", "norwegisch|Norwegian|norvégien|noruego"),
    ("poland", "country", "Poland|Polen|Pologne|Polonia", "polnisch|Polish|polonais|polaco"),
    ("portugal", "country", "Portugal", "portugiesisch|Portuguese|portugais|portugués"),
    ("romania", "country", "Romania|Rumänien|Roumanie|Rumania|Rumanía", "rumänisch|Romanian|roumain|rumano"),
    (
        "russia",
        "country",
        "Russia|Russland|Russie|Rusia|Russische Föderation|Russian Federation|Fédération de Russie|Federación de Rusia",
        "russisch|Russian|russe|ruso",
    ),
    ("san_marino", "country", "San Marino|Saint-Marin", ""),
    ("serbia", "country", "Serbia|Serbien|Serbie", "serbisch|Serbian|serbe|serbio"),
    ("slovakia", "country", "Slovakia|Slowakei|Slovaquie|Eslovaquia", "slowakisch|Slovak|slovaque|eslovaco"),
    ("slovenia", "country", "Slovenia|Slowenien|Slovénie|Eslovenia", "slowenisch|Slovenian|slovène|esloveno"),
    ("spain", "country", "Spain|Spanien|Espagne|España", "spanisch|Spanish|espagnol|español"),
    ("sweden", "country", "Sweden|Schweden|Suède|Suecia", "schwedisch|Swedish|suédois|sueco"),
    ("switzerland", "country", "Switzerland|Schweiz|Suisse|Suiza", "schweizerisch|schweizer|Swiss|suisse|suizo"),
    ("turkey", "country", "Turkey|Türkei|Turquie|Turquía|Türkiye", "türkisch|Turkish|turc|turque|turco"),
    ("ukraine", "country", "Ukraine|Ucrania", "ukrainisch|Ukrainian|ukrainien|ucraniano"),
    (
        "united_kingdom",
        "country",
        "United Kingdom|UK|U.K.|Great Britain|Britain|Großbritannien|Vereinigtes Königreich|Vereinigten Königreich"
        "|Royaume-Uni|Grande-Bretagne|Reino Unido|Gran Bretaña",
        "britisch|British|britannique|británico",
    ),
    ("vatican", "country", "Vatican|Vatikan|Vaticano|Holy See|Heiliger Stuhl|Saint-Siège|Santa Sede", ""),
    (
        "united_states",
        "country",
        "United States|USA|US|U.S.|Vereinigte Staaten|Vereinigten Staaten|États-Unis|Etats-Unis|Estados Unidos|EE. UU.",
        "amerikanisch|American|américain|estadounidense|norteamericano",
    ),
    ("china", "country", "China|Chine", "chinesisch|Chinese|chinois|chino"),
    ("amsterdam", "place", "Amsterdam|Ámsterdam", ""),
    ("athens", "place", "Athens|Athen|Athènes|Atenas", ""),
    ("belgrade", "place", "Belgrade|Belgrad|Belgrado", ""),
    ("berlin", "place", "Berlin|Berlín", ""),
    ("bern", "place", "Bern|Berne|Berna", ""),
    ("bratislava", "place", "Bratislava|Pressburg", ""),
    ("brussels", "place", "Brussels|Brüssel|Bruxelles|Bruselas", ""),
    ("bucharest", "place", "Bucharest|Bukarest|Bucarest", ""),
    ("budapest", "place", "Budapest", ""),
    ("chisinau", "place", "Chișinău|Chişinău|Chisinau|Kischinau", ""),
    ("copenhagen", "place", "Copenhagen|Kopenhagen|Copenhague", ""),
    ("dublin", "place", "Dublin|Dublín", ""),
    ("helsinki", "place", "Helsinki", ""),
    ("kyiv", "place", "Kyiv|Kiew|Kiev|Kyïv", ""),
    ("lisbon", "place", "Lisbon|Lissabon|Lisbonne|Lisboa", ""),
    ("ljubljana", "place", "Ljubljana|Laibach|Liubliana", ""),
    ("london", "place", "London|Londres", ""),
    ("madrid", "place", "Madrid", ""),
    ("minsk", "place", "Minsk", ""),
    ("moscow", "place", "Moscow|Moskau|Moscou|Moscú", ""),
    ("nicosia", "place", "Nicosia|Nikosia|Nicosie", ""),
    ("oslo", "place", "Oslo", ""),
    ("paris", "place", "Paris|París", ""),
    ("podgorica", "place", "Podgorica", ""),
    ("prague", "place", "Prague|Prag|Praga", ""),
    ("pristina", "place", "Pristina|Priština|Prishtina", ""),
    ("reykjavik", "place", "Reykjavik|Reykjavík", ""),
    ("riga", "place", "Riga", ""),
    ("rome", "place", "Rome|Rom|Roma", ""),
    ("sarajevo", "place", "Sarajevo", ""),
    ("skopje", "place", "Skopje|Skopie", ""),
    ("sofia", "place", "Sofia|Sofía", ""),
    ("stockholm", "place", "Stockholm|Estocolmo", ""),
    ("tallinn", "place", "Tallinn", ""),
    ("tbilisi", "place", "Tbilisi|Tiflis", ""),
    ("tirana", "place", "Tirana", ""),
    ("valletta", "place", "Valletta|La Valette|La Valeta", ""),
    ("vienna", "place", "Vienna|Wien|Vienne|Viena", ""),
    ("vilnius", "place", "Vilnius|Wilna|Vilna", ""),
    ("warsaw", "place", "Warsaw|Warschau|Varsovie|Varsovia", ""),
    ("yerevan", "place", "Yerevan|Eriwan|Erevan|Ereván", ""),
    ("zagreb", "place", "Zagreb", ""),
    ("ankara", "place", "Ankara", ""),
    ("baku", "place", "Baku|Bakou|Bakú", ""),
    ("washington", "place", "Washington", ""),
    ("beijing", "place", "Beijing|Peking|Pékin|Pekín", ""),
    ("geneva", "place", "Geneva|Genf|Genève|Ginebra", ""),
    ("strasbourg", "place", "Strasbourg|Straßburg|Strassburg|Estrasburgo", ""),
    ("the_hague", "place", "The Hague|Den Haag|La Haye|La Haya", ""),
]
_CLASS_OF = {key: cls for key, cls, _, _ in _GAZETTEER}
_NOUN_KEY = {form: key for key, _, forms, _ in _GAZETTEER for form in forms.split("|")}
_ADJECTIVE_SUFFIX = r"(?:e|en|er|es|em|ne|nes|s|a|as|os)?"
_ACCENT_OPTIONAL = {"á": "[áa]", "é": "[ée]", "í": "[íi]", "ó": "[óo]", "ú": "[úu]"}


def _adjective_pattern(form: str) -> str:
    """Lowercase forms start sentences too; Spanish ones inflect ("ruso" -> "rusa", "alemán" -> "alemanes")."""
    head = f"[{form[0]}{form[0].upper()}]" if form[0].islower() else re.escape(form[0])
    body = "".join(_ACCENT_OPTIONAL.get(ch, re.escape(ch)) for ch in form[1:])
    return head + (body[:-1] + "[oa]" if form.endswith("o") else body)


_ADJECTIVE_KEY = {adj.lower(): key for key, _, _, adjs in _GAZETTEER for adj in filter(None, adjs.split("|"))}
# German genitive ("Russlands", "NATO-Staaten" needs nothing) is the only inflection a noun form gets.
_NOUN_RE = re.compile(rf"(?<![\w.])({_alternation(_NOUN_KEY)})s?(?![\w])")
_ADJECTIVE_RE = re.compile(
    r"(?<![\w-])("
    + "|".join(_adjective_pattern(a) for a in sorted(_ADJECTIVE_KEY, key=len, reverse=True))
    + rf"){_ADJECTIVE_SUFFIX}(?!\w)"
)

# Capitalised words that are no names: titles, function words at a sentence start, calendar words.
_NOT_NAMES = frozenset(
    (
        "mr mrs ms dr prof sir madam president presidents prime minister ministers chancellor secretary general"
        " foreign defence defense king queen prince pope ministry government parliament council commission summit"
        " alliance army navy headquarters senator governor mayor chief leader leaders official officials spokesman"
        " spokeswoman the a an in on at of to for by from with this that these those it he she they we you i there"
        " according after before when while since as but and or so if although however also then yet"
        " le la les l un une des dans en au aux selon après avant pour par il elle ils elles on ce cette ces depuis"
        " lors mais et ou donc président présidente premier ministre monsieur madame"
        " el los las una unos unas según tras desde durante para por con sin este esta estos estas ese esa hay no"
        " se su sus lo del al presidente ministro señor señora"
        " monday tuesday wednesday thursday friday saturday sunday"
        " lundi mardi mercredi jeudi vendredi samedi dimanche lunes martes miércoles jueves viernes sábado domingo"
    ).split()
) | frozenset(_MONTH_OF)
_SENTENCE_OPENERS = frozenset('.!?:;"“”«»„¿¡\n')
_FOLDS = {
    "tsch": "h",
    "tch": "h",
    "sch": "h",
    "sh": "h",
    "ch": "h",
    "kh": "h",
    "zh": "h",
    "ts": "t",
    "ph": "f",
    "th": "t",
    "ck": "k",
    "qu": "k",
    "ou": "u",
    "c": "k",
    "w": "v",
    "y": "i",
    "z": "s",
}
_FOLD_RE = re.compile(_alternation(_FOLDS))
_DOUBLE_RE = re.compile(r"(.)\1+")
_NAME_PREFIX = 5


def _fold(word: str) -> str:
    """A spelling-blind key: German, English, French and Spanish transliterations of a name meet."""
    text = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    text = "".join(c for c in text if "a" <= c <= "z")
    return _DOUBLE_RE.sub(r"\1", _FOLD_RE.sub(lambda m: _FOLDS[m[0]], text))


# "j" is "y" in German (Tichanowskaja), "kh" in Spanish (Tijanóvskaya): it stays itself and meets both.
_J_LIKE = frozenset("ihj")


def _same_name(a: str, b: str) -> bool:
    if min(len(a), len(b)) < _NAME_PREFIX:
        if len(a) != len(b):
            return False
    else:
        a, b = a[:_NAME_PREFIX], b[:_NAME_PREFIX]
    return all(x == y or "j" in (x, y) and x in _J_LIKE and y in _J_LIKE for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class _Entity:
    key: str
    kind: str  # "place", "country", "organisation", or "name" for what the gazetteer does not know
    surface: str
    adjective: bool = False  # "russische Truppen" names Russia, but too loosely to contradict anything


@dataclass(frozen=True)
class _Analysis:
    numbers: tuple[_Number, ...]
    dates: tuple[DatePart, ...]
    entities: tuple[_Entity, ...]
    capitalised: frozenset[str]  # folded keys of every capitalised word, where a claim's other names are looked up


def _gazetteer(text: str) -> tuple[list[_Entity], list[tuple[int, int]]]:
    found: list[tuple[int, _Entity]] = []
    spans: list[tuple[int, int]] = []
    for m in _NOUN_RE.finditer(text):
        found.append((m.start(), _Entity(_NOUN_KEY[m[1]], _CLASS_OF[_NOUN_KEY[m[1]]], m[1])))
        spans.append(m.span())
    for m in _ADJECTIVE_RE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in spans):
            continue
        key = _ADJECTIVE_KEY[m[1].lower()]
        found.append((m.start(), _Entity(key, _CLASS_OF[key], m[0], adjective=True)))
        spans.append(m.span())
    return [e for _, e in sorted(found, key=lambda x: x[0])], spans


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS


def _other_names(text: str, taken: list[tuple[int, int]]) -> list[_Entity]:
    """Capitalised words of non-German text that the gazetteer does not know, joined into multiword names."""
    tokens = [m for m in _WORD_RE.finditer(text) if not any(s < m.end() and m.start() < e for s, e in taken)]
    inner = [m for m in tokens if len(m[0]) >= 4 and not _sentence_initial(text, m.start())]
    # A headline in title case capitalises everything; no word of it stands out as a name.
    if len(inner) >= 2 and sum(m[0][0].isupper() for m in inner) >= 0.8 * len(inner):
        return []
    groups: list[list[re.Match[str]]] = []
    for i, m in enumerate(tokens):
        word = m[0]
        if not word[0].isupper() or word.isupper() or len(word) < 2 or word.lower() in _NOT_NAMES:
            continue
        follows = i + 1 < len(tokens) and tokens[i + 1][0][0].isupper() and tokens[i + 1].start() - m.end() == 1
        if _sentence_initial(text, m.start()) and not follows:
            continue
        if groups and text[groups[-1][-1].end() : m.start()] in (" ", "-"):
            groups[-1].append(m)
        else:
            groups.append([m])
    return [_Entity(" ".join(_fold(m[0]) for m in g), "name", " ".join(m[0] for m in g)) for g in groups]


# --------------------------------------------------------------------------------------------
# analysis


def _dates(text: str, lang: str) -> tuple[list[DatePart], str]:
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
            month = _MONTH_OF[month_text.lower()]
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


def _numbers(text: str, lang: str) -> list[_Number]:
    text = _TIME_RE.sub(lambda m: " " * len(m[0]), text)
    out: list[_Number] = []
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
        out.append(_Number(value, approximate, bool(percent)))
    return out


@lru_cache(maxsize=4096)
def _analyse(text: str, language: str | None) -> _Analysis:
    # Evidence windows recur across the claims of a batch; the cache makes the second look free.
    text = unicodedata.normalize("NFC", text)
    lang = _language(text, language)
    entities, taken = _gazetteer(text)
    if lang != "de":  # German capitalises every noun; only the gazetteer tells names there
        entities += _other_names(text, taken)
    capitalised = frozenset(_fold(w) for w in _WORD_RE.findall(text) if w[0].isupper())
    dates, rest = _dates(_numeric_text(text, lang), lang)
    return _Analysis(tuple(_numbers(rest, lang)), tuple(dates), tuple(entities), capitalised)


def extract_numbers(text: str, language: str | None = None) -> list[float]:
    """Numbers of ``text`` that are no part of a date, as floats (20 % -> 20.0, "3,7 Mio." -> 3700000.0)."""
    return [n.value for n in _analyse(text, language).numbers]


def extract_dates(text: str, language: str | None = None) -> list[DatePart]:
    """Dates of ``text`` in order, each with the parts the text gives (a bare year is a year-only date)."""
    return list(_analyse(text, language).dates)


def extract_entities(text: str, language: str | None = None) -> list[str]:
    """Names of ``text`` as keys: gazetteer names by their English key ("brussels"), others folded ("tihanovskaia")."""
    keys: list[str] = []
    for entity in _analyse(text, language).entities:
        if entity.key not in keys:
            keys.append(entity.key)
    return keys


# --------------------------------------------------------------------------------------------
# comparison


def _numbers_agree(a: _Number, b: _Number) -> bool:
    if a.percent != b.percent:
        return False
    if a.approximate or b.approximate:
        return abs(a.value - b.value) <= 0.1 * max(abs(a.value), abs(b.value))
    return abs(a.value - b.value) <= 1e-9 * max(1.0, abs(a.value))


def _comparable(a: DatePart, b: DatePart) -> bool:
    return any(x is not None and y is not None for x, y in zip(_fields(a), _fields(b), strict=True))


def _fields(d: DatePart) -> tuple[int | None, int | None, int | None]:
    return d.day, d.month, d.year


def _dates_agree(a: DatePart, b: DatePart) -> bool:
    pairs = [(x, y) for x, y in zip(_fields(a), _fields(b), strict=True) if x is not None and y is not None]
    return bool(pairs) and all(x == y for x, y in pairs)


_T = TypeVar("_T")


def _compare(
    claim_items: Sequence[_T],
    evidence_items: Sequence[_T],
    agree: Callable[[_T, _T], bool],
    comparable: Callable[[_T, _T], bool],
) -> tuple[int, list[_T], list[_T]]:
    """+1 all claim items agree with one in the evidence; -1 none agrees though some could; 0 otherwise."""
    if not claim_items:
        return 0, [], []
    matched = [any(agree(c, e) for e in evidence_items) for c in claim_items]
    if all(matched):
        return 1, [], []
    rivals = [e for e in evidence_items if any(comparable(c, e) for c in claim_items)]
    if any(matched) or not rivals:
        return 0, [], []
    return -1, [c for c in claim_items if any(comparable(c, e) for e in rivals)], rivals


def _describe(kind: str, claim_items: Sequence[object], evidence_items: Sequence[object]) -> str:
    return f"{kind}: claim {', '.join(map(str, claim_items))}, evidence {', '.join(map(str, evidence_items))}"


def _compare_entities(claim: _Analysis, evidence: _Analysis) -> tuple[int, list[str]]:
    if not claim.entities:
        return 0, []
    evidence_keys = {e.key for e in evidence.entities}
    claim_keys = {e.key for e in claim.entities}
    missing: list[_Entity] = []
    mismatches: list[str] = []
    seen: set[str] = set()
    for entity in claim.entities:
        if entity.key in seen:
            continue
        seen.add(entity.key)
        if entity.kind == "name":
            last = entity.key.split()[-1]
            if not any(_same_name(last, word) for word in evidence.capitalised):
                missing.append(entity)
            continue
        if entity.key in evidence_keys:
            continue
        missing.append(entity)
        # Only a closed class can be contradicted: another capital in the evidence where the claim names this one.
        # Organisations act side by side ("the EU banned flights; NATO restricted access"), so another one
        # named in the evidence says nothing against the claim's.
        if entity.kind == "organisation":
            continue
        rivals = [
            e
            for e in evidence.entities
            if e.kind == entity.kind and not e.adjective and e.key not in claim_keys and e.key != entity.key
        ]
        if rivals:
            surfaces = list(dict.fromkeys(e.surface for e in rivals))
            mismatches.append(f"{entity.kind}: claim {entity.surface}, evidence {', '.join(surfaces)}")
    if mismatches:
        return -1, mismatches
    return (0 if missing else 1), []


def check(
    claim: str, evidence: str, claim_language: str | None = None, evidence_language: str | None = None
) -> Consistency:
    """Compare the numbers, dates and names of ``claim`` with those of the evidence window."""
    c = _analyse(claim, claim_language)
    e = _analyse(evidence, evidence_language)
    mismatches: list[str] = []
    numbers, claim_nums, evidence_nums = _compare(
        c.numbers, e.numbers, _numbers_agree, lambda a, b: a.percent == b.percent
    )
    if numbers < 0:
        mismatches.append(_describe("number", claim_nums, evidence_nums))
    dates, claim_dates, evidence_dates = _compare(c.dates, e.dates, _dates_agree, _comparable)
    if dates < 0:
        mismatches.append(_describe("date", claim_dates, evidence_dates))
    entities, entity_mismatches = _compare_entities(c, e)
    mismatches += entity_mismatches
    fields = (numbers, dates, entities)
    score = -1.0 if min(fields) < 0 else sum(fields) / len(fields)
    return Consistency(numbers, dates, entities, score, mismatches)
