"""The server's languages: one gettext catalogue per language, read through Babel.

The catalogues are `locale/<lang>/LC_MESSAGES/messages.po` beside this module. They are read
with Babel (`read_po`) and compiled in memory on first use (`write_mo` into a buffer, then
`babel.support.Translations`), so a fresh clone or an installed wheel needs no compile step.
English is the source language: its msgids are the English texts, and its catalogue lists
every msgid the code and `shared_schema/` use (`tests/test_catalogues.py` holds them to it).

Who speaks which language is decided by the caller (`choose`); what is being rendered reads
the current language from a context variable (`using`), so the export code, its Jinja2
templates (the i18n extension) and the error handler all look up through the same catalogues.
Content people write never goes through here.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: Final = ("en", "sv", "nb", "da")
"""What a board, an export or an error message can be in; English first (the default)."""
DEFAULT: Final = "en"
ALIASES: Final = {"no": "nb", "nn": "nb"}
"""Norwegian in general and nynorsk read as bokmål, the only Norwegian we have."""
LOCALE_DIR: Final = Path(__file__).parent / "locale"
DOMAIN: Final = "messages"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


def normalise(tag: str | None) -> str | None:
    """A language tag ("sv", "sv-FI", "nb_NO", "no", "NN") as one of LANGUAGES, else None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    primary = ALIASES.get(primary, primary)
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first of LANGUAGES an Accept-Language header asks for, by its q-values; else None."""
    if not header:
        return None
    asked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            asked.append((-quality, index, tag))
    for _, _, tag in sorted(asked):
        language = normalise(tag)
        if language is not None:
            return language
    return None


def choose(*candidates: str | None) -> str:
    """The first candidate that names one of LANGUAGES (aliases mapped), else English."""
    for candidate in candidates:
        language = normalise(candidate)
        if language is not None:
            return language
    return DEFAULT


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> Translations:
    """The compiled catalogue of one of LANGUAGES (read and compiled once per process)."""
    if language not in LANGUAGES:
        raise ValueError(f"no catalogue for {language!r}")
    with catalogue_path(language).open("rb") as file:
        catalog = read_po(file, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def current() -> str:
    """The language of what is being rendered now (`using`), English outside any."""
    return _current.get()


@contextlib.contextmanager
def using(language: str) -> Iterator[str]:
    """Render in `language` (normalised; English when unknown) for the block's duration."""
    chosen = choose(language)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


class Term(str):
    """A value filled into a message that is itself a message of the catalogues (a phase's
    title, a role's name): translated along with the message it goes into."""

    __slots__ = ()


def N_(message: str) -> str:
    """Mark a text for the catalogues where it is defined; it is translated where it is shown."""
    return message


def translate(language: str, message: str, params: Mapping[str, object] | None = None) -> str:
    """`message` in `language`, with `%(name)s` placeholders filled from `params`."""
    catalogue = translations(choose(language))
    text = catalogue.gettext(message)
    if not params:
        return text
    filled = {
        key: catalogue.gettext(value) if isinstance(value, Term) else value
        for key, value in params.items()
    }
    return text % filled


def _(message: str, /, **params: object) -> str:
    """`message` in the current language, with `%(name)s` placeholders filled from `params`."""
    return translate(current(), message, params)


def ngettext(singular: str, plural: str, count: int, /, **params: object) -> str:
    """The singular or plural form for `count` in the current language; `%(num)s` is `count`."""
    text = translations(current()).ngettext(singular, plural, count)
    return text % {"num": count, **params}


def gettext_raw(message: str) -> str:
    """`message` in the current language, unformatted (Jinja2's i18n extension formats)."""
    return translations(current()).gettext(message)


def ngettext_raw(singular: str, plural: str, count: int) -> str:
    return translations(current()).ngettext(singular, plural, count)
