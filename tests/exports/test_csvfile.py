"""CSV, in-process: a round trip gives every card once, in map order, with typed columns."""

from __future__ import annotations

import csv
import io
import re

import pytest

from exports.boards import example_view, view_of
from exports.hostile import TEXTS, hostile_view
from journeyboard import schema
from journeyboard.exports import csvfile
from journeyboard.workshop.boardview import BoardView

MEANS = ("effort", "impact", "effort_spread", "impact_spread")
COUNTS = ("stage_order", "nps", "emotion", "votes", "raters")
LANES = [lane["kind"] for lane in schema.load("lanes.json")["lanes"]]


def rows_of(view: BoardView, dialect: str = "excel") -> list[dict[str, str]]:
    raw = csvfile.export_csv(view, dialect)
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    separator = csvfile.DIALECTS[dialect][0]
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=separator)
    head, *body = list(reader)
    assert tuple(head) == csvfile.COLUMNS
    assert all(len(row) == len(head) for row in body)
    return [dict(zip(head, row, strict=True)) for row in body]


@pytest.mark.parametrize("dialect", ["excel", "nordic"])
def test_round_trip_gives_every_card_once(dialect: str) -> None:
    view = example_view()
    rows = rows_of(view, dialect)
    assert sorted(row["card_id"] for row in rows) == sorted(card.id for card in view.cards)
    by_id = {row["card_id"]: row for row in rows}
    for card in view.cards:
        assert by_id[card.id]["text"] == card.text
        # a card's text is in its own row's text cell only (a solution names its pain point's
        # text in pain_point, a reference, as a spreadsheet reader wants it)
        assert [row["text"] for row in rows].count(card.text) == 1


@pytest.mark.parametrize("dialect", ["excel", "nordic"])
def test_columns_are_typed(dialect: str) -> None:
    mark = re.escape(csvfile.DIALECTS[dialect][1])
    rows = rows_of(example_view(), dialect)
    for row in rows:
        for column in MEANS:
            assert re.fullmatch(rf"(\d+{mark}\d)?", row[column]), (column, row[column])
        for column in COUNTS:
            assert re.fullmatch(r"(-?\d+)?", row[column]), (column, row[column])
        assert row["moment_of_truth"] in ("", "yes")
        assert re.fullmatch(r"(\d{4}-\d\d-\d\d)?", row["due"])
    daily = next(row for row in rows if row["text"] == "Daily payment batches")
    assert daily["effort"] == f"4{csvfile.DIALECTS[dialect][1]}3"  # 4.25, half away from zero
    assert daily["raters"] == "4" and daily["votes"] == ""


def test_every_column_has_a_source_on_the_example() -> None:
    rows = rows_of(example_view())
    empty = [c for c in csvfile.COLUMNS if not any(row[c] for row in rows)]
    # the example names no KPI and no author; both are filled by the board (tested below); it
    # holds no follow-up and no inspiration card (effect and source: test_comparison.py)
    assert empty == ["author", "kpi", "effect", "source"]
    view = view_of({"t": {"kind": "touchpoint", "stage": "s", "pos": "a", "text": "Call",
                          "kpi": "first-contact resolution", "nps": 12.5, "author": "p1"}},
                   participants={"p1": {"name": "Ann", "role": "participant"}})  # fmt: skip
    row = rows_of(view)[0]
    assert (row["kpi"], row["nps"], row["author"]) == ("first-contact resolution", "13", "Ann")


def test_rows_go_by_stage_then_lane_then_card() -> None:
    view = example_view()
    rows = rows_of(view)
    keys = [
        (int(row["stage_order"] or 10**9), LANES.index(row["kind"]), view.card_by_id[row["card_id"]].pos)
        for row in rows
    ]  # fmt: skip
    assert keys == sorted(keys)
    # within a stage the lanes follow lanes.json even where card positions do not
    stage2 = [row["kind"] for row in rows if row["stage_order"] == "2"]
    assert stage2.index("pain") < stage2.index("gain") < stage2.index("solution")


def test_cells_in_a_lane_follow_the_board_and_unknown_kinds_sit_with_notes() -> None:
    cards = {
        "n2": {"kind": "note", "stage": "s", "pos": "a2", "text": "second note"},
        "w": {"kind": "wish", "stage": "s", "pos": "a1", "text": "unknown kind"},
        "n1": {"kind": "note", "stage": "s", "pos": "a0", "text": "first note"},
        "a": {"kind": "action", "stage": "s", "pos": "z", "text": "action"},
        "u": {"kind": "action", "stage": "gone", "pos": "a", "text": "unplaced"},
    }
    order = [row["card_id"] for row in rows_of(view_of(cards))]
    assert order == ["a", "n1", "w", "n2", "u"]


def test_hostile_text_survives_and_cannot_run() -> None:
    view = hostile_view()
    for dialect in csvfile.DIALECTS:
        rows = {row["card_id"]: row for row in rows_of(view, dialect)}
        for index, text in enumerate(TEXTS):
            cell = rows[f"pain{index:02d}"]["text"]
            assert cell == csvfile.neutralise(text)  # exact, newlines and separators included
            assert rows[f"sol{index:02d}"]["owner"] == csvfile.neutralise(text)
        formula = next(i for i, text in enumerate(TEXTS) if text.startswith("="))
        assert rows[f"pain{formula:02d}"]["text"].startswith("'=")
        assert rows["sol00"]["pain_point"] == TEXTS[0]


def test_the_department_column_names_the_author_s_department() -> None:
    people = {
        "p1": {"name": "Ann Berg", "department": "Claims", "role": "participant"},
        "p2": {"name": "Bo Lund", "department": "IT", "role": "participant"},
    }
    cards = {
        "a": {
            "kind": "pain",
            "stage": "s",
            "pos": "a",
            "text": "Slow",
            "author": "Ann Berg",
            "author_id": "p1",
        },
        "b": {"kind": "action", "stage": "s", "pos": "b", "text": "Calls", "author": "Bo Lund"},
        "c": {
            "kind": "backstage",
            "stage": "s",
            "pos": "c",
            "text": "Batch",
            "author": "Ann Berg",
            "author_id": "p1",
            "department": "Finance",
        },
        "d": {"kind": "note", "stage": "s", "pos": "d", "text": "Anon", "author": ""},
    }
    rows = {row["card_id"]: row for row in rows_of(view_of(cards, participants=people))}
    assert [rows[key]["department"] for key in "abcd"] == ["Claims", "IT", "Finance", ""]
