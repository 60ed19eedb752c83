"""Sync sockets: admission, and one admitted socket's life in its room, for any transport.

Two transports carry sync sockets, and both go through `SocketGate` and `SyncSession`:
- `lean_socket.LeanSyncProtocol`, our own websocket protocol under uvicorn (what
  `journeyboard serve` runs): no task per socket, one encoded frame per broadcast;
- `serve_starlette` here, a plain Starlette websocket endpoint, for any other ASGI server.

Admission happens after the handshake so that a refused browser can read the close code: a bad
origin, token, board or person closes the socket with a named 44xx code before any document
byte is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from starlette.websockets import WebSocket

from journeyboard.settings import Settings
from journeyboard.stores import StoreError
from journeyboard.sync import protocol
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.limits import Counter, TokenBucket
from journeyboard.sync.ports import Channel
from journeyboard.sync.protocol import (
    AwarenessEntry,
    AwarenessMessage,
    AwarenessTooLarge,
    ProtocolError,
)
from journeyboard.sync.rooms import (
    Connection,
    DocumentTooLarge,
    Room,
    RoomClosed,
    RoomManager,
    UnreadableUpdate,
)
from journeyboard.workshop import documents
from journeyboard.workshop.boards import AccessDenied, BoardService

log = logging.getLogger(__name__)

T = TypeVar("T")
access_log = logging.getLogger("journeyboard.access")


@dataclass(frozen=True, slots=True)
class SocketRequest:
    """What admission needs to know about a websocket handshake, whatever carried it."""

    board_id: str
    session: bool
    token: str | None
    origin: str | None
    host: str | None
    address: str


class Refused(Exception):
    """A socket that may not join: closed with `code` and `reason`; counted under `cause`."""

    def __init__(self, code: int, reason: str, cause: str) -> None:
        super().__init__(reason)
        self.code = code
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

STAMP_ALLOWANCE = 1024
"""What the server's stamp (the "user" field) may add to a presence state that a client echoes."""


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

    def hold(self, address: str, size: int) -> bool:
        """Hold `size` bytes for a message; False (nothing held) if a large one does not fit."""
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

    def __init__(self, settings: Settings, service: BoardService, rooms: RoomManager) -> None:
        self.settings = settings
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
        board_id = request.board_id
        if not origin_allowed(request.origin, request.host, self.settings):
            raise Refused(CLOSE.ORIGIN_REFUSED.code, "origin not allowed", "origin")
        try:
            identity = await self.service.authenticate(board_id, request.token)
        except AccessDenied as denied:
            raise Refused(denied.close.code, denied.message, denied.code) from None
        if not self.per_board.try_add(board_id):
            raise Refused(
                CLOSE.TOO_MANY_CONNECTIONS.code,
                "too many sockets on this board",
                "sockets_per_board",
            )
        if not self.per_address.try_add(request.address):
            self.per_board.remove(board_id)
            raise Refused(
                CLOSE.TOO_MANY_CONNECTIONS.code,
                "too many sockets from here",
                "sockets_per_address",
            )
        if not self.per_address_board.try_add(board_address(board_id, request.address)):
            self.per_board.remove(board_id)
            self.per_address.remove(request.address)
            raise Refused(
                CLOSE.TOO_MANY_CONNECTIONS.code,
                "too many sockets from here on this board",
                "sockets_per_address_per_board",
            )
        session = request.session
        name = documents.session_name(board_id) if session else documents.content_name(board_id)
        try:
            room = await self.rooms.acquire(name)
        except StoreError as exc:
            self.uncount(request)
            log.error("cannot open %s: %s", name, exc)
            raise Refused(
                CLOSE.TRY_AGAIN_LATER.code, "store unavailable", "store_unavailable"
            ) from None
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
        except RoomClosed:
            self.rooms.release(name)
            self.uncount(request)
            raise Refused(CLOSE.TRY_AGAIN_LATER.code, "try again later", "room_closed") from None
        access_log.info(
            '%s "WebSocket /ws/%s%s" admitted: %s',
            request.address,
            board_id,
            "/session" if session else "",
            conn.label,
        )
        return SyncSession(self, request, room, conn)

    def uncount(self, request: SocketRequest) -> None:
        """Give back the board and address slots `start` took for this socket."""
        self.per_board.remove(request.board_id)
        self.per_address.remove(request.address)
        self.per_address_board.remove(board_address(request.board_id, request.address))


