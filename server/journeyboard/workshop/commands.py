"""Commands: changes that must be authorised or validated beyond CRDT merging.

`POST /api/boards/{id}/commands` hands the JSON body here. The body is validated against
`shared_schema/commands.json`; the sender's role is checked against the command's `roles` and,
for phase-gated commands, the current phase against `shared_schema/phases.json`. The handler
runs while holding the board's lock, so no two commands of one board interleave.

Locks of several journeys (issue #27): a command that changes the workshop's record (a link
rotated, `WORKSHOP_RECORD`) also holds the workshop's root journey's lock; the runner takes the
two in one global order (sorted by board id) before the handler, so two such commands from two
journeys never wait on each other. Work on the workshop's other journeys (a removed person's
drafts, a follow-up's new sessions) runs after the runner let go of the command's locks, under
each journey's own lock in turn (`CommandContext.later`): no command holds two journeys' locks
in any other way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from pycrdt import Doc, Map

from journeyboard import i18n, schema
from journeyboard.i18n import N_
from journeyboard.workshop import documents, phases
from journeyboard.workshop.boards import BoardService, Identity
from journeyboard.workshop.errors import ApiError


class CommandError(ApiError):
    """A refused command: HTTP status, a stable code, and a message for people."""


ROLE_NAMES: dict[str, str] = {
    "facilitator": N_("facilitator"),
    "participant": N_("participant"),
    "viewer": N_("viewer"),
    "reviewer": N_("reviewer"),
}
"""The roles as a refusal names them (translated with it, docs/GLOSSARY.md)."""


def role_name(role: str) -> i18n.Term | str:
    return i18n.Term(ROLE_NAMES[role]) if role in ROLE_NAMES else role


def phase_name(phase: str) -> i18n.Term | str:
    """A phase's title ("Pain points"), translated with the refusal; an unknown one as is."""
    known = phases.phases().get(phase)
    return i18n.Term(known.title) if known else phase


WORKSHOP_RECORD = frozenset({"rotate_link", "remove"})
"""Commands that may save the workshop's record (the root journey's): they hold its lock too."""


@dataclass(frozen=True, slots=True)
class CommandContext:
    identity: Identity
    body: dict[str, Any]
    base_url: str
    boards: BoardService
    locked: frozenset[str] = frozenset()
    """The boards whose locks the runner holds for this command."""
    steps: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """What runs once the runner let go of `locked` (`later`)."""

    @property
    def board_id(self) -> str:
        return self.identity.board.id

    def later(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run `step` after the command, with none of its locks held (before it answers): the
        work on the workshop's other journeys, each under that journey's lock alone."""
        self.steps.append(step)

    def person_id(self) -> str:
        """The sender's participant id; commands of one's own need a personal token."""
        if self.identity.person is None:
            raise CommandError(403, "join_first", "join the board with your name first")
        return self.identity.person.id


Handler = Callable[[CommandContext], Awaitable[dict[str, Any]]]


def session_map(doc: Doc[Any], key: str) -> Map[Any]:
    """A nested map of the session root map (created when missing)."""
    session = doc.get("session", type=Map)
    value = session.get(key)
    if not isinstance(value, Map):
        value = Map({})
        session[key] = value
    return value


def current_phase(doc: Doc[Any]) -> str:
    return str(doc.get("session", type=Map).get("phase", "lobby"))


class CommandRunner:
    """Validate, authorise and apply commands, one at a time per board."""

    def __init__(self, boards: BoardService, handlers: Mapping[str, Handler]) -> None:
        self.boards = boards
        self.handlers = dict(handlers)
        definitions: dict[str, Any] = schema.load("commands.json")["$defs"]
        self._validators = {
            name: jsonschema.Draft202012Validator(definition)
            for name, definition in definitions.items()
        }
        self._roles = {name: frozenset(d.get("roles", ())) for name, d in definitions.items()}
        self._gated = phases.gated_commands()
        missing = set(definitions) - set(self.handlers)
        if missing:
            raise RuntimeError(f"commands without a handler: {sorted(missing)}")

    async def run(self, identity: Identity, body: Any, base_url: str) -> dict[str, Any]:
        """Apply one command; return its result and the session state it left behind."""
        if not isinstance(body, dict) or not isinstance(body.get("type"), str):
            raise CommandError(400, "invalid_command", "a command is an object with a 'type'")
        kind = body["type"]
        validator = self._validators.get(kind)
        if validator is None:
            raise CommandError(
                400, "unknown_command", "no command named %(command)s", command=repr(kind)
            )
        error = next(iter(sorted(validator.iter_errors(body), key=lambda e: list(e.path))), None)
        if error is not None:
            where = "/".join(str(p) for p in error.path) or "body"
            # The schema's own words (English, from jsonschema): not translated.
            detail = ": ".join((where, error.message))
            raise CommandError(400, "invalid_command", detail)
        if identity.role not in self._roles[kind]:
            raise CommandError(
                403,
                "forbidden",
                "a %(role)s cannot %(command)s",
                role=role_name(identity.role),
                command=kind,
            )
        board_id = identity.board.id
        # One global order for the locks a command holds (see the module).
        order = {board_id, identity.workshop.id} if kind in WORKSHOP_RECORD else {board_id}
        async with contextlib.AsyncExitStack() as locks:
            for locked_id in sorted(order):
                await locks.enter_async_context(self.boards.rooms.bus.board_lock(locked_id))
            # Re-read the identity under the lock: a removal may have just happened.
            identity = await self.boards.authenticate_again(identity)
            if identity.role not in self._roles[kind]:
                raise CommandError(
                    403,
                    "forbidden",
                    "a %(role)s cannot %(command)s",
                    role=role_name(identity.role),
                    command=kind,
                )
            allowed = self._gated.get(kind)
            if allowed is not None:
                phase = await self.boards.read_session(board_id, current_phase)
                if phase not in allowed:
                    raise CommandError(
                        409,
                        "wrong_phase",
                        "%(command)s is not open in the %(phase)s phase",
                        command=kind,
                        phase=phase_name(phase),
                    )
            context = CommandContext(identity, body, base_url, self.boards, frozenset(order))
            result = await self.handlers[kind](context)
            state = await self.boards.read_session(
                board_id, lambda doc: documents.roots_to_json(doc, documents.SESSION_ROOTS)
            )
        for step in context.steps:
            await step()
        return {"result": result, "state": state}
