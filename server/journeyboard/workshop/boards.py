"""Boards and people: creating a board with its links, joining it, and checking a token's access.

This is the workshop layer's entry point for identity. Every check reads the current records
from the store's board records (`stores.records.BoardRecords`), so a rotated link or a
removed person loses access at once.
"""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pycrdt import Doc, Map

from journeyboard import i18n, schema
from journeyboard.stores.records import BoardRecord, BoardRecords, PersonRecord
from journeyboard.sync.close_codes import CLOSE, CloseCode
from journeyboard.sync.limits import KeyedRateLimiter
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import UpdateLog
from journeyboard.workshop import documents, imports
from journeyboard.workshop.boardview import BoardView, build_view
from journeyboard.workshop.errors import ApiError
from journeyboard.workshop.tokens import (
    ROLES,
    InvalidToken,
    LinkToken,
    PersonToken,
    Role,
    TokenSigner,
    as_role,
)

T = TypeVar("T")

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#ff7f0e", "#7f7f7f",
)  # fmt: skip


LINK_NAMES = {
    "facilitator": "Facilitator",
    "participant": "Participant",
    "viewer": "Viewer",
    "reviewer": "Reviewer",
}
JOINING_ROLES = ("facilitator", "participant", "reviewer")
"""The links a person joins with; a reviewer sees like a viewer and may only decide."""
LISTED_REMEMBERED = 100_000
"""(journey, person) pairs a node remembers as listed before it starts over."""


def now_ms() -> int:
    return int(time.time() * 1000)


def presence_of(person_id: str, name: str, role: str, color: str) -> dict[str, str]:
    """What everyone is shown about a person's sockets; clients cannot change it."""
    return {"id": person_id, "name": name, "role": role, "color": color or PALETTE[0]}


def name_key(name: str) -> str:
    """A name as people read it, for comparing: compatibility forms folded (NFKC: fullwidth "Xp" is
    "Xp"), invisible format characters dropped (zero-width space and joiners, soft hyphen, BOM,
    bidi marks: Unicode category Cf), case folded, and runs of white space made one space."""
    folded = unicodedata.normalize("NFKC", name)
    visible = "".join(char for char in folded if unicodedata.category(char) != "Cf")
    return unicodedata.normalize("NFKC", " ".join(visible.split()).casefold())


def same_name(a: str, b: str) -> bool:
    """Names compared the way people read them (`name_key`)."""
    return name_key(a) == name_key(b)


REMOVED_MESSAGE = i18n.N_(
    "You were removed from this board by a facilitator and cannot join it again. "
    "If this is a mistake, ask the facilitator."
)


class AccessDenied(ApiError):
    """A request or socket that may not proceed; carries its HTTP status and close code."""

    def __init__(
        self, status: int, code: str, message: str, close: CloseCode, **params: object
    ) -> None:
        super().__init__(status, code, message, params=params)
        self.close = close


def _unauthorized(message: str) -> AccessDenied:
    return AccessDenied(401, "unauthorized", message, CLOSE.UNAUTHORIZED)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is behind a token, as of now."""

    board: BoardRecord
    """The journey the token was used on."""
    role: Role
    person: PersonRecord | None
    link_role: Role | None  # set when the token is a link token
    workshop: BoardRecord
    """The workshop's record (its root journey's): its link versions are the workshop's."""

    @property
    def can_write_content(self) -> bool:
        return self.role in ("facilitator", "participant")

    @property
    def principal(self) -> str:
        """Who holds the token: a person, or a link at one version (for targeted closes)."""
        if self.person is not None:
            return f"person:{self.person.id}"
        return f"link:{self.link_role}:{self.workshop.link_versions.get(self.role, 1)}"

    @property
    def presence(self) -> dict[str, str]:
        """What everyone is shown about this socket's user; clients cannot change it."""
        if self.person is not None:
            return presence_of(self.person.id, self.person.name, self.role, self.person.color)
        return {"name": LINK_NAMES[self.role], "role": self.role, "color": "#5f6368"}


@dataclass(frozen=True, slots=True)
class CreatedBoard:
    board: BoardRecord
    tokens: dict[str, str]


