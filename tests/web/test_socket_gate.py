"""Socket admission in-process: `SocketGate.start` decides from a `SocketRequest` alone, so a
fake channel stands for the websocket. Who is let in, with which rights, and which close code
a refused socket gets; the board and address slots are given back whatever happens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from journeyboard.settings import Settings
from journeyboard.stores import StoreError
from journeyboard.stores.memory import MemoryStore
from journeyboard.sync import protocol
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.limits import Limits
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import LoadedDocument
from journeyboard.web.admission import Refused, SocketGate, SocketRequest, SocketTarget
from journeyboard.web.services import Services
from journeyboard.workshop import documents
from journeyboard.workshop.boards import BoardService
from sync.fakes import FakeChannel, Writer
from waiting import wait_until

SECRET = "in-process-secret-0123456789abcdef"


class FlakyStore(MemoryStore):
    """A memory store whose loads fail while `down` is set."""

    down = False

    async def load(self, name: str) -> LoadedDocument:
        if self.down:
            raise StoreError("unreachable")
        return await super().load(name)


@dataclass
class Gate:
    gate: SocketGate
    store: FlakyStore
    rooms: RoomManager
    boards: BoardService
    board_id: str
    tokens: dict[str, str]

    def request(
        self, token: str | None, *, session: bool = False, origin: str | None = None
    ) -> SocketRequest:
        target = SocketTarget(self.board_id, session, token)
        return SocketRequest(target, origin, "board.test", "10.0.0.7")

    async def refused(self, request: SocketRequest) -> Refused:
        channel = FakeChannel()
        with pytest.raises(Refused) as refused:
            await self.gate.start(request, channel)
        assert channel.frames == []  # not one document byte before admission
        return refused.value


async def build(limits: Limits) -> tuple[Gate, RoomManager]:
    store = FlakyStore()
    settings = Settings(store_url="memory://", secret=SECRET, grace_seconds=0.05, limits=limits)
    wired = Services.build(settings, store)  # as the app wires a node
    rooms, boards = wired.rooms, wired.boards
    await rooms.__aenter__()  # the caller closes it
    await wired.tasks.__aenter__()  # the node's tasks (admissions run there); idle when done
    created = await boards.create("Gate", template=None, persona="", scope="")
    return Gate(wired.sockets, store, rooms, boards, created.board.id, created.tokens), rooms


@pytest.fixture
async def gate() -> AsyncIterator[Gate]:
    built, rooms = await build(Limits(sockets_per_board=2))
    yield built
    await rooms.close()


def slots(gate: SocketGate) -> int:
    return sum(gate.per_board._counts.values()) + sum(gate.per_address._counts.values())


async def test_a_participant_is_admitted_with_write_rights(gate: Gate) -> None:
    link = await gate.boards.authenticate(gate.board_id, gate.tokens["participant"])
    person, token = await gate.boards.join(link, "Ann", "Ops", address="10.0.0.7")
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(token), channel)
    assert sync.room.name == documents.content_name(gate.board_id)
    assert sync.conn.can_write and not sync.conn.bypass_lock
    assert sync.conn.principal == f"person:{person.id}"
    assert sync.conn.presence is not None and sync.conn.presence["name"] == "Ann"
    assert len(channel.step1s()) == 1  # the room greeted it
    sync.receive(Writer().frame("c1", 1))
    await sync.room.flush()
    assert await gate.store.load_document(gate.board_id)  # the seed and the write

    assert slots(gate.gate) == 2
    sync.end()
    sync.end()  # twice is harmless
    assert slots(gate.gate) == 0
    assert sync.conn not in sync.room.connections


async def test_viewers_and_session_sockets_are_read_only(gate: Gate) -> None:
    viewer = await gate.gate.start(gate.request(gate.tokens["viewer"]), FakeChannel())
    assert not viewer.conn.can_write
    lead = await gate.gate.start(
        gate.request(gate.tokens["facilitator"], session=True), FakeChannel()
    )
    assert lead.room.name == documents.session_name(gate.board_id)
    assert not lead.conn.can_write and lead.conn.bypass_lock
    viewer.end()
    lead.end()


async def test_refusals_carry_their_close_codes(gate: Gate) -> None:
    token = gate.tokens["participant"]
    cases = [
        (gate.request(token, origin="https://evil.example"), CLOSE.ORIGIN_REFUSED, "origin"),
        (gate.request(None), CLOSE.UNAUTHORIZED, "unauthorized"),
        (gate.request("not-a-token"), CLOSE.UNAUTHORIZED, "unauthorized"),
        (
            SocketRequest(SocketTarget("elsewhere", False, token), None, None, "10.0.0.7"),
            CLOSE.UNAUTHORIZED,
            "unauthorized",
        ),
    ]
    for request, close, cause in cases:
        refused = await gate.refused(request)
        assert (refused.close_code, refused.cause) == (close.code, cause)
    assert gate.gate.refused["unauthorized"] == 3
    # The page's own origin is fine.
    own = await gate.gate.start(gate.request(token, origin="https://board.test"), FakeChannel())
    own.end()
    assert slots(gate.gate) == 0


async def test_a_rotated_link_and_a_removed_person_are_refused(gate: Gate) -> None:
    board = await gate.store.get_board(gate.board_id)
    assert board is not None
    board.link_versions["viewer"] += 1
    await gate.store.save_board(board)
    refused = await gate.refused(gate.request(gate.tokens["viewer"]))
    assert refused.close_code == CLOSE.LINK_ROTATED.code

    link = await gate.boards.authenticate(gate.board_id, gate.tokens["participant"])
    person, token = await gate.boards.join(link, "Ann", "Ops", address="10.0.0.7")
    person.removed = True
    await gate.store.save_person(person)
    refused = await gate.refused(gate.request(token))
    assert refused.close_code == CLOSE.FORBIDDEN.code


async def test_a_full_board_refuses_and_frees_a_slot_when_one_leaves(gate: Gate) -> None:
    token = gate.tokens["viewer"]
    first = await gate.gate.start(gate.request(token), FakeChannel())
    second = await gate.gate.start(gate.request(token), FakeChannel())
    refused = await gate.refused(gate.request(token))
    assert (refused.close_code, refused.cause) == (
        CLOSE.TOO_MANY_CONNECTIONS.code,
        "sockets_per_board",
    )
    first.end()
    third = await gate.gate.start(gate.request(token), FakeChannel())
    second.end()
    third.end()
    assert slots(gate.gate) == 0


async def test_a_store_that_cannot_open_the_room_means_try_again_later(gate: Gate) -> None:
    gate.store.down = True
    refused = await gate.refused(gate.request(gate.tokens["viewer"]))
    assert (refused.close_code, refused.cause) == (CLOSE.TRY_AGAIN_LATER.code, "store_unavailable")
    assert slots(gate.gate) == 0
    gate.store.down = False
    admitted = await gate.gate.start(gate.request(gate.tokens["viewer"]), FakeChannel())
    admitted.end()


async def test_a_bad_message_closes_only_that_socket(gate: Gate) -> None:
    token = gate.tokens["participant"]
    channel, other_channel = FakeChannel(), FakeChannel()
    sync = await gate.gate.start(gate.request(token), channel)
    other = await gate.gate.start(gate.request(token), other_channel)
    sync.receive(None)  # a text frame
    assert channel.closed == (CLOSE.MALFORMED.code, "text frames are not supported")
    assert other_channel.closed is None
    sync.end()
    other.end()


async def test_presence_queries_and_sync_step_1_have_their_own_rates() -> None:
    """A query is answered with everyone's presence and a sync step 1 with the whole board: a
    burst is answered at once; past it the newest waits for the next slot, replacing a waiting
    one, so a flood of any length costs one answer per slot. Nobody is closed."""
    limits = Limits(awareness_queries_per_second=20, sync_step1_per_second=20)
    built, rooms = await build(limits)
    token = built.tokens["viewer"]
    try:
        for frame, burst in (
            (b"\x03", limits.awareness_query_burst),
            (protocol.encode_sync_step1(b"\x00"), limits.sync_step1_burst),
            (b"\x80\x00\x00\x01\x00", limits.sync_step1_burst),  # a non-canonical step 1
        ):
            channel = FakeChannel()
            sync = await built.gate.start(built.request(token), channel)
            channel.frames.clear()
            for _ in range(burst + 100):
                sync.receive(frame)
            assert len(channel.frames) == burst  # the burst, answered at once
            # the newest, at the next slot
            await wait_until(lambda c=channel, b=burst: len(c.frames) >= b + 1, timeout=2)
            # nothing else was waiting, and no slot is due: no answer will follow
            for questions in (sync.queries, sync.step1s):
                assert questions.waiting is None and questions.timer is None
            assert len(channel.frames) == burst + 1
            assert channel.closed is None
            sync.end()
        assert built.gate.coalesced_queries == 99
        assert built.gate.coalesced_step1 == 2 * 99
    finally:
        await rooms.close()


async def test_a_waiting_question_is_dropped_when_its_socket_leaves(gate: Gate) -> None:
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(gate.tokens["viewer"]), channel)
    for _ in range(gate.gate.limits.awareness_query_burst + 1):
        sync.receive(b"\x03")
    assert sync.queries.timer is not None
    sync.end()
    assert sync.queries.timer is None and sync.queries.waiting is None


async def test_other_messages_do_not_use_the_query_and_step_1_rates(gate: Gate) -> None:
    token = gate.tokens["participant"]
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(token), channel)
    for _ in range(3 * gate.gate.limits.sync_step1_burst):
        sync.receive(protocol.encode_sync_step2(protocol.EMPTY_UPDATE))
        sync.receive(protocol.encode_sync_update(protocol.EMPTY_UPDATE))
    assert channel.closed is None
    assert sync.step1s.waiting is None and sync.queries.waiting is None
    sync.end()


async def test_a_non_canonical_message_kind_meets_the_same_checks(gate: Gate) -> None:
    """`81 00` is presence too (a var-uint 1): its state meets the size cap like `01`'s."""
    channel = FakeChannel()
    sync = await gate.gate.start(gate.request(gate.tokens["viewer"]), channel)
    state = '{"pad":"' + "x" * 6000 + '"}'
    update = protocol.encode_awareness_update([protocol.AwarenessEntry(7, 1, state)])
    sync.receive(b"\x81\x00" + protocol.write_var_bytes(update))
    assert channel.closed == (CLOSE.TOO_LARGE.code, "presence too large")
    sync.end()
