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
from journeyboard.boards import AccessDenied, BoardService
from journeyboard.close_codes import CLOSE
from journeyboard.protocol import ProtocolError
from journeyboard.rooms import RoomClosed, RoomManager
from journeyboard.settings import Settings

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


async def serve_sync_socket(
    websocket: WebSocket,
    *,
    board_id: str,
    session: bool,
    service: BoardService,
    rooms: RoomManager,
    settings: Settings,
) -> None:
    """Run one sync socket from admission to close."""
    await websocket.accept()
    if not origin_allowed(websocket, settings):
        log.warning("refused socket for %s: origin not allowed", board_id)
        await websocket.close(CLOSE.ORIGIN_REFUSED.code, "origin not allowed")
        return
    try:
        identity = await service.authenticate(board_id, websocket.query_params.get("token"))
    except AccessDenied as denied:
        log.info("refused socket for %s: %s", board_id, denied.message)
        await websocket.close(denied.close.code, denied.message)
        return
    name = documents.session_name(board_id) if session else documents.content_name(board_id)
    label = identity.person.id if identity.person else f"{identity.role}-link"
    channel = SocketChannel(websocket, settings.max_buffered_bytes)
    room = await rooms.acquire(name)
    writer = asyncio.create_task(channel.run(), name=f"writer {name}")
    try:
        conn = room.connect(channel, can_write=identity.can_write_content, label=label)
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if channel.closing:
                    continue
                data = message.get("bytes")
                if data is None:
                    log.warning("closing %s on %s: text frame", label, name)
                    channel.close(CLOSE.MALFORMED.code, "text frames are not supported")
                    continue
                try:
                    room.receive(conn, data)
                except ProtocolError as exc:
                    log.warning("closing %s on %s: malformed message: %s", label, name, exc)
                    channel.close(CLOSE.MALFORMED.code, "malformed message")
        finally:
            room.disconnect(conn)
    except RoomClosed:
        channel.close(CLOSE.TRY_AGAIN_LATER.code, "try again later")
    finally:
        rooms.release(name)
        channel.stop()
        await writer
