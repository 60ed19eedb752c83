"""The sync websocket endpoint: admits a socket, adapts it to a `Channel`, and feeds its room.

Admission happens after `accept()` so that a refused browser can read the close code: a bad
origin, token, board or person closes the socket with a named 44xx code before any document
byte is sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from urllib.parse import urlsplit

from starlette.websockets import WebSocket

from journeyboard import documents
from journeyboard.boards import AccessDenied, BoardService, Identity
from journeyboard.close_codes import CLOSE
from journeyboard.limits import Counter, TokenBucket
from journeyboard.protocol import ProtocolError
from journeyboard.rooms import DocumentTooLarge, RoomClosed, RoomManager
from journeyboard.settings import Settings
from journeyboard.stores import StoreError

log = logging.getLogger(__name__)


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


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """No Origin (a non-browser client) is allowed; a browser's must be ours or listed."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in settings.allowed_origins:
        return True
    if settings.public_url and origin == _origin_of(settings.public_url):
        return True
    host = websocket.headers.get("host")
    parts = urlsplit(origin)
    return host is not None and parts.scheme in ("http", "https") and parts.netloc == host


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class SocketGate:
    """Admission for sync sockets: origin, token, and how many sockets a board or address has."""

    def __init__(self, settings: Settings, service: BoardService, rooms: RoomManager) -> None:
        self.settings = settings
        self.limits = settings.limits
        self.service = service
        self.rooms = rooms
        self.per_board = Counter(self.limits.sockets_per_board)
        self.per_address = Counter(self.limits.sockets_per_address)
        self.refused: dict[str, int] = {}

    def count_refusal(self, cause: str) -> None:
        self.refused[cause] = self.refused.get(cause, 0) + 1

    async def serve(self, websocket: WebSocket, board_id: str, *, session: bool) -> None:
        """Run one sync socket from admission to close."""
        await websocket.accept()
        if not origin_allowed(websocket, self.settings):
            log.warning("refused socket for %s: origin not allowed", board_id)
            self.count_refusal("origin")
            await websocket.close(CLOSE.ORIGIN_REFUSED.code, "origin not allowed")
            return
        try:
            identity = await self.service.authenticate(
                board_id, websocket.query_params.get("token")
            )
        except AccessDenied as denied:
            log.info("refused socket for %s: %s", board_id, denied.message)
            self.count_refusal(denied.code)
            await websocket.close(denied.close.code, denied.message)
            return
        address = websocket.client.host if websocket.client else "-"
        if not self.per_board.try_add(board_id):
            self.count_refusal("sockets_per_board")
            await websocket.close(CLOSE.TOO_MANY_CONNECTIONS.code, "too many sockets on this board")
            return
        if not self.per_address.try_add(address):
            self.per_board.remove(board_id)
            self.count_refusal("sockets_per_address")
            await websocket.close(CLOSE.TOO_MANY_CONNECTIONS.code, "too many sockets from here")
            return
        try:
            await self._run(websocket, identity, board_id, session)
        finally:
            self.per_board.remove(board_id)
            self.per_address.remove(address)

    async def _run(
        self, websocket: WebSocket, identity: Identity, board_id: str, session: bool
    ) -> None:
        limits = self.limits
        name = documents.session_name(board_id) if session else documents.content_name(board_id)
        label = identity.person.id if identity.person else f"{identity.role}-link"
        channel = SocketChannel(websocket, self.settings.max_buffered_bytes)
        messages = TokenBucket(limits.messages_per_second, limits.message_burst)
        volume = TokenBucket(limits.bytes_per_second, limits.byte_burst)
        try:
            room = await self.rooms.acquire(name)
        except StoreError as exc:
            log.error("cannot open %s: %s", name, exc)
            self.count_refusal("store_unavailable")
            await websocket.close(CLOSE.TRY_AGAIN_LATER.code, "store unavailable")
            return
        writer = asyncio.create_task(channel.run(), name=f"writer {name}")

        def refuse(code: int, reason: str, detail: object = "") -> None:
            log.warning("closing %s on %s: %s %s", label, name, reason, detail)
            self.count_refusal(reason)
            channel.close(code, reason)

        try:
            conn = room.connect(
                channel,
                can_write=identity.can_write_content,
                label=label,
                principal=identity.principal,
                presence=identity.presence,
                bypass_lock=identity.role == "facilitator",
            )
            try:
                while True:
                    message = await websocket.receive()
                    if message["type"] == "websocket.disconnect":
                        break
                    if channel.closing:
                        continue
                    data = message.get("bytes")
                    if data is None:
                        refuse(CLOSE.MALFORMED.code, "text frames are not supported")
                    elif len(data) > limits.max_message_bytes:
                        refuse(CLOSE.TOO_LARGE.code, "message too large", len(data))
                    elif not messages.take() or not volume.take(len(data)):
                        refuse(CLOSE.RATE_LIMITED.code, "too many messages")
                    else:
                        try:
                            room.receive(conn, data)
                        except ProtocolError as exc:
                            refuse(CLOSE.MALFORMED.code, "malformed message", exc)
                        except DocumentTooLarge as exc:
                            refuse(CLOSE.DOCUMENT_TOO_LARGE.code, "document too large", exc)
            finally:
                room.disconnect(conn)
        except RoomClosed:
            channel.close(CLOSE.TRY_AGAIN_LATER.code, "try again later")
        finally:
            self.rooms.release(name)
            channel.stop()
            await writer
