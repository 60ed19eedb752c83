"""Commands about links and people: rotate a link, remove a person, promote a co-facilitator."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map

from journeyboard.stores.records import PersonRecord
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import ControlHandler
from journeyboard.workshop import documents, drafts
from journeyboard.workshop.commands import CommandContext, CommandError, Handler
from journeyboard.workshop.tokens import LinkToken, as_role

log = logging.getLogger(__name__)


async def _journeys(ctx: CommandContext) -> list[str]:
    """The ids of every journey of the command's workshop."""
    journeys = await ctx.boards.records.list_journeys(ctx.identity.workshop.id)
    ids = [journey.id for journey in journeys]
    return ids if ctx.board_id in ids else [ctx.board_id, *ids]


def _documents_of(board_id: str, principal: str) -> tuple[str, ...]:
    """The documents a principal's sockets may hold open: a person's private one too."""
    names = (documents.content_name(board_id), documents.session_name(board_id))
    kind, _, person = principal.partition(":")
    return (*names, documents.private_name(board_id, person)) if kind == "person" else names


async def _person(ctx: CommandContext) -> PersonRecord:
    person = await ctx.boards.records.get_person(ctx.identity.workshop.id, ctx.body["participant"])
    if person is None:
        raise CommandError(404, "unknown_participant", "no such participant on this board")
    return person


def _set_participant_field(person_id: str, key: str, value: Any) -> Any:
    def change(doc: Doc[Any]) -> None:
        entry = doc.get("participants", type=Map).get(person_id)
        if isinstance(entry, Map):
            entry[key] = value

    return change


async def close_everywhere(ctx: CommandContext, principal: str, code: int, reason: str) -> int:
    """Close a principal's sockets on every journey of the workshop (a person's private
    documents too), on this node now, and ask every other node to do the same."""
    names = [
        name for board_id in await _journeys(ctx) for name in _documents_of(board_id, principal)
    ]
    ctx.boards.rooms.bus.publish_control(
        {"type": "close", "names": list(names), "principal": principal, "code": code,
         "reason": reason}
    )  # fmt: skip
    return ctx.boards.rooms.close_connections(names, lambda p: p == principal, code, reason)


def handle_control(rooms: RoomManager) -> ControlHandler:
    """What a node does with another node's control message (the bus's `on_control`)."""

    def handle(message: dict[str, Any]) -> None:
        if message.get("type") == "close":
            principal = message.get("principal")
            rooms.close_connections(
                [str(name) for name in message.get("names", [])],
                lambda p: p == principal,
                int(message.get("code", CLOSE.FORBIDDEN.code)),
                str(message.get("reason", "")),
            )

    return handle


async def _rotate(ctx: CommandContext, role: str) -> tuple[str, int]:
    """Give a link a new version (older tokens of it stop working) and close the sockets
    opened with the old one; return the new token and how many sockets were closed."""
    records = ctx.boards.records
    workshop_id = ctx.identity.workshop.id
    # The workshop's record is its root journey's: a command on another journey holds the
    # root's lock too, so that no command of the root (`configure` saves the same record)
    # writes back the old link versions. The runner took both, in order (`WORKSHOP_RECORD`).
    async with contextlib.AsyncExitStack() as locks:
        if workshop_id not in ctx.locked:
            await locks.enter_async_context(ctx.boards.rooms.bus.board_lock(workshop_id))
        board = await records.get_board(workshop_id)
        assert board is not None
        old_version = board.link_versions.get(role, 1)
        board.link_versions[role] = old_version + 1
        await records.save_board(board)
    token = ctx.boards.signer.sign(LinkToken(board.id, as_role(role), old_version + 1))
    closed = await close_everywhere(
        ctx, f"link:{role}:{old_version}", CLOSE.LINK_ROTATED.code, "link replaced"
    )
    log.info("rotated the %s link of %s; closed %d sockets", role, board.id, closed)
    return token, closed


