"""Decisions in exports, in-process: the plan shows each decision with who and when, the report
lists them by reviewer, and the card's status is only the plan's progress."""

from __future__ import annotations

import re
from typing import Any

from exports.boards import NOW_MS, view_of
from exports.test_csvfile import rows_of
from journeyboard.exports import jsonfile, poster, report
from journeyboard.workshop import imports
from journeyboard.workshop.boardview import BoardView

DAY_MS = 86_400_000
AT = 1_769_731_200_000  # 2026-01-30 00:00 UTC


def decision(person: str, name: str, department: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "person": person,
        "name": name,
        "department": department,
        "role": "reviewer",
        "decision": kind,
        "comment": "",
        "at_ms": AT,
        **extra,
    }


def decided_view() -> BoardView:
    cards = {
        "s1": {"kind": "solution", "stage": "s", "text": "Pre-fill the form", "status": "doing"},
        "s2": {"kind": "solution", "stage": "s", "text": "Daily batches", "status": "approved"},
        "s3": {"kind": "solution", "stage": "s", "text": "SMS updates"},
    }
    decisions = {
        "s1": [
            decision("r1", "Rita", "Finance", "reject"),
            decision("r2", "Sven", "", "reject", at_ms=AT + DAY_MS),
            decision("r1", "Rita", "Finance", "approve", at_ms=AT + 2 * DAY_MS, comment="OK now"),
        ],
        "s2": [decision("r2", "Sven", "", "reject"), decision("r2", "Sven", "", "reject")],
        "junk": "not a list",
        "s3": [{"decision": "maybe"}, 7],
    }
    return view_of(cards, decisions=decisions)


def test_each_persons_latest_decision_stands_and_disagreement_is_disputed() -> None:
    view = decided_view()
    s1, s2, s3 = (view.card_by_id[key] for key in ("s1", "s2", "s3"))
    assert len(s1.decisions) == 3
    assert [(d.name, d.decision) for d in s1.standing] == [("Sven", "reject"), ("Rita", "approve")]
    assert s1.outcome == "disputed" and s2.outcome == "rejected" and s3.outcome == ""
    # A status the board once used for decisions is only progress now.
    assert s2.progress == "approved" and s3.progress == "open"


def test_the_report_shows_decisions_with_who_and_when_and_by_reviewer() -> None:
    built = report.build_report(decided_view(), NOW_MS)
    plan = {s.text: s for s in built.solutions}
    assert plan["Pre-fill the form"].decision == (
        "Rejected by Sven, Jan 31, 2026; Approved by Rita (Finance), Feb 1, 2026"
    )
    assert plan["Pre-fill the form"].progress == "doing"
    assert plan["SMS updates"].decision == "—" and plan["SMS updates"].progress == "open"
    assert built.summary.disputed == report.Listed(("Pre-fill the form",))
    assert built.summary.rejected == report.Listed(("Daily batches",))
    assert not built.summary.approved
    reviewers = {r.name: r for r in built.reviewers}
    assert list(reviewers) == ["Rita (Finance)", "Sven"]
    rita = reviewers["Rita (Finance)"].decisions
    assert [(d.decision, d.day, d.comment) for d in rita] == [("Approved", "Feb 1, 2026", "OK now")]
    assert [d.decision for d in reviewers["Sven"].decisions] == ["Rejected", "Rejected"]
    markdown = report.report_markdown(decided_view(), NOW_MS)
    assert "## Decisions by reviewer" in markdown and "### Rita (Finance)" in markdown
    assert "OK now" in markdown
    html = report.report_html(decided_view(), NOW_MS)
    assert "Decisions by reviewer" in html and "Disputed:" in html
    left_open = "\n".join(built.left_open)
    assert "no decision yet" in left_open and left_open.count("no decision yet") == 1


def test_the_csv_and_poster_carry_decisions() -> None:
    rows = {row["text"]: row for row in rows_of(decided_view())}
    assert rows["Pre-fill the form"]["decisions"] == (
        "reject · Sven · 2026-01-31; approve · Rita (Finance) · 2026-02-01"
    )
    assert rows["Pre-fill the form"]["status"] == "doing"
    hostile = view_of(
        {"s1": {"kind": "solution", "stage": "s", "text": "x"}},
        decisions={"s1": [decision("r", "=cmd|' /C calc'!A0", "", "approve")]},
    )
    # The cell starts with the decision, so a hostile name never starts a formula.
    assert rows_of(hostile)[0]["decisions"].startswith("approve · =cmd")
    svg = poster.poster(decided_view())
    assert "disputed" in svg and "rejected" in svg
    # Who decided and when, under each solution's outcome (wrapped to the column).
    words = " ".join(re.sub(r"<[^>]+>", " ", svg).split())
    assert "Rita, Feb 1, 2026" in words and "Sven, Jan 31, 2026" in words


def test_the_json_export_keeps_every_decision_and_an_import_brings_them_back() -> None:
    exported = jsonfile.export_board(decided_view(), NOW_MS)
    kept = exported["results"]["decisions"]
    assert [d["name"] for d in kept["s1"]] == ["Rita", "Sven", "Rita"]
    assert "s3" not in kept and "junk" not in kept
    assert imports.session_fields(imports.validate(exported))["decisions"] == kept
