"""CSV for spreadsheets: one row per card, in two dialects.

Rows go stage by stage, lane by lane within a stage, and in the board's order within a cell.
Every column has a source (see COLUMNS) and one type: a mean or spread always has one decimal,
a count or score none (exports/numbers.py's rule), and a cell is empty where the card has no
such value, so a spreadsheet reads each column as one kind of number.

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
import math
import unicodedata
from typing import Final

from journeyboard import schema
from journeyboard.exports import numbers
from journeyboard.i18n import N_, _
from journeyboard.workshop.boardview import BoardView, Card, quadrant_title

DIALECTS: Final = {"excel": (",", "."), "nordic": (";", ",")}
# What a spreadsheet may read as the start of a formula: the ASCII and full-width operators,
# after any leading whitespace (some strip it); a leading control character always counts.
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# Each column and where it comes from (the kind that carries it on the board; a field written
# on another card is exported as written). Numbers are typed by column: one decimal for means and
# spreads, whole numbers for orders, counts and scores, empty where the card has none. The
# header row is each column's name in the export's language (English keeps these names).
COLUMNS: Final = (
    N_("stage_order"),  # the stage's column number, 1..n; empty for Unplaced
    N_("stage"),  # the stage's name
    N_("lane"),  # the card's lane title (shared_schema/lanes.json)
    N_("kind"),  # the card's kind as written
    N_("text"),
    N_("author"),  # the author's name, or their id when they are not listed
    N_("channel"),  # touchpoint
    N_("moment_of_truth"),  # touchpoint: "yes" or empty
    N_("kpi"),  # touchpoint: the KPI named on the card (text)
    N_("nps"),  # touchpoint: a whole number, -100..100
    N_("emotion"),  # feeling: a whole score, -3..3
    N_("department"),  # a backstage card's own, else its author's
    N_("votes"),  # pain point, once the votes are revealed: a count
    N_("effort"),  # solution, once the ratings are revealed: a mean, 1..5
    N_("impact"),
    N_("effort_spread"),  # the standard deviation of the ratings
    N_("impact_spread"),
    N_("raters"),  # how many rated it: a count
    N_("quadrant"),  # the quadrant's title (shared_schema/quadrants.json)
    N_("pain_point"),  # solution: the text of the pain point it answers
    N_("owner"),  # solution
    N_("due"),  # solution: yyyy-mm-dd
    N_("status"),  # solution: the plan's progress (open, doing, done)
    N_("decisions"),  # solution: each person's standing decision, with who and when
    N_("effect"),  # solution: the effect seen at the follow-up workshop (text)
    N_("source"),  # inspiration: where the example comes from, as written (never a link)
    N_("card_id"),
)
LANE_ORDER: Final = {
    lane["kind"]: index for index, lane in enumerate(schema.load("lanes.json")["lanes"])
}
UNKNOWN_LANE: Final = LANE_ORDER[schema.load("lanes.json")["unknown_kind"]]


def neutralise(text: str) -> str:
    """Make text that a spreadsheet would evaluate as a formula show as text."""
    if not text:
        return text
    if unicodedata.category(text[0]) == "Cc":  # tab, CR, LF and every other control
        return "'" + text
    if text.lstrip().startswith(FORMULA_STARTS):  # "=", " =", "\u3000=", "\uff1d" ...
        return "'" + text
    return text


class Numbers:
    """How one dialect writes numbers: the shared rounding rule with its decimal mark."""

    def __init__(self, decimal_mark: str) -> None:
        self.decimal_mark = decimal_mark

    def mean(self, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return ""
        return numbers.one_decimal(value, self.decimal_mark)

    def count(self, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return ""
        return numbers.whole(value)


def _nps(card: Card) -> float | None:
    value = card.fields.get("nps")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def decisions_cell(card: Card) -> str:
    """ "approve · Rita (Finance) · 2026-01-30; reject · Sven · 2026-02-02" (values as stored)."""
    return "; ".join(
        " · ".join(
            (d.decision, f"{d.name} ({d.department})" if d.department.strip() else d.name, d.day)
        )
        for d in card.standing
    )


def _row(view: BoardView, card: Card, number: Numbers) -> list[str]:
    rating = card.rating
    pain = view.card_by_id.get(card.get_text("pain")) if card.kind == "solution" else None
    return [
        number.count(card.stage.order) if card.stage.order else "",
        neutralise(card.stage.name),
        neutralise(card.lane),
        neutralise(card.kind),
        neutralise(card.text),
        neutralise(view.author_name(card)),
        neutralise(card.get_text("channel")),
        _("yes") if card.moment_of_truth else "",
        neutralise(card.get_text("kpi")),
        number.count(_nps(card)),
        number.count(card.emotion),
        # A backstage card's own department, else its author's (issue #25).
        neutralise(card.get_text("department") or view.author_department(card)),
        number.count(card.votes) if view.votes_revealed and card.kind == "pain" else "",
        number.mean(rating.effort) if rating else "",
        number.mean(rating.impact) if rating else "",
        number.mean(rating.effort_spread) if rating else "",
        number.mean(rating.impact_spread) if rating else "",
        number.count(rating.n) if rating else "",
        neutralise(quadrant_title(rating.quadrant)) if rating else "",
        neutralise(pain.text) if pain else "",
        neutralise(card.get_text("owner")),
        neutralise(card.due),
        neutralise(card.get_text("status")),
        neutralise(decisions_cell(card)),
        neutralise(card.get_text("effect")),
        neutralise(card.get_text("source")),
        neutralise(card.id),
    ]


def row_order(card: Card) -> tuple[int, int, str, str]:
    """Stage order (Unplaced last), then lane order (shared_schema/lanes.json), then the card's
    place in its cell as the board shows it (position, then id)."""
    return (
        card.stage.order or 10**9,
        LANE_ORDER.get(card.kind, UNKNOWN_LANE),
        card.pos,
        card.id,
    )


def export_csv(view: BoardView, dialect: str = "excel") -> bytes:
    """The board's cards as CSV bytes (UTF-8 with BOM) in the named dialect, one row each."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown CSV dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    separator, decimal_mark = DIALECTS[dialect]
    number = Numbers(decimal_mark)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([_(column) for column in COLUMNS])
    for card in sorted(view.cards, key=row_order):
        writer.writerow(_row(view, card, number))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
