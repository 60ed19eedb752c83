"""The lean socket protocol (web/lean_socket.py) in-process: a fake transport stands for the TCP
connection, the real `SocketGate` and rooms (over a memory store) for the rest of the node.

What the frame-level limits decide does not need a server process: the handshake, the state the
socket is in, and the close code it writes. tests/e2e/test_socket_limits.py keeps the cases
that measure the process itself (its memory under unfinished messages) and the real clients.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc
from uvicorn.config import Config
from uvicorn.server import ServerState
from websockets.server import ServerProtocol

from journeyboard.sync import protocol as sync_protocol
from journeyboard.sync.limits import Limits
from journeyboard.sync.protocol import SyncStep2, SyncUpdate
from journeyboard.web.lean_socket import LeanSyncProtocol, lean_protocol
from journeyboard.web.socket_state import SocketState
from sync.fakes import Writer, cards
from waiting import wait_until
from web.test_socket_gate import Gate, build

KiB = 1024
BIG = 128 * KiB
"""A message over the budget's "small" size (`SMALL_MESSAGE_BYTES`), which always fits."""


class FakeTransport(asyncio.Transport):
    """What the protocol writes, and whether it paused, closed or dropped the connection."""

    def __init__(self, peer: str = "127.0.0.1") -> None:
        super().__init__()
        self.written = bytearray()
        self.peer = peer
        self.reading = True
        self.closed = False
        self.aborted = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return (self.peer, 40000) if name == "peername" else default

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def writelines(self, chunks: Any) -> None:
        for chunk in chunks:
            self.write(chunk)

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def frames(self) -> list[tuple[int, bytes]]:
        """The server's frames written so far, after the handshake response."""
        data = bytes(self.written)
        pos = data.index(b"\r\n\r\n") + 4
        frames: list[tuple[int, bytes]] = []
        while pos + 2 <= len(data):
            opcode, length = data[pos] & 0x0F, data[pos + 1] & 0x7F
            pos += 2
            if length == 126:
                (length,) = struct.unpack_from("!H", data, pos)
                pos += 2
            elif length == 127:
                (length,) = struct.unpack_from("!Q", data, pos)
                pos += 8
            frames.append((opcode, data[pos : pos + length]))
            pos += length
        return frames

    def close_code(self) -> int | None:
        for opcode, payload in self.frames():
            if opcode == 8:
                return int(struct.unpack("!H", payload[:2])[0])
        return None


