"""Not set stays not set (issue #25 item 5): a feeling with no score and a touchpoint with no
channel reach no median, no CSV cell and no line of the report as if someone had chosen them."""

from __future__ import annotations

from exports.boards import NOW_MS, view_of
from journeyboard.exports import csvfile, report

UNSET = {
    "f": {"kind": "feeling", "stage": "s", "pos": "a", "text": "Unsure how I feel"},
    "t": {
        "kind": "touchpoint",
        "stage": "s",
        "pos": "b",
        "text": "Somewhere",
        "moment_of_truth": False,
    },
}


def test_an_unscored_feeling_has_no_point_on_the_curve() -> None:
    assert view_of(UNSET).emotion_curve() == [None]
    scored = view_of({**UNSET, "g": {**UNSET["f"], "pos": "c", "emotion": -2}})
    curve = scored.emotion_curve()
    assert curve[0] is not None and curve[0][1:] == (-2, -2, -2, 1)


def test_not_set_is_an_empty_cell_in_the_csv() -> None:
    raw = csvfile.export_csv(view_of(UNSET), "excel").decode("utf-8-sig")
    head, *rows = [line.split(",") for line in raw.strip().split("\r\n")]
    cells = [dict(zip(head, row, strict=True)) for row in rows]
    assert {row["emotion"] for row in cells} == {""}
    assert {row["channel"] for row in cells} == {""}


def test_the_report_says_nothing_of_a_score_or_channel_nobody_chose() -> None:
    text = report.report_markdown(view_of(UNSET), NOW_MS)
    assert "Unsure how I feel" in text and "Somewhere" in text
    assert "feeling 0" not in text and "feeling +0" not in text
    assert "web" not in text.lower()
