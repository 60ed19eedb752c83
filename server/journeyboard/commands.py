"""Commands: changes that must be authorised or validated beyond CRDT merging.

`POST /api/boards/{id}/commands` hands the JSON body here. The body is validated against
`shared_schema/commands.json`, the sender's role is checked against the command's `roles`, and
the handler runs while holding the board's lock, so no two commands of one board interleave.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jsonschema
from pycrdt import Doc, Map

from journeyboard import documents, schema
from journeyboard.boards import BoardService, Identity
from journeyboard.close_codes import CLOSE
from journeyboard.tokens import LinkToken

log = logging.getLogger(__name__)


class CommandError(Exception):
    """A refused command: HTTP status, a stable code, and a message for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class CommandContext:
    identity: Identity
    body: dict[str, Any]
    base_url: str


Handler = Callable[["CommandRunner", CommandContext], Awaitable[dict[str, Any]]]


def _definitions() -> dict[str, Any]:
    return dict(schema.load("commands.json")["$defs"])


class CommandRunner:
    """Validate, authorise and apply commands, one at a time per board."""

    def __init__(self, boards: BoardService) -> None:
        self.boards = boards
        self.rooms = boards.rooms
        self.store = boards.store
        self._locks: dict[str, asyncio.Lock] = {}
        definitions = _definitions()
        self._validators = {
            name: jsonschema.Draft202012Validator(definition)
            for name, definition in definitions.items()
        }
        self._roles = {name: frozenset(d.get("roles", ())) for name, d in definitions.items()}
        missing = set(definitions) - set(HANDLERS)
        if missing:
            raise RuntimeError(f"commands without a handler: {sorted(missing)}")

    async def run(self, identity: Identity, body: Any, base_url: str) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            raise CommandError(400, "invalid_command", "a command is an object with a 'type'")
        kind = body["type"]
        validator = self._validators.get(kind)
        if validator is None:
            raise CommandError(400, "unknown_command", f"no command named {kind!r}")
        error = next(iter(sorted(validator.iter_errors(body), key=lambda e: list(e.path))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.path) or "body"
            raise CommandError(400, "invalid_command", f"{where}: {error.message}")
        if identity.role not in self._roles[kind]:
            raise CommandError(403, "forbidden", f"a {identity.role} cannot {kind}")
        board_id = identity.board.id
        lock = self._locks.setdefault(board_id, asyncio.Lock())
        try:
            async with lock:
                # Re-read the identity under the lock: a removal may have just happened.
                identity = await self.boards.authenticate_again(identity)
                return await HANDLERS[kind](self, CommandContext(identity, body, base_url))
        finally:
            if not lock.locked() and self._locks.get(board_id) is lock:
                del self._locks[board_id]


async def rotate_link(runner: CommandRunner, ctx: CommandContext) -> dict[str, Any]:
    role = ctx.body["role"]
    board = await runner.store.get_board(ctx.identity.board.id)
    assert board is not None
    old_version = board.link_versions.get(role, 1)
    board.link_versions[role] = old_version + 1
    await runner.store.save_board(board)
    token = runner.boards.signer.sign(LinkToken(board.id, role, old_version + 1))
    closed = runner.rooms.close_connections(
        (documents.content_name(board.id), documents.session_name(board.id)),
        lambda principal: principal == f"link:{role}:{old_version}",
        CLOSE.LINK_ROTATED.code,
        "link replaced",
    )
    log.info("rotated the %s link of %s; closed %d sockets", role, board.id, closed)
    return {
        "role": role,
        "token": token,
        "link": f"{ctx.base_url}/b/{board.id}#token={token}",
        "closed_sockets": closed,
    }


async def remove(runner: CommandRunner, ctx: CommandContext) -> dict[str, Any]:
    board_id = ctx.identity.board.id
    person_id = ctx.body["participant"]
    person = await runner.store.get_person(board_id, person_id)
    if person is None:
        raise CommandError(404, "unknown_participant", "no such participant on this board")
    if ctx.identity.person is not None and ctx.identity.person.id == person_id:
        raise CommandError(400, "cannot_remove_self", "you cannot remove yourself")
    if not person.removed:
        person.removed = True
        await runner.store.save_person(person)

        def mark(doc: Doc[Any]) -> None:
            entry = doc.get("participants", type=Map).get(person_id)
            if isinstance(entry, Map):
                entry["removed"] = True

        async with runner.rooms.use(documents.session_name(board_id)) as room:
            _, shown = room.transact(mark)
            await shown
    closed = runner.rooms.close_connections(
        (documents.content_name(board_id), documents.session_name(board_id)),
        lambda principal: principal == f"person:{person_id}",
        CLOSE.FORBIDDEN.code,
        "removed from the board",
    )
    log.info("removed %s from %s; closed %d sockets", person_id, board_id, closed)
    return {"participant": person_id, "removed": True, "closed_sockets": closed}


HANDLERS: dict[str, Handler] = {"rotate_link": rotate_link, "remove": remove}
