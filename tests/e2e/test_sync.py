"""Sync over real sockets against a real server process."""

from __future__ import annotations

from typing import Any

from pycrdt import Map, Text

from conftest import ServerProcess
from journeyboard.sync import protocol
from test_security import metric
from waiting import Pace, wait_until
from ysync import YClient, synced_client


def cards(client: YClient) -> dict[str, Any]:
    return dict(client.doc.get("cards", type=Map).to_py() or {})


async def test_two_clients_converge(server: ServerProcess, board: dict[str, Any]) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as alice, synced_client(url) as bob:
        await alice.change(
            lambda d: d.get("cards", type=Map).__setitem__("a", Map({"text": Text("from alice")}))
        )
        await bob.change(
            lambda d: d.get("cards", type=Map).__setitem__("b", Map({"text": Text("from bob")}))
        )
        for client in (alice, bob):
            await client.wait_until(lambda c=client: set(cards(c)) == {"a", "b"})
        assert cards(alice) == cards(bob)


async def test_late_joiner_gets_everything_in_sync_step2(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as writer:
        for i in range(50):
            await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"c{i}", i))
        async with synced_client(url) as late:
            step2 = [f for f in late.frames if f[:2] == bytes((0, protocol.SYNC_STEP2))]
            assert step2, "the joiner got no sync step 2"
            assert len(cards(late)) == 50
            # the template's stages came along too
            assert len(late.doc.get("stages", type=Map).to_py() or {}) == 7


