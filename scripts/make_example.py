"""Write shared_schema/examples/insurance_claim.json, the shipped example board (an export).

python scripts/make_example.py
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

STAGES = [
    "Incident",
    "Reporting the claim",
    "Assessment",
    "Decision",
    "Repair",
    "Payment",
    "Follow-up",
]

# (stage index, kind, text, extra fields)
CARDS: list[tuple[int, str, str, dict[str, Any]]] = [
    (0, "action", "Has a collision at a crossing; nobody is hurt", {}),
    (0, "action", "Exchanges details with the other driver", {}),
    (
        0,
        "touchpoint",
        "24/7 roadside assistance number on the insurance card",
        {"channel": "phone", "moment_of_truth": True},
    ),
    (0, "thought", "Am I covered for this? Will my premium go up?", {}),
    (0, "feeling", "Shaken and stressed", {"emotion": -3}),
    (0, "feeling", "Relieved the tow truck came fast", {"emotion": 1}),
    (0, "backstage", "Partner towing company dispatched", {"department": "Partner Network"}),
    (1, "action", "Fills in the claim form online with photos", {}),
    (1, "touchpoint", "Claim form on the website", {"channel": "web", "nps": 12}),
    (1, "touchpoint", "Confirmation e-mail with claim number", {"channel": "e-mail"}),
    (1, "thought", "Which of these 40 fields actually matter?", {}),
    (1, "feeling", "Frustrated by the long form", {"emotion": -2}),
    (1, "pain", "The form asks for the same details three times", {}),
    (1, "pain", "Photos over 5 MB are rejected without saying why", {}),
    (1, "gain", "Claim number arrives at once", {}),
    (
        1,
        "backstage",
        "Claim created in the claims system; fraud score computed",
        {"department": "Claims"},
    ),
    (2, "action", "Waits for an assessor to call", {}),
    (
        2,
        "touchpoint",
        "Phone call from the assessor",
        {"channel": "phone", "moment_of_truth": True},
    ),
    (2, "thought", "Nobody tells me how long this takes", {}),
    (2, "feeling", "Anxious, in the dark", {"emotion": -2}),
    (2, "feeling", "Reassured by a friendly assessor", {"emotion": 1}),
    (2, "pain", "No status updates for a week", {}),
    (2, "backstage", "Assessor visits the car at the partner garage", {"department": "Claims"}),
    (3, "action", "Receives the decision letter", {}),
    (3, "touchpoint", "Decision letter", {"channel": "letter"}),
    (3, "thought", "What does 'deductible per policy section 4.2' mean?", {}),
    (3, "feeling", "Confused by the jargon", {"emotion": -1}),
    (3, "pain", "Decision letter is full of legal terms", {}),
    (3, "backstage", "Coverage check and approval", {"department": "Claims"}),
    (4, "action", "Takes the car to the partner garage", {}),
    (4, "touchpoint", "Partner garage", {"channel": "store"}),
    (4, "feeling", "Happy with the replacement car", {"emotion": 2}),
    (4, "pain", "Has to arrange the replacement car by phone", {}),
    (4, "gain", "Replacement car included", {}),
    (
        4,
        "backstage",
        "Garage orders parts; invoice to the insurer",
        {"department": "Partner Network"},
    ),
    (5, "action", "Checks the bank account for the payout", {}),
    (5, "touchpoint", "Payment notification in the app", {"channel": "app"}),
    (5, "feeling", "Satisfied, finally", {"emotion": 2}),
    (5, "pain", "Payout takes ten working days", {}),
    (5, "backstage", "Payment batch runs weekly", {"department": "Finance"}),
    (6, "touchpoint", "Satisfaction survey", {"channel": "e-mail", "nps": 31}),
    (6, "thought", "Would I recommend them? Probably, yes", {}),
    (6, "feeling", "Neutral", {"emotion": 0}),
    (6, "gain", "Premium did not go up", {}),
]

# (text, answers pain index among pain cards, ratings [(effort, impact)], owner, status)
SOLUTIONS = [
    (
        "Pre-fill the claim form from the policy",
        0,
        [(2, 5), (3, 4), (2, 4), (3, 5)],
        "Digital team",
        "approved",
    ),
    (
        "Accept photos of any size and compress them",
        1,
        [(1, 3), (2, 3), (1, 2), (2, 3)],
        "IT",
        "approved",
    ),
    (
        "Proactive status messages by SMS at every step",
        2,
        [(3, 5), (4, 5), (3, 4), (2, 5)],
        "Customer Service",
        "approved",
    ),
    (
        "Rewrite decision letters in plain language",
        3,
        [(2, 4), (3, 3), (2, 4), (2, 3)],
        "Claims",
        "open",
    ),
    ("Book the replacement car in the app", 4, [(4, 2), (5, 3), (4, 2), (5, 2)], "", "rejected"),
    ("Daily payment batches", 5, [(4, 4), (5, 4), (4, 5), (4, 4)], "Finance", "open"),
]
VOTES = [5, 2, 4, 1, 1, 3]
# Due dates (yyyy-mm-dd) of the approved solutions, by index in SOLUTIONS.
DUE = {0: "2026-03-31", 1: "2026-02-27", 2: "2026-01-30"}


def quadrant(effort: float, impact: float) -> str:
    """The quadrant by shared_schema/quadrants.json (as the server's journeyboard.schema reads it)."""
    table = json.loads((ROOT / "shared_schema" / "quadrants.json").read_text())
    impact_level = "high" if impact >= table["high_impact_from"] else "low"
    effort_level = "low" if effort <= table["low_effort_up_to"] else "high"
    return next(
        name
        for name, q in table["quadrants"].items()
        if (q["impact"], q["effort"]) == (impact_level, effort_level)
    )


def build() -> dict[str, Any]:
    stages = [{"id": f"st{i}", "name": name, "pos": f"a{i:04d}"} for i, name in enumerate(STAGES)]
    cards: list[dict[str, Any]] = []
    pains: list[dict[str, Any]] = []
    for index, (stage, kind, text, extra) in enumerate(CARDS):
        card = {"id": f"c{index:02d}", "kind": kind, "stage": f"st{stage}", "pos": f"a{index:04d}",
                "text": text, "author": "", **extra}  # fmt: skip
        cards.append(card)
        if kind == "pain":
            pains.append(card)
    ratings: dict[str, Any] = {}
    for index, (text, pain, scores, owner, status) in enumerate(SOLUTIONS):
        card_id = f"sol{index}"
        cards.append({"id": card_id, "kind": "solution", "stage": pains[pain]["stage"],
                      "pos": f"b{index:04d}", "text": text, "author": "", "pain": pains[pain]["id"],
                      "owner": owner, "status": status})  # fmt: skip
        if index in DUE:
            cards[-1]["due"] = DUE[index]
        efforts, impacts = [e for e, _ in scores], [i for _, i in scores]
        effort, impact = statistics.fmean(efforts), statistics.fmean(impacts)
        ratings[card_id] = {
            "effort": effort, "impact": impact, "n": len(scores),
            "effort_spread": statistics.pstdev(efforts), "impact_spread": statistics.pstdev(impacts),
            "quadrant": quadrant(effort, impact),
        }  # fmt: skip
    return {
        "schema": "journeyboard/export",
        "version": 1,
        "exported_at_ms": 1795000000000,
        "source_board": "example-insurance-claim",
        "board": {
            "title": "Motor claim journey",
            "persona": "Maria, 42, commutes by car, first claim in ten years",
            "scope": "A motor insurance claim after a collision, from the incident to the follow-up",
            "customer_goal": "Get the car repaired and back on the road quickly, paying no more than the deductible",
        },
        "settings": {"votes_per_person": 3, "max_votes_per_card": None},
        "stages": stages,
        "cards": cards,
        "participants": [
            {"name": "Anna Virtanen", "department": "Claims", "role": "facilitator"},
            {"name": "Mikko Laine", "department": "Customer Service", "role": "participant"},
            {"name": "Sara Lind", "department": "IT", "role": "participant"},
            {"name": "Jonas Berg", "department": "Partner Network", "role": "participant"},
            {"name": "Eeva Koski", "department": "Finance", "role": "participant"},
        ],
        "results": {
            "votes": {pain["id"]: votes for pain, votes in zip(pains, VOTES, strict=True)},
            "ratings": ratings,
        },
    }


if __name__ == "__main__":
    target = ROOT / "shared_schema" / "examples" / "insurance_claim.json"
    target.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {target}")
