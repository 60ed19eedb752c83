"""A minimal websocket client for the benchmarks: one asyncio protocol, no task per socket.

The join and idle scenarios open many sockets at once. A full client library spends more CPU
on its own handshake and frame handling than the servers under test do, and so does most of
the measuring. This client does the least the protocol allows:
- it sends one upgrade request and reads the status line;
- it masks its frames with a zero key, which RFC 6455 permits and every server unmasks alike;
- it hands each whole binary frame it receives to a callback, as a view into its buffer.
It is a measuring instrument, not a general client: no fragments, no extensions, no TLS.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import Callable
from urllib.parse import urlsplit


class RawSocket(asyncio.Protocol):
    def __init__(self, on_frame: Callable[[memoryview], None]) -> None:
        self.on_frame = on_frame
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._buffer = bytearray()
        self._handshaking = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if self._handshaking:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            del buffer[: end + 4]
            self._handshaking = False
            if b" 101 " not in status:
                self.opened.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            self.opened.set_result(None)
        # Frames are read at an offset and the buffer trimmed once per read: deleting each
        # frame from the front would move the rest of the buffer once per frame.
        at, end = 0, len(buffer)
        with memoryview(buffer) as view:
            while end - at >= 2:
                opcode, size = buffer[at] & 0x0F, buffer[at + 1] & 0x7F
                start = at + 2
                if size == 126:
                    if end - at < 4:
                        break
                    size, start = struct.unpack_from("!H", buffer, at + 2)[0], at + 4
                elif size == 127:
                    if end - at < 10:
                        break
                    size, start = struct.unpack_from("!Q", buffer, at + 2)[0], at + 10
                if end < start + size:
                    break
                if opcode == 0x2:
                    with view[start : start + size] as payload:
                        self.on_frame(payload)  # a view, not a copy: the callback must not keep it
                elif opcode == 0x8 and not self.closed.done():
                    code = struct.unpack_from("!H", buffer, start)[0] if size >= 2 else None
                    self.closed.set_result(code)
                at = start + size
        del buffer[:at]

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("connection lost during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def send(self, payload: bytes) -> None:
        """A masked (zero key) final binary frame."""
        assert self.transport is not None
        size = len(payload)
        if size < 126:
            header = bytes((0x82, 0x80 | size))
        elif size < 0x10000:
            header = struct.pack("!BBH", 0x82, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x82, 0x80 | 127, size)
        self.transport.write(header + b"\x00\x00\x00\x00" + payload)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.write(b"\x88\x82\x00\x00\x00\x00\x03\xe8")  # 1000, masked
            self.transport.close()


async def connect(
    url: str, on_frame: Callable[[memoryview], None] = lambda frame: None
) -> RawSocket:
    """Open a websocket to `url` (ws:// only) and return it once the handshake is done."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    loop = asyncio.get_running_loop()
    _, sock = await loop.create_connection(
        lambda: RawSocket(on_frame), parts.hostname, parts.port or 80
    )
    key = base64.b64encode(os.urandom(16)).decode()
    assert sock.transport is not None
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.transport.write(request.encode())
    await sock.opened
    return sock