async def test_awareness_snapshot_relay_and_removal(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    alice_token = server.join(board["tokens"]["participant"], "Alice")["token"]
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(server.url(board["id"], alice_token)) as alice:
        await alice.set_awareness({"cursor": "c1"})
        await alice.wait_until(lambda: alice.doc.client_id in alice.awareness)  # echoed back
        async with synced_client(url) as bob:
            # the snapshot on join already holds Alice, before Bob says anything
            state = bob.awareness[alice.doc.client_id][1]
            assert state["cursor"] == "c1" and state["user"]["name"] == "Alice"
            await bob.set_awareness({"user": {"name": "Bob"}})
            await alice.wait_until(lambda: bob.doc.client_id in alice.awareness)
        # Bob's socket closed: Alice learns at once that he left
        await alice.wait_until(lambda: alice.awareness[bob.doc.client_id][1] is None, timeout=5)


async def test_server_has_no_awareness_of_its_own(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as alone:
        await alone.round_trip()
        assert alone.awareness == {}
        assert not any(f[0] == protocol.MESSAGE_AWARENESS for f in alone.frames)


async def test_idle_socket_gets_keepalives(make_server: Any) -> None:
    server = make_server("--keepalive", "0.5")
    board = server.create_board()
    async with synced_client(
        server.url(board["id"], board["tokens"]["viewer"], session=True)
    ) as idle:
        await idle.wait_until(lambda: protocol.KEEPALIVE_FRAME in idle.frames, timeout=3)
        assert not idle.closed.is_set()


async def test_viewer_and_session_writes_are_dropped(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    bid = board["id"]
    async with (
        synced_client(server.url(bid, board["tokens"]["participant"])) as watcher,
        synced_client(server.url(bid, board["tokens"]["viewer"])) as viewer,
        synced_client(server.url(bid, board["tokens"]["facilitator"], session=True)) as session,
    ):
        for i in range(200):
            await viewer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"v{i}", i))
            await session.change(
                lambda d, i=i: d.get("board", type=Map).__setitem__("title", f"x{i}")
            )
        await watcher.change(lambda d: d.get("cards", type=Map).__setitem__("real", 1))
        await watcher.wait_until(lambda: "real" in cards(watcher))
        # Every refused write was handled before the answers to these: none went out.
        await viewer.round_trip()
        await session.round_trip()
        await watcher.round_trip()
        assert set(cards(watcher)) == {"real"}
    data = server.get_board(bid, board["tokens"]["viewer"])
    assert set(data["content"]["cards"]) == {"real"}
    assert data["session"]["board"]["title"] == "Claim journey"


async def test_refused_before_any_document_byte(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    other = server.create_board("Other")
    cases = {
        server.url("nope", board["tokens"]["viewer"]): 4401,  # token names another board
        f"{server.ws}/{board['id']}": 4401,  # no token
        server.url(board["id"], "garbage"): 4401,
        server.url(board["id"], board["tokens"]["viewer"][:-2] + "xx"): 4401,  # tampered
        server.url(board["id"], other["tokens"]["viewer"]): 4401,  # another board's token
    }
    for url, code in cases.items():
        client = YClient(url)
        await client.connect()
        assert await client.wait_closed() == code, url
        assert client.frames == []


async def test_unknown_board_is_not_found(server: ServerProcess) -> None:
    from conftest import SECRET
    from journeyboard.workshop.tokens import LinkToken, TokenSigner

    token = TokenSigner(SECRET).sign(LinkToken("ghost", "viewer", 1))
    client = YClient(server.url("ghost", token))
    await client.connect()
    assert await client.wait_closed() == 4404
    assert client.frames == []


async def test_foreign_origin_refused_and_own_origin_allowed(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["viewer"])
    foreign = YClient(url, origin="https://evil.example")
    await foreign.connect()
    assert await foreign.wait_closed() == 4405
    assert foreign.frames == []
    async with synced_client(url, origin=f"http://127.0.0.1:{server.port}") as own:
        assert own.synced.is_set()


async def test_malformed_frames_close_only_the_sender(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as good:
        await good.change(lambda d: d.get("cards", type=Map).__setitem__("keep", 1))
        for bad in (
            b"\x00\x02\x05\x01",
            b"\x07",
            b"\x00\x02\x03abc",
            "text frame",
            b"\x01\x03\x01\x01",
        ):
            async with synced_client(url) as evil:
                await evil.send_raw(bad)
                assert await evil.wait_closed() == 4400, bad
        await good.change(lambda d: d.get("cards", type=Map).__setitem__("after", 2))
        async with synced_client(url) as fresh:
            await fresh.wait_until(lambda: set(cards(fresh)) == {"keep", "after"})
        assert not good.closed.is_set()


async def test_messages_sent_before_the_document_loads_are_kept(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    # Send an update the instant the socket opens, before the server's sync step 1 arrives.
    eager = YClient(url, answer_step1=False)
    eager.doc.get("cards", type=Map)["eager"] = "first"
    await eager.connect()
    await eager.send_raw(protocol.encode_sync_update(eager.doc.get_update()))
    try:
        async with synced_client(url) as other:
            await other.wait_until(lambda: "eager" in cards(other))
    finally:
        await eager.close()


async def test_empty_room_is_unloaded_after_the_grace_period(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    import httpx

    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        await client.change(lambda d: d.get("cards", type=Map).__setitem__("x", 1))
        assert httpx.get(f"{server.http}/healthz").json()["rooms"] >= 1
    await wait_until(lambda: httpx.get(f"{server.http}/healthz").json()["rooms"] == 0)
    async with synced_client(url) as again:
        assert "x" in cards(again)


async def test_metrics_count_sockets_updates_and_latencies(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    import httpx

    def scrape() -> dict[str, float]:
        text = httpx.get(f"{server.http}/metrics").text
        assert text.startswith("# HELP")
        return {
            line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line and not line.startswith("#")
        }

    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as alice, synced_client(url) as bob:
        for i in range(5):
            await alice.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"m{i}", i))
        await bob.wait_until(lambda: len(cards(bob)) == 5)
        metrics = scrape()
        assert metrics["journeyboard_open_sockets"] == 2
        assert metrics["journeyboard_open_documents"] >= 1
        assert metrics["journeyboard_updates_in_total"] >= 5
        # updates released together go out merged: fewer frames and fan-outs than updates
        assert metrics["journeyboard_frames_out_total"] >= 1
        # one per stored update: updates that came in one read are stored merged, as one
        assert metrics["journeyboard_store_write_seconds_count"] >= 1
        assert metrics["journeyboard_fanout_seconds_count"] >= 1
        for histogram in ("journeyboard_store_write_seconds", "journeyboard_fanout_seconds"):
            count = metrics[f"{histogram}_count"]
            assert metrics[f'{histogram}_bucket{{le="+Inf"}}'] == count
            assert 0 < metrics[f"{histogram}_sum"] < count * 2.5


async def test_a_burst_released_by_one_commit_goes_out_merged(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    import httpx

    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as writer, synced_client(url) as reader:
        before = len(reader.document_frames())
        for i in range(300):  # sent back to back: they arrive faster than commits finish
            await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"b{i}", i))
        await reader.wait_until(lambda: len(cards(reader)) == 300)
        assert cards(reader) == cards(writer)
        received = len(reader.document_frames()) - before
        metrics = httpx.get(f"{server.http}/metrics").text

        def counter(name: str) -> float:
            return next(
                float(line.split()[1])
                for line in metrics.splitlines()
                if line.startswith(f"journeyboard_{name}_total ")
            )

        # Merged on the way out (one commit released several) or on the way in (several came
        # in one read, `sync/batches.py`): a burst this fast always meets one or the other.
        coalesced, merged = counter("coalesced_updates"), counter("merged_updates")
        assert received < 300 and coalesced + merged > 0, (received, coalesced, merged)


async def test_a_busy_room_merges_what_arrives_within_its_window(make_server: Any) -> None:
    """Past `busy_fanout_per_second`, a room holds each release for a short window and sends
    what was committed meanwhile as one frame: updates paced apart, each committed on its own,
    still reach a reader in fewer frames, all of them, in order."""
    server = make_server(
        "--limit", "busy_fanout_per_second=1", "--limit", "busy_window_ms=40"
    )  # fmt: skip
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as writer, synced_client(url) as reader:
        slow, fast = Pace(10), Pace(1000)
        for i in range(12):  # over a second of writing: the room measures itself busy
            await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"w{i}", i))
            await slow()
        await reader.wait_until(lambda: len(cards(reader)) == 12)
        before = len(reader.document_frames())
        for i in range(100):
            await writer.change(lambda d, i=i: d.get("list", type=Map).__setitem__(f"p{i}", i))
            await fast()  # paced apart: each committed on its own
        await writer.change(lambda d: d.get("list", type=Map).__setitem__("last", -1))
        await reader.wait_until(lambda: "last" in reader.doc.get("list", type=Map))
        assert reader.doc.get("list", type=Map).to_py() == writer.doc.get("list", type=Map).to_py()
        received = len(reader.document_frames()) - before
        assert received < 40, received  # about 5 windows of 40 ms; 101 frames unmerged
        assert metric(server, "journeyboard_coalesced_updates_total") > 0
