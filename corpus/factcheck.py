"""One published fact-check as the product keeps it (:class:`FactCheck`), and the readers of its fields
as ClaimReview and JSONL write them: text, names, URLs, numbers, dates, languages. The formats themselves
are read in :mod:`corpus.claimreview`."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from corpus.language import detect_language

MAX_CLAIM_CHARS = 2000


@dataclass
class FactCheck:
    """One published fact-check: the claim it reviewed and the rating its publisher gave."""

    id: str
    claim: str
    rating: str | None = None
    rating_class: str = "other"
    rating_value: float | None = None
    best_rating: float | None = None
    worst_rating: float | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    title: str | None = None
    # who made the claim, and where it appeared (itemReviewed's author and appearance)
    claimant: str | None = None
    appearances: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FactCheck:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    @property
    def text(self) -> str:
        """What matching reads: the claim, with the review's title where it adds words."""
        if self.title and self.title.strip() and self.title.strip().lower() != self.claim.strip().lower():
            return f"{self.claim} {self.title}"
        return self.claim


class RecordError(ValueError):
    """A record that cannot be imported; the message says why."""


def first(value: object) -> object:
    return value[0] if isinstance(value, list) and value else value


def many(value: object) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def text_value(value: object) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def claim_text(value: object, name: str = "claim") -> str:
    text = text_value(first(value))
    if not text:
        raise RecordError(f"{name} is missing or empty")
    if len(text) > MAX_CLAIM_CHARS:
        raise RecordError(f"{name} is {len(text)} characters long; a claim is at most {MAX_CLAIM_CHARS}")
    return text


def name_of(value: object) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        return text_value(value.get("name")) or text_value(value.get("alternateName")) or text_value(value.get("url"))
    return text_value(value)


def url_of(value: object) -> str | None:
    if isinstance(value, dict):
        return text_value(value.get("url")) or (text_value(value.get("@id")) if looks_like_url(value.get("@id")) else None)
    return text_value(value) if looks_like_url(value) else None


def looks_like_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def number_value(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(str(value).replace(",", ".")) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def day(value: object) -> str | None:
    text = text_value(value)
    if text and len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return text[:10]
    return text


def language_name(value: object) -> str | None:
    value = first(value)
    if isinstance(value, dict):
        return text_value(value.get("alternateName")) or text_value(value.get("name"))
    return text_value(value)


LANGUAGE_NAMES = {
    "english": "en",
    "german": "de",
    "deutsch": "de",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
}


def language_code(value: str | None, claim: str) -> str | None:
    """ISO 639-1 from a code ("de", "de-DE") or a name ("German"); guessed from the claim when not given."""
    if value:
        code = value.strip().lower().replace("_", "-").split("-", 1)[0]
        if len(code) == 2 and code.isalpha():
            return code
        if code in LANGUAGE_NAMES:
            return LANGUAGE_NAMES[code]
    return detect_language(claim, min_probability=0.3)


def derived_id(url: str | None, claim: str) -> str:
    digest = hashlib.sha256(f"{url or ''}\0{claim}".encode()).hexdigest()[:16]
    return f"cr-{digest}"
