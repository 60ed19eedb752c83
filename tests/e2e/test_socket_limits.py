"""Limits on what sockets may make the server hold: unfinished messages, presence, one address.

Every test drives a real server: raw sockets that announce a big frame and send only part of
it (the server's memory is measured), real clients that flood presence, and joins and sockets
from one address. The frame-level refusals alone run in-process in
tests/web/test_lean_socket_in_process.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import httpx
import pytest
from pycrdt import Map

from conftest import ServerProcess
from journeyboard.sync import protocol
from journeyboard.sync.protocol import AwarenessEntry
from test_security import metric, refused_with
from ysync import YClient, synced_client

MiB = 1024 * 1024


# A websocket client that writes frames by hand ------------------------------------------------


class RawSocket:
    """A websocket client over a plain TCP stream: frame headers and payloads sent separately."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, server: ServerProcess, path: str, extra: str = "") -> RawSocket:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n{extra}"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert b" 101 " in response.split(b"\r\n")[0], response
        return cls(reader, writer)

    async def read_frame(self) -> tuple[int, bytes]:
        first, second = await self.reader.readexactly(2)
        length = second & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return first & 0x0F, await self.reader.readexactly(length)

    async def admitted(self) -> None:
        """Wait for the server's first frame (its sync step 1): the socket is in its room."""
        opcode, payload = await asyncio.wait_for(self.read_frame(), 10)
        assert opcode == 2 and payload[:2] == b"\x00\x00", (opcode, payload[:20])

    def send_header(self, length: int, opcode: int = 2, fin: bool = True) -> None:
        """A masked client frame header; the mask key is zero, so the payload goes as it is."""
        first = (0x80 if fin else 0) | opcode
        if length < 126:
            header = bytes((first, 0x80 | length))
        elif length < 0x10000:
            header = struct.pack("!BBH", first, 0x80 | 126, length)
        else:
            header = struct.pack("!BBQ", first, 0x80 | 127, length)
        self.writer.write(header + b"\x00\x00\x00\x00")

    async def send_payload(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def close_code(self, timeout: float) -> int | None:
        """The code of the server's close frame, or None if none comes within `timeout`."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    opcode, payload = await self.read_frame()
                    if opcode == 8:
                        return int(struct.unpack("!H", payload[:2])[0])
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            return None

    async def aclose(self) -> None:
        self.writer.close()
        with suppress(ConnectionError):
            await self.writer.wait_closed()


@asynccontextmanager
async def raw_sockets(
    server: ServerProcess, path: str, count: int, extra: str = ""
) -> AsyncIterator[list[RawSocket]]:
    sockets = [await RawSocket.open(server, path, extra) for _ in range(count)]
    try:
        for raw in sockets:
            await raw.admitted()
        yield sockets
    finally:
        for raw in sockets:
            await raw.aclose()


def rss_bytes(server: ServerProcess) -> int:
    assert server.process is not None
    with open(f"/proc/{server.process.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def path_of(board: dict[str, Any], role: str) -> str:
    return f"/ws/{board['id']}?token={board['tokens'][role]}"


def cards(client: YClient) -> dict[str, Any]:
    return dict(client.doc.get("cards", type=Map).to_py() or {})


# 6. Unfinished messages ----------------------------------------------------------------------


async def test_unfinished_messages_are_capped_across_all_sockets(make_server: Any) -> None:
    """16 sockets each announce an 8 MiB message and send 7 MiB of it. With a 32 MiB total,
    four are held and twelve are refused with 4503; the server grows by less than 2x the cap,
    small edits still flow, and large messages fit again once the held ones are gone."""
    server = make_server(
        "--limit", f"buffered_bytes_total={32 * MiB}",
        "--limit", f"buffered_bytes_per_address={32 * MiB}",
    )  # fmt: skip
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    async with raw_sockets(server, path_of(board, "participant"), 16) as sockets:
        before = rss_bytes(server)
        chunk = b"\x00" * MiB
        for raw in sockets:
            raw.send_header(8 * MiB)
            for _ in range(7):
                await raw.send_payload(chunk)
        codes = await asyncio.gather(*(raw.close_code(3) for raw in sockets))
        assert codes.count(4503) == 12, codes
        assert codes.count(None) == 4, codes
        grown = rss_bytes(server) - before
        print(f"16 sockets announced 8 MiB and sent 7 MiB each; RSS grew {grown / MiB:.0f} MiB")
        assert grown < 64 * MiB, f"the server grew by {grown / MiB:.0f} MiB"
        assert metric(server, 'journeyboard_refused_sockets_total{cause="server busy"}') == 12
        # small messages are never refused for the budget
        async with synced_client(url) as writer, synced_client(url) as reader:
            await writer.change(lambda d: d.get("cards", type=Map).__setitem__("small", "ok"))
            await reader.wait_until(lambda: "small" in cards(reader))
            async with synced_client(url) as big:  # a 1 MiB paste does not fit yet
                await big.change(lambda d: d.get("cards", type=Map).__setitem__("big", "x" * MiB))
                assert await big.wait_closed() == 4503
    # the four held messages are released with their sockets: a large paste fits again
    async with synced_client(url) as writer, synced_client(url) as reader:
        await writer.change(lambda d: d.get("cards", type=Map).__setitem__("big", "x" * MiB))
        await reader.wait_until(lambda: "big" in cards(reader), timeout=20)
        assert writer.close_code is None


# One address's share, a viewer's big message and a control frame's big payload are refused by
# the lean protocol before any payload is buffered: tests/web/test_lean_socket_in_process.py
# drives it in-process.


@pytest.mark.parametrize("transport", ["lean", "starlette"])
async def test_read_only_sockets_have_a_small_message_limit(
    make_server: Any, transport: str
) -> None:
    env = {"JOURNEYBOARD_WS": "websockets-sansio"} if transport == "starlette" else {}
    server = make_server(env=env)
    board = server.create_board()
    viewer_url = server.url(board["id"], board["tokens"]["viewer"])
    session_url = server.url(board["id"], board["tokens"]["participant"], session=True)
    big = protocol.encode_sync_update(b"\x00" * MiB)
    for url in (viewer_url, session_url):
        async with synced_client(url) as client:
            await client.set_awareness({"cursor": [1, 2]})  # what read-only sockets do send
            await client.send_raw(big)
            assert await client.wait_closed() == 4413


# 7. Presence ---------------------------------------------------------------------------------


def shown(client: YClient, key: str, value: Any) -> bool:
    """Does any presence state the client knows have `key` set to `value`?"""
    return any(
        isinstance(state, dict) and state.get(key) == value
        for _, state in client.awareness.values()
    )


def awareness_frames(client: YClient) -> list[bytes]:
    return [f for f in client.frames if f[:1] == bytes((protocol.MESSAGE_AWARENESS,))]


async def test_a_presence_flood_is_coalesced_and_peers_receive_a_bounded_amount(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as flooder:
        peers = [YClient(url) for _ in range(5)]
        for peer in peers:
            await peer.connect()
        try:
            for peer in peers:
                await asyncio.wait_for(peer.synced.wait(), 10)
            me = flooder.doc.client_id
            filler = "x" * 3500  # just under the 4 KB cap
            started = time.monotonic()
            for i in range(400):
                await flooder.set_awareness({"n": i, "filler": filler})
            await flooder.set_awareness({"n": "last"})
            for i in range(50):  # the stock client re-sends what it hears of others
                await flooder.set_awareness({"echo": i}, client_id=me + 1)
            sent = time.monotonic() - started
            for peer in peers:  # coalescing still delivers the newest state
                await peer.wait_until(
                    lambda peer=peer: peer.awareness.get(me, (0, {}))[1].get("n") == "last"
                )
            elapsed = time.monotonic() - started
            assert flooder.close_code is None  # dropped, not closed
            coalesced = metric(server, 'journeyboard_dropped_total{cause="coalesced_awareness"}')
            assert coalesced >= 300
            allowed = 60 + 30 * elapsed + 2
            received = [sum(map(len, awareness_frames(peer))) for peer in peers]
            counts = [len(awareness_frames(peer)) for peer in peers]
            flood = 400 * 3500
            print(f"sent 400 states in {sent:.2f}s; peers got {counts} frames, {received} bytes")
            assert max(counts) <= allowed, (counts, allowed)
            assert sum(received) < 5 * allowed * 3700
            assert max(counts) < 400 and sum(received) < 5 * flood  # not every state went out
        finally:
            for peer in peers:
                await peer.close()


# An oversized presence state (4413, reaching nobody) is refused by the session:
# tests/web/test_security_in_process.py, in-process.


async def test_honest_echoes_of_others_states_are_not_refused(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    """The stock client re-sends every state it hears of: a near-cap state with the server's
    stamp, and, for a viewer joining a big room, hundreds of states in one message."""
    participant = server.url(board["id"], board["tokens"]["participant"])
    viewer_url = server.url(board["id"], board["tokens"]["viewer"])
    async with synced_client(participant) as big, synced_client(viewer_url) as viewer:
        await viewer.set_awareness({"cursor": None})
        await big.set_awareness({"name": "near the cap", "filler": "x" * 4000})
        await viewer.wait_until(lambda: shown(viewer, "name", "near the cap"))
        clock, state = viewer.awareness[big.doc.client_id]
        stamped = AwarenessEntry(big.doc.client_id, clock, json.dumps(state))
        assert len(stamped.state) > 4096
        crowd = [
            AwarenessEntry(10_000 + i, 1, json.dumps({"n": i, "pad": "y" * 2000}))
            for i in range(150)
        ]
        for entries in ([stamped], [stamped, *crowd]):  # about 300 KB in one message
            await viewer.send_raw(
                protocol.encode_awareness(protocol.encode_awareness_update(entries))
            )
        await viewer.set_awareness({"still": "here"})
        await big.wait_until(lambda: shown(big, "still", "here"))
        assert viewer.close_code is None and big.close_code is None
        assert not any(10_000 + i in big.awareness for i in range(150))


# 13. Deeply nested presence ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depth", "cap", "code"),
    [(100_000, None, 4413)],  # the other two cases (4400) run in-process: test_security_in_process
)
async def test_deeply_nested_presence_is_a_named_close_without_a_traceback(
    make_server: Any, depth: int, cap: int | None, code: int
) -> None:
    """100,000 nested arrays are over the default size cap (4413); under a raised cap, or
    nested 995 deep within 4 KB (which parses, but would not encode again), they are 4400."""
    args = ("--limit", f"max_awareness_state_bytes={cap}") if cap else ()
    server = make_server(*args)
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    nested = "[" * depth + "]" * depth
    async with synced_client(url) as witness, synced_client(url) as sender:
        entry = AwarenessEntry(sender.doc.client_id, 1, nested)
        await sender.send_raw(protocol.encode_awareness(protocol.encode_awareness_update([entry])))
        assert await sender.wait_closed() == code
        await witness.set_awareness({"still": "here"})
        await witness.wait_until(lambda: shown(witness, "still", "here"))
    logs = server.logs()
    assert "Traceback" not in logs
    reason = "nested too deeply" if code == 4400 else "presence too large"
    assert len([line for line in logs.splitlines() if reason in line]) == 1, logs


# 9. One address on one board -----------------------------------------------------------------


async def test_sockets_per_address_per_board(make_server: Any) -> None:
    server = make_server("--limit", "sockets_per_address_per_board=2")
    one, two = server.create_board(), server.create_board()
    url_one = server.url(one["id"], one["tokens"]["viewer"])
    url_two = server.url(two["id"], two["tokens"]["viewer"])
    async with synced_client(url_one), synced_client(url_one):
        assert (await refused_with(url_one)) == (4430, [])
        async with synced_client(url_two) as other_board:
            assert other_board.close_code is None
        assert (
            metric(
                server, 'journeyboard_refused_sockets_total{cause="sockets_per_address_per_board"}'
            )
            == 1
        )
    async with synced_client(url_one), synced_client(url_one):  # freed again
        pass


def test_joins_per_address_per_board(make_server: Any) -> None:
    server = make_server("--limit", "joins_per_address_per_board_per_minute=3")
    one, two = server.create_board(), server.create_board()
    for name in ("Ann", "Bo", "Cy"):
        server.join(one["tokens"]["participant"], name)
    refused = httpx.post(
        f"{server.http}/api/boards/{one['id']}/join",
        json={"name": "Dee"},
        headers={"Authorization": f"Bearer {one['tokens']['participant']}"},
    )
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "rate_limited"
    server.join(two["tokens"]["participant"], "Dee")  # another board is not affected
    people = server.get_board(one["id"], one["tokens"]["facilitator"])["session"]["participants"]
    assert sorted(p["name"] for p in people.values()) == ["Ann", "Bo", "Cy"]


def test_the_new_defaults_leave_room_for_an_office_behind_one_address() -> None:
    from journeyboard.sync.limits import Limits

    limits = Limits()
    assert 4 * 100 <= limits.sockets_per_address_per_board < limits.sockets_per_board
    assert 100 <= limits.joins_per_address_per_board_per_minute < limits.participants_per_board
    assert limits.max_read_only_message_bytes < limits.max_message_bytes
