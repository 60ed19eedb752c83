"""The sync endpoint's lean path: a websocket protocol class of our own under uvicorn.

uvicorn hands every websocket upgrade to its `ws_protocol_class`; `journeyboard serve` gives it
this one. It uses the `websockets` library's sans-I/O `ServerProtocol` for the handshake, the
incoming frames and the closing handshake, and writes outgoing binary frames itself:

- A frame broadcast to a room is encoded once, and the same bytes go to every socket's
  transport. There is no coroutine, queue or task per recipient.
- Once admitted, a socket owns no task at all. Its incoming messages go straight to its room
  from `data_received`.
- A consumer that stops reading is closed with 4408 once `socket_buffer_bytes` wait for it. If
  it does not read even the close frame within `CLOSE_TIMEOUT`, the connection is dropped.
  From the moment the transport reports it (`pause_writing`), the socket is done: nothing
  more is sent to it, reading stops, and the frames that came in the same read are dropped
  unanswered. One read can hold thousands of small frames, each asking for a large answer.

- Incoming frames are sized from their headers before their payload arrives: a message over
  the socket's limit (smaller for read-only sockets) is refused with 4413 at once, and every
  unfinished message holds its size in the process's `MessageBudget`; a large one that does
  not fit is refused with 4503 (the client retries). A refused frame's payload is read and
  dropped, never buffered, so the close handshake still completes.

Admission (the sync URL, origin, token, socket counts) is `admission.py`, as for the Starlette
endpoint. The gate runs in a short task after the handshake, so a refused browser reads a 44xx
close code.
Frames that arrive meanwhile are kept in order, and reading pauses until the room answers.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import struct
from typing import Any, ClassVar, cast
from urllib.parse import unquote

from uvicorn.config import Config
from uvicorn.server import ServerState
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import Protocol, State
from websockets.server import ServerProtocol

try:  # websockets' C unmasking, as its own parser uses; its pure-Python one if not built
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover
    from websockets.utils import apply_mask

from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.errors import SyncError
from journeyboard.web.admission import SocketGate, SocketRequest, SocketTarget
from journeyboard.web.socket_state import SocketState
from journeyboard.web.sync_session import SyncSession

log = logging.getLogger(__name__)
_ws_log = logging.getLogger("journeyboard.websockets")
_ws_log.setLevel(logging.WARNING)  # it logs every open and close at INFO; we log admissions

CLOSE_TIMEOUT = 5.0
"""Seconds a closing socket has to read our close frame before its connection is dropped."""

MAX_HANDSHAKE = 64 * 1024
"""Bytes of an opening handshake (request line and headers) kept before giving up on it."""


# Outgoing frames --------------------------------------------------------------------------

_last_payload: bytes = b""
_last_frame: bytes = b"\x82\x00"

LARGE_FRAME = 64 * 1024
"""Payloads from this size on are written after their header, not copied into one frame."""


def frame_header(size: int) -> bytes:
    """The header of a final, unmasked binary frame (what a server sends) of `size` bytes."""
    if size < 126:
        return bytes((0x82, size))
    if size < 0x10000:
        return struct.pack("!BBH", 0x82, 126, size)
    return struct.pack("!BBQ", 0x82, 127, size)


def binary_frame(payload: bytes) -> bytes:
    """A final, unmasked binary frame around `payload`.

    A room hands the same payload object to every socket in a broadcast, so the last frame is
    kept: each broadcast is encoded once, however many sockets it reaches.
    """
    global _last_payload, _last_frame
    if payload is _last_payload:
        return _last_frame
    frame = frame_header(len(payload)) + payload
    _last_payload, _last_frame = payload, frame
    return frame


# Client addresses behind a proxy ------------------------------------------------------------


class TrustedProxies:
    """Which peers may say who the client is (X-Forwarded-For), as uvicorn's option lists them."""

    def __init__(self, allowed: list[str] | str | None) -> None:
        entries = allowed.split(",") if isinstance(allowed, str) else list(allowed or [])
        names = [entry.strip() for entry in entries if entry.strip()]
        self.everyone = "*" in names
        self.networks = []
        for name in names:
            if name != "*":
                try:
                    self.networks.append(ipaddress.ip_network(name, strict=False))
                except ValueError:
                    log.warning("ignoring trusted proxy %r: not an address or network", name)

    def __contains__(self, host: str) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The nearest untrusted address in the chain that ends at `peer`."""
        if forwarded_for is None or peer not in self:
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if hop not in self:
                return hop
        return hops[0] if hops else peer


# The protocol -------------------------------------------------------------------------------


def _forget_handshake(ws: ServerProtocol) -> None:
    """Let the handshake request be freed: about 2.5 KB of headers per idle socket.

    `ServerProtocol.parse` keeps the request in a local variable for the life of the
    connection. Once the handshake is done, the base class's frame parser, started afresh on
    the same buffered stream, reads the following frames exactly as it would have.
    """
    ws.parser = Protocol.parse(ws)
    next(ws.parser)


class LeanSyncProtocol(asyncio.Protocol):
    """One sync websocket, from handshake to close; it is also the socket's room `Channel`."""

    gate: ClassVar[SocketGate]
    proxies: ClassVar[TrustedProxies | None]

    __slots__ = (
        "_address",
        "_close_timer",
        "_fragments",
        "_head",
        "_held",
        "_message_size",
        "_pending",
        "_remaining",
        "_request",
        "_skipping",
        "_state",
        "_text",
        "connections",
        "loop",
        "session",
        "transport",
        "ws",
    )

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.loop = _loop or asyncio.get_running_loop()
        self.connections: set[Any] = server_state.connections
        self.transport: asyncio.Transport | None = None
        # websockets' own limit stands behind ours: `_admit_frame` refuses a message over the
        # session's limit first (`ws_max_size` is `Limits.transport_max_bytes`, four times it),
        # and it alone guards the frames `_whole_binary_frame` takes around websockets' parser.
        self.ws = ServerProtocol(max_size=config.ws_max_size, logger=_ws_log)
        self.session: SyncSession | None = None
        self._state = SocketState.HANDSHAKE
        """Where the socket is; every move goes through `_enter` (socket_state.py's table)."""
        self._pending: list[bytes | None] = []
        """Messages that arrive while the socket is ADMITTING."""
        self._fragments: list[bytes] | None = None
        self._text = False
        self._close_timer: asyncio.TimerHandle | None = None
        self._request = bytearray()
        """The opening handshake while the socket is in HANDSHAKE, until its end is seen."""
        self._head = bytearray()
        """The header of the next incoming frame, while it arrives."""
        self._remaining = 0
        """Payload bytes of the current incoming frame that have not arrived yet."""
        self._skipping = False
        """The current frame was refused: its payload is read and dropped."""
        self._message_size = 0
        """Bytes announced so far by the frames of the current incoming message."""
        self._address = "-"
        """The client's address (behind a trusted proxy, the one it names)."""
        self._held = 0
        """Bytes this socket holds in the gate's `MessageBudget` for its unfinished message."""

    @property
    def state(self) -> SocketState:
        return self._state

    def _enter(self, state: SocketState) -> None:
        self._state = self._state.to(state)

    def _stop(self) -> None:
        """Into CLOSING, unless already closing or closed: nothing more is sent or delivered."""
        if not self._state.closing:
            self._enter(SocketState.CLOSING)

    # the Channel a room sees --------------------------------------------------------------

    @property
    def closing(self) -> bool:
        return self._state.closing

    def send(self, frame: bytes) -> None:
        if self._state.closing:
            return
        transport = self.transport
        assert transport is not None
        if len(frame) < LARGE_FRAME:
            transport.write(binary_frame(frame))
        else:  # a sync step 2 of a big board: every joiner's socket shares the one payload
            transport.writelines((frame_header(len(frame)), frame))

    def close(self, code: int, reason: str) -> None:
        """Send a close frame; drop the connection if the peer does not answer in time."""
        if self._state.closing:
            return
        self._enter(SocketState.CLOSING)
        self._send_close(code, reason)

    def _send_close(self, code: int, reason: str) -> None:
        if self.ws.state is State.OPEN:
            self.ws.send_close(code, reason)
            self._flush()
        if self.transport is not None and self._state is not SocketState.CLOSED:
            self._close_timer = self.loop.call_later(CLOSE_TIMEOUT, self.transport.abort)

    # asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        # The transport tells us (`pause_writing`) when more than this waits for the peer.
        self.transport.set_write_buffer_limits(high=self.gate.limits.socket_buffer_bytes)
        self.connections.add(self)

    def data_received(self, data: bytes) -> None:
        if self._state is SocketState.HANDSHAKE:
            # websockets would parse frames that follow the request in the same read; keep
            # them back, so that every frame passes `_admit_frames` first.
            http = self._request
            http += data
            end = http.find(b"\r\n\r\n")
            if end < 0:
                if len(http) > MAX_HANDSHAKE and self.transport is not None:
                    self.transport.abort()
                return
            self._request = bytearray()
            self._receive(bytes(http[: end + 4]))  # leaves HANDSHAKE (`_on_handshake`)
            data = bytes(http[end + 4 :])
            if not data or self.state is not SocketState.ADMITTING:  # not narrowed
                return
        session = self.session
        if session is None:
            self._receive(self._admit_frames(data))
            return
        session.gather()  # the updates of one read reach the room together
        try:
            self._receive(self._admit_frames(data))
        finally:
            session.flush()

    def _receive(self, data: bytes) -> None:
        ws = self.ws
        if data:
            ws.receive_data(data)
        self._handle_events()
        if ws.parser_exc is not None:
            log.info("websocket protocol error: %s", ws.parser_exc)
            self._stop()
            self._leave()

    def _admit_frames(self, data: bytes) -> bytes:
        """What of `data` websockets may parse: every frame whose message may be buffered.

        Frames are cut at their boundaries from the headers alone. A refused frame (and, once
        the socket is closing, every data frame) is dropped whole, header and payload, so
        websockets still reads the peer's close frame that follows.
        """
        remaining = self._remaining
        if remaining >= len(data):  # the common case: more of a payload
            self._remaining = remaining - len(data)
            return b"" if self._skipping else data
        kept: list[bytes] = []
        pos, end = 0, len(data)
        head = self._head
        while True:
            if remaining:
                if pos >= end:
                    break
                take = min(remaining, end - pos)
                if not self._skipping:
                    kept.append(data[pos : pos + take])
                remaining -= take
                pos += take
                continue
            if not head and not kept and pos < end:
                whole = self._whole_binary_frame(data, pos)
                if whole:
                    pos += whole
                    continue
            size = _header_size(head)
            if len(head) < size:
                if pos >= end:
                    break
                take = min(size - len(head), end - pos)
                head += data[pos : pos + take]
                pos += take
                continue
            remaining = _payload_length(head)
            self._skipping = not self._admit_frame(head[0], remaining)
            if not self._skipping:
                kept.append(bytes(head))
            head.clear()
        self._remaining = remaining
        return b"".join(kept)

    def _whole_binary_frame(self, data: bytes, pos: int) -> int:
        """Deliver the frame at `pos` without websockets' parser, if it is the common message:
        whole in `data`, final, binary, masked, with no reserved bit set and no fragmented
        message under way. Returns its length in bytes, or 0 to leave it to websockets.

        `_admit_frames` asks this only at a frame boundary and only before it keeps anything
        of the read for websockets, so messages are delivered in the order they came, and
        websockets' parser is at a frame boundary whenever it is fed: it never sees these
        frames. What it alone can judge (control frames, text, fragments, reserved bits, an
        unmasked client frame) still goes to it.
        """
        if data[pos] != 0x82 or self._fragments is not None:
            return 0
        head = data[pos : pos + MAX_HEADER]
        if len(head) < 2 or not head[1] & 0x80:
            return 0  # unmasked: websockets fails the connection, as RFC 6455 asks
        size = _header_size(head)
        if len(head) < size:
            return 0
        length = _payload_length(head)
        start, stop = pos + size, pos + size + length
        if stop > len(data):
            return 0
        if self._admit_frame(0x82, length):
            payload = apply_mask(data[start:stop], data[start - 4 : start])
            self._release()
            self._on_message(payload)
        return stop - pos

    def _admit_frame(self, first: int, length: int) -> bool:
        """May a frame of `length` bytes, whose first header byte is `first`, be buffered?"""
        opcode = first & 0x0F
        if opcode >= 0x8:  # a control frame: websockets checks it, once it has all of it
            if length <= 125:
                return True
            self._refuse(CLOSE.MALFORMED.code, "control frame too long", length)
            return False
        if self._state.closing:
            return False
        if opcode != 0x0:  # a new message (a continuation adds to the current one)
            self._message_size = 0
        self._message_size += length
        session = self.session
        limit = session.max_message_bytes if session else self.gate.limits.max_message_bytes
        if self._message_size > limit:
            self._refuse(CLOSE.TOO_LARGE.code, "message too large", self._message_size)
            return False
        if not self.gate.buffered.hold(self._address, length):
            self._refuse(CLOSE.SERVER_BUSY.code, "server busy", self._message_size)
            return False
        self._held += length
        return True

    def _refuse(self, code: int, reason: str, size: int) -> None:
        label = self.session.conn.label if self.session else "a socket"
        log.warning("closing %s: %s (%d bytes)", label, reason, size)
        self.gate.count_refusal(reason)
        self.close(code, reason)

    def _release(self) -> None:
        """The current message is complete (or will never be): give back what it held."""
        if self._held:
            self.gate.buffered.release(self._address, self._held)
            self._held = 0

    def eof_received(self) -> bool | None:
        self.ws.receive_eof()
        self._handle_events()
        self._stop()
        self._leave()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._state is not SocketState.CLOSED:
            self._enter(SocketState.CLOSED)
        self._fragments = None
        self._release()
        self.connections.discard(self)
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        self._leave()

    def pause_writing(self) -> None:
        """More than `socket_buffer_bytes` wait for this peer: it is too slow to keep.

        This runs inside a write, often while the frames of one read are being answered: stop
        at once (the socket is CLOSING now, so the rest of them are dropped, and `send` writes
        nothing more), stop reading, and send the close frame from the next turn of the loop.
        """
        if not self._state.closing:
            self._enter(SocketState.CLOSING)
            if self.transport is not None:
                self.transport.pause_reading()
            # Not from inside the transport's write that got us here.
            self.loop.call_soon(self._too_slow)

    def resume_writing(self) -> None:
        pass

    def _too_slow(self) -> None:
        if self._state is SocketState.CLOSED or self.ws.state is not State.OPEN:
            return  # lost, or the peer's close frame (or a protocol error) came first
        log.warning("closing a socket that fell too far behind")
        self.gate.count_refusal("slow_consumer")
        self._send_close(CLOSE.SLOW_CONSUMER.code, "too far behind")
        if self.transport is not None:
            # Closed, its data frames are dropped unread (`_admit_frame`): read on, so that
            # a peer that catches up can answer the close frame.
            self.transport.resume_reading()

    def shutdown(self) -> None:
        """uvicorn is stopping: close with 1012, which the client reconnects on."""
        if self._state is SocketState.ADMITTING or self._state is SocketState.OPEN:
            self.close(CLOSE.SERVICE_RESTART.code, "server restarting")
        if self.transport is not None:
            self.transport.close()

    # incoming -----------------------------------------------------------------------------

    def _handle_events(self) -> None:
        for event in self.ws.events_received():
            if isinstance(event, Frame):
                self._on_frame(event)
            elif isinstance(event, Request):
                self._on_handshake(event)
        self._flush()

    def _flush(self) -> None:
        """Write what the websocket layer queued (handshake, pongs, close frames, EOF)."""
        transport = self.transport
        if transport is None:
            return
        for chunk in self.ws.data_to_send():
            if chunk:
                transport.write(chunk)
            else:  # end of stream: a server closes the TCP connection
                transport.close()

    def _on_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.BINARY or opcode is Opcode.TEXT:
            if frame.fin:
                self._release()
                self._on_message(bytes(frame.data) if opcode is Opcode.BINARY else None)
            else:
                self._fragments = [bytes(frame.data)]
                self._text = opcode is Opcode.TEXT
        elif opcode is Opcode.CONT:
            fragments = self._fragments
            if fragments is None:
                return  # ServerProtocol has already failed the connection
            fragments.append(bytes(frame.data))
            if frame.fin:
                self._fragments = None
                self._release()
                self._on_message(None if self._text else b"".join(fragments))
        elif opcode is Opcode.CLOSE:
            self._stop()
            self._leave()

    def _on_message(self, data: bytes | None) -> None:
        state = self._state
        if state is SocketState.OPEN:
            assert self.session is not None
            self.session.receive(data)
        elif state is SocketState.ADMITTING:
            self._pending.append(data)
        # else closing: the rest of a read whose answers filled the socket's buffer, say

    def _on_handshake(self, request: Request) -> None:
        ws = self.ws
        path, _, query = request.path.partition("?")
        target = SocketTarget.parse(unquote(path), query)
        if target is None:
            ws.send_response(ws.reject(404, "Not Found\n"))
            self._enter(SocketState.CLOSING)
            return
        response = ws.accept(request)
        ws.send_response(response)
        if response.status_code != 101:
            self._enter(SocketState.CLOSING)
            return
        _forget_handshake(ws)
        assert self.transport is not None
        peer = self.transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "-"
        if self.proxies is not None:
            address = self.proxies.client(address, request.headers.get("X-Forwarded-For"))
        self._address = address
        socket_request = SocketRequest(
            target, request.headers.get("Origin"), request.headers.get("Host"), address
        )
        self._enter(SocketState.ADMITTING)
        self._flush()
        self.transport.pause_reading()
        if not self.gate.tasks.running:  # the node is stopping
            self._pending.clear()
            self.close(CLOSE.TRY_AGAIN_LATER.code, "try again later")
            return
        self.gate.tasks.spawn(self._admit(socket_request), f"admit {target.board_id}")

    async def _admit(self, request: SocketRequest) -> None:
        try:
            session = await self.gate.start(request, self)
        except SyncError as error:  # a refused admission (web/admission.py)
            self._pending.clear()
            self.close(error.close_code, error.reason)
        except Exception:
            log.exception("could not admit a socket for %s", request.board_id)
            self._pending.clear()
            self.close(CLOSE.TRY_AGAIN_LATER.code, "try again later")
        else:
            if self._state is not SocketState.ADMITTING:
                session.end()  # the peer left, or the socket closed, while it was admitted
                return
            self._enter(SocketState.OPEN)
            self.session = session
            pending, self._pending = self._pending, []
            session.gather()
            try:
                for data in pending:
                    session.receive(data)
            finally:
                session.flush()
        finally:
            if self.transport is not None and not self._close_due():
                self.transport.resume_reading()  # a closing socket reads the peer's close frame

    def _close_due(self) -> bool:
        """Lost, or fell too far behind and `_too_slow` has yet to send the close frame (it
        reads on once it has)."""
        if self._state is SocketState.CLOSED:
            return True
        return (
            self._state is SocketState.CLOSING
            and self._close_timer is None
            and self.ws.state is State.OPEN
        )

    def _leave(self) -> None:
        self._pending.clear()
        session, self.session = self.session, None
        if session is not None:
            session.end()


MAX_HEADER = 14
"""The longest header of a client frame: 2 bytes, 8 of extended length, 4 of mask key."""


def _header_size(head: bytes | bytearray) -> int:
    """How long a client frame's header is, from what has arrived of it (2 at least)."""
    if len(head) < 2:
        return 2
    second = head[1]
    length = second & 0x7F
    extended = 2 if length == 126 else 8 if length == 127 else 0
    return 2 + extended + (4 if second & 0x80 else 0)


def _payload_length(head: bytes | bytearray) -> int:
    length = head[1] & 0x7F
    if length == 126:
        return int(struct.unpack_from("!H", head, 2)[0])
    if length == 127:
        return int(struct.unpack_from("!Q", head, 2)[0])
    return length


def lean_protocol(gate: SocketGate, config: Config) -> type[LeanSyncProtocol]:
    """The protocol class to give uvicorn as `ws`, bound to this app's socket gate."""
    proxies = TrustedProxies(config.forwarded_allow_ips) if config.proxy_headers else None
    return type(
        "JourneyboardSyncProtocol",
        (LeanSyncProtocol,),
        {"gate": gate, "proxies": proxies, "__slots__": ()},
    )
