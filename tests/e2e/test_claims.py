"""Claims on another person's future clocks (issue #23, findings 5 and 6), through real sockets.

An attacker (raw frames) reads a victim's client id from presence and its clock from the
server's sync step 1, then sends a delete set or a GC struct for clocks the victim has not
written yet. Before the fix yrs kept the delete set pending and applied it to the victim's next
cards (even under the lock), and a GC struct swallowed the victim's offline cards. Now the room
refuses both before they are applied or stored, and the victims (the stock y-websocket client
from client/node_modules) get every card through.

The honest side, with the same stock client: its own GC structs (cards created and deleted
offline), and two people's offline edits merged after a server restart.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from conftest import ServerProcess
from journeyboard.sync import protocol
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.updates import state_vector
from nodeclient import NodeClient
from redisserver import RedisServer, nodes
from redisserver import redis as redis  # the fixture
from sync.fakes import delete_set_update as future_delete_set
from sync.fakes import gc_update as future_gc
from waiting import wait_for_value
from ysync import YClient

REFUSED = CLOSE.UNREADABLE_UPDATE.code


def card_texts(server: ServerProcess, board: dict[str, Any]) -> dict[str, str]:
    data = server.get_board(board["id"], board["tokens"]["viewer"])
    return {cid: str(card.get("text")) for cid, card in data["content"]["cards"].items()}


async def board_shows(
    server: ServerProcess, board: dict[str, Any], expected: dict[str, str], timeout: float = 10
) -> dict[str, str]:
    """Wait until the board's cards named in `expected` (and no other of those ids) are
    there with their texts; return every card the board has."""
    return await wait_for_value(
        lambda: asyncio.to_thread(card_texts, server, board),
        lambda cards: {key: cards.get(key) for key in expected} == expected,
        timeout,
        "the board's cards",
    )


def claims_refused(server: ServerProcess) -> float:
    text = httpx.get(f"{server.http}/metrics").text
    for line in text.splitlines():
        if line.startswith("journeyboard_refused_claims_total "):
            return float(line.split()[-1])
    raise AssertionError("journeyboard_refused_claims_total is not on /metrics")


async def stock(server: ServerProcess, board: dict[str, Any], token: str) -> NodeClient:
    client = await NodeClient.start(server.ws, board["id"], token)
    await client.next(lambda m: m.get("event") == "synced")
    return client


async def ok(client: NodeClient, cmd: str, **args: Any) -> dict[str, Any]:
    reply = await client.command(cmd, **args)
    assert reply.get("ok") == cmd, reply
    return reply


async def spy(server: ServerProcess, board: dict[str, Any], token: str) -> YClient:
    """The attacker: a raw client that keeps every presence state and the server's clocks."""
    attacker = YClient(server.url(board["id"], token))
    await attacker.connect()
    async with asyncio.timeout(10):
        await attacker.synced.wait()
    return attacker


async def client_id_of(attacker: YClient, name: str) -> int:
    """What anyone reads from presence: the client id whose stamped user has this name."""

    def found() -> int | None:
        for client, (_, state) in attacker.awareness.items():
            if state and state.get("user", {}).get("name") == name:
                return client
        return None

    await attacker.wait_until(lambda: found() is not None)
    client = found()
    assert client is not None
    return client


async def send_and_expect_refusal(attacker: YClient, update: bytes) -> None:
    await attacker.send_raw(protocol.encode_sync_update(update))
    assert await attacker.wait_closed(timeout=5) == REFUSED