def header(length: int, opcode: int = 2, fin: bool = True) -> bytes:
    """A masked client frame header; the mask key is zero, so the payload goes as it is."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        head = bytes((first, 0x80 | length))
    elif length < 0x10000:
        head = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        head = struct.pack("!BBQ", first, 0x80 | 127, length)
    return head + b"\x00\x00\x00\x00"


class Node:
    """A protocol class bound to an in-process gate, as `journeyboard serve` makes one."""

    def __init__(self, gate: Gate, **config: Any) -> None:
        self.gate = gate
        self.config = Config(app=lambda: None, **config)
        self.cls = lean_protocol(gate.gate, self.config)
        self.state = ServerState()

    async def open(
        self, role: str, *, forwarded_for: str | None = None
    ) -> tuple[LeanSyncProtocol, FakeTransport]:
        protocol = self.cls(self.config, self.state, {}, asyncio.get_running_loop())
        transport = FakeTransport()
        protocol.connection_made(transport)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = f"X-Forwarded-For: {forwarded_for}\r\n" if forwarded_for else ""
        protocol.data_received(
            f"GET /ws/{self.gate.board_id}?token={self.gate.tokens[role]} HTTP/1.1\r\n"
            f"Host: board.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\n{extra}Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        assert protocol.state is SocketState.ADMITTING and not transport.reading
        await wait_until(lambda: protocol.state is SocketState.OPEN, timeout=5)
        assert transport.reading and transport.frames()[0][1][:2] == b"\x00\x00"  # sync step 1
        return protocol, transport


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    limits = Limits(
        buffered_bytes_total=4 * BIG,
        buffered_bytes_per_address=2 * BIG,
        max_read_only_message_bytes=96 * KiB,
    )
    built, rooms = await build(limits)
    yield Node(built, proxy_headers=True, forwarded_allow_ips="127.0.0.1")
    await rooms.close()


async def test_unfinished_messages_share_the_budget_and_one_address_its_part(node: Node) -> None:
    """Each socket announces a big message and sends 1 KiB of it. The budget holds four such
    messages, one address's share two: the third socket of an address gets 4503."""
    sockets = [
        await node.open("participant", forwarded_for=address)
        for address in ("203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2")
    ]
    for protocol, _ in sockets:
        protocol.data_received(header(BIG) + b"\x00" * KiB)
    codes = [transport.close_code() for _, transport in sockets]
    assert codes == [None, None, 4503, None, None]
    assert [protocol.state for protocol, _ in sockets].count(SocketState.CLOSING) == 1
    assert node.gate.gate.refused["server busy"] == 1
    # a sixth, from elsewhere, finds the total spent
    late, late_transport = await node.open("participant", forwarded_for="203.0.113.3")
    late.data_received(header(BIG) + b"\x00" * KiB)
    assert late_transport.close_code() == 4503
    # the held messages are given back with their sockets: a large message fits again
    for protocol, _ in sockets:
        protocol.connection_lost(None)
        assert protocol.state is SocketState.CLOSED
    again, again_transport = await node.open("participant", forwarded_for="203.0.113.3")
    again.data_received(header(BIG) + b"\x00" * KiB)
    assert again_transport.close_code() is None and again.state is SocketState.OPEN


async def test_a_viewer_announcing_a_big_message_is_refused_at_once(node: Node) -> None:
    limits = node.gate.gate.limits
    viewer, transport = await node.open("viewer")
    viewer.data_received(header(limits.max_read_only_message_bytes + 1) + b"\x00" * 1000)
    assert transport.close_code() == 4413 and viewer.state is SocketState.CLOSING
    # a writer may still send a message of that size
    writer, writer_transport = await node.open("participant")
    writer.data_received(header(limits.max_read_only_message_bytes + 1) + b"\x00" * 1000)
    assert writer_transport.close_code() is None and writer.state is SocketState.OPEN


async def test_a_control_frame_announcing_a_big_payload_is_refused_at_once(node: Node) -> None:
    protocol, transport = await node.open("participant")
    protocol.data_received(header(8 * 1024 * KiB, opcode=0x9) + b"\x00" * 1000)
    assert transport.close_code() == 4400 and protocol.state is SocketState.CLOSING


async def test_a_closing_socket_reads_on_for_the_close_frame_and_drops_data(node: Node) -> None:
    protocol, transport = await node.open("participant")
    protocol.close(4000, "test")
    assert protocol.state is SocketState.CLOSING and transport.close_code() == 4000
    written = len(transport.written)
    protocol.send(b"\x00\x01\x00")  # nothing more goes out
    protocol.data_received(header(3) + b"\x00\x01\x00")  # a data frame: dropped unread
    assert len(transport.written) == written
    protocol.data_received(header(2, opcode=0x8) + struct.pack("!H", 4000))  # its close frame
    protocol.connection_lost(None)
    assert protocol.state is SocketState.CLOSED and protocol.session is None


async def test_a_paused_transport_is_closing_at_once_then_closed_with_4408(node: Node) -> None:
    protocol, transport = await node.open("participant")
    protocol.pause_writing()
    assert protocol.closing and protocol.state is SocketState.CLOSING and not transport.reading
    assert transport.close_code() is None  # from the next turn of the loop
    await wait_until(lambda: transport.close_code() == 4408, timeout=2)
    assert transport.reading  # reads on, so that the peer may answer the close frame


# -- whole binary frames go around websockets' parser (`_whole_binary_frame`) ---------------


