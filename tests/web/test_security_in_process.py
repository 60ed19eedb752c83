"""Socket limits from tests/e2e/test_security.py, in-process: the real `SocketGate`, rooms and a
memory store, a `FakeChannel` for each socket. The close codes, and that the rest of the board
is untouched, are decided here without a server process; the e2e file keeps an oversized
message through a real socket."""

from __future__ import annotations

import json

import pytest

from journeyboard.sync import protocol
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.limits import Limits
from journeyboard.sync.protocol import AwarenessEntry
from sync.fakes import FakeChannel, Writer, awareness_frame, cards
from waiting import wait_until
from web.test_socket_gate import Gate, build


async def fresh_cards(gate: Gate, token: str) -> dict[str, object]:
    """What a newcomer's sync step 2 holds, for a step 1 from an empty document."""
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(token), channel)
    channel.frames.clear()
    sync.receive(protocol.encode_sync_step1(b"\x00"))
    await wait_until(channel.step2s, timeout=5)
    seen = cards(channel.doc())
    sync.end()
    return seen


async def test_an_oversized_message_closes_the_sender_only() -> None:
    built, rooms = await build(Limits(max_message_bytes=64 * 1024))
    token = built.tokens["participant"]
    try:
        good_channel, big_channel = FakeChannel(), FakeChannel()
        good = await built.gate.start(built.request(token), good_channel)
        big = await built.gate.start(built.request(token), big_channel)
        big.receive(protocol.encode_sync_update(b"\x00" * (64 * 1024 + 1)))
        assert big_channel.closed is not None and big_channel.closed[0] == CLOSE.TOO_LARGE.code
        good.receive(Writer().frame("ok", 1))
        await good.room.flush()
        assert good_channel.closed is None
        assert (await fresh_cards(built, token)).get("ok") == 1
        assert built.gate.refused["message too large"] == 1
        good.end()
        big.end()
    finally:
        await rooms.close()


async def test_too_many_messages_close_with_rate_limited() -> None:
    built, rooms = await build(Limits(messages_per_second=5, message_burst=20))
    try:
        channel = FakeChannel()
        fast = await built.gate.start(built.request(built.tokens["participant"]), channel)
        for i in range(40):
            fast.receive(awareness_frame(7, i + 1, {"n": i}))
        assert channel.closed is not None and channel.closed[0] == CLOSE.RATE_LIMITED.code == 4429
        fast.end()
    finally:
        await rooms.close()


async def test_socket_ceilings_per_address() -> None:
    built, rooms = await build(Limits(sockets_per_address=3))
    token = built.tokens["viewer"]
    try:
        admitted = [await built.gate.start(built.request(token), FakeChannel()) for _ in range(3)]
        refused = await built.refused(built.request(token))
        assert refused.close_code == CLOSE.TOO_MANY_CONNECTIONS.code == 4430
        admitted.pop().end()  # freed again
        admitted.append(await built.gate.start(built.request(token), FakeChannel()))
        for sync in admitted:
            sync.end()
    finally:
        await rooms.close()


async def test_the_document_size_limit_closes_the_writer_and_keeps_the_rest() -> None:
    built, rooms = await build(Limits(max_document_bytes=60_000))
    token = built.tokens["participant"]
    try:
        channel = FakeChannel()
        writer = await built.gate.start(built.request(token), channel)
        author = Writer()
        writer.receive(author.frame("small", "x" * 100))
        await writer.room.flush()
        writer.receive(author.frame("huge", "x" * 100_000))
        assert channel.closed is not None and channel.closed[0] == 4414
        writer.end()
        assert set(await fresh_cards(built, token)) == {"small"}
    finally:
        await rooms.close()


# Presence limits (from tests/e2e/test_socket_limits.py) --------------------------------------


def presence_of(channel: FakeChannel, client_id: int) -> list[object]:
    return [json.loads(e.state) for e in channel.awareness() if e.client_id == client_id]


async def test_an_oversized_presence_state_closes_its_sender_and_reaches_nobody() -> None:
    built, rooms = await build(Limits())
    token = built.tokens["participant"]
    try:
        sender_channel, peer_channel, later_channel = FakeChannel(), FakeChannel(), FakeChannel()
        sender = await built.gate.start(built.request(token), sender_channel)
        peer = await built.gate.start(built.request(token), peer_channel)
        sender.receive(awareness_frame(7, 1, {"name": "fine"}))
        sender.receive(awareness_frame(7, 2, {"name": "OVERSIZE" + "x" * 5000}))
        assert sender_channel.closed is not None and sender_channel.closed[0] == 4413
        later = await built.gate.start(built.request(token), later_channel)
        later.receive(awareness_frame(8, 1, {"name": "after"}))
        await wait_until(lambda: presence_of(peer_channel, 8), timeout=5)
        assert not any(b"OVERSIZE" in frame for frame in peer_channel.frames)
        for sync in (sender, peer, later):
            sync.end()
    finally:
        await rooms.close()


@pytest.mark.parametrize(
    ("depth", "cap", "code"),
    [(100_000, None, 4413), (100_000, 1_000_000, 4400), (995, None, 4400)],
)
async def test_deeply_nested_presence_is_a_named_close_without_a_traceback(
    depth: int, cap: int | None, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    """100,000 nested arrays are over the default size cap (4413); under a raised cap, or
    nested 995 deep within 4 KB (which parses, but would not encode again), they are 4400."""
    built, rooms = await build(Limits(max_awareness_state_bytes=cap) if cap else Limits())
    token = built.tokens["participant"]
    try:
        channels = [FakeChannel() for _ in range(3)]
        sender, witness, watcher = [
            await built.gate.start(built.request(token), channel) for channel in channels
        ]
        nested = "[" * depth + "]" * depth
        entry = AwarenessEntry(7, 1, nested)
        sender.receive(protocol.encode_awareness(protocol.encode_awareness_update([entry])))
        assert channels[0].closed is not None and channels[0].closed[0] == code
        witness.receive(awareness_frame(9, 1, {"still": "here"}))  # the room carries on
        await wait_until(lambda: presence_of(channels[2], 9), timeout=5)
        for sync in (sender, witness, watcher):
            sync.end()
    finally:
        await rooms.close()
    assert not any(record.exc_info for record in caplog.records)
    reason = "nested too deeply" if code == 4400 else "presence too large"
    assert len([r for r in caplog.records if reason in r.getMessage()]) == 1, caplog.text
