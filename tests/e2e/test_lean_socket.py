"""The websocket layer itself: our lean protocol under uvicorn, and the Starlette fallback.

`journeyboard serve` speaks websockets through `journeyboard.lean_socket`; these tests drive
the parts of it that the sync tests do not reach on their own: routing, fragments, pings,
a consumer that stops reading, and addresses behind a trusted proxy.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import websockets
from pycrdt import Map, Text

from conftest import ServerProcess
from journeyboard.sync import protocol
from test_security import metric, refused_with
from ysync import YClient, synced_client


def cards(client: YClient) -> dict[str, Any]:
    return dict(client.doc.get("cards", type=Map).to_py() or {})


async def test_unknown_socket_path_is_refused_in_the_handshake(server: ServerProcess) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(f"{server.ws}/board/extra/parts"):
            pass
    assert refused.value.response.status_code == 404


async def test_fragmented_message_and_ping(server: ServerProcess, board: dict[str, Any]) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as reader, websockets.connect(url, ping_interval=None) as raw:
        await raw.send(protocol.encode_sync_step1(b"\x00"))
        pong = await raw.ping(b"are you there")
        await asyncio.wait_for(pong, 5)
        update = _card_update("fragmented", "in three pieces")
        frame = protocol.encode_sync_update(update)
        third = len(frame) // 3
        await raw.send([frame[:third], frame[third : 2 * third], frame[2 * third :]])
        await reader.wait_until(lambda: "fragmented" in cards(reader))
        assert str(reader.doc.get("cards", type=Map)["fragmented"]["text"]) == "in three pieces"


def _card_update(card_id: str, text: str) -> bytes:
    from pycrdt import Doc

    doc: Doc[Any] = Doc()
    with doc.transaction():
        doc.get("cards", type=Map)[card_id] = Map({"text": Text(text)})
    return doc.get_update()


async def test_a_consumer_that_stops_reading_is_closed_and_the_room_goes_on(
    make_server: Any,
) -> None:
    server = make_server("--limit", "socket_buffer_bytes=1000000")
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as writer, synced_client(url) as reader:
        # A client that answers the handshake and then never reads: its library stops reading
        # the socket after 4 queued messages, so the kernel buffers fill, then the server's.
        stuck = await websockets.connect(url, max_size=None, max_queue=4, ping_interval=None)
        await stuck.send(protocol.encode_sync_step1(b"\x00"))
        for i in range(400):  # 400 x 50 KB: far more than loopback's kernel buffers hold
            await writer.change(
                lambda d, i=i: d.get("cards", type=Map).__setitem__(f"c{i}", "x" * 50_000)
            )
            if i % 10 == 9:  # a reader that keeps up is never in danger
                await reader.wait_until(lambda i=i: len(cards(reader)) == i + 1, timeout=30)
        assert metric(server, 'journeyboard_refused_sockets_total{cause="slow_consumer"}') == 1
        code = None
        try:
            async with asyncio.timeout(20):
                while True:
                    await stuck.recv()
        except websockets.ConnectionClosed as closed:
            code = closed.rcvd.code if closed.rcvd else None
        assert code == 4408
        # the writer and the reader were never disturbed, and the stuck client resyncs
        assert writer.close_code is None and reader.close_code is None
        async with synced_client(url) as again:
            assert len(cards(again)) == 400


async def test_addresses_behind_a_trusted_proxy(make_server: Any) -> None:
    server = make_server("--trusted-proxy", "127.0.0.1", "--limit", "sockets_per_address=2")
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["viewer"])

    def via(address: str) -> dict[str, str]:
        return {"X-Forwarded-For": f"198.51.100.7, {address}"}

    async with (
        synced_client(url, headers=via("203.0.113.1")),
        synced_client(url, headers=via("203.0.113.1")),
    ):
        refused = YClient(url, headers=via("203.0.113.1"))
        await refused.connect()
        assert await refused.wait_closed() == 4430
        async with synced_client(url, headers=via("203.0.113.2")) as other:
            assert other.close_code is None


async def test_untrusted_peers_cannot_claim_an_address(make_server: Any) -> None:
    server = make_server("--limit", "sockets_per_address=1")
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["viewer"])
    async with synced_client(url, headers={"X-Forwarded-For": "203.0.113.1"}):
        assert (await refused_with(url))[0] == 4430


@pytest.mark.parametrize("transport", ["lean", "starlette"])
async def test_both_transports_sync_refuse_and_shut_down_alike(
    make_server: Any, transport: str
) -> None:
    env = {"JOURNEYBOARD_WS": "websockets-sansio"} if transport == "starlette" else {}
    server: ServerProcess = make_server(env=env)
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    assert (await refused_with(server.url(board["id"], "forged")))[0] == 4401
    async with synced_client(url) as alice, synced_client(url) as bob:
        await alice.change(lambda d: d.get("cards", type=Map).__setitem__("a", "from alice"))
        await bob.wait_until(lambda: cards(bob) == {"a": "from alice"})
        server.stop()
        assert await alice.wait_closed() in (1001, 1012)
        assert await bob.wait_closed() in (1001, 1012)
