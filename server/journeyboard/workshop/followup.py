"""The follow-up workshop: a new numbered session, the earlier one kept as history.

`start_follow_up {"phase"}` (facilitators, once the workshop has reached the action plan)
copies the current session into the session document's `history` root as a new entry: its
number, when it started and ended, its phases and times, its revealed votes and ratings, the
decisions and the plan (the solutions with owner, due date and progress) as they stood. Then
the session goes on as number n + 1 in the chosen phase with fresh votes and ratings: the raw
marks of each session are kept apart (`voting.mark_kinds`), and the `votes`, `ratings` and
`progress` roots show the current session's. Nothing is re-seeded (RULINGS.md): entries are
added and updated, as every command does.
"""

from __future__ import annotations

from typing import Any, Final

from pycrdt import Array, Doc, Map

from journeyboard.workshop import documents
from journeyboard.workshop.boards import now_ms
from journeyboard.workshop.commands import CommandContext, CommandError, Handler, current_phase
from journeyboard.workshop.decisions import OPEN_FROM, reached
from journeyboard.workshop.voting import session_number

HISTORY: Final = "history"
PLAN_FIELDS: Final = ("owner", "due", "status", "pain", "department")


def _plan(doc: Doc[Any]) -> list[dict[str, Any]]:
    """The solutions with what the plan says of them, as plain JSON."""
    plan: list[dict[str, Any]] = []
    for card_id, entry in doc.get("cards", type=Map).items():
        if not isinstance(entry, Map) or entry.get("kind") != "solution":
            continue
        item: dict[str, Any] = {
            "card": str(card_id),
            "text": documents.plain(entry.get("text"), ""),
        }
        for field in PLAN_FIELDS:
            value = documents.plain(entry.get(field))
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                item[field] = value
        plan.append(item)
    plan.sort(key=lambda item: item["card"])
    return plan


def _copy(value: Any) -> Any:
    """A plain JSON value as shared types (maps and arrays), for writing into the document."""
    if isinstance(value, dict):
        return Map({str(k): _copy(v) for k, v in value.items()})
    if isinstance(value, list):
        return Array([_copy(v) for v in value])
    return value


async def start_follow_up(ctx: CommandContext) -> dict[str, Any]:
    phase = ctx.body["phase"]  # one of the phases (commands.json)
    if not await ctx.boards.read_session(ctx.board_id, lambda doc: reached(doc, OPEN_FROM)):
        raise CommandError(
            409,
            "not_reached_action_plan",
            "a follow-up starts from a workshop that reached the action plan",
        )
    at = now_ms()
    by = ctx.identity.person.id if ctx.identity.person else "facilitator-link"
    # A follow-up is the whole workshop's (RULINGS.md): every journey keeps its session as
    # history and starts the new one, this journey first (under the runner's lock), then each
    # other journey under its own lock once the runner let go of this one's (commands.py).
    journeys = await ctx.boards.records.list_journeys(ctx.identity.workshop.id)
    ids = [ctx.board_id, *(j.id for j in journeys if j.id != ctx.board_id)]

    async def start(board_id: str) -> dict[str, Any]:
        plan = await ctx.boards.read_content(board_id, _plan)
        result: dict[str, Any] = await ctx.boards.change_session(
            board_id, _next_session(plan, phase, at, by)
        )
        return result

    started = await start(ctx.board_id)

    async def start_the_others() -> None:
        for board_id in ids[1:]:
            async with ctx.boards.rooms.bus.board_lock(board_id):
                await start(board_id)

    ctx.later(start_the_others)
    return {**started, "journeys": ids}


def _next_session(plan: list[dict[str, Any]], phase: str, at: int, by: str) -> Any:
    """The change that keeps a journey's session as history and starts the next one."""

    def change(doc: Doc[Any]) -> dict[str, Any]:
        session = doc.get("session", type=Map)
        number = session_number(doc)
        read = documents.roots_to_json(doc, ("votes", "ratings", "progress", "decisions"))
        state = documents.plain(session, {}) or {}
        steps = state.get("phase_history") or []
        started = state.get("started_at_ms")
        if not isinstance(started, int | float):
            started = steps[0].get("at_ms") if steps and isinstance(steps[0], dict) else None
        entry = {
            "number": number,
            "started_at_ms": started,
            "ended_at_ms": at,
            "phase": current_phase(doc),
            "phase_history": steps,
            "revealed": state.get("revealed") or {},
            "votes": read["votes"],
            "ratings": read["ratings"],
            "progress": read["progress"],
            "decisions": read["decisions"],
            "plan": plan,
        }
        doc.get(HISTORY, type=Map)[str(number)] = _copy(entry)
        previous = str(session.get("phase", "lobby"))
        session["number"] = number + 1
        session["started_at_ms"] = at
        session["phase"] = phase
        session["phase_started_at_ms"] = at
        history = session.get("phase_history")
        if not isinstance(history, Array):
            history = Array([])
            session["phase_history"] = history
        history.append(
            Map({"phase": phase, "from": previous, "at_ms": at, "by": by, "session": number + 1})
        )
        revealed = session.get("revealed")
        if isinstance(revealed, Map):
            revealed["votes"] = False
            revealed["ratings"] = False
        else:
            session["revealed"] = Map({"votes": False, "ratings": False})
        for root in ("votes", "ratings"):
            target = doc.get(root, type=Map)
            for key in list(target.keys()):
                del target[key]
        progress = doc.get("progress", type=Map)
        for key in list(progress.keys()):
            del progress[key]
        progress.update({"voters": 0, "raters": 0})
        return {"session": number + 1, "previous": number, "phase": phase}

    return change


def sessions_json(session_doc: dict[str, Any]) -> dict[str, Any]:
    """`GET /api/boards/{id}/sessions`: the earlier sessions from `history`, oldest first, then
    the current one (its phases so far), from `roots_to_json` of the session document."""
    state = session_doc.get("session") or {}
    number = state.get("number", 1)
    number = int(number) if isinstance(number, int | float) and number >= 1 else 1
    kept = session_doc.get(HISTORY) or {}
    earlier = [
        entry
        for _key, entry in sorted(
            kept.items(), key=lambda item: int(item[0]) if str(item[0]).isdigit() else 0
        )
        if isinstance(entry, dict)
    ]
    steps = state.get("phase_history") or []
    started = state.get("started_at_ms")
    since = (
        [
            step
            for step in steps
            if isinstance(step, dict)
            and isinstance(step.get("at_ms"), int | float)
            and step["at_ms"] >= started
        ]
        if number > 1 and isinstance(started, int | float)
        else steps
    )
    current = {
        "number": number,
        "started_at_ms": started,
        "ended_at_ms": None,
        "phase": state.get("phase", "lobby"),
        "phase_history": since,
        "revealed": state.get("revealed") or {},
        "votes": session_doc.get("votes") or {},
        "ratings": session_doc.get("ratings") or {},
        "progress": session_doc.get("progress") or {},
        "decisions": session_doc.get("decisions") or {},
    }
    return {"current": number, "sessions": [*earlier, current]}


HANDLERS: dict[str, Handler] = {"start_follow_up": start_follow_up}