async def _in_every_journey(
    ctx: CommandContext, person_id: str, change: Callable[[Doc[Any]], None]
) -> None:
    """Apply a change to the session document of every journey of the workshop that lists the
    person (their open sockets there follow it: `workshop.PolicyKeeper`)."""
    for board_id in await _journeys(ctx):
        listed = await ctx.boards.read_session(
            board_id, lambda doc: person_id in doc.get("participants", type=Map)
        )
        if listed or board_id == ctx.board_id:
            await ctx.boards.change_session(board_id, change)


def _link(ctx: CommandContext, token: str) -> str:
    return f"{ctx.base_url}/b/{ctx.board_id}#token={token}"


async def rotate_link(ctx: CommandContext) -> dict[str, Any]:
    role = ctx.body["role"]
    token, closed = await _rotate(ctx, role)
    return {"role": role, "token": token, "link": _link(ctx, token), "closed_sockets": closed}


async def remove(ctx: CommandContext) -> dict[str, Any]:
    """Remove a person: their token, their sockets and their rejoining are refused.

    A facilitator could read the facilitator link (`GET /links`), which needs no person and
    outlives their removal; so removing a facilitator also rotates the facilitator link (and
    only that one: the participant and viewer links give no power over anyone, and everyone
    else's personal tokens stay). The answer carries the new link; the remover's own page
    tells them it changed.
    """
    person = await _person(ctx)
    if ctx.identity.person is not None and ctx.identity.person.id == person.id:
        raise CommandError(400, "cannot_remove_self", "you cannot remove yourself")
    was_facilitator = person.role == "facilitator"
    # The record bars their token and their rejoining (boards.BoardService.join); the session
    # entry makes every node close their sockets (workshop.PolicyKeeper) even if the control
    # message below is lost. Closing first counts the sockets this node had.
    if not person.removed:
        person.removed = True
        await ctx.boards.records.save_person(person)
    closed = await close_everywhere(
        ctx, f"person:{person.id}", CLOSE.FORBIDDEN.code, "removed from the board"
    )
    links: dict[str, str] = {}
    if was_facilitator:
        token, closed_links = await _rotate(ctx, "facilitator")
        links["facilitator"] = _link(ctx, token)
        closed += closed_links
    mark_removed = _set_participant_field(person.id, "removed", True)

    def change(doc: Doc[Any]) -> None:
        mark_removed(doc)
        # Nobody can follow someone who is gone.
        session = doc.get("session", type=Map)
        leader = session.get("follow")
        if isinstance(leader, Map) and leader.get("participant") == person.id:
            session["follow"] = None

    await _in_every_journey(ctx, person.id, change)
    # A removed person's drafts are dropped, never revealed (docs/WORKSHOP.md), on every
    # journey: this journey's under the runner's lock; every other journey's once the runner
    # let go of it, under that journey's lock alone (commands.py: the order of locks).
    dropped = await drafts.drop_person(ctx.boards, ctx.board_id, person.id)
    log.info(
        "removed %s from %s; closed %d sockets, dropped %d drafts here",
        person.id,
        ctx.board_id,
        closed,
        dropped,
    )
    answer: dict[str, Any] = {
        "participant": person.id,
        "removed": True,
        "closed_sockets": closed,
        "dropped_drafts": dropped,
        "rotated": sorted(links),
        "links": links,
    }

    async def drop_elsewhere() -> None:
        for board_id in await _journeys(ctx):
            if board_id != ctx.board_id:
                async with ctx.boards.rooms.bus.board_lock(board_id):
                    answer["dropped_drafts"] += await drafts.drop_person(
                        ctx.boards, board_id, person.id
                    )

    ctx.later(drop_elsewhere)
    return answer


async def promote(ctx: CommandContext) -> dict[str, Any]:
    person = await _person(ctx)
    if person.removed:
        raise CommandError(409, "removed", "that participant was removed")
    if person.role != "facilitator":
        person.role = "facilitator"
        await ctx.boards.records.save_person(person)
    # Their open sockets on every node get the new powers from the session entry
    # (workshop.PolicyKeeper), set again even if the record was set already.
    await _in_every_journey(
        ctx, person.id, _set_participant_field(person.id, "role", "facilitator")
    )
    return {"participant": person.id, "role": "facilitator"}


HANDLERS: dict[str, Handler] = {"rotate_link": rotate_link, "remove": remove, "promote": promote}
