"""The room's presence snapshot (what a joiner or a query gets) is encoded once per change of
presence and always current; presence that is not strict JSON (NaN, Infinity) reaches nobody."""

from __future__ import annotations

import pytest

from journeyboard.sync import protocol
from journeyboard.sync.connection import Connection
from journeyboard.sync.protocol import AwarenessEntry, ProtocolError
from journeyboard.sync.room import Room
from sync.fakes import FakeChannel, awareness_frame
from sync.test_room import ANN, BOB, join, open_room, states

QUERY = bytes((protocol.MESSAGE_QUERY_AWARENESS,))


def asked(room: Room, conn: Connection, channel: FakeChannel) -> bytes:
    """What the room answers a presence query with (one frame)."""
    channel.frames.clear()
    room.receive(conn, QUERY)
    (frame,) = channel.frames
    return frame


async def test_the_snapshot_is_encoded_once_and_follows_every_change() -> None:
    room, _, _ = await open_room()
    a, ca = join(room, presence=ANN)
    b, cb = join(room, presence=BOB)
    room.receive(ca, awareness_frame(10, 1, {"cursor": 1}))
    first = asked(room, cb, b)
    assert asked(room, cb, b) is first  # the same bytes, not encoded again
    joiner = FakeChannel()
    room.connect(joiner, can_write=False)
    assert joiner.frames[-1] is first
    assert states(b) == [(10, 1, {"cursor": 1, "user": ANN})]

    room.receive(cb, awareness_frame(20, 1, {"cursor": 2}))  # a new client
    second = asked(room, cb, b)
    assert second is not first
    assert sorted(states(b)) == [
        (10, 1, {"cursor": 1, "user": ANN}),
        (20, 1, {"cursor": 2, "user": BOB}),
    ]

    room.receive(ca, awareness_frame(10, 2, {"cursor": 5}))  # a change
    asked(room, cb, b)
    assert (10, 2, {"cursor": 5, "user": ANN}) in states(b)

    room.receive(ca, awareness_frame(10, 3, None))  # a removal
    asked(room, cb, b)
    assert states(b) == [(20, 1, {"cursor": 2, "user": BOB})]

    room.disconnect(cb)  # a leaver
    asked(room, ca, a)
    assert states(a) == []


async def test_remote_presence_and_a_dead_node_change_the_snapshot() -> None:
    room, _, _ = await open_room()
    a, ca = join(room)
    remote = AwarenessEntry(30, 1, '{"cursor":3,"user":{"id":"cy"}}')
    room.apply_remote_awareness("node-b", protocol.encode_awareness_update([remote]))
    asked(room, ca, a)
    assert states(a) == [(30, 1, {"cursor": 3, "user": {"id": "cy"}})]
    room.drop_node("node-b")
    asked(room, ca, a)
    assert states(a) == []


@pytest.mark.parametrize("bad", ['{"x":NaN}', '{"x":Infinity}', '{"x":-Infinity}', '{"x":1e999}'])
async def test_presence_with_nan_or_infinity_reaches_nobody(bad: str) -> None:
    room, _, bus = await open_room()
    a, ca = join(room, presence=ANN)
    b, cb = join(room)  # unstamped (a link holder): the state would go out as it came
    frame = protocol.encode_awareness(
        protocol.encode_awareness_update([AwarenessEntry(10, 1, bad)])
    )
    for conn in (ca, cb):
        with pytest.raises(ProtocolError):
            room.receive(conn, frame)
    # from another node too: the payload is dropped, nothing is shown
    room.apply_remote_awareness(
        "node-b", protocol.encode_awareness_update([AwarenessEntry(40, 1, bad)])
    )
    assert a.frames == [] and b.frames == [] and bus.awareness == []
    asked(room, ca, a)
    assert states(a) == []
