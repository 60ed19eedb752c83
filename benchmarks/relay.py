"""The ceiling for a sync server on this machine: a websocket relay with no CRDT and no store.

    python benchmarks/relay.py --port 8100 [--host 127.0.0.1]

Per room (the request path, query string left off) it relays every binary frame it receives
to every other socket in the room, byte for byte. A sync step 1 is answered, not relayed: with
an empty sync step 2, so that a y-websocket client counts as synced. Nothing is decoded,
merged or kept. benchmarks/workshop.py measures it beside the real servers: what it costs is
what moving the frames through the kernel and one asyncio process costs.

It is a measuring instrument, like rawclient.py: one asyncio protocol per socket, no task per
socket, uvloop when installed; no fragments, no extensions, no TLS, no limits.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import signal
import struct

SYNC_STEP1 = b"\x00\x00"
"""The first two bytes of a y-websocket sync step 1 (message type 0, sync message 0)."""
EMPTY_SYNC_STEP2 = b"\x82\x05\x00\x01\x02\x00\x00"
"""A final binary frame (unmasked, server to client) holding an empty sync step 2."""
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEADER = 64 * 1024


def server_frame(opcode: int, payload: bytes | memoryview) -> bytes:
    """One final, unmasked frame (a server never masks)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, size))
    elif size < 0x10000:
        header = struct.pack("!BBH", 0x80 | opcode, 126, size)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, size)
    return header + payload


def unmask(payload: memoryview, key: bytes) -> bytes:
    """XOR a client frame's payload with its 4-byte key (a zero key is the fast path)."""
    if key == b"\x00\x00\x00\x00":
        return bytes(payload)
    size = len(payload)
    stream = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(stream, "little")).to_bytes(
        size, "little"
    )


class Relay(asyncio.Protocol):
    """One socket: its upgrade, then its frames, relayed to the rest of its room."""

    __slots__ = ("_buffer", "_handshaking", "path", "room", "rooms", "transport")

    def __init__(self, rooms: dict[str, set[Relay]]) -> None:
        self.rooms = rooms
        self.path = ""
        self.room: set[Relay] | None = None
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._handshaking = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if self._handshaking and not self._handshake():
            return
        while len(buffer) >= 2:
            first, second = buffer[0], buffer[1]
            size, start = second & 0x7F, 2
            if size == 126:
                if len(buffer) < 4:
                    return
                size, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif size == 127:
                if len(buffer) < 10:
                    return
                size, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            masked = second & 0x80
            end = start + (4 if masked else 0) + size
            if len(buffer) < end:
                return
            key = bytes(buffer[start : start + 4]) if masked else b"\x00\x00\x00\x00"
            with memoryview(buffer) as view:
                payload = unmask(view[end - size : end], key)
            del buffer[:end]
            self._frame(first & 0x0F, payload)

    def _handshake(self) -> bool:
        """Answer the upgrade request once it is whole; False while it is not (or refused)."""
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > MAX_HEADER:
                self._abort()
            return False
        lines = bytes(buffer[:end]).split(b"\r\n")
        del buffer[: end + 4]
        parts = lines[0].split(b" ")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(b":") for line in lines[1:])
        }
        key = headers.get(b"sec-websocket-key")
        if len(parts) < 2 or parts[0] != b"GET" or key is None:
            self._abort(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        self._handshaking = False
        self.path = parts[1].split(b"?", 1)[0].decode(errors="replace")
        self.room = self.rooms.setdefault(self.path, set())
        self.room.add(self)
        return True

    def _frame(self, opcode: int, payload: bytes) -> None:
        transport = self.transport
        assert transport is not None
        if opcode == 0x2:
            if payload[:2] == SYNC_STEP1:
                transport.write(EMPTY_SYNC_STEP2)
                return
            frame = server_frame(0x2, payload)
            assert self.room is not None
            for other in self.room:
                if other is not self and other.transport is not None:
                    other.transport.write(frame)
        elif opcode == 0x8:
            transport.write(server_frame(0x8, payload[:2]))
            transport.close()
        elif opcode == 0x9:
            transport.write(server_frame(0xA, payload))
        # text frames, pongs and continuations are dropped

    def _abort(self, answer: bytes = b"") -> None:
        assert self.transport is not None
        if answer:
            self.transport.write(answer)
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self.room is not None:
            self.room.discard(self)
            if not self.room and self.rooms.get(self.path) is self.room:
                del self.rooms[self.path]
            self.room = None


async def serve(host: str, port: int) -> None:
    """Relay until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    rooms: dict[str, set[Relay]] = {}
    server = await loop.create_server(lambda: Relay(rooms), host, port, backlog=4096)
    stopped = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopped.set)
    await stopped.wait()
    server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.host, args.port))
    else:
        uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
