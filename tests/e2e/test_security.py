"""Roles, tokens, presence, limits and hostile input, against a running server.

What the gate, the sessions and the commands decide alone runs in-process beside it:
tests/web/test_security_in_process.py and tests/web/test_policy_in_process.py."""

from __future__ import annotations

import asyncio
import json
import signal
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text

from conftest import ServerProcess
from journeyboard.sync import protocol
from journeyboard.sync.protocol import AwarenessEntry
from waiting import wait_until
from ysync import YClient, synced_client


def cards(client: YClient) -> dict[str, Any]:
    return dict(client.doc.get("cards", type=Map).to_py() or {})


def metric(server: ServerProcess, series: str) -> float:
    for line in httpx.get(f"{server.http}/metrics").text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


async def wait_for_metric(
    server: ServerProcess, series: str, at_least: float, timeout: float = 5
) -> None:
    await wait_until(lambda: metric(server, series) >= at_least, timeout, series)


async def refused_with(url: str) -> tuple[int | None, list[bytes]]:
    client = YClient(url)
    await client.connect()
    code = await client.wait_closed()
    return code, client.frames


# -- roles ---------------------------------------------------------------------------------


async def test_forged_writes_reach_nobody_and_no_store_even_after_restart(
    make_server: Any,
) -> None:
    server: ServerProcess = make_server()
    board = server.create_board()
    bid, tokens = board["id"], board["tokens"]
    async with (
        synced_client(server.url(bid, tokens["participant"])) as watcher,
        synced_client(server.url(bid, tokens["viewer"])) as viewer,
        synced_client(server.url(bid, tokens["participant"], session=True)) as session_writer,
    ):
        for i in range(300):
            await viewer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"v{i}", i))
            await session_writer.change(
                lambda d, i=i: d.get("session", type=Map).__setitem__("phase", f"hack{i}")
            )
        await watcher.change(lambda d: d.get("cards", type=Map).__setitem__("real", 1))
        await watcher.wait_until(lambda: "real" in cards(watcher))
        assert not any(
            f.startswith(b"\x00\x02") and f != protocol.KEEPALIVE_FRAME and b"v1" in f
            for f in watcher.frames
        )
    await wait_for_metric(server, 'journeyboard_dropped_total{cause="read_only_update"}', 600)
    server.kill(signal.SIGKILL)
    server.start()
    data = server.get_board(bid, tokens["viewer"])
    assert set(data["content"]["cards"]) == {"real"}
    assert data["session"]["session"]["phase"] == "lobby"
    assert "dropped update from read-only socket" in server.logs()


# -- presence ------------------------------------------------------------------------------


async def test_presence_cannot_be_forged(server: ServerProcess, board: dict[str, Any]) -> None:
    bid, tokens = board["id"], board["tokens"]
    alice = server.join(tokens["participant"], "Alice")
    mallory = server.join(tokens["participant"], "Mallory")
    async with (
        synced_client(server.url(bid, alice["token"])) as a,
        synced_client(server.url(bid, tokens["viewer"])) as watcher,
    ):
        await a.set_awareness({"cursor": "alice's"})
        await watcher.wait_until(lambda: a.doc.client_id in watcher.awareness)
        async with synced_client(server.url(bid, mallory["token"])) as m:
            # Claims Alice's client id first: not bound, dropped.
            await m.set_awareness({"cursor": "forged", "user": {"name": "Alice"}}, a.doc.client_id)
            # Removes Alice: dropped.
            removal = AwarenessEntry(a.doc.client_id, 99, "null")
            await m.send_raw(protocol.encode_awareness(protocol.encode_awareness_update([removal])))
            # Its own id, claiming to be Alice: the name is stamped from the token.
            await m.set_awareness({"cursor": "m", "user": {"name": "Alice", "role": "facilitator"}})
            # Mallory's messages are handled in order: the forged ones came before this one.
            await watcher.wait_until(lambda: m.doc.client_id in watcher.awareness)
            assert watcher.awareness[a.doc.client_id][1]["cursor"] == "alice's"
            assert watcher.awareness[a.doc.client_id][1]["user"]["name"] == "Alice"
            user = watcher.awareness[m.doc.client_id][1]["user"]
            assert (user["name"], user["role"]) == ("Mallory", "participant")
    await wait_for_metric(server, 'journeyboard_dropped_total{cause="foreign_awareness"}', 2)


# Viewers marked in presence: tests/web/test_policy_in_process.py, in-process.


# -- links and people ----------------------------------------------------------------------


# Rotating a link, removing a person (closed at once, refused after) and the validation and
# authorisation of commands run in-process over the whole app and its socket gate:
# tests/web/test_policy_in_process.py.


# -- limits --------------------------------------------------------------------------------


