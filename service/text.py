"""Checks and repairs of text from users, shared by the claim check and the article check: no model,
no pipeline, so the lowest layer of the service can use them."""

from __future__ import annotations

import re
import unicodedata

from service.errors import InvalidInputError


def check_text(text: str, loc: str) -> None:
    """:class:`InvalidInputError` when ``text`` holds a lone surrogate (invalid UTF-16 from JSON, or an
    undecodable command-line byte), which no model can read."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInputError(
            f"{loc} holds an invalid character (U+{ord(text[exc.start]):04X} at {exc.start}, half of a surrogate pair "
            "or an undecodable byte); send UTF-8 text",
            [{"loc": loc, "message": "invalid character"}],
        ) from None


# C0 controls but tab and line breaks, DEL and C1 controls
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def blank_controls(text: str) -> str:
    """``text`` with each control character (a form feed from a PDF copy, a NUL) replaced by a space,
    so offsets into it still hold."""
    return CONTROL.sub(" ", text)


def visible(text: str) -> bool:
    """Whether ``text`` has anything but white space and invisible format characters (zero-width spaces)."""
    return any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in text)
