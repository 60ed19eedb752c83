"""Socket admission, shared by both socket paths: what a sync URL names, and who may join.

Both transports (`lean_socket.LeanSyncProtocol` under uvicorn, `sockets.serve_starlette` for
any ASGI server) read the handshake the same way and ask the same `SocketGate`:

- `SocketTarget.parse` reads a sync URL: `/ws/{board_id}` is a board's content document,
  `/ws/{board_id}/session` its session document, and `?token=` the holder's token;
- `SocketRequest` is that target plus what the handshake says about the client;
- `origin_allowed` is the browser origin check (the JSON POSTs use it too);
- `SocketGate.start` decides: origin, token, how many sockets a board or address holds, then
  joins the socket to its room, or raises `Refused` with the 44xx close code to send.

Admission happens after the handshake so that a refused browser can read the close code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from journeyboard.settings import Settings
from journeyboard.stores import StoreError
from journeyboard.sync.close_codes import CLOSE, CloseCode
from journeyboard.sync.errors import SyncError
from journeyboard.sync.limits import Counter
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import Channel
from journeyboard.sync.room_state import RoomClosed
from journeyboard.tasks import Background
from journeyboard.web.sync_session import SyncSession
from journeyboard.workshop import documents
from journeyboard.workshop.boards import AccessDenied, BoardService, Identity

log = logging.getLogger(__name__)
access_log = logging.getLogger("journeyboard.access")

SOCKET_PREFIX = "/ws/"
"""Every sync URL starts with this; the rest is `{board_id}`, `{board_id}/session` or
`{board_id}/private`."""


async def _nothing(board_id: str) -> None:
    return None


def _unheard(name: str) -> None:
    return None


KINDS = ("session", "private")
"""What may follow `{board_id}/` in a sync URL; nothing names the content document."""


@dataclass(frozen=True, slots=True)
class SocketTarget:
    """The document a sync URL names, and the token its query carries.

    A private document is the one of the person whose token opens it, so its name needs the
    holder (`document_for`).
    """

    board_id: str
    session: bool
    token: str | None
    private: bool = False

    @classmethod
    def parse(cls, path: str, query: str) -> SocketTarget | None:
        """Read a (percent-decoded) path and its raw query; None when it is no sync URL."""
        parts = path.split("/")
        if len(parts) == 3 and parts[1] == "ws" and parts[2]:
            kind = "content"
        elif len(parts) == 4 and parts[1] == "ws" and parts[2] and parts[3] in KINDS:
            kind = parts[3]
        else:
            return None
        token = next((value for key, value in parse_qsl(query) if key == "token"), None)
        return cls(parts[2], kind == "session", token, kind == "private")

    @property
    def kind(self) -> str:
        """ "content", "session" or "private"."""
        return "session" if self.session else "private" if self.private else "content"

    @property
    def document(self) -> str:
        """The name of the room a content or session socket joins (a private socket's depends
        on its holder: `document_for`)."""
        if self.private:
            raise ValueError("a private document is named by its holder: use document_for")
        if self.session:
            return documents.session_name(self.board_id)
        return documents.content_name(self.board_id)

    def document_for(self, identity: Identity) -> str:
        """The name of the room this socket joins, for the holder of its token; raise
        `Refused` when the holder has no such document (a private one needs a person who may
        write)."""
        if self.kind == "session":
            return documents.session_name(self.board_id)
        if self.kind == "private":
            if identity.person is None or not identity.can_write_content:
                raise Refused(
                    CLOSE.FORBIDDEN,
                    "a private document opens only with a writer's personal token",
                    "private_forbidden",
                )
            return documents.private_name(self.board_id, identity.person.id)
        return documents.content_name(self.board_id)

    @property
    def path(self) -> str:
        """The URL's path again, as the access log shows it (without the token)."""
        tail = "" if self.kind == "content" else "/" + self.kind
        return f"{SOCKET_PREFIX}{self.board_id}{tail}"


@dataclass(frozen=True, slots=True)
class SocketRequest:
    """What admission needs to know about a websocket handshake, whatever carried it."""

    target: SocketTarget
    origin: str | None
    host: str | None
    address: str

    @property
    def board_id(self) -> str:
        return self.target.board_id


class Refused(SyncError):
    """A socket that may not join: closed with `close` and `reason`; counted under `cause`."""

    def __init__(self, close: CloseCode, reason: str, cause: str) -> None:
        super().__init__(reason)
        self.close = close
        self.reason = reason
        self.cause = cause


def origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """No Origin (a non-browser client) is allowed; a browser's must be ours or listed."""
    if origin is None:
        return True
    if origin in settings.allowed_origins:
        return True
    if settings.public_url and origin == _origin_of(settings.public_url):
        return True
    parts = urlsplit(origin)
    return host is not None and parts.scheme in ("http", "https") and parts.netloc == host


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


SMALL_MESSAGE_BYTES = 64 * 1024
"""Messages up to this size always fit the `MessageBudget`: edits and presence never wait."""


