"""The unmodified y-websocket WebsocketProvider (Node) against a real server."""

from __future__ import annotations

from typing import Any

import httpx
from pycrdt import Map

from conftest import ServerProcess
from nodeclient import NodeClient
from ysync import synced_client


async def test_stock_provider_syncs_both_ways(server: ServerProcess, board: dict[str, Any]) -> None:
    token = board["tokens"]["participant"]
    async with synced_client(server.url(board["id"], token)) as py:
        await py.change(lambda d: d.get("meta", type=Map).__setitem__("from", "python"))
        node = await NodeClient.start(server.ws, board["id"], token)
        try:
            await node.next(lambda m: m.get("event") == "synced")
            waited = await node.command(
                "wait", map="meta", key="from", value="python", timeout_ms=5000
            )
            assert waited.get("ok") == "wait", waited
            assert (await node.command("set", map="meta", key="node", value={"n": 1}))[
                "ok"
            ] == "set"
            await py.wait_until(
                lambda: (py.doc.get("meta", type=Map).to_py() or {}).get("node") == {"n": 1}
            )
            dumped = await node.command("dump")
            assert len(dumped["state"]["stages"]) == 7
        finally:
            await node.quit()


async def test_stock_provider_presence_appears_stamped_and_leaves(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    nora = server.join(board["tokens"]["participant"], "Nora", "Claims")
    async with synced_client(server.url(board["id"], board["tokens"]["viewer"])) as py:
        node = await NodeClient.start(server.ws, board["id"], nora["token"])
        try:
            await node.next(lambda m: m.get("event") == "synced")
            await node.command("awareness", state={"cursor": [1, 2], "user": {"name": "Fake"}})

            def noras() -> list[int]:
                return [
                    client
                    for client, (_, state) in py.awareness.items()
                    if state and state.get("cursor") == [1, 2]
                ]

            await py.wait_until(lambda: bool(noras()))
            node_id = noras()[0]
            user = py.awareness[node_id][1]["user"]
            assert (user["name"], user["role"]) == ("Nora", "participant")
        finally:
            await node.quit()
        await py.wait_until(lambda: py.awareness[node_id][1] is None, timeout=5)


async def test_stock_provider_sees_a_refusal_and_stops(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    node = await NodeClient.start(server.ws, board["id"], "not-a-token")
    try:
        closed = await node.next(lambda m: m.get("event") == "close")
        assert closed["code"] == 4401
        assert not any(m.get("event") == "synced" for m in node.messages)
    finally:
        await node.quit()


async def test_a_burst_from_the_stock_provider_goes_in_merged_and_every_client_reads_it(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    """A hundred transactions in one turn of Node's loop reach the server back to back; the
    updates of each read go into the room merged (`sync/batches.py`). What the server
    relayed and stored is read by the stock client: the one watching, and one that joins
    afterwards and gets the board from the room."""
    token = board["tokens"]["participant"]
    expected = {f"burst{i}": {"kind": "note", "text": f"idea {i}"} for i in range(100)}
    paster = await NodeClient.start(server.ws, board["id"], token)
    watcher = await NodeClient.start(server.ws, board["id"], token)
    late: NodeClient | None = None
    try:
        for client in (paster, watcher):
            await client.next(lambda m: m.get("event") == "synced")
        assert (await paster.command("paste", prefix="burst", count=100))["ok"] == "paste"
        waited = await watcher.command(
            "wait", map="cards", key="burst99", value=expected["burst99"], timeout_ms=5000
        )
        assert waited.get("ok") == "wait", waited
        late = await NodeClient.start(server.ws, board["id"], token)
        await late.next(lambda m: m.get("event") == "synced")
        for client in (watcher, late):
            dumped = (await client.command("dump", maps=["cards"]))["state"]["cards"]
            assert {key: dumped.get(key) for key in expected} == expected
    finally:
        for client in (paster, watcher, late):
            if client is not None:
                await client.quit()
    assert merged_updates(server) >= 2  # at least one read carried two or more


def merged_updates(server: ServerProcess) -> float:
    for line in httpx.get(f"{server.http}/metrics").text.splitlines():
        if line.startswith("journeyboard_merged_updates_total "):
            return float(line.split()[-1])
    raise AssertionError("journeyboard_merged_updates_total is not on /metrics")
