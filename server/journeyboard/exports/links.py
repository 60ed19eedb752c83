"""Which text an export may make a link of: an inspiration card's source (RULINGS.md: http and
https only). Anything else is shown as plain text, never a link. The client keeps the same rule
(client/src/state/links.ts)."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

SCHEMES: Final = frozenset({"http", "https"})
MAX_LINK: Final = 2000


def safe_link(text: str) -> str | None:
    """`text` (trimmed) when it is an absolute http or https URL with a host, else None."""
    link = text.strip()
    if not link or len(link) > MAX_LINK:
        return None
    # Characters a browser's URL parser strips or that no URL holds: refuse rather than guess.
    if any(ord(ch) < 0x21 or ch in '"<>\\`' or ord(ch) == 0x7F for ch in link):
        return None
    try:
        parts = urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        return None
    return link
