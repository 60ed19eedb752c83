"""A realistic board for the laptop tests: six stages with long, real names and ~45 cards.

Built from the shipped example workshop (shared_schema/examples/insurance_claim.json): its first
six stages are renamed after a broadband outage journey and the seventh stage's cards are dropped,
so the cards keep their lanes, feelings, votes and ratings.
"""

from __future__ import annotations

import copy
from typing import Any

from journeyboard import schema

STAGE_NAMES = [
    "Notices the outage",
    "Seeks help online",
    "Contacts support",
    "Resolution and compensation",
    "Follow-up survey",
    "Renews or leaves",
]


def laptop_export() -> dict[str, Any]:
    """An export document (the import format) of the six-stage, ~45-card board."""
    export = copy.deepcopy(dict(schema.load("examples/insurance_claim.json")))
    export["board"]["title"] = "Broadband outage journey"
    stages = export["stages"][: len(STAGE_NAMES)]
    for stage, name in zip(stages, STAGE_NAMES, strict=True):
        stage["name"] = name
    kept = {stage["id"] for stage in stages}
    export["stages"] = stages
    export["cards"] = [card for card in export["cards"] if card["stage"] in kept]
    known = {card["id"] for card in export["cards"]}
    results = export["results"]
    results["votes"] = {card: n for card, n in results["votes"].items() if card in known}
    results["ratings"] = {card: r for card, r in results["ratings"].items() if card in known}
    return export
