"""The Starlette socket path: a sync socket over a plain Starlette websocket endpoint.

`journeyboard serve` runs the lean path (`lean_socket.py`); this one serves sync under any other
ASGI server (or with `JOURNEYBOARD_WS` naming one of uvicorn's own websocket protocols). Both
read the URL and ask the same `SocketGate` (admission.py), and hand messages to a `SyncSession`.
Here a task per socket, owned by the endpoint while it runs, writes its queued frames.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from starlette.websockets import WebSocket

from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.errors import SyncError
from journeyboard.tasks import Background
from journeyboard.web.admission import SocketGate, SocketRequest, SocketTarget
from journeyboard.web.socket_state import SocketState

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
        self.state = SocketState.ADMITTING
        """Made once the websocket is accepted, while the gate decides; see `opened`."""
        self._close_frame = (CLOSE.SERVICE_RESTART.code, "")
        """The code and reason of the close frame `run` sends once the socket is CLOSING."""

    @property
    def closing(self) -> bool:
        return self.state.closing

    def opened(self) -> None:
        """The gate let the socket in."""
        self.state = self.state.to(SocketState.OPEN)

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
        if not self.state.closing:
            self.state = self.state.to(SocketState.CLOSING)
            self._close_frame = (code, reason)
            self._wake.set()

    def stop(self) -> None:
        """The peer is gone: stop writing without a close frame."""
        if self.state is not SocketState.CLOSED:
            self.state = self.state.to(SocketState.CLOSED)
            self._wake.set()

    async def run(self) -> None:
        """Write queued frames until the channel is closed or stopped."""
        ws = self._ws
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._queue and self.state is not SocketState.CLOSED:
                    frame = self._queue.popleft()
                    self._buffered -= len(frame)
                    await ws.send_bytes(frame)
                if self.state is SocketState.CLOSED:
                    return
                if self.state is SocketState.CLOSING:
                    await ws.close(*self._close_frame)
                    return
        except Exception as exc:  # the peer vanished mid-write
            log.debug("socket writer ended: %s", exc)


async def serve_starlette(gate: SocketGate, websocket: WebSocket) -> None:
    """Run one sync socket over Starlette's websocket, from admission to close."""
    target = SocketTarget.parse(_route_path(websocket), websocket.url.query)
    if target is None:
        await websocket.close()  # before the handshake: not a sync URL, as Starlette's router
        return
    await websocket.accept()
    request = SocketRequest(
        target,
        websocket.headers.get("origin"),
        websocket.headers.get("host"),
        websocket.client.host if websocket.client else "-",
    )
    channel = SocketChannel(websocket, gate.limits.socket_buffer_bytes)
    try:
        sync = await gate.start(request, channel)
    except SyncError as error:  # a refused admission (web/admission.py)
        await websocket.close(error.close_code, error.reason)
        return
    if not channel.closing:
        channel.opened()
    async with Background(f"socket on {sync.room.name}") as owned:
        writer = owned.spawn(channel.run(), "writer")
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                sync.receive(message.get("bytes"))
        finally:
            sync.end()
            channel.stop()
            await writer.wait()


def _route_path(websocket: WebSocket) -> str:
    """The (decoded) path below the app's root path, which the routes match."""
    path: str = websocket.scope["path"]
    root: str = websocket.scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root + "/") else path