class MessageBudget:
    """The bytes of unfinished incoming messages that every socket of the process holds.

    A transport that sees a message's size before its payload (the lean one) holds that many
    bytes here until the message is complete. Small messages always fit, so that a busy
    server still takes edits and presence; a large one that would take the process past
    `total`, or its address past `per_address`, is refused.
    """

    def __init__(self, total: int, per_address: int, small: int = SMALL_MESSAGE_BYTES) -> None:
        self.total = total
        self.per_address = per_address
        self.small = small
        self.held = 0
        self._by_address: dict[str, int] = {}

    @property
    def addresses(self) -> int:
        """How many addresses hold bytes now."""
        return len(self._by_address)

    def hold(self, address: str, size: int) -> bool:
        """Hold `size` bytes for a message; False (nothing held) if a large one does not fit."""
        if size == 0:
            return True  # an empty message holds nothing, and leaves its address unrecorded
        mine = self._by_address.get(address, 0)
        if size > self.small and (self.held + size > self.total or mine + size > self.per_address):
            return False
        self.held += size
        self._by_address[address] = mine + size
        return True

    def release(self, address: str, size: int) -> None:
        self.held -= size
        left = self._by_address.get(address, 0) - size
        if left > 0:
            self._by_address[address] = left
        else:
            self._by_address.pop(address, None)


def board_address(board_id: str, address: str) -> str:
    """The key of one address on one board, for the per-address-per-board limits."""
    return f"{address} {board_id}"


class SocketGate:
    """Admission for sync sockets: origin, token, and how many sockets a board or address has."""

    def __init__(
        self, settings: Settings, service: BoardService, rooms: RoomManager, tasks: Background
    ) -> None:
        self.settings = settings
        self.tasks = tasks
        """The node's tasks: the lean socket path admits each socket in a job of its own."""
        self.limits = settings.limits
        self.service = service
        self.rooms = rooms
        self.per_board = Counter(self.limits.sockets_per_board)
        self.per_address = Counter(self.limits.sockets_per_address)
        self.per_address_board = Counter(self.limits.sockets_per_address_per_board)
        self.buffered = MessageBudget(
            self.limits.buffered_bytes_total, self.limits.buffered_bytes_per_address
        )
        self.refused: dict[str, int] = {}
        self.coalesced_awareness = 0
        """Presence updates held back by the per-socket rate and replaced by a newer one."""
        self.coalesced_queries = 0
        """Presence queries held back by the per-socket rate and replaced by a newer one."""
        self.coalesced_step1 = 0
        """Sync step 1 messages held back by the per-socket rate and replaced by a newer one."""
        self.on_private: Callable[[str], Awaitable[None]] = _nothing
        """Run before a private document is opened (finishes a reveal a crash interrupted)."""
        self.on_draft_change: Callable[[str], None] = _unheard
        """Told the name of a private document whose writer sent an update (recount drafts)."""

    def count_refusal(self, cause: str) -> None:
        self.refused[cause] = self.refused.get(cause, 0) + 1

    async def start(self, request: SocketRequest, channel: Channel) -> SyncSession:
        """Admit a socket and join it to its room; raise `Refused` (counted) if it may not."""
        try:
            return await self._start(request, channel)
        except Refused as refused:
            self.count_refusal(refused.cause)
            log.info("refused socket for %s: %s", request.board_id, refused.reason)
            raise

    async def _start(self, request: SocketRequest, channel: Channel) -> SyncSession:
        target = request.target
        board_id = target.board_id
        if not origin_allowed(request.origin, request.host, self.settings):
            raise Refused(CLOSE.ORIGIN_REFUSED, "origin not allowed", "origin")
        try:
            identity = await self.service.authenticate(board_id, target.token)
        except AccessDenied as denied:
            raise Refused(denied.close, denied.message, denied.code) from None
        try:
            # A person opening a journey of their workshop for the first time is listed there.
            await self.service.enlist(identity)
        except StoreError as exc:
            log.error("cannot list a participant on %s: %s", board_id, exc)
            raise Refused(CLOSE.TRY_AGAIN_LATER, "store unavailable", "store_unavailable") from None
        if not self.per_board.try_add(board_id):
            raise Refused(
                CLOSE.TOO_MANY_CONNECTIONS,
                "too many sockets on this board",
                "sockets_per_board",
            )
        if not self.per_address.try_add(request.address):
            self.per_board.remove(board_id)
            raise Refused(
                CLOSE.TOO_MANY_CONNECTIONS,
                "too many sockets from here",
                "sockets_per_address",
            )
        if not self.per_address_board.try_add(board_address(board_id, request.address)):
            self.per_board.remove(board_id)
            self.per_address.remove(request.address)
            raise Refused(
                CLOSE.TOO_MANY_CONNECTIONS,
                "too many sockets from here on this board",
                "sockets_per_address_per_board",
            )
        try:
            name = target.document_for(identity)
            if target.private:
                # A reveal a kill interrupted is finished before its writer sees their drafts.
                await self.on_private(board_id)
            room = await self.rooms.acquire(name)
        except StoreError as exc:
            self.uncount(request)
            log.error("cannot open %s: %s", name, exc)
            raise Refused(CLOSE.TRY_AGAIN_LATER, "store unavailable", "store_unavailable") from None
        except BaseException:
            self.uncount(request)
            raise
        try:
            conn = room.connect(
                channel,
                can_write=identity.can_write_content,
                label=identity.person.id if identity.person else f"{identity.role}-link",
                principal=identity.principal,
                presence=identity.presence,
                bypass_lock=identity.role == "facilitator",
            )
        except RoomClosed as closed:
            self.rooms.release(name)
            self.uncount(request)
            raise Refused(closed.close, closed.reason, "room_closed") from None
        access_log.info('%s "WebSocket %s" admitted: %s', request.address, target.path, conn.label)
        return SyncSession(self, request, room, conn)

    def uncount(self, request: SocketRequest) -> None:
        """Give back the board and address slots `start` took for this socket."""
        self.per_board.remove(request.board_id)
        self.per_address.remove(request.address)
        self.per_address_board.remove(board_address(request.board_id, request.address))