async def test_oversized_message_closes_the_sender_only(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as good, synced_client(url) as big:
        await big.send_raw(protocol.encode_sync_update(b"\x00" * (32 * 1024 * 1024)))
        assert await big.wait_closed(timeout=30) == 4413
        await good.change(lambda d: d.get("cards", type=Map).__setitem__("ok", 1))
        async with synced_client(url) as fresh:
            await fresh.wait_until(lambda: "ok" in cards(fresh))


async def test_default_limits_admit_a_one_mebibyte_update(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["participant"])
    text = "x" * (1024 * 1024)
    async with synced_client(url) as writer, synced_client(url) as reader:
        update = await writer.change(
            lambda d: d.get("cards", type=Map).__setitem__("big", Map({"text": Text(text)}))
        )
        assert len(update) > 1024 * 1024
        await reader.wait_until(lambda: "big" in cards(reader), timeout=20)
        assert not writer.closed.is_set()


# The message rate (4429), the sockets per address (4430) and the document size (4414) are
# decided by the gate and the room: tests/web/test_security_in_process.py, in-process.


def test_participants_and_creation_rates_are_capped(make_server: Any) -> None:
    server = make_server(
        "--limit", "participants_per_board=2", "--limit", "boards_per_address_per_minute=3"
    )
    board = server.create_board()
    server.join(board["tokens"]["participant"], "One")
    server.join(board["tokens"]["participant"], "Two")
    full = httpx.post(
        f"{server.http}/api/boards/{board['id']}/join",
        json={"name": "Three"},
        headers={"Authorization": f"Bearer {board['tokens']['participant']}"},
    )
    assert full.status_code == 409 and full.json()["error"]["code"] == "board_full"
    server.create_board()
    server.create_board()
    limited = httpx.post(f"{server.http}/api/boards", json={"title": "Fifth"})
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"


def test_bad_limit_option_is_a_clear_error(tmp_path: Any) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "journeyboard", "serve", "--limit", "nonsense=3"],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0 and "unknown limit 'nonsense'" in result.stderr


# -- malformed input -----------------------------------------------------------------------


def _fails_to_apply(data: bytes) -> bool:
    try:
        Doc().apply_update(data)
    except BaseException:  # pycrdt raises ValueError or a Rust panic
        return data != b""
    return False


def _fails_as_state_vector(data: bytes) -> bool:
    try:
        Doc().get_update(data)
    except BaseException:
        return True
    return False


def _fails_as_awareness(data: bytes) -> bool:
    try:
        protocol.decode_awareness_update(data)
    except protocol.ProtocolError:
        return True
    return False


def _var(data: bytes) -> bytes:
    return protocol.write_var_bytes(data)


malformed_frames = st.one_of(
    st.text(min_size=1, max_size=20),  # text frames
    st.binary(max_size=20).map(lambda b: bytes([4 + b[0] % 100]) + b[1:] if b else b"\x05"),
    st.sampled_from([b"", b"\x80", b"\x00", b"\x00\x80", b"\x00\x02", b"\x00\x02\xff", b"\x01"]),
    st.binary(max_size=20).map(lambda b: b"\x00\x03" + _var(b)),  # unknown sync type
    st.binary(min_size=1, max_size=40).map(lambda b: b"\x00\x02" + bytes([len(b) + 5]) + b),
    st.binary(min_size=1, max_size=60).filter(_fails_to_apply).map(lambda b: b"\x00\x02" + _var(b)),
    st.binary(min_size=1, max_size=60).filter(_fails_to_apply).map(lambda b: b"\x00\x01" + _var(b)),
    st.binary(min_size=1, max_size=30)
    .filter(_fails_as_state_vector)
    .map(lambda b: b"\x00\x00" + _var(b)),
    st.binary(min_size=1, max_size=40).filter(_fails_as_awareness).map(lambda b: b"\x01" + _var(b)),
)


def test_thousands_of_malformed_frames_leave_the_room_untouched(make_server: Any) -> None:
    server: ServerProcess = make_server(
        "--limit", "boards_per_address_per_minute=1000", "--limit", "sockets_per_address=100000"
    )
    board = server.create_board()
    url = server.url(board["id"], board["tokens"]["participant"])
    sent = 0

    async def state() -> tuple[bytes, Any]:
        async with synced_client(url) as probe:
            return probe.doc.get_update(), probe.doc.get("cards", type=Map).to_py()

    async def setup() -> tuple[bytes, Any]:
        async with synced_client(url) as writer:
            for i in range(20):
                await writer.change(lambda d, i=i: d.get("cards", type=Map).__setitem__(f"c{i}", i))
        return await state()

    before = asyncio.run(setup())

    async def storm(frames: list[bytes | str]) -> None:
        nonlocal sent
        async with synced_client(url) as witness:
            for frame in frames:
                evil = YClient(url, answer_step1=False)
                await evil.connect()
                await evil.send_raw(frame)
                sent += 1
                assert await evil.wait_closed() == 4400, frame
            assert not witness.closed.is_set()

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(malformed_frames, min_size=40, max_size=60))
    def run(frames: list[bytes | str]) -> None:
        asyncio.run(storm(frames))

    run()
    assert sent >= 1600
    after = asyncio.run(state())
    assert after[1] == before[1]
    assert after[0] == before[0]  # byte for byte

    async def still_works() -> None:
        async with synced_client(url) as a, synced_client(url) as b:
            await a.change(lambda d: d.get("cards", type=Map).__setitem__("after", "storm"))
            await b.wait_until(lambda: cards(b).get("after") == "storm")

    asyncio.run(still_works())
    assert json.dumps(server.get_board(board["id"], board["tokens"]["viewer"])["content"]["cards"])