class SyncSession:
    """One admitted socket in its room: the limits on what it sends, and leaving the room."""

    __slots__ = (
        "_ended",
        "_held_awareness",
        "_timer",
        "conn",
        "gate",
        "max_message_bytes",
        "messages",
        "presence",
        "request",
        "room",
        "volume",
    )

    def __init__(
        self, gate: SocketGate, request: SocketRequest, room: Room, conn: Connection
    ) -> None:
        limits = gate.limits
        self.gate = gate
        self.request = request
        self.room = room
        self.conn = conn
        self.max_message_bytes = (
            limits.max_message_bytes if conn.can_write else limits.max_read_only_message_bytes
        )
        """A read-only socket only sends sync step 1 and presence: it gets a small limit."""
        self.messages = TokenBucket(limits.messages_per_second, limits.message_burst)
        self.volume = TokenBucket(limits.bytes_per_second, limits.byte_burst)
        self.presence = TokenBucket(limits.awareness_per_second, limits.awareness_burst)
        self._held_awareness: dict[int, AwarenessEntry] = {}
        """The newest presence entry per client id that came faster than the rate allows."""
        self._timer: asyncio.TimerHandle | None = None
        self._ended = False

    def receive(self, data: bytes | None) -> None:
        """Handle one whole message (None: a text message); a bad one closes the socket."""
        if self._ended or self.conn.channel.closing:
            return
        if data is None:
            self._refuse(CLOSE.MALFORMED.code, "text frames are not supported")
        elif len(data) > self.max_message_bytes:
            self._refuse(CLOSE.TOO_LARGE.code, "message too large", len(data))
        elif not self.messages.take() or not self.volume.take(len(data)):
            self._refuse(CLOSE.RATE_LIMITED.code, "too many messages")
        elif data[:1] == bytes((protocol.MESSAGE_AWARENESS,)):
            self._receive_awareness(data)
        else:
            self._deliver(data)

    def _receive_awareness(self, data: bytes) -> None:
        """Check a presence message's states; relay it now, or hold it if it comes too fast.

        An honest client announces its cursor up to 60 times a second: over the rate, its
        entries wait for the next slot, and a newer entry for the same client replaces the
        older one, so peers always end up with the latest state. The stock client also
        re-sends every state it hears about; a message only about other clients is passed on
        (the room drops those entries) without using the rate. A state over the size cap is
        not honest: it closes the socket.
        """
        cap = self.gate.limits.max_awareness_state_bytes
        own = self.conn.awareness_id
        try:
            message = protocol.decode_message(data)
            assert isinstance(message, AwarenessMessage)
            # Echoed states of others carry the server's stamp: allow for it, but hold the
            # socket's own state (once it has one) to the cap itself.
            entries = protocol.decode_awareness_update(message.payload, cap + STAMP_ALLOWANCE)
            for entry in entries:
                if entry.client_id == own and len(entry.state.encode()) > cap:
                    raise AwarenessTooLarge(f"awareness state over {cap} bytes")
        except AwarenessTooLarge as exc:
            self._refuse(CLOSE.TOO_LARGE.code, "presence too large", exc)
            return
        except ProtocolError as exc:
            self._refuse(CLOSE.MALFORMED.code, "malformed message", exc)
            return
        if any(protocol.nested_deeper_than(entry.state) for entry in entries):
            self._refuse(CLOSE.MALFORMED.code, "malformed message", "nested too deeply")
            return
        if own is not None and all(entry.client_id != own for entry in entries):
            self._deliver_awareness(entries)
            return
        held = self._held_awareness
        if not held and self.presence.take():
            self._deliver_awareness(entries)
            return
        for entry in entries:
            known = held.get(entry.client_id)
            if known is not None:
                self.gate.coalesced_awareness += 1
                if entry.clock < known.clock:
                    continue
            held[entry.client_id] = entry
        if self._timer is None:
            self._schedule_awareness()

    def _schedule_awareness(self) -> None:
        delay = 1.0 / self.gate.limits.awareness_per_second
        self._timer = asyncio.get_running_loop().call_later(delay, self._release_awareness)

    def _release_awareness(self) -> None:
        self._timer = None
        held = self._held_awareness
        if not held or self._ended or self.conn.channel.closing:
            return
        if not self.presence.take():
            self._schedule_awareness()
            return
        entries = list(held.values())
        held.clear()
        self._deliver_awareness(entries)

    def _deliver(self, data: bytes) -> None:
        self._into_room(self.room.receive, data)

    def _deliver_awareness(self, entries: list[AwarenessEntry]) -> None:
        self._into_room(self.room.relay_awareness, entries)

    def _into_room(self, call: Callable[[Connection, T], None], value: T) -> None:
        """Hand a message to the room; close this socket with the code its failure names."""
        try:
            call(self.conn, value)
        except UnreadableUpdate as exc:
            self._refuse(CLOSE.UNREADABLE_UPDATE.code, "unreadable update", exc)
        except ProtocolError as exc:
            self._refuse(CLOSE.MALFORMED.code, "malformed message", exc)
        except RecursionError:
            self._refuse(CLOSE.MALFORMED.code, "malformed message", "nested too deeply")
        except DocumentTooLarge as exc:
            self._refuse(CLOSE.DOCUMENT_TOO_LARGE.code, "document too large", exc)
        except RoomClosed:
            self.conn.channel.close(CLOSE.TRY_AGAIN_LATER.code, "try again later")

    def _refuse(self, code: int, reason: str, detail: object = "") -> None:
        log.warning("closing %s on %s: %s %s", self.conn.label, self.room.name, reason, detail)
        self.gate.count_refusal(reason)
        self.conn.channel.close(code, reason)

    def end(self) -> None:
        """Leave the room (the socket is gone or closing); safe to call more than once."""
        if self._ended:
            return
        self._ended = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.room.disconnect(self.conn)
        self.gate.rooms.release(self.room.name)
        self.gate.uncount(self.request)


