"""Plain text out of Markdown and HTML for indexing, keeping what a reader sees."""

from __future__ import annotations

import re

_MD_LINE_PREFIX = re.compile(r"^(\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d{1,3}[.)]\s+))")
_MD_INLINE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|(\*\*|__|\*|_|`)")
_MD_FENCE = re.compile(r"^\s*(```|~~~)")


def markdown_to_text(source: str) -> tuple[str, list[int]]:
    """Strip Markdown markup; return the text and, per text character, its offset in ``source``."""
    out: list[str] = []
    offsets: list[int] = []
    pos = 0
    for line in source.splitlines(keepends=True):
        start = pos
        pos += len(line)
        if _MD_FENCE.match(line) or re.fullmatch(r"\s*([-*_]\s*){3,}\s*", line):
            out.append("\n")
            offsets.append(start)
            continue
        prefix = _MD_LINE_PREFIX.match(line)
        i = prefix.end() if prefix else 0
        body = line[i:]
        last = 0
        for m in _MD_INLINE.finditer(body):
            _emit(body[last : m.start()], start + i + last, out, offsets)
            if m.group(1) is not None:  # link or image: keep its text
                _emit(m.group(1), start + i + m.start(1), out, offsets)
            last = m.end()
        _emit(body[last:], start + i + last, out, offsets)
    return "".join(out), offsets


def _emit(chunk: str, at: int, out: list[str], offsets: list[int]) -> None:
    out.append(chunk)
    offsets.extend(range(at, at + len(chunk)))


_SKIP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "noscript", "template", "form", "svg")
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption")


def html_to_text(source: str) -> tuple[str, str | None]:
    """Readable text of an HTML page, one block per paragraph, and its ``<title>``."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(source)
    title_node = tree.css_first("title")
    title = title_node.text(strip=True) if title_node else None
    for tag in _SKIP_TAGS:
        for node in tree.css(tag):
            node.decompose()
    body = tree.body or tree.root
    blocks: list[str] = []
    if body is not None:
        for node in body.css(",".join(_BLOCK_TAGS)):
            # nested blocks (a <p> inside an <li>) are taken once, by the outermost
            if _inside_block(node):
                continue
            text = " ".join(node.text(separator="").split())
            if text:
                blocks.append(text)
        if not blocks:
            text = body.text(separator="\n")
            blocks = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n\n".join(blocks), title


def _inside_block(node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag in _BLOCK_TAGS:
            return True
        parent = parent.parent
    return False