async def test_a_delete_set_for_the_facilitators_next_clocks_is_refused(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    fay_token = server.join(board["tokens"]["facilitator"], "Fay")["token"]
    mallory_token = server.join(board["tokens"]["participant"], "Mallory")["token"]
    fay = await stock(server, board, fay_token)
    try:
        await ok(fay, "text", key="f0", text="before")
        await board_shows(server, board, {"f0": "before"})
        attacker = await spy(server, board, mallory_token)
        fay_id = await client_id_of(attacker, "Fay")
        await attacker.wait_until(lambda: state_vector(attacker.doc).get(fay_id, 0) > 0)
        clock = state_vector(attacker.doc)[fay_id]
        response = httpx.post(
            f"{server.http}/api/boards/{board['id']}/commands",
            json={"type": "lock", "locked": True},
            headers={"Authorization": f"Bearer {fay_token}"},
        )
        assert response.status_code == 200, response.text

        attack = future_delete_set(fay_id, clock, 100_000)
        assert len(attack) <= 15
        await send_and_expect_refusal(attacker, attack)

        for i in (1, 2, 3):
            await ok(fay, "text", key=f"f{i}", text=f"after {i}")
        await board_shows(
            server, board, {"f0": "before", "f1": "after 1", "f2": "after 2", "f3": "after 3"}
        )
        assert claims_refused(server) == 1
        # Fay's socket was never touched.
        assert not any(m.get("event") in ("close", "closed") for m in fay.messages)
    finally:
        await fay.quit()


async def test_a_gc_struct_over_an_offline_persons_future_is_refused(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    vera_token = server.join(board["tokens"]["participant"], "Vera")["token"]
    mallory_token = server.join(board["tokens"]["participant"], "Mallory")["token"]
    vera = await stock(server, board, vera_token)
    try:
        await ok(vera, "text", key="v0", text="online")
        await board_shows(server, board, {"v0": "online"})
        attacker = await spy(server, board, mallory_token)
        vera_id = await client_id_of(attacker, "Vera")
        await attacker.wait_until(lambda: state_vector(attacker.doc).get(vera_id, 0) > 0)
        clock = state_vector(attacker.doc)[vera_id]

        await ok(vera, "offline")
        offline = {f"v{i}": f"offline {i}" for i in range(1, 5)}
        for key, text in offline.items():
            await ok(vera, "text", key=key, text=text)

        attack = future_gc(vera_id, clock, 10**9)
        assert len(attack) <= 18
        await send_and_expect_refusal(attacker, attack)

        await ok(vera, "online")
        await board_shows(server, board, {"v0": "online", **offline})
        assert claims_refused(server) == 1
    finally:
        await vera.quit()


async def test_the_stock_clients_own_gc_structs_are_accepted(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    """Cards created and deleted while offline reach the server as GC structs under the
    client's own id, beyond the room's clocks: those are the client's own and merge. (yjs
    13.6 encodes this offline update as Item, GC, Item...: the deleted card's fields are
    collected into a GC struct.)"""
    vera_token = server.join(board["tokens"]["participant"], "Vera")["token"]
    vera = await stock(server, board, vera_token)
    try:
        await ok(vera, "text", key="v0", text="online")
        await ok(vera, "text", key="gone-online", text="to delete")
        await board_shows(server, board, {"v0": "online", "gone-online": "to delete"})
        await ok(vera, "offline")
        await ok(vera, "text", key="g1", text="created and deleted offline")
        await ok(vera, "text", key="g2", text="kept")
        await ok(vera, "delete", map="cards", key="g1")
        await ok(vera, "delete", map="cards", key="gone-online")
        await ok(vera, "text", key="g3", text="after the delete")
        await ok(vera, "online")
        await board_shows(server, board, {"v0": "online", "g2": "kept", "g3": "after the delete"})
        await wait_for_value(
            lambda: asyncio.to_thread(card_texts, server, board),
            lambda cards: "gone-online" not in cards and "g1" not in cards,
        )
        assert claims_refused(server) == 0
        assert not any(
            m.get("event") in ("close", "closed") and m.get("code") != 1000 for m in vera.messages
        ), vera.messages
    finally:
        await vera.quit()


async def test_two_peoples_offline_edits_merge_after_a_restart(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    ann_token = server.join(board["tokens"]["participant"], "Ann")["token"]
    bob_token = server.join(board["tokens"]["participant"], "Bob")["token"]
    ann = await stock(server, board, ann_token)
    bob = await stock(server, board, bob_token)
    try:
        await ok(ann, "text", key="a0", text="ann online")
        await ok(bob, "text", key="b0", text="bob online")
        await board_shows(server, board, {"a0": "ann online", "b0": "bob online"})
        await ok(ann, "offline")
        await ok(bob, "offline")
        await ok(ann, "text", key="a1", text="ann offline")
        await ok(ann, "text", key="a2", text="ann deleted")
        await ok(ann, "delete", map="cards", key="a2")
        await ok(bob, "text", key="b1", text="bob offline")
        await ok(bob, "delete", map="cards", key="a0")  # Bob deletes Ann's card
        server.stop()
        server.start(same_port=True)
        await ok(ann, "online")
        await ok(bob, "online")
        await board_shows(
            server, board, {"a1": "ann offline", "b0": "bob online", "b1": "bob offline"}
        )
        await wait_for_value(
            lambda: asyncio.to_thread(card_texts, server, board),
            lambda cards: "a0" not in cards and "a2" not in cards,
        )
        assert claims_refused(server) == 0
    finally:
        await ann.quit()
        await bob.quit()


async def test_an_offline_persons_clocks_stay_theirs_across_a_restart(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    """The binding of a client id to its person is stored with the document: an attacker who
    is first in after a restart still cannot claim an offline person's next clocks."""
    vera_token = server.join(board["tokens"]["participant"], "Vera")["token"]
    mallory_token = server.join(board["tokens"]["participant"], "Mallory")["token"]
    vera = await stock(server, board, vera_token)
    try:
        await ok(vera, "text", key="v0", text="online")
        await board_shows(server, board, {"v0": "online"})
        attacker = await spy(server, board, mallory_token)
        vera_id = await client_id_of(attacker, "Vera")
        await attacker.wait_until(lambda: state_vector(attacker.doc).get(vera_id, 0) > 0)
        clock = state_vector(attacker.doc)[vera_id]
        await attacker.close()
        await ok(vera, "offline")
        offline = {f"v{i}": f"offline {i}" for i in range(1, 4)}
        for key, text in offline.items():
            await ok(vera, "text", key=key, text=text)

        server.stop()
        server.start(same_port=True)
        attacker = await spy(server, board, mallory_token)
        await send_and_expect_refusal(attacker, future_gc(vera_id, clock, 10**9))
        attacker = await spy(server, board, mallory_token)
        await send_and_expect_refusal(attacker, future_delete_set(vera_id, clock, 10**6))

        await ok(vera, "online")
        await board_shows(server, board, {"v0": "online", **offline})
        assert claims_refused(server) == 2
    finally:
        await vera.quit()


async def test_structs_the_room_holds_pending_can_be_relayed_by_anyone(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    """A writer may send structs that wait for a dependency (here: a gap in its own clocks).
    The room holds them back (`Room._hold`: unapplied, unstored, unseen), so no browser keeps
    them pending, and nobody is refused for what happens next."""
    vera_token = server.join(board["tokens"]["participant"], "Vera")["token"]
    mallory_token = server.join(board["tokens"]["participant"], "Mallory")["token"]
    vera = await stock(server, board, vera_token)
    try:
        await ok(vera, "text", key="v0", text="online")
        await board_shows(server, board, {"v0": "online"})
        mallory = await spy(server, board, mallory_token)
        own = 987_654_321
        await mallory.send_raw(protocol.encode_sync_update(future_gc(own, 5, 3)))
        await mallory.send_raw(protocol.encode_sync_update(future_gc(own + 1, 5, 3)))
        await ok(vera, "text", key="v0b", text="after")  # sent after Mallory's, in order
        await board_shows(server, board, {"v0": "online", "v0b": "after"})
        assert not (await ok(vera, "pending"))["structs"]  # the room held them back
        assert not mallory.closed.is_set()
        await mallory.close()
        await ok(vera, "offline")
        await ok(vera, "text", key="v1", text="offline")
        await ok(vera, "online")
        await board_shows(server, board, {"v0": "online", "v0b": "after", "v1": "offline"})
        assert claims_refused(server) == 0
        assert not any(
            m.get("event") in ("close", "closed") and m.get("code") != 1000 for m in vera.messages
        )
    finally:
        await vera.quit()


async def test_a_binding_made_on_one_node_holds_on_another(
    make_server: Any, redis: RedisServer
) -> None:
    """Two nodes on one Redis store. Vera writes through node A and goes offline; node B opens
    the board afterwards (its room reads the stored bindings) and refuses the attack; her
    offline cards arrive through A and read the same on B."""
    a, b = nodes(make_server, redis, 2)
    board = a.create_board()
    vera_token = a.join(board["tokens"]["participant"], "Vera")["token"]
    mallory_token = a.join(board["tokens"]["participant"], "Mallory")["token"]
    vera = await stock(a, board, vera_token)
    try:
        await ok(vera, "text", key="v0", text="online")
        await board_shows(a, board, {"v0": "online"})
        vera_id = int((await ok(vera, "client"))["client"])
        await ok(vera, "offline")
        offline = {f"v{i}": f"offline {i}" for i in range(1, 4)}
        for key, text in offline.items():
            await ok(vera, "text", key=key, text=text)
        attacker = await spy(b, board, mallory_token)
        clock = state_vector(attacker.doc)[vera_id]
        await send_and_expect_refusal(attacker, future_gc(vera_id, clock, 10**9))
        assert claims_refused(b) == 1
        await ok(vera, "online")
        await board_shows(b, board, {"v0": "online", **offline})
    finally:
        await vera.quit()
