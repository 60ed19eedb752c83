"""Decisions on solutions: reviewers and facilitators approve or reject, each decision kept.

The decision of record on a solution is the `decide` command (RULINGS.md), not the card's
content field `status`, which is the plan's progress only (open, doing, done). Decisions live
in the session document's `decisions` root, written only by the server: card id → an array of
entries {person, name, department, role, decision, comment, at_ms}, oldest first. Deciding
again adds a newer entry, so every decision is kept; a person's standing decision is their
latest. Several reviewers may disagree: each one's stands beside the others'.
"""

from __future__ import annotations

from typing import Any, Final

from pycrdt import Array, Doc, Map

from journeyboard.workshop.boards import now_ms
from journeyboard.workshop.commands import (
    CommandContext,
    CommandError,
    Handler,
    current_phase,
    phase_name,
)
from journeyboard.workshop.voting import require_card

ROOT: Final = "decisions"
MAX_PER_CARD: Final = 200
"""Decisions kept on one card at most: the session document every client loads stays small."""
OPEN_FROM: Final = "action_plan"
"""Decisions open when the workshop reaches this phase and stay open afterwards."""


def reached(doc: Doc[Any], phase: str) -> bool:
    """Whether the session is in `phase` now or was at any time (its phase history)."""
    if current_phase(doc) == phase:
        return True
    history = doc.get("session", type=Map).get("phase_history")
    if not isinstance(history, Array):
        return False
    return any(isinstance(step, Map) and step.get("phase") == phase for step in history)


async def decide(ctx: CommandContext) -> dict[str, Any]:
    """Record one person's decision on a solution (roles: a facilitator who joined, a
    reviewer); allowed from the action plan onwards, with or without anyone connected."""
    person_id = ctx.person_id()
    person = ctx.identity.person
    assert person is not None
    card = ctx.body["card"]
    if not await ctx.boards.read_session(ctx.board_id, lambda doc: reached(doc, OPEN_FROM)):
        phase = await ctx.boards.read_session(ctx.board_id, current_phase)
        raise CommandError(
            409,
            "wrong_phase",
            "%(command)s is not open in the %(phase)s phase",
            command="decide",
            phase=phase_name(phase),
        )
    await require_card(ctx.boards, ctx.board_id, card, "solution")
    entry = {
        "person": person_id,
        "name": person.name,
        "department": person.department,
        "role": ctx.identity.role,
        "decision": ctx.body["decision"],
        "comment": str(ctx.body.get("comment", "")).strip(),
        "at_ms": now_ms(),
    }

    def add(doc: Doc[Any]) -> bool:
        decisions = doc.get(ROOT, type=Map)
        kept = decisions.get(card)
        if not isinstance(kept, Array):
            kept = Array([])
            decisions[card] = kept
        if len(kept) >= MAX_PER_CARD:
            return False
        kept.append(Map(entry))
        return True

    if not await ctx.boards.change_session(ctx.board_id, add):
        raise CommandError(
            409,
            "too_many_decisions",
            "this solution has as many decisions as it can keep (%(max)s)",
            max=MAX_PER_CARD,
        )
    return {"card": card, "decision": entry}


HANDLERS: dict[str, Handler] = {"decide": decide}