def build_documents(
    title: str,
    *,
    template: str | None,
    persona: str,
    scope: str,
    imported: dict[str, Any] | None,
    created_at_ms: int,
    journey: dict[str, Any] | None = None,
    language: str = "en",
) -> tuple[bytes, bytes | None]:
    """A new board's session seed and first content update (None: no content yet).

    From a stage template, a shipped example board (a template naming an `example`), or an
    import (a JSON export of another board); a template's stage names are written in the
    board's `language` (an import keeps its own). Raise AccessDenied (400) for an unknown template
    or an import that is not an export. Pure: it runs in a worker process for large imports.
    """
    templates: dict[str, Any] = schema.load("templates.json")["templates"]
    name = template or next(iter(templates))
    if imported is None and name not in templates:
        raise AccessDenied(
            400,
            "unknown_template",
            "no template named %(template)s",
            CLOSE.MALFORMED,
            template=repr(name),
        )
    if imported is None and "example" in templates[name]:
        imported = dict(schema.load(templates[name]["example"]))
    if imported is None:
        seed = documents.seed_session(title, persona, scope, created_at_ms)
        stages = [i18n.translate(language, str(stage)) for stage in templates[name]["stages"]]
        return seed, documents.seed_content(stages) if stages else None
    try:
        export = imports.validate(imported)
    except imports.InvalidExport as exc:
        raise AccessDenied(400, "invalid_import", str(exc), CLOSE.MALFORMED) from None
    fields = imports.session_fields(export)
    meta = fields["board"]
    seed = documents.seed_session(
        title,
        persona or meta.get("persona", ""),
        scope or meta.get("scope", ""),
        created_at_ms,
        customer_goal=meta.get("customer_goal", ""),
        votes_per_person=fields["votes_per_person"],
        max_votes_per_card=fields["max_votes_per_card"],
        participants=fields["participants"],
        votes=fields["votes"],
        ratings=fields["ratings"],
        decisions=fields["decisions"],
        colors=PALETTE,
        journey=journey,
    )
    return seed, imports.content_update(export)


