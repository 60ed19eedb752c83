"""Sorting text the way each language's readers expect: ICU's collation (through PyICU).

Swedish sorts å, ä, ö after z; Danish and Norwegian sort æ, ø, å after z; Python's own
string order (code points) or `casefold` gets both wrong. This is the one module that imports
`icu`, which has no type information: mypy is told to ignore it here and nowhere else.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import icu  # type: ignore[import-untyped]


@functools.cache
def _collator(language: str) -> Any:
    return icu.Collator.createInstance(icu.Locale(language))


def sort_key(language: str) -> Callable[[str], bytes]:
    """A key function that orders text by `language`'s collation (for `sorted(key=...)`)."""
    collator = _collator(language)

    def key(text: str) -> bytes:
        return bytes(collator.getSortKey(text))

    return key
