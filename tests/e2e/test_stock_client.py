"""The unmodified y-websocket WebsocketProvider (Node) against a real server."""

from __future__ import annotations

from typing import Any

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