class BoardService:
    """Create boards, admit people, and authenticate tokens against the store's records."""

    def __init__(
        self,
        records: BoardRecords,
        update_log: UpdateLog,
        rooms: RoomManager,
        signer: TokenSigner,
        *,
        max_participants: int = 500,
        joins_per_address_per_board: int = 100,
    ) -> None:
        self.records = records
        """Boards, people, votes and ratings: what the workshop rules keep of a board."""
        self.update_log = update_log
        """Where a new board's first updates go (rooms append the rest)."""
        self.rooms = rooms
        self.signer = signer
        self.max_participants = max_participants
        self._listed: set[tuple[str, str]] = set()
        """(journey, person) pairs known to be in the journey's `participants`."""
        self.joins = KeyedRateLimiter(joins_per_address_per_board)
        """Joins per minute of one board from one address, below the board's participants."""

    def link_tokens(self, board: BoardRecord) -> dict[str, str]:
        return {
            role: self.signer.sign(LinkToken(board.id, role, board.link_versions.get(role, 1)))
            for role in ROLES
        }

    async def create(
        self,
        title: str,
        *,
        template: str | None,
        persona: str,
        scope: str,
        imported: dict[str, Any] | None = None,
        language: str = "en",
    ) -> CreatedBoard:
        """Create a board: persist its record and seeded documents before returning its links.

        A board starts from a stage template, a shipped example board (a template naming an
        `example`), or an import (a JSON export of another board). The documents are built
        here, on the caller's thread; a large import is built in a worker process instead
        (`build_documents` there, then `create_built`).
        """
        created_at_ms = now_ms()
        seed, content = build_documents(
            title,
            template=template,
            persona=persona,
            scope=scope,
            imported=imported,
            created_at_ms=created_at_ms,
            language=language,
        )
        return await self.create_built(title, created_at_ms, seed, content, language=language)

    async def create_built(
        self,
        title: str,
        created_at_ms: int,
        seed: bytes,
        content: bytes | None,
        *,
        language: str = "en",
    ) -> CreatedBoard:
        """Store a new board whose documents `build_documents` made; return its links."""
        board = BoardRecord(
            id=documents.new_id(),
            title=title,
            created_at_ms=created_at_ms,
            language=i18n.choose(language),
        )
        await self.records.create_board(board, documents.session_name(board.id), seed)
        if content is not None:
            await self.update_log.append_update(documents.content_name(board.id), content)
        return CreatedBoard(board, self.link_tokens(board))

    async def authenticate(self, board_id: str, token_text: str | None) -> Identity:
        """Resolve a token for a journey, or raise AccessDenied saying why not.

        Tokens name the workshop (the id of its root journey): a link or personal token of a
        workshop opens each of its journeys, and none of another workshop's.
        """
        if not token_text:
            raise _unauthorized("a token is required")
        try:
            token = self.signer.verify(token_text)
        except InvalidToken:
            raise _unauthorized("the token is not valid") from None
        board: BoardRecord | None = None
        if token.board_id != board_id:
            board = await self.records.get_board(board_id)
            if board is None or board.workshop != token.board_id:
                raise _unauthorized("the token is for another board")
        return await self._resolve(token, board_id, board)

    async def authenticate_again(self, identity: Identity) -> Identity:
        """The same holder's identity as of now (after a rotation or removal it is refused)."""
        token: LinkToken | PersonToken
        workshop = identity.workshop
        if identity.person is not None:
            token = PersonToken(workshop.id, identity.person.id, identity.role)
        else:
            assert identity.link_role is not None
            version = workshop.link_versions.get(identity.link_role, 1)
            token = LinkToken(workshop.id, identity.link_role, version)
        return await self._resolve(token, identity.board.id, None)

    async def _resolve(
        self, token: LinkToken | PersonToken, board_id: str, board: BoardRecord | None
    ) -> Identity:
        """Check a verified token against the journey's, the workshop's and the person's
        current records."""
        if board is None:
            board = await self.records.get_board(board_id)
        if board is None:
            raise AccessDenied(404, "not_found", "no such board", CLOSE.NOT_FOUND)
        if board.workshop != token.board_id:
            raise _unauthorized("the token is for another board")
        workshop = board if board.workshop == board.id else None
        if workshop is None:
            workshop = await self.records.get_board(board.workshop)
        if workshop is None:
            raise AccessDenied(404, "not_found", "no such board", CLOSE.NOT_FOUND)
        if isinstance(token, LinkToken):
            if workshop.link_versions.get(token.role, 1) != token.version:
                raise AccessDenied(
                    401, "link_rotated", "this link was replaced", CLOSE.LINK_ROTATED
                )
            return Identity(board, token.role, None, token.role, workshop)
        person = await self.records.get_person(workshop.id, token.person_id)
        if person is None or person.removed:
            raise AccessDenied(
                403, "forbidden", "you were removed from this board", CLOSE.FORBIDDEN
            )
        return Identity(board, as_role(person.role), person, None, workshop)

    async def join(
        self,
        identity: Identity,
        name: str,
        department: str,
        device: str = "",
        *,
        address: str = "-",
    ) -> tuple[PersonRecord, str]:
        """Turn a facilitator, participant or reviewer link into a person with a personal token.

        `address` is the joiner's network address: one address may only join a board so
        often, so that one link holder cannot fill it before real people arrive.

        Someone who was removed may not join again with the link they still hold: a join is
        refused when it comes from the browser a removed person joined from (`device`, a random
        id the client keeps) or with a removed person's name. A person with a fresh browser and
        another name still gets in; the facilitator then rotates the link.
        """
        if identity.link_role not in JOINING_ROLES:
            raise AccessDenied(
                403,
                "forbidden",
                "only facilitator, participant and reviewer links can join",
                CLOSE.FORBIDDEN,
            )
        board, workshop = identity.board, identity.workshop
        if not self.joins.allow(f"{address} {workshop.id}"):
            raise AccessDenied(
                429,
                "rate_limited",
                "too many joins to this board from this address; wait a minute",
                CLOSE.RATE_LIMITED,
            )
        if not name_key(name):
            raise AccessDenied(
                400, "invalid_name", "a name needs a visible character", CLOSE.MALFORMED
            )
        people = await self.records.list_people(workshop.id)
        if any(
            p.removed and ((device and p.device == device) or same_name(p.name, name))
            for p in people
        ):
            raise AccessDenied(403, "removed", REMOVED_MESSAGE, CLOSE.FORBIDDEN)
        if sum(not p.removed for p in people) >= self.max_participants:
            raise AccessDenied(
                409, "board_full", "this board has as many people as it can take", CLOSE.FORBIDDEN
            )
        person = PersonRecord(
            board_id=workshop.id,
            id=documents.new_id(),
            name=name.strip(),
            department=department.strip(),
            role=identity.link_role,
            joined_at_ms=now_ms(),
            color=PALETTE[len(people) % len(PALETTE)],
            device=device,
        )
        await self.records.save_person(person)
        await self._list_participant(board.id, person)
        token = self.signer.sign(PersonToken(workshop.id, person.id, as_role(person.role)))
        return person, token

    async def _list_participant(self, board_id: str, person: PersonRecord) -> None:
        """Add a person to a journey's `participants` (a no-op when they are listed)."""
        entry = {
            "name": person.name,
            "department": person.department,
            "role": person.role,
            "color": person.color,
            "joined_at_ms": person.joined_at_ms,
        }

        def add(doc: Doc[Any]) -> None:
            people = doc.get("participants", type=Map)
            if person.id not in people:
                people[person.id] = Map(entry)

        await self.change_session(board_id, add)
        self._listed.add((board_id, person.id))

    async def enlist(self, identity: Identity) -> None:
        """A person who opens a journey of their workshop for the first time is listed in its
        `participants` (once; the node remembers whom it listed)."""
        person = identity.person
        if person is None or (identity.board.id, person.id) in self._listed:
            return
        listed = await self.read_session(
            identity.board.id, lambda doc: person.id in doc.get("participants", type=Map)
        )
        if listed:
            if len(self._listed) >= LISTED_REMEMBERED:
                self._listed.clear()
            self._listed.add((identity.board.id, person.id))
            return
        await self._list_participant(identity.board.id, person)

    async def change_session(self, board_id: str, change: Callable[[Doc[Any]], T]) -> T:
        """Change the session document as the server; return once everyone may see it."""
        return await self.change_doc(documents.session_name(board_id), change)

    async def change_doc(self, name: str, change: Callable[[Doc[Any]], T]) -> T:
        """Change a document as the server, in one transaction; return once it is committed
        (and so everyone who may see the document may see it)."""
        async with self.rooms.use(name) as room:
            await self.rooms.bus.catch_up(name)
            result, shown = room.transact(change)
            await shown
            return result

    async def read_session(self, board_id: str, reader: Callable[[Doc[Any]], T]) -> T:
        return await self.read_doc(documents.session_name(board_id), reader)

    async def read_content(self, board_id: str, reader: Callable[[Doc[Any]], T]) -> T:
        return await self.read_doc(documents.content_name(board_id), reader)

    async def read_doc(self, name: str, reader: Callable[[Doc[Any]], T]) -> T:
        async with self.rooms.use(name) as room:
            await self.rooms.bus.catch_up(name)
            return await room.read(reader)

    async def read(self, board_id: str) -> dict[str, Any]:
        """Both documents as JSON, as everyone may see them (committed state only)."""
        return {
            "content": await self._read_roots(
                documents.content_name(board_id), documents.CONTENT_ROOTS
            ),
            "session": await self.session_json(board_id),
        }

    async def session_json(self, board_id: str) -> dict[str, Any]:
        """The session document alone, as JSON (committed state only)."""
        return await self._read_roots(documents.session_name(board_id), documents.SESSION_ROOTS)

    async def encoded(self, board_id: str) -> tuple[bytes, bytes]:
        """Both documents' committed state as encoded updates (content, session).

        Cheap on the event loop (yrs encodes ~5 MB in ~15 ms); reading them as JSON or
        rendering them is the expensive part, done in a worker for a large board.
        """

        def encode(doc: Doc[Any]) -> bytes:
            return doc.get_update()

        content = await self.read_doc(documents.content_name(board_id), encode)
        session = await self.read_doc(documents.session_name(board_id), encode)
        return content, session

    async def view(self, board_id: str) -> BoardView:
        """The whole board, read tolerantly, for exports."""
        data = await self.read(board_id)
        return build_view(board_id, data["content"], data["session"])

    async def _read_roots(self, name: str, roots: tuple[str, ...]) -> dict[str, Any]:
        return await self.read_doc(name, lambda doc: documents.roots_to_json(doc, roots))
