"""A cold join answered from the stored, sealed snapshot (issue #30): the browser's yjs is the
judge. After a restart, fresh pages joining the board are answered with the stored bytes
before the room has applied them: the stock y-websocket client that joined so must end with
exactly the document a warm joiner gets, and so must raw pages that joined while another
client wrote (what they were sent, read by the stock yjs, throws nothing)."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Callable
from typing import Any

import httpx
from pycrdt import Doc, Map, Text

from conftest import ServerProcess
from journeyboard.sync import protocol
from journeyboard.sync.protocol import EMPTY_UPDATE, SyncStep2, SyncUpdate
from journeyboard.sync.room import EMPTY_STATE
from nodeclient import ROOT, NodeClient, require_node
from ysync import YClient, synced_client

YREAD = ROOT / "client" / "tools" / "yread.mjs"

MAPS = ["cards", "meta", "stages"]


def fill(doc: Doc[Any]) -> None:
    """Cards enough for a stored snapshot past `loading.DEFER_BYTES` (64 KiB)."""
    cards = doc.get("cards", type=Map)
    for index in range(300):
        card: Map[Any] = Map()
        cards[f"c{index}"] = card
        card["kind"] = "note"
        card["text"] = Text(f"card {index} " + "a long note 🙂 " * 20)


def stored_answers(server: ServerProcess) -> float:
    text = httpx.get(f"{server.http}/metrics").text
    found = re.search(r"^journeyboard_stored_answers_total (\S+)$", text, re.MULTILINE)
    assert found is not None, text
    return float(found.group(1))


async def joined(server: ServerProcess, board: dict[str, Any], token: str) -> NodeClient:
    node = await NodeClient.start(server.ws, board["id"], token)
    await node.next(lambda m: m.get("event") == "synced")
    return node


def yjs_reads(updates: list[bytes]) -> dict[str, Any]:
    """What the stock yjs (client/tools/yread.mjs) says of these updates applied in order."""
    request = {"base": [u.hex() for u in updates[:-1]], "update": updates[-1].hex()}
    done = subprocess.run(
        [require_node(), str(YREAD)],
        input=json.dumps(request) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def received(client: YClient) -> list[bytes]:
    """The document updates a raw client was sent (its sync step 2, then updates)."""
    updates = []
    for frame in client.frames:
        message = protocol.decode_message(frame)
        if isinstance(message, SyncStep2 | SyncUpdate) and message.update != EMPTY_UPDATE:
            updates.append(message.update)
    return updates


async def filled_and_restarted(
    make_server: Callable[..., ServerProcess],
) -> tuple[ServerProcess, dict[str, Any]]:
    server = make_server("--grace", "30", "--keepalive", "15")
    board = server.create_board()
    async with synced_client(server.url(board["id"], board["tokens"]["participant"])) as first:
        await first.change(fill)
        await first.round_trip()
    server.stop()  # a clean shutdown compacts and seals the board
    server.start()
    return server, board


async def test_the_stock_client_joining_cold_is_answered_from_stored_bytes_like_a_warm_one(
    make_server: Callable[..., ServerProcess],
) -> None:
    server, board = await filled_and_restarted(make_server)
    viewer = board["tokens"]["viewer"]
    # The first page after the restart, alone: its sync step 1 waits for the room's opening
    # and is answered from the stored snapshot before the room applies it.
    cold = await joined(server, board, viewer)
    warm: NodeClient | None = None
    try:
        assert stored_answers(server) == 1
        async with synced_client(server.url(board["id"], board["tokens"]["participant"])) as w:
            await w.change(lambda doc: doc.get("meta", type=Map).__setitem__("after", "join"))
            await w.round_trip()
        waited = await cold.command("wait", map="meta", key="after", value="join")
        assert waited.get("ok") == "wait", waited
        warm = await joined(server, board, viewer)
        assert stored_answers(server) == 1  # the warm one got the applied document
        cold_state = (await cold.command("dump", maps=MAPS))["state"]
        warm_state = (await warm.command("dump", maps=MAPS))["state"]
        assert cold_state == warm_state
        assert len(cold_state["cards"]) == 300 and cold_state["meta"] == {"after": "join"}
    finally:
        await cold.quit()
        if warm is not None:
            await warm.quit()


async def test_pages_answered_from_stored_bytes_while_another_client_writes_end_alike(
    make_server: Callable[..., ServerProcess],
) -> None:
    server, board = await filled_and_restarted(make_server)
    viewer = board["tokens"]["viewer"]
    # Cold: fresh pages join at once and ask at once (as the stock client does on open);
    # another client writes as soon as it is connected, while the room is still loading.
    fresh = [YClient(server.url(board["id"], viewer)) for _ in range(3)]
    await asyncio.gather(*(client.connect() for client in fresh))
    for client in fresh:
        await client.send_raw(protocol.encode_sync_step1(EMPTY_STATE))
    writer = YClient(server.url(board["id"], board["tokens"]["participant"]))
    await writer.connect()
    await writer.change(lambda doc: doc.get("meta", type=Map).__setitem__("during", "the load"))
    warm: NodeClient | None = None
    try:
        async with asyncio.timeout(10):
            await asyncio.gather(*(client.synced.wait() for client in fresh))
        assert stored_answers(server) >= 1
        await writer.round_trip()
        warm = await joined(server, board, viewer)
        waited = await warm.command("wait", map="meta", key="during", value="the load")
        assert waited.get("ok") == "wait", waited
        warm_state = (await warm.command("dump", maps=MAPS))["state"]
        assert len(warm_state["cards"]) == 300 and warm_state["meta"] == {"during": "the load"}
        for client in fresh:
            await client.wait_until(
                lambda client=client: client.doc.get("meta", type=Map).get("during") == "the load"
            )
            assert {name: client.doc.get(name, type=Map).to_py() for name in MAPS} == warm_state
            # The bytes it was sent, read by the browser's yjs: nothing throws.
            assert yjs_reads(received(client)) == {"apply": None, "read": None}
    finally:
        if warm is not None:
            await warm.quit()
        await writer.close()
        for client in fresh:
            await client.close()
