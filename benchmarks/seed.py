"""Boards that look like a real workshop's, for the browser benchmark: stages and cards.

A motor-claim journey over eight stages, with cards in every lane (more customer actions,
touchpoints and pain points than solutions or notes), sentences of a few words to a few
lines, and the kind-specific fields a workshop fills in (feelings scored, touchpoints with a
channel, backstage with a department, solutions answering a pain). Deterministic for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text

STAGES = (
    "Incident",
    "Report the claim",
    "Assessment",
    "Repair booking",
    "Repair",
    "Payment",
    "Follow-up",
    "Renewal",
)
LANE_WEIGHTS = {
    "action": 14,
    "touchpoint": 14,
    "thought": 12,
    "feeling": 12,
    "pain": 14,
    "gain": 8,
    "backstage": 10,
    "solution": 10,
    "note": 6,
}
CHANNELS = ("web", "app", "phone", "store", "letter", "e-mail", "chat", "other")
DEPARTMENTS = ("Claims", "Customer service", "IT", "Partner network", "Finance", "Legal")
AUTHORS = ("Aino", "Mikko", "Sofia", "Jussi", "Leena", "Pekka", "Maria", "Antti", "Elina")
PHRASES = {
    "action": (
        "Calls the insurer from the roadside",
        "Takes photos of the damage",
        "Looks for the policy number in the e-mail",
        "Fills in the claim form on the phone",
        "Asks a friend which garage to use",
        "Books a rental car",
    ),
    "touchpoint": (
        "Claim form in the app",
        "Phone line, queue message",
        "Confirmation e-mail",
        "Partner garage reception",
        "Text message with the case number",
        "Chat with the claims handler",
    ),
    "thought": (
        "Will this be covered at all?",
        "How long will I be without a car?",
        "I hope I do not have to explain this twice",
        "Is the deductible really that high?",
        "Why do they need the same photos again?",
    ),
    "feeling": (
        "Shaken and anxious",
        "Relieved that someone answered",
        "Annoyed by the waiting",
        "Confident the repair is in good hands",
        "Frustrated by the paperwork",
    ),
    "pain": (
        "Has to repeat the case details on every call",
        "No status update for a week",
        "The form loses its content on a timeout",
        "Garage and insurer give different dates",
        "Payment arrives without an explanation",
        "Cannot upload more than three photos",
    ),
    "gain": (
        "Rental car arranged in one call",
        "Clear timeline in the app",
        "Handler calls back as promised",
        "Repair finished a day early",
    ),
    "backstage": (
        "Claims handler checks the cover",
        "Assessor reviews the photos",
        "Garage sends the estimate",
        "Finance approves the payment",
        "CRM ticket routed to the partner team",
    ),
    "solution": (
        "One case page shared with the garage",
        "Proactive status messages at each step",
        "Save the form draft on the device",
        "Let customers pick a garage slot online",
        "Explain the payment in plain words",
    ),
    "note": (
        "Check with legal before the next workshop",
        "Data from the 2025 survey supports this",
        "Ask the call centre for real call logs",
        "Parked: out of scope for this journey",
    ),
}
TAILS = (
    "",
    "",
    " (seen in three interviews)",
    ", especially in the evening",
    " and nobody tells them why",
    ", according to the call centre",
    " when the first handler is on holiday and the case moves to another team",
)


@dataclass(frozen=True)
class SeededBoard:
    stage_ids: list[str]
    card_ids: list[str]
    update: bytes


def _id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def card_fields(rng: random.Random, kind: str, stage_ids: list[str], index: int) -> dict[str, Any]:
    """The fields a workshop gives a card of `kind`, in a stage, at position `index`."""
    fields: dict[str, Any] = {
        "kind": kind,
        "stage": rng.choice(stage_ids),
        "pos": f"a{index:05d}",
        "text": Text(rng.choice(PHRASES[kind]) + rng.choice(TAILS)),
        "author": rng.choice(AUTHORS),
    }
    if kind == "feeling":
        fields["emotion"] = rng.randint(-3, 3)
    elif kind == "touchpoint":
        fields["channel"] = rng.choice(CHANNELS)
        fields["moment_of_truth"] = rng.random() < 0.1
    elif kind == "backstage":
        fields["department"] = rng.choice(DEPARTMENTS)
    return fields


def board_update(cards: int, seed: int = 1) -> SeededBoard:
    """A content document with the eight stages and `cards` cards, as one update."""
    rng = random.Random(seed)
    lanes = list(LANE_WEIGHTS)
    weights = list(LANE_WEIGHTS.values())
    doc: Doc[Any] = Doc()
    stage_ids = [_id(rng) for _ in STAGES]
    card_ids: list[str] = []
    with doc.transaction():
        stages = doc.get("stages", type=Map)
        for index, (stage_id, name) in enumerate(zip(stage_ids, STAGES, strict=True)):
            stages[stage_id] = Map({"name": name, "pos": f"a{index:04d}"})
        target = doc.get("cards", type=Map)
        pains: list[str] = []
        for index in range(cards):
            kind = rng.choices(lanes, weights)[0]
            card_id = _id(rng)
            fields = card_fields(rng, kind, stage_ids, index)
            if kind == "pain":
                pains.append(card_id)
            elif kind == "solution" and pains and rng.random() < 0.7:
                fields["pain"] = rng.choice(pains)
            target[card_id] = Map(fields)
            card_ids.append(card_id)
    return SeededBoard(stage_ids, card_ids, doc.get_update())
