"""Dot-votes on pain points and blind effort/impact ratings of solutions.

Raw marks (who voted or rated what) stay in the store, in no synced document. Until the
facilitator reveals them, the session document shows only `progress` (how many have taken
part); after a reveal it holds per-card totals (`votes`) or statistics (`ratings`), kept live.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from pycrdt import Doc, Map

from journeyboard import schema
from journeyboard.stores.records import Mark
from journeyboard.workshop import documents
from journeyboard.workshop.boards import BoardService, Identity
from journeyboard.workshop.commands import CommandContext, CommandError, Handler


def quadrant(effort: float, impact: float) -> str:
    """Place a solution on the effort/impact matrix (1..5 scales; shared_schema/quadrants.json)."""
    return schema.quadrant_of(effort, impact)


def summarize(scores: list[tuple[int, int]]) -> dict[str, Any]:
    """Means, population spreads and quadrant of (effort, impact) pairs."""
    efforts = [effort for effort, _ in scores]
    impacts = [impact for _, impact in scores]
    effort, impact = statistics.fmean(efforts), statistics.fmean(impacts)
    return {
        "effort": effort,
        "impact": impact,
        "n": len(scores),
        "effort_spread": statistics.pstdev(efforts),
        "impact_spread": statistics.pstdev(impacts),
        "quadrant": quadrant(effort, impact),
    }


def _card_check(kind: str, card: str) -> Any:
    def check(doc: Doc[Any]) -> str | None:
        entry = doc.get("cards", type=Map).get(card)
        if entry is None:
            return "missing"
        if not isinstance(entry, Map):
            return "malformed"
        return None if entry.get("kind") == kind else f"kind:{entry.get('kind')!r}"

    return check


async def require_card(boards: BoardService, board_id: str, card: str, kind: str) -> None:
    """Raise a 4xx unless the content document holds a well-formed card of that kind."""
    problem = await boards.read_content(board_id, _card_check(kind, card))
    if problem == "missing":
        raise CommandError(404, "unknown_card", "no such card on this board")
    if problem == "malformed":
        raise CommandError(400, "malformed_card", "that entry is not a well-formed card")
    if problem is not None:
        raise CommandError(
            400,
            "wrong_kind",
            "only %(kind)s cards can get this (%(problem)s)",
            kind=kind,
            problem=problem[5:],
        )


def _settings(doc: Doc[Any]) -> tuple[int, int | None, bool, bool]:
    session = doc.get("session", type=Map)
    revealed = session.get("revealed")
    shown = documents.plain(revealed, {}) if isinstance(revealed, Map) else {}
    per_card = session.get("max_votes_per_card")
    return (
        int(session.get("votes_per_person", 3)),
        int(per_card) if isinstance(per_card, int | float) else None,
        bool((shown or {}).get("votes")),
        bool((shown or {}).get("ratings")),
    )


def _vote_totals(marks: list[Mark]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for mark in marks:
        totals[mark.card] += int(mark.value.get("count", 0))
    return {card: total for card, total in totals.items() if total > 0}


def _rating_summaries(marks: list[Mark]) -> dict[str, dict[str, Any]]:
    by_card: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for mark in marks:
        by_card[mark.card].append((int(mark.value["effort"]), int(mark.value["impact"])))
    return {card: summarize(scores) for card, scores in by_card.items()}


def _progress(votes: list[Mark], ratings: list[Mark]) -> dict[str, int]:
    return {
        "voters": len({m.person_id for m in votes}),
        "votes_cast": sum(int(m.value.get("count", 0)) for m in votes),
        "raters": len({m.person_id for m in ratings}),
        "ratings_cast": len(ratings),
    }


async def _publish(
    boards: BoardService, board_id: str, *, votes_changed: bool, ratings_changed: bool
) -> None:
    """Write progress, and the revealed totals, into the session document."""
    records = boards.records
    votes = await records.list_marks(board_id, "vote")
    ratings = await records.list_marks(board_id, "rating")

    def change(doc: Doc[Any]) -> None:
        _, _, votes_shown, ratings_shown = _settings(doc)
        progress = doc.get("progress", type=Map)
        for key, value in _progress(votes, ratings).items():
            if progress.get(key) != value:
                progress[key] = value
        if votes_changed and votes_shown:
            _replace(doc.get("votes", type=Map), _vote_totals(votes), as_map=False)
        if ratings_changed and ratings_shown:
            _replace(doc.get("ratings", type=Map), _rating_summaries(ratings), as_map=True)

    await boards.change_session(board_id, change)


def _replace(target: Map[Any], values: dict[str, Any], *, as_map: bool) -> None:
    for key in [key for key in list(target.keys()) if key not in values]:
        del target[key]
    for key, value in values.items():
        current = target.get(key)
        plain = documents.plain(current) if isinstance(current, Map) else current
        if plain != value:
            target[key] = Map(value) if as_map else value


async def publish_votes(boards: BoardService, board_id: str) -> None:
    await _publish(boards, board_id, votes_changed=True, ratings_changed=False)


async def publish_ratings(boards: BoardService, board_id: str) -> None:
    await _publish(boards, board_id, votes_changed=False, ratings_changed=True)


async def my_marks(boards: BoardService, identity: Identity) -> dict[str, Any]:
    """A person's own votes, ratings and remaining budget (never anyone else's)."""
    if identity.person is None:
        raise CommandError(403, "join_first", "join the board with your name first")
    board_id, person_id = identity.board.id, identity.person.id
    budget, per_card, _, _ = await boards.read_session(board_id, _settings)
    votes = [
        m for m in await boards.records.list_marks(board_id, "vote") if m.person_id == person_id
    ]
    ratings = [
        m for m in await boards.records.list_marks(board_id, "rating") if m.person_id == person_id
    ]
    spent = sum(int(m.value.get("count", 0)) for m in votes)
    return {
        "participant_id": person_id,
        "role": identity.role,
        "votes": {m.card: int(m.value.get("count", 0)) for m in votes},
        "ratings": {m.card: dict(m.value) for m in ratings},
        "votes_per_person": budget,
        "max_votes_per_card": per_card,
        "remaining": max(0, budget - spent),
    }


async def vote(ctx: CommandContext) -> dict[str, Any]:
    person_id = ctx.person_id()
    card, delta = ctx.body["card"], int(ctx.body["delta"])
    await require_card(ctx.boards, ctx.board_id, card, "pain")
    mine = await my_marks(ctx.boards, ctx.identity)
    on_card = mine["votes"].get(card, 0)
    if delta > 0:
        if mine["remaining"] <= 0:
            raise CommandError(409, "over_budget", "you have no votes left")
        cap = mine["max_votes_per_card"]
        if cap is not None and on_card >= cap:
            raise CommandError(
                409, "card_cap", "at most %(cap)s of your votes can go on one card", cap=cap
            )
    elif on_card <= 0:
        raise CommandError(409, "no_vote", "you have no vote on that card to take back")
    count = on_card + delta
    value = {"count": count} if count > 0 else None
    await ctx.boards.records.put_mark(ctx.board_id, "vote", person_id, card, value)
    await publish_votes(ctx.boards, ctx.board_id)
    votes = {**mine["votes"], card: count}
    if count == 0:
        del votes[card]
    me = {**mine, "votes": votes, "remaining": mine["remaining"] - delta}
    return {"card": card, "yours": count, "me": me}


async def rate(ctx: CommandContext) -> dict[str, Any]:
    person_id = ctx.person_id()
    card = ctx.body["card"]
    await require_card(ctx.boards, ctx.board_id, card, "solution")
    value = {"effort": ctx.body["effort"], "impact": ctx.body["impact"]}
    mine = await my_marks(ctx.boards, ctx.identity)
    await ctx.boards.records.put_mark(ctx.board_id, "rating", person_id, card, value)
    await publish_ratings(ctx.boards, ctx.board_id)
    return {
        "card": card,
        "yours": value,
        "me": {**mine, "ratings": {**mine["ratings"], card: value}},
    }


HANDLERS: dict[str, Handler] = {"vote": vote, "rate": rate}
