"""Nothing anyone has seen is lost when the server process dies."""

from __future__ import annotations

import signal
from typing import Any

from pycrdt import Map

from conftest import ServerProcess
from ysync import synced_client


def card_keys(client: Any) -> set[str]:
    return set(client.doc.get("cards", type=Map).to_py() or {})


async def test_sigkill_after_a_burst_loses_nothing_anyone_received(make_server: Any) -> None:
    server: ServerProcess = make_server()
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    expected = {f"card-{i}" for i in range(1000)}
    async with synced_client(url) as writer, synced_client(url) as reader:
        for key in sorted(expected):
            await writer.change(lambda d, key=key: d.get("cards", type=Map).__setitem__(key, key))
        await reader.wait_until(lambda: card_keys(reader) >= expected, timeout=30)
        server.kill(signal.SIGKILL)
    server.start()
    async with synced_client(server.url(board["id"], board["tokens"]["viewer"])) as after:
        assert card_keys(after) == expected


async def test_what_a_joiner_or_an_http_read_saw_survives_sigkill(make_server: Any) -> None:
    server: ServerProcess = make_server()
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as writer:
        for i in range(100):
            await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"j{i}", i))
        async with synced_client(url) as joiner:
            seen_by_joiner = card_keys(joiner)
        for i in range(100):
            await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"h{i}", i))
        seen_over_http = set(
            server.get_board(board["id"], board["tokens"]["viewer"])["content"]["cards"]
        )
        server.kill(signal.SIGKILL)
    assert seen_by_joiner, "the joiner saw nothing"
    server.start()
    stored = set(server.get_board(board["id"], board["tokens"]["viewer"])["content"]["cards"])
    assert seen_by_joiner <= stored
    assert seen_over_http <= stored


async def test_sigterm_closes_with_a_reconnect_code_and_loses_nothing(make_server: Any) -> None:
    server: ServerProcess = make_server()
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as writer, synced_client(url) as reader:
        for i in range(300):
            await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"t{i}", i))
        await reader.wait_until(lambda: len(card_keys(reader)) == 300)
        assert server.kill(signal.SIGTERM) == 0
        assert await reader.wait_closed() in (1001, 1012)
    server.start()
    stored = server.get_board(board["id"], board["tokens"]["viewer"])["content"]["cards"]
    assert len(stored) == 300
