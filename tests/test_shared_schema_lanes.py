"""The lanes and the effort/impact quadrants come from shared_schema/, and both sides agree.

The server reads lanes.json and quadrants.json through journeyboard.schema; the client imports
the same files and types them with unions generated into client/src/generated/ (whose staleness
`npm run check` catches). These tests hold the server's readers and the client's generated
unions to the files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from journeyboard import schema
from journeyboard.exports import report
from journeyboard.workshop import boardview, voting

ROOT = Path(__file__).resolve().parents[1]
GENERATED = ROOT / "client" / "src" / "generated"


def shared(name: str) -> Any:
    return json.loads((ROOT / "shared_schema" / name).read_text(encoding="utf-8"))


def union_members(file: str, type_name: str) -> list[str]:
    """The string literals of `export type <type_name> = | 'a' | 'b';` in a generated file."""
    source = (GENERATED / file).read_text(encoding="utf-8")
    match = re.search(rf"export type {type_name} =([^;]*);", source)
    assert match is not None, f"{file} has no type {type_name}"
    return re.findall(r"'([^']*)'", match[1])


def test_the_server_lanes_are_the_shared_ones() -> None:
    lanes = shared("lanes.json")["lanes"]
    assert tuple((lane["kind"], lane["title"]) for lane in lanes) == boardview.LANES


def test_the_client_card_kinds_are_the_shared_lanes() -> None:
    kinds = [kind for kind, _ in boardview.LANES]
    assert union_members("lanes.ts", "CardKind") == kinds


def one_card_per_lane() -> boardview.BoardView:
    """A board of one stage with a card of each lane's kind, and one of a kind without a lane."""
    kinds = [*(kind for kind, _ in boardview.LANES), "sticky"]
    cards = {f"c_{kind}": {"kind": kind, "stage": "s1", "pos": "a", "text": f"{kind} card"}
             for kind in kinds}  # fmt: skip
    return boardview.build_view(
        "b", {"stages": {"s1": {"name": "Visit", "pos": "a"}}, "cards": cards}, {}
    )


def test_a_kind_without_a_lane_reads_as_the_unknown_kind_lane() -> None:
    unknown = shared("lanes.json")["unknown_kind"]
    card = one_card_per_lane().card_by_id["c_sticky"]
    assert card.lane == boardview.LANE_TITLES[unknown]


def test_the_summary_heads_each_lane_by_its_shared_report_heading() -> None:
    markdown = report.report_markdown(one_card_per_lane(), 0)
    journey = markdown[markdown.index("stage by stage") : markdown.index("## Emotion curve")]
    headings = re.findall(r"^\*\*(.+)\*\*$", journey, flags=re.MULTILINE)
    lanes = shared("lanes.json")["lanes"]
    assert headings == [lane["report_heading"] for lane in lanes if lane["report_heading"]]
    # Pains and solutions have sections of their own.
    assert "pain card" not in journey and "solution card" not in journey


def test_the_quadrants_are_the_shared_ones_on_both_sides() -> None:
    quadrants = shared("quadrants.json")["quadrants"]
    assert {name: q["title"] for name, q in quadrants.items()} == boardview.QUADRANT_TITLES
    assert union_members("quadrants.ts", "Quadrant") == list(quadrants)
    levels = {(q["impact"], q["effort"]) for q in quadrants.values()}
    assert levels == {("high", "low"), ("high", "high"), ("low", "low"), ("low", "high")}


@pytest.mark.parametrize(
    ("effort", "impact", "expected"),
    [
        (3.0, 3.0, "quick_win"),
        (3.01, 3.0, "big_bet"),
        (3.0, 2.99, "fill_in"),
        (5.0, 1.0, "money_pit"),
    ],
)
def test_the_quadrant_rule_reads_the_shared_thresholds(
    effort: float, impact: float, expected: str
) -> None:
    table = shared("quadrants.json")
    assert (table["high_impact_from"], table["low_effort_up_to"]) == (3, 3)
    assert voting.quadrant(effort, impact) == expected == schema.quadrant_of(effort, impact)