def client_frame(payload: bytes, opcode: int = 2, fin: bool = True, mask: bytes = b"") -> bytes:
    """A client frame with a real mask key (random unless given), its payload masked."""
    key = mask or os.urandom(4)
    head = header(len(payload), opcode, fin)[:-4]
    masked = bytes(byte ^ key[i % 4] for i, byte in enumerate(payload))
    return head + key + masked


def recording(monkeypatch: pytest.MonkeyPatch, node: Node) -> list[bytes | None]:
    """The messages each socket of `node` hands on, in order (instead of to its session)."""
    received: list[bytes | None] = []
    monkeypatch.setattr(node.cls, "_on_message", lambda self, data: received.append(data))
    return received


MESSAGES = st.lists(
    st.one_of(
        st.binary(max_size=300).map(lambda b: ("binary", b)),
        st.sampled_from([0, 125, 126, 127, 65_535, 65_536]).map(lambda n: ("binary", b"\x07" * n)),
        st.binary(max_size=40).map(lambda b: ("ping", b)),
        st.lists(st.binary(max_size=50), min_size=2, max_size=4).map(lambda p: ("fragments", p)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(messages=MESSAGES, cuts=st.lists(st.integers(min_value=1, max_value=70_000), max_size=8))
async def test_messages_arrive_whole_and_in_order_however_the_reads_cut_them(
    messages: list[tuple[str, Any]], cuts: list[int]
) -> None:
    """Binary messages, pings and fragmented messages, masked, cut into reads anywhere: each
    message is handed on whole, unmasked and in order, and each ping is answered."""
    limits = Limits(buffered_bytes_total=64 * BIG, buffered_bytes_per_address=32 * BIG)
    built, rooms = await build(limits)
    try:
        node = Node(built)
        with pytest.MonkeyPatch.context() as patch:
            received = recording(patch, node)
            protocol, transport = await node.open("participant")
            stream, expected, pings = b"", [], 0
            for kind, value in messages:
                if kind == "binary":
                    stream += client_frame(value)
                    expected.append(value)
                elif kind == "ping":
                    stream += client_frame(value, opcode=0x9)
                    pings += 1
                else:
                    last = len(value) - 1
                    stream += b"".join(
                        client_frame(part, opcode=2 if i == 0 else 0, fin=i == last)
                        for i, part in enumerate(value)
                    )
                    expected.append(b"".join(value))
            bounds = sorted({cut for cut in cuts if cut < len(stream)})
            for start, stop in zip([0, *bounds], [*bounds, len(stream)], strict=True):
                protocol.data_received(stream[start:stop])
            assert received == expected
            assert protocol.state is SocketState.OPEN and transport.close_code() is None
            assert [opcode for opcode, _ in transport.frames()].count(0xA) == pings
            assert built.gate.buffered.held == 0  # every message gave back what it held
    finally:
        await rooms.close()


@pytest.mark.parametrize(
    "bad",
    [
        header(3, opcode=2)[:1] + b"\x03" + b"\x01\x00\x01",  # unmasked
        bytes((0xC2,)) + client_frame(b"\x00\x01\x00")[1:],  # a reserved bit (RSV1) set
    ],
    ids=["unmasked", "reserved-bit"],
)
async def test_a_binary_frame_websockets_would_fail_still_fails_the_connection(
    node: Node, monkeypatch: pytest.MonkeyPatch, bad: bytes
) -> None:
    received = recording(monkeypatch, node)
    protocol, transport = await node.open("participant")
    protocol.data_received(client_frame(b"first") + bad + client_frame(b"after"))
    assert received == [b"first"]
    assert transport.close_code() == 1002 and protocol.state is SocketState.CLOSING


async def test_a_binary_frame_inside_a_fragmented_message_fails_the_connection(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new message before the last one's fragments ended: websockets fails it, the fast
    path does not deliver it."""
    received = recording(monkeypatch, node)
    protocol, transport = await node.open("participant")
    protocol.data_received(client_frame(b"part", fin=False))
    protocol.data_received(client_frame(b"a new message"))
    assert received == [] and transport.close_code() == 1002


async def test_plain_binary_messages_never_reach_websockets_parser(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The point of the fast path: a read of whole binary frames is not parsed by websockets;
    a ping is, with what follows it in its read. Empty messages hold no budget."""
    received = recording(monkeypatch, node)
    protocol, transport = await node.open("participant")
    parsed: list[bytes] = []
    parse = ServerProtocol.receive_data
    monkeypatch.setattr(
        ServerProtocol, "receive_data", lambda ws, data: (parsed.append(data), parse(ws, data))
    )
    protocol.data_received(client_frame(b"") + client_frame(b"one") + client_frame(b"x" * 300))
    assert received == [b"", b"one", b"x" * 300] and parsed == []
    assert node.gate.gate.buffered.addresses == 0
    ping, after = client_frame(b"p", opcode=0x9), client_frame(b"two")
    protocol.data_received(ping + after)
    assert received[-1] == b"two" and parsed == [ping + after]
    assert transport.frames()[-1] == (0xA, b"p")


async def test_a_message_before_a_refused_frame_in_the_same_read_is_delivered(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole message that came before an oversized one is handed on, as it would be had the
    two come in separate reads; then the socket closes with 4413."""
    received = recording(monkeypatch, node)
    protocol, transport = await node.open("viewer")
    limit = node.gate.gate.limits.max_read_only_message_bytes
    protocol.data_received(client_frame(b"first") + header(limit + 1) + b"\x00" * 100)
    assert received == [b"first"]
    assert transport.close_code() == 4413 and protocol.state is SocketState.CLOSING


async def test_the_updates_of_one_read_reach_the_room_as_one_and_before_what_follows(
    node: Node,
) -> None:
    """Thirty updates and a sync step 1 in one read: the updates go into the room as one
    merged update, and the step 1 after them is answered with a document that holds them."""
    paster, transport = await node.open("participant")
    _, watcher = await node.open("participant")
    [room] = [room for room in node.gate.rooms.rooms.values() if len(room.connections) == 2]
    writer = Writer()
    frames = [writer.frame(f"pasted{i}", i) for i in range(30)]
    ask = sync_protocol.encode_sync_step1(Doc().get_state())
    answered = len(transport.frames())
    paster.data_received(b"".join(client_frame(frame) for frame in [*frames, ask]))
    assert room.stats.merged_updates == 30

    def answer() -> Doc[Any] | None:
        for _, payload in transport.frames()[answered:]:
            message = sync_protocol.decode_message(payload)
            if isinstance(message, SyncStep2):
                doc: Doc[Any] = Doc()
                doc.apply_update(message.update)
                return doc
        return None

    doc = await wait_until(answer, timeout=5, what="the answer to the step 1")
    expected = {f"pasted{i}": i for i in range(30)}
    assert {key: cards(doc).get(key) for key in expected} == expected

    def broadcast() -> list[bytes]:
        return [
            message.update
            for _, payload in watcher.frames()
            if isinstance(message := sync_protocol.decode_message(payload), SyncUpdate)
            and b"pasted0" in message.update
        ]

    [merged] = await wait_until(broadcast, timeout=5, what="the paste at the other socket")
    assert all(f"pasted{i}".encode() in merged for i in range(30))  # one frame for all thirty


async def test_updates_before_a_close_frame_in_the_same_read_still_go_in(node: Node) -> None:
    """The session ends inside the read (the close frame); the updates that came before it
    were gathered, and go into the room before the socket leaves it."""
    paster, _ = await node.open("participant")
    [room] = [room for room in node.gate.rooms.rooms.values() if room.connections]
    writer = Writer()
    frames = [writer.frame(f"last{i}", i) for i in range(5)]
    goodbye = client_frame(struct.pack("!H", 1000), opcode=0x8)
    paster.data_received(b"".join(client_frame(frame) for frame in frames) + goodbye)
    assert paster.state is SocketState.CLOSING and paster.session is None
    assert {f"last{i}": i for i in range(5)}.items() <= cards(room.doc).items()
    assert room.stats.merged_updates == 5
