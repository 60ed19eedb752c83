"""Commands: changes that must be authorised or validated beyond CRDT merging.

`POST /api/boards/{id}/commands` hands the JSON body here. The body is validated against
`shared_schema/commands.json`; the sender's role is checked against the command's `roles` and,
for phase-gated commands, the current phase against `shared_schema/phases.json`. The handler
runs while holding the board's lock, so no two commands of one board interleave. A command
that writes every journey of its workshop (`WORKSHOP_WIDE`) holds every journey's lock instead,
taken in one order (`lock_order`), so two such commands never wait on each other in a circle.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

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


@dataclass(frozen=True, slots=True)
class CommandContext:
    identity: Identity
    body: dict[str, Any]
    base_url: str
    boards: BoardService
    workshop_locked: bool = False
    """The runner holds every journey's lock (a `WORKSHOP_WIDE` command): take none again."""

    @property
    def board_id(self) -> str:
        return self.identity.board.id

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


WORKSHOP_WIDE: Final = frozenset({"start_follow_up", "remove", "promote"})
"""Commands that change the session document of every journey of the workshop."""


def journeys_key(workshop_id: str) -> str:
    """The lock `journeys.add_journey` holds while it adds a journey to the workshop."""
    return f"{workshop_id}/journeys"


def lock_order(workshop_id: str, journey_ids: list[str]) -> list[str]:
    """The order a workshop-wide command takes its journeys' locks in: the other journeys by
    id, then the root journey last, as a command on a journey that also saves the workshop's
    record does (`people._rotate`: its journey, then the root)."""
    others = sorted({journey for journey in journey_ids if journey != workshop_id})
    return [*others, workshop_id]


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
        async with self._locks(identity, kind):
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
            context = CommandContext(
                identity, body, base_url, self.boards, workshop_locked=kind in WORKSHOP_WIDE
            )
            result = await self.handlers[kind](context)
            state = await self.boards.read_session(
                board_id, lambda doc: documents.roots_to_json(doc, documents.SESSION_ROOTS)
            )
            return {"result": result, "state": state}

    @contextlib.asynccontextmanager
    async def _locks(self, identity: Identity, kind: str) -> AsyncIterator[None]:
        """Hold the command's journey's lock, or for a workshop-wide command the workshop's
        journey list (no journey is added meanwhile) and then every journey's lock."""
        bus = self.boards.rooms.bus
        if kind not in WORKSHOP_WIDE:
            async with bus.board_lock(identity.board.id):
                yield
            return
        workshop_id = identity.workshop.id
        async with contextlib.AsyncExitStack() as held:
            await held.enter_async_context(bus.board_lock(journeys_key(workshop_id)))
            listed = await self.boards.records.list_journeys(workshop_id)
            ids = [identity.board.id, *(journey.id for journey in listed)]
            for journey_id in lock_order(workshop_id, ids):
                await held.enter_async_context(bus.board_lock(journey_id))
            yield
