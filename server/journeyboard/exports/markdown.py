"""Untrusted text written into Markdown so that it reads as itself, raw and rendered.

Only what a CommonMark (or GitHub) renderer would read as markup is escaped, with a backslash,
and only where it would be read so: `*`, `` ` ``, `[`, `]` and `~` anywhere; `_` unless it sits
inside a word; `<` before what could open a tag or an autolink; `&` before what could be an
entity; `\\` before punctuation; `#`, `>`, `-`, `+` and `1.` when they would start a block; `|`
inside a table cell; a closing `#` run in a heading. Nothing else: never an HTML entity (raw
text would show `&amp;`), never `.` or `!` mid-text. So card text cannot become a link, an
image, raw HTML, emphasis, code, a list or a broken table. Line breaks and runs of white space
become one space, which keeps every value on its line.

A bare URL stays a URL: GitHub's renderer may make it clickable, but what it shows is where it
goes, so no text can hide a link.
"""

from __future__ import annotations

import re
from typing import Final

ASCII_PUNCTUATION: Final = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
ALWAYS: Final = frozenset("*`[]~")
ENTITY: Final = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
OPENS_TAG: Final = re.compile(r"<[A-Za-z/!?]")

BULLET: Final = re.compile(r"[-+](?=\s|$)")
ORDERED: Final = re.compile(r"(\d{1,9})([.)])(?=\s|$)")
ATX: Final = re.compile(r"#{1,6}(?=\s|$)")
THEMATIC: Final = re.compile(r"(?:-\s*){3,}$")
CLOSING_HASHES: Final = re.compile(r"(^|\s)(#+)$")


def one_line(text: str) -> str:
    """White space, line breaks included, as single spaces; no space at either end."""
    return " ".join(text.split())


def inline(text: str, *, pipes: bool = False) -> str:
    """Text in the middle of a line: markup characters escaped where a renderer reads them."""
    text = one_line(text)
    out: list[str] = []
    for i, ch in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if ch in ALWAYS or (pipes and ch == "|"):
            out.append("\\" + ch)
        elif ch == "\\":
            out.append("\\\\" if after == "" or after in ASCII_PUNCTUATION else ch)
        elif ch == "_":
            out.append("_" if before.isalnum() and after.isalnum() else "\\_")
        elif ch == "<":
            out.append("\\<" if OPENS_TAG.match(text, i) else ch)
        elif ch == "&":
            out.append("\\&" if ENTITY.match(text, i) else ch)
        else:
            out.append(ch)
    return "".join(out)


def block(text: str) -> str:
    """Text that starts a line: a paragraph or a list item's content (`- {block}`)."""
    escaped = inline(text)
    if THEMATIC.match(escaped) or BULLET.match(escaped) or escaped.startswith(">"):
        return "\\" + escaped
    if ATX.match(escaped):
        return "\\" + escaped
    number = ORDERED.match(escaped)
    if number:
        return number[1] + "\\" + escaped[len(number[1]) :]
    return escaped


def cell(text: str) -> str:
    """Text in a table cell: `|` escaped too, so no text can add a column."""
    return inline(text, pipes=True)


def heading(text: str) -> str:
    """Text after `## `: a trailing run of `#` would be read as the heading's closing marks."""
    return CLOSING_HASHES.sub(r"\1\\\2", inline(text))
