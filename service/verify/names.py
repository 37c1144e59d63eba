"""Names of a text: gazetteer places, countries and organisations, and other capitalised names.

A small cross-lingual gazetteer (European capitals and countries, a few other capitals,
NATO/EU/UN/OSCE/G7/G20) maps the spellings and adjectives of each to one key; other capitalised names
of non-German text are folded so that transliterations ("Tichanowskaja", "Tikhanovskaya") meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from service.verify.quantities import MONTH_OF, WORD_RE, alternation

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
_UNACCENT = str.maketrans("áéíóú", "aeiou")
# the pattern admits "rusa" for "ruso" and "aleman" for "alemán": look such forms up by their base form
_ADJECTIVE_BASE = {adj.translate(_UNACCENT): key for adj, key in _ADJECTIVE_KEY.items()}


def _adjective_key(surface: str) -> str:
    low = surface.lower()
    if low in _ADJECTIVE_KEY:
        return _ADJECTIVE_KEY[low]
    base = low.translate(_UNACCENT)
    return _ADJECTIVE_BASE.get(base) or _ADJECTIVE_BASE[base[:-1] + "o"]


# German genitive ("Russlands", "NATO-Staaten" needs nothing) is the only inflection a noun form gets.
_NOUN_RE = re.compile(rf"(?<![\w.])({alternation(_NOUN_KEY)})s?(?![\w])")
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
) | frozenset(MONTH_OF)
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
_FOLD_RE = re.compile(alternation(_FOLDS))
_DOUBLE_RE = re.compile(r"(.)\1+")
_NAME_PREFIX = 5


def fold(word: str) -> str:
    """A spelling-blind key: German, English, French and Spanish transliterations of a name meet."""
    text = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    text = "".join(c for c in text if "a" <= c <= "z")
    return _DOUBLE_RE.sub(r"\1", _FOLD_RE.sub(lambda m: _FOLDS[m[0]], text))


# "j" is "y" in German (Tichanowskaja), "kh" in Spanish (Tijanóvskaya): it stays itself and meets both.
_J_LIKE = frozenset("ihj")


def same_name(a: str, b: str) -> bool:
    if min(len(a), len(b)) < _NAME_PREFIX:
        if len(a) != len(b):
            return False
    else:
        a, b = a[:_NAME_PREFIX], b[:_NAME_PREFIX]
    return all(x == y or "j" in (x, y) and x in _J_LIKE and y in _J_LIKE for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class Entity:
    key: str
    kind: str  # "place", "country", "organisation", or "name" for what the gazetteer does not know
    surface: str
    adjective: bool = False  # "russische Truppen" names Russia, but too loosely to contradict anything


@dataclass(frozen=True)
class NameForm:
    """Where the gazetteer finds a name: ``text[start:stem_end]`` is a listed form as written, ``text[stem_end:end]``
    its inflection ("weißrussisch" + "en", "Russland" + "s"). A Spanish adjective's stem carries its gender and
    may lack its accent ("rusa" for "ruso", "aleman" + "es" for "alemán")."""

    start: int
    stem_end: int
    end: int
    key: str
    kind: str  # the gazetteer's class: "country", "place" or "organisation"
    adjective: bool


def name_forms(text: str) -> list[NameForm]:
    """The gazetteer's names of ``text`` in order; an adjective inside a noun form ("Weißrussland") is the noun."""
    found = []
    for m in _NOUN_RE.finditer(text):
        key = _NOUN_KEY[m[1]]
        found.append(NameForm(m.start(), m.end(1), m.end(), key, _CLASS_OF[key], False))
    nouns = list(found)
    for m in _ADJECTIVE_RE.finditer(text):
        if not any(n.start < m.end() and m.start() < n.end for n in nouns):
            key = _adjective_key(m[1])
            found.append(NameForm(m.start(), m.end(1), m.end(), key, _CLASS_OF[key], True))
    return sorted(found, key=lambda f: f.start)


def gazetteer(text: str) -> tuple[list[Entity], list[tuple[int, int]]]:
    entities, spans = [], []
    for f in name_forms(text):
        surface = text[f.start : f.end] if f.adjective else text[f.start : f.stem_end]
        entities.append(Entity(f.key, f.kind, surface, adjective=f.adjective))
        spans.append((f.start, f.end))
    return entities, spans


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS


def other_names(text: str, taken: list[tuple[int, int]]) -> list[Entity]:
    """Capitalised words of non-German text that the gazetteer does not know, joined into multiword names."""
    tokens = [m for m in WORD_RE.finditer(text) if not any(s < m.end() and m.start() < e for s, e in taken)]
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
    return [Entity(" ".join(fold(m[0]) for m in g), "name", " ".join(m[0] for m in g)) for g in groups]
