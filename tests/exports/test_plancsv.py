"""The plan as CSV for a task tracker, in-process: Jira's shape and the generic tasks CSV, with
decisions from `decide` and no formula from a hostile text."""

from __future__ import annotations

import csv
import io

from exports.boards import view_of
from exports.test_decisions import AT, decided_view, decision
from journeyboard import i18n
from journeyboard.exports import plancsv
from journeyboard.exports.render import render


def rows(raw: bytes) -> list[list[str]]:
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_jira_csv_keeps_jiras_column_names_in_every_language() -> None:
    for language in ("en", "sv"):
        with i18n.using(language):
            head, *body = rows(plancsv.jira_csv(decided_view()))
        assert head == ["Summary", "Description", "Assignee", "Due date", "Labels", "Labels"]
        assert len(body) == 3


def test_the_jira_csv_carries_owner_due_date_and_decisions() -> None:
    cards = {
        "p1": {"kind": "pain", "stage": "s", "text": "Slow form"},
        "s1": {
            "kind": "solution",
            "stage": "s",
            "text": "Pre-fill\nfrom the policy",
            "owner": "Digital team",
            "due": "2026-03-31",
            "pain": "p1",
        },
    }
    view = view_of(cards, decisions={"s1": [decision("r1", "Rita", "Finance", "approve")]})
    _head, row = rows(plancsv.jira_csv(view))
    assert row[0] == "Pre-fill" and row[2] == "Digital team" and row[3] == "2026-03-31"
    assert row[1] == "Answers: Slow form\nDecisions: approve · Rita (Finance) · 2026-01-30"
    assert row[4:] == ["journeyboard", "approved"]


def test_a_hostile_text_never_becomes_a_formula_in_either_csv() -> None:
    hostile = '=HYPERLINK("http://evil","x")'
    cards = {
        "s1": {
            "kind": "solution",
            "stage": "s",
            "text": hostile,
            "owner": "+cmd|' /C calc'!A0",
            "department": "@SUM(1)",
        },
    }
    view = view_of(cards, decisions={"s1": [decision("r", "-2+3", "", "reject", at_ms=AT)]})
    for raw in (plancsv.jira_csv(view), plancsv.tasks_csv(view)):
        for row in rows(raw)[1:]:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@")), cell
    task = rows(plancsv.tasks_csv(view))[1]
    assert task[0] == "'" + hostile and task[2] == "'+cmd|' /C calc'!A0"


def test_the_tasks_csv_has_translated_headers_progress_and_outcome() -> None:
    with i18n.using("sv"):
        head, *body = rows(plancsv.tasks_csv(decided_view()))
    assert head[0] == "Uppgift" and head[5] == "Status"
    by_text = {row[0]: row for row in body}
    assert by_text["Pre-fill the form"][5] == "doing"
    assert by_text["Pre-fill the form"][6] == "disputed"
    assert by_text["SMS updates"][6] == ""


def test_both_are_export_formats() -> None:
    jira = render(decided_view(), "jira-csv", 0)
    tasks = render(decided_view(), "tasks-csv", 0)
    assert jira.filename.endswith("-jira.csv") and tasks.filename.endswith("-tasks.csv")
    assert jira.media_type.startswith("text/csv")