# The Starlette transport ----------------------------------------------------------------------


class SocketChannel:
    """A `Channel` over a Starlette websocket: frames queue up and one task writes them.

    A consumer that falls more than `max_buffered` bytes behind is closed with a reason rather
    than buffered without bound (its client resyncs on reconnect).
    """

    def __init__(self, websocket: WebSocket, max_buffered: int) -> None:
        self._ws = websocket
        self._max_buffered = max_buffered
        self._queue: deque[bytes] = deque()
        self._buffered = 0
        self._wake = asyncio.Event()
        self._close: tuple[int, str] | None = None
        self._stopped = False

    @property
    def closing(self) -> bool:
        return self._close is not None or self._stopped

    def send(self, frame: bytes) -> None:
        if self.closing:
            return
        self._queue.append(frame)
        self._buffered += len(frame)
        if self._buffered > self._max_buffered:
            self._queue.clear()
            self.close(CLOSE.SLOW_CONSUMER.code, "too far behind")
            return
        self._wake.set()

    def close(self, code: int, reason: str) -> None:
        if self._close is None:
            self._close = (code, reason)
            self._wake.set()

    def stop(self) -> None:
        """The peer is gone: stop writing without a close frame."""
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        """Write queued frames until the channel is closed or stopped."""
        ws = self._ws
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue and not self._stopped:
                    frame = self._queue.popleft()
                    self._buffered -= len(frame)
                    await ws.send_bytes(frame)
                if self._stopped:
                    return
                if self._close is not None:
                    await ws.close(*self._close)
                    return
        except Exception as exc:  # the peer vanished mid-write
            log.debug("socket writer ended: %s", exc)


async def serve_starlette(
    gate: SocketGate, websocket: WebSocket, board_id: str, *, session: bool
) -> None:
    """Run one sync socket over Starlette's websocket, from admission to close."""
    await websocket.accept()
    request = SocketRequest(
        board_id,
        session,
        websocket.query_params.get("token"),
        websocket.headers.get("origin"),
        websocket.headers.get("host"),
        websocket.client.host if websocket.client else "-",
    )
    channel = SocketChannel(websocket, gate.limits.socket_buffer_bytes)
    try:
        sync = await gate.start(request, channel)
    except Refused as refused:
        await websocket.close(refused.code, refused.reason)
        return
    writer = asyncio.create_task(channel.run(), name=f"writer {sync.room.name}")
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            sync.receive(message.get("bytes"))
    finally:
        sync.end()
        channel.stop()
        await writer
