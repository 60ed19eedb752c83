"""Socket limits from tests/e2e/test_security.py, in-process: the real `SocketGate`, rooms and a
memory store, a `FakeChannel` for each socket. The close codes, and that the rest of the board
is untouched, are decided here without a server process; the e2e file keeps an oversized
message through a real socket."""

from __future__ import annotations

from journeyboard.sync import protocol
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.limits import Limits
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
        assert refused.code == 4430
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
