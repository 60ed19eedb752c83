"""Facilitator commands: phases, the timer, the lock, the spotlight, following a facilitator,
configuration, reveals."""

from __future__ import annotations

from typing import Any

from pycrdt import Array, Doc, Map

from journeyboard.workshop import documents, drafts
from journeyboard.workshop.boards import now_ms
from journeyboard.workshop.commands import CommandContext, CommandError, Handler, session_map
from journeyboard.workshop.voting import publish_ratings, publish_votes


def timer_after(
    action: str, seconds: int | None, timer: dict[str, Any], now: int
) -> dict[str, Any]:
    """The timer state after an action, on the server clock (milliseconds).

    `ends_at_ms` is set while running; `remaining_ms` is what was left when last started,
    paused or extended. Clients show `ends_at_ms - (Date.now() + skew)` while running.
    """
    running = bool(timer.get("running"))
    ends_at = timer.get("ends_at_ms")
    remaining = timer.get("remaining_ms")
    if action == "start":
        if not seconds:
            raise CommandError(400, "invalid_command", "seconds: starting a timer needs seconds")
        return {"running": True, "ends_at_ms": now + seconds * 1000, "remaining_ms": seconds * 1000}
    if action == "pause":
        if not running or not isinstance(ends_at, int | float):
            raise CommandError(409, "timer_not_running", "the timer is not running")
        return {"running": False, "ends_at_ms": None, "remaining_ms": max(0, int(ends_at) - now)}
    if action == "resume":
        if running or not isinstance(remaining, int | float):
            raise CommandError(409, "timer_not_paused", "the timer is not paused")
        return {"running": True, "ends_at_ms": now + int(remaining), "remaining_ms": int(remaining)}
    if action == "stop":
        return {"running": False, "ends_at_ms": None, "remaining_ms": None}
    # extend
    if not seconds:
        raise CommandError(400, "invalid_command", "seconds: extending a timer needs seconds")
    extra = seconds * 1000
    if running and isinstance(ends_at, int | float):
        left = max(0, int(ends_at) - now) + extra
        return {"running": True, "ends_at_ms": now + left, "remaining_ms": left}
    if isinstance(remaining, int | float):
        return {"running": False, "ends_at_ms": None, "remaining_ms": int(remaining) + extra}
    raise CommandError(409, "timer_not_set", "there is no timer to extend")


async def set_phase(ctx: CommandContext) -> dict[str, Any]:
    phase = ctx.body["phase"]
    at = now_ms()
    by = ctx.identity.person.id if ctx.identity.person else "facilitator-link"

    def change(doc: Doc[Any]) -> str:
        session = doc.get("session", type=Map)
        previous = str(session.get("phase", "lobby"))
        session["phase"] = phase
        session["phase_started_at_ms"] = at
        history = session.get("phase_history")
        if not isinstance(history, Array):
            history = Array([])
            session["phase_history"] = history
        history.append(Map({"phase": phase, "from": previous, "at_ms": at, "by": by}))
        if phase != previous:
            # A timer belongs to its phase: a finished "0:00" must not carry into the next one.
            state = session_map(doc, "timer")
            for key, value in timer_after("stop", None, {}, at).items():
                if state.get(key) != value:
                    state[key] = value
        return previous

    previous = await ctx.boards.change_session(ctx.board_id, change)
    return {"phase": phase, "previous": previous}


async def timer(ctx: CommandContext) -> dict[str, Any]:
    now = now_ms()

    def change(doc: Doc[Any]) -> dict[str, Any]:
        state = session_map(doc, "timer")
        after = timer_after(
            ctx.body["action"], ctx.body.get("seconds"), documents.plain(state) or {}, now
        )
        for key, value in after.items():
            state[key] = value
        return after

    return await ctx.boards.change_session(ctx.board_id, change)


async def lock(ctx: CommandContext) -> dict[str, Any]:
    locked = bool(ctx.body["locked"])
    # Every node's content room follows the session document (workshop.PolicyKeeper).
    await ctx.boards.change_session(
        ctx.board_id, lambda doc: doc.get("session", type=Map).__setitem__("locked", locked)
    )
    return {"locked": locked}


async def spotlight(ctx: CommandContext) -> dict[str, Any]:
    stage = ctx.body["stage"]
    if stage is not None:
        exists = await ctx.boards.read_content(
            ctx.board_id, lambda doc: isinstance(doc.get("stages", type=Map).get(stage), Map)
        )
        if not exists:
            raise CommandError(404, "unknown_stage", "no such stage on this board")
    await ctx.boards.change_session(
        ctx.board_id, lambda doc: doc.get("session", type=Map).__setitem__("spotlight", stage)
    )
    return {"spotlight": stage}


async def follow(ctx: CommandContext) -> dict[str, Any]:
    """Ask everyone's view to follow the sender's (`on`), or stop following anyone.

    Followers find the leader's presence by its participant id, which the server stamps on
    every presence state (`user.id`); link holders have none, so a leader must have joined.
    Every journey of the workshop gets the same entry, with the leader's `journey`.
    """
    leader: dict[str, str] | None = None
    if ctx.body["on"]:
        person = ctx.identity.person
        if person is None:
            raise CommandError(
                409,
                "join_first",
                "join the board with your name first: everyone follows you by your presence",
            )
        leader = {"participant": person.id, "name": person.name}

        # Across journeys: every journey of the workshop names the leader and the journey they
        # are on, and followers elsewhere in the workshop open it (issue #27, item 4).
        leader["journey"] = ctx.board_id

    def change(doc: Doc[Any]) -> None:
        doc.get("session", type=Map)["follow"] = None if leader is None else Map(leader)

    journeys = await ctx.boards.records.list_journeys(ctx.identity.workshop.id)
    ids = [journey.id for journey in journeys]
    for board_id in ids if ctx.board_id in ids else [ctx.board_id, *ids]:
        await ctx.boards.change_session(board_id, change)
    return {"follow": leader}


async def configure(ctx: CommandContext) -> dict[str, Any]:
    body = ctx.body
    changed = {key: value for key, value in body.items() if key != "type"}

    def change(doc: Doc[Any]) -> None:
        session = doc.get("session", type=Map)
        board = doc.get("board", type=Map)
        for key in ("votes_per_person", "max_votes_per_card", "anonymous"):
            if key in changed:
                session[key] = changed[key]
        for key in ("title", "persona", "scope", "customer_goal"):
            if key in changed:
                board[key] = changed[key].strip() if isinstance(changed[key], str) else ""

    await ctx.boards.change_session(ctx.board_id, change)
    if "anonymous" in changed:
        # The counts shown change form (per person, or one total).
        await drafts.publish_counts(ctx.boards, ctx.board_id, [])
    if "title" in changed:
        record = await ctx.boards.records.get_board(ctx.board_id)
        if record is not None:
            record.title = changed["title"].strip()
            await ctx.boards.records.save_board(record)
    return changed


async def reveal(ctx: CommandContext) -> dict[str, Any]:
    what = ctx.body["what"]
    if what == "drafts":
        return await drafts.reveal_drafts(ctx)

    def mark(doc: Doc[Any]) -> None:
        session_map(doc, "revealed")[what] = True

    await ctx.boards.change_session(ctx.board_id, mark)
    if what == "votes":
        await publish_votes(ctx.boards, ctx.board_id)
    else:
        await publish_ratings(ctx.boards, ctx.board_id)
    return {"revealed": what}


HANDLERS: dict[str, Handler] = {
    "set_phase": set_phase,
    "timer": timer,
    "lock": lock,
    "spotlight": spotlight,
    "follow": follow,
    "configure": configure,
    "reveal": reveal,
}
