"""The action plan as CSV for a task tracker: Jira's CSV import shape, and a generic tasks CSV.

One row per solution. Jira's columns keep Jira's English names (Summary, Description,
Assignee, Due date, Labels: its importer maps them by name); the tasks CSV has our translated
headers. Every cell is guarded against formulas (`csvfile.neutralise`): a hostile text shows
as text in a spreadsheet and never runs. Decisions come from the `decide` command, each with
who and when; the card's status is the plan's progress.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Final

from journeyboard.exports.csvfile import decisions_cell, neutralise
from journeyboard.i18n import N_, _
from journeyboard.workshop.boardview import BoardView, Card

JIRA_COLUMNS: Final = ("Summary", "Description", "Assignee", "Due date", "Labels", "Labels")
TASK_COLUMNS: Final = (
    N_("task"),
    N_("pain_point"),
    N_("owner"),
    N_("department"),
    N_("due"),
    N_("status"),
    N_("outcome"),
    N_("decisions"),
    N_("card_id"),
)


def _solutions(view: BoardView) -> list[Card]:
    return [card for card in view.cards if card.kind == "solution"]


def _label(text: str) -> str:
    """A Jira label: no spaces (Jira splits labels at them)."""
    return re.sub(r"\s+", "-", text.strip())[:255]


def _write(header: tuple[str, ...], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def jira_csv(view: BoardView) -> bytes:
    """The plan in the shape Jira's CSV import takes; due dates as yyyy-mm-dd."""
    rows: list[list[str]] = []
    for card in _solutions(view):
        pain = view.card_by_id.get(card.get_text("pain"))
        lines = [_("Answers: %(pain)s", pain=pain.text)] if pain else []
        if card.standing:
            lines.append(_("Decisions: %(decisions)s", decisions=decisions_cell(card)))
        rows.append(
            [
                card.text.splitlines()[0][:255] if card.text.strip() else card.id,
                "\n".join(lines),
                card.get_text("owner"),
                card.due,
                "journeyboard",
                _label(card.outcome or "undecided"),
            ]
        )
    return _write(JIRA_COLUMNS, rows)


def tasks_csv(view: BoardView) -> bytes:
    """The plan as a generic tasks CSV with our own (translated) headers."""
    rows: list[list[str]] = []
    for card in _solutions(view):
        pain = view.card_by_id.get(card.get_text("pain"))
        rows.append(
            [
                card.text,
                pain.text if pain else "",
                card.get_text("owner"),
                card.get_text("department"),
                card.due,
                card.progress,
                card.outcome,
                decisions_cell(card),
                card.id,
            ]
        )
    return _write(tuple(_(column) for column in TASK_COLUMNS), rows)
