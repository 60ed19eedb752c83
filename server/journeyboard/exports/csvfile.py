"""CSV for spreadsheets: one row per card, in two dialects.

- `excel` (the default): comma separator, point as the decimal mark.
- `nordic`: semicolon separator, comma as the decimal mark, for Excel set to a Finnish,
  Swedish, Norwegian, Danish or German locale, where the comma is the decimal mark and a
  comma-separated file opens as one column.

Both are UTF-8 with a byte-order mark (Excel needs it to read UTF-8) and CRLF line endings. Card
text is untrusted: a cell a spreadsheet would run as a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable
from typing import Final

from journeyboard.workshop.boardview import QUADRANT_TITLES, BoardView, Card

DIALECTS: Final = {"excel": (",", "."), "nordic": (";", ",")}
# What a spreadsheet may read as the start of a formula: the ASCII and full-width operators,
# after any leading whitespace (some strip it); a leading control character always counts.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")

COLUMNS: Final = (
    "stage_order",
    "stage",
    "lane",
    "kind",
    "text",
    "author",
    "channel",
    "moment_of_truth",
    "emotion",
    "department",
    "kpi",
    "votes",
    "effort",
    "impact",
    "effort_spread",
    "impact_spread",
    "quadrant",
    "pain_point",
    "owner",
    "due",
    "status",
    "card_id",
)


def neutralise(text: str) -> str:
    """Make text that a spreadsheet would evaluate as a formula show as text."""
    if not text:
        return text
    if unicodedata.category(text[0]) == "Cc":  # tab, CR, LF and every other control
        return "'" + text
    if text.lstrip().startswith(FORMULA_STARTS):  # "=", " =", "\u3000=", "\uff1d" ...
        return "'" + text
    return text


def _number_formatter(decimal_mark: str) -> Callable[[float | None], str]:
    def number(value: float | None) -> str:
        if value is None:
            return ""
        text = str(int(value)) if float(value).is_integer() else f"{value:.2f}"
        return text.replace(".", decimal_mark)

    return number


def _row(view: BoardView, card: Card, number: Callable[[float | None], str]) -> list[str]:
    rating = card.rating
    pain = view.card_by_id.get(card.get_text("pain")) if card.kind == "solution" else None
    kpi = card.fields.get("kpi", card.fields.get("nps"))
    return [
        str(card.stage.order) if card.stage.order else "",
        neutralise(card.stage.name),
        neutralise(card.lane),
        neutralise(card.kind),
        neutralise(card.text),
        neutralise(view.author_name(card)),
        neutralise(card.get_text("channel")),
        "yes" if card.moment_of_truth else "",
        number(card.emotion),
        neutralise(card.get_text("department")),
        _kpi(kpi, number),
        number(card.votes) if view.votes_revealed and card.kind == "pain" else "",
        number(rating.effort) if rating else "",
        number(rating.impact) if rating else "",
        number(rating.effort_spread) if rating else "",
        number(rating.impact_spread) if rating else "",
        neutralise(QUADRANT_TITLES.get(rating.quadrant, "")) if rating else "",
        neutralise(pain.text) if pain else "",
        neutralise(card.get_text("owner")),
        neutralise(card.due),
        neutralise(card.get_text("status")),
        neutralise(card.id),
    ]


def _kpi(value: object, number: Callable[[float | None], str]) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int | float):
        return number(value)
    return neutralise(value) if isinstance(value, str) else ""


def export_csv(view: BoardView, dialect: str = "excel") -> bytes:
    """The board's cards as CSV bytes (UTF-8 with BOM) in the named dialect."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    separator, decimal_mark = DIALECTS[dialect]
    number = _number_formatter(decimal_mark)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for card in view.cards:
        writer.writerow(_row(view, card, number))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
