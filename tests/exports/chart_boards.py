"""Boards for the chart and poster tests, built in-process from the shipped example export, and
the poster's check that its labels stay apart."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from journeyboard.exports import poster
from journeyboard.exports.measure import Box
from journeyboard.workshop.boardview import BoardView, build_view

EXAMPLE = (
    Path(__file__).resolve().parents[2] / "shared_schema" / "examples" / "insurance_claim.json"
)

LONG_STAGES = [
    "Noticing the damage and calling for help",
    "Reporting the claim online with photos ok",
    "Waiting for the assessor to call us back",
    "Reading the decision letter and its terms",
    "Taking the car to the partner garage now",
    "Receiving the payment minus deductible",
    "Follow-up survey and renewal of the policy",
]
CROWDED = [
    "Plain-language decision letters with a glossary",
    "A single claims contact person for every customer",
    "Status tracker in the app with push notifications",
    "Video call with the assessor instead of a visit",
    "Pre-approved partner garages near the customer",
    "Chatbot answers about the policy around the clock",
    "Automatic replacement car booking from the app",
    "Photo upload straight from the phone camera roll",
    "Callback at a time the customer chooses online",
    "Extraordinarilylongcompoundwordthatcannotwrap at all",
]


def example_export() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return data


def view_of(export: dict[str, Any], board_id: str = "example") -> BoardView:
    """The BoardView of an export, as a board imported from it with votes and ratings shown."""
    content = {
        "stages": {s["id"]: {"name": s["name"], "pos": s["pos"]} for s in export["stages"]},
        "cards": {c["id"]: {k: v for k, v in c.items() if k != "id"} for c in export["cards"]},
    }
    results = export.get("results") or {}
    session = {
        "board": export["board"],
        "session": {"phase": "results", "revealed": {"votes": True, "ratings": True}},
        "participants": {f"p{i}": p for i, p in enumerate(export.get("participants") or [])},
        "votes": results.get("votes") or {},
        "ratings": results.get("ratings") or {},
        "decisions": results.get("decisions") or {},
    }
    return build_view(board_id, content, session)


def example_view() -> BoardView:
    return view_of(example_export())


def crowded_export() -> dict[str, Any]:
    """The example with 40-character stage names and ten solutions rated close together."""
    data = copy.deepcopy(example_export())
    for stage, name in zip(data["stages"], LONG_STAGES, strict=True):
        assert len(name) >= 38
        stage["name"] = name
    for index, text in enumerate(CROWDED):
        card_id = f"crowd{index}"
        data["cards"].append({"id": card_id, "kind": "solution", "stage": "st2",
                              "pos": f"c{index:04d}", "text": text, "author": "",
                              "owner": "Claims", "status": "open"})  # fmt: skip
        data["results"]["ratings"][card_id] = {
            "effort": 2.4 + (index % 4) * 0.12,
            "impact": 3.9 + (index // 4) * 0.15,
            "n": 4,
            "effort_spread": 1.6,
            "impact_spread": 1.4,
            "quadrant": "quick_win",
        }
    return data


def crowded_view() -> BoardView:
    return view_of(crowded_export(), "crowded")


def assert_poster_labels_apart(view: BoardView) -> None:
    """On A0 and on A1, no two of the poster's text boxes overlap and none leaves the sheet."""
    for sheet in ("A0", "A1"):
        _, layout = poster.poster_drawing(view, sheet)
        frame = Box(0, 0, *layout.viewbox)
        boxes = layout.boxes
        assert all(b.box.inside(frame) for b in boxes), sheet
        clashes = [
            (a.lines, b.lines)
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
            if a.box.overlaps(b.box)
        ]
        assert not clashes, sheet
