"""Commands in-process: the runner, the handlers and the rules they leave in the rooms, over a
memory store and the single-node bus, wired as `web.app.Services.build` wires them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pycrdt import Doc, Map

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.sync.close_codes import CLOSE
from journeyboard.sync.connection import Connection
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import Grant
from journeyboard.sync.room import Room
from journeyboard.web.services import Services
from journeyboard.workshop import documents
from journeyboard.workshop.boards import AccessDenied, BoardService, Identity, presence_of
from journeyboard.workshop.commands import CommandError, CommandRunner
from journeyboard.workshop.engine import policy_of
from sync.fakes import FakeChannel, Writer, cards

SECRET = "in-process-secret-0123456789abcdef"


@dataclass
class Workshop:
    store: MemoryStore
    rooms: RoomManager
    boards: BoardService
    runner: CommandRunner
    board_id: str
    lead: Identity
    ann: Identity
    ann_token: str

    async def run(self, identity: Identity, **body: Any) -> dict[str, Any]:
        return await self.runner.run(identity, body, "http://test")


@pytest.fixture
async def workshop() -> AsyncIterator[Workshop]:
    store = MemoryStore()
    wired = Services.build(  # as the app wires a node
        Settings(store_url="memory://", secret=SECRET, grace_seconds=0.05), store
    )
    rooms, boards, runner = wired.rooms, wired.boards, wired.commands
    await rooms.__aenter__()  # closed at the end
    created = await boards.create("Onboarding", template=None, persona="", scope="")
    board_id = created.board.id
    lead_link = await boards.authenticate(board_id, created.tokens["facilitator"])
    _, lead_token = await boards.join(lead_link, "Lea", "CX", address="10.0.0.1")
    lead = await boards.authenticate(board_id, lead_token)
    link = await boards.authenticate(board_id, created.tokens["participant"])
    _, ann_token = await boards.join(link, "Ann", "Ops", address="10.0.0.1")
    ann = await boards.authenticate(board_id, ann_token)
    yield Workshop(store, rooms, boards, runner, board_id, lead, ann, ann_token)
    await rooms.close()


def connect(room: Room, identity: Identity) -> tuple[FakeChannel, Connection]:
    """A socket as the gate would admit it for this identity."""
    channel = FakeChannel()
    conn = room.connect(
        channel,
        can_write=identity.can_write_content,
        principal=identity.principal,
        presence=identity.presence,
        bypass_lock=identity.role == "facilitator",
    )
    return channel, conn


async def written(room: Room, writer: Writer, conn: Connection, key: str, value: Any) -> None:
    room.receive(conn, writer.frame(key, value))
    await room.flush()


# -- the runner -------------------------------------------------------------------------------


async def test_phases_change_in_order_and_are_recorded(workshop: Workshop) -> None:
    first = await workshop.run(workshop.lead, type="set_phase", phase="discovery")
    assert first["result"] == {"phase": "discovery", "previous": "lobby"}
    second = await workshop.run(workshop.lead, type="set_phase", phase="pain_points")
    session = second["state"]["session"]
    assert session["phase"] == "pain_points"
    history = [(h["from"], h["phase"], h["by"]) for h in session["phase_history"]]
    assert history == [
        ("lobby", "discovery", workshop.lead.person.id),  # type: ignore[union-attr]
        ("discovery", "pain_points", workshop.lead.person.id),  # type: ignore[union-attr]
    ]
    assert (await workshop.boards.session_json(workshop.board_id))["session"]["phase"] == (
        "pain_points"
    )


async def test_a_participant_cannot_run_a_facilitator_command(workshop: Workshop) -> None:
    with pytest.raises(CommandError) as refused:
        await workshop.run(workshop.ann, type="set_phase", phase="discovery")
    assert (refused.value.status, refused.value.code) == (403, "forbidden")
    session = await workshop.boards.session_json(workshop.board_id)
    assert session["session"]["phase"] == "lobby"


@pytest.mark.parametrize(
    ("body", "code", "names"),
    [
        ({"type": "teleport"}, "unknown_command", "teleport"),
        ({"phase": "discovery"}, "invalid_command", "'type'"),
        ({"type": "set_phase"}, "invalid_command", "'phase'"),
        ({"type": "set_phase", "phase": "nowhere"}, "invalid_command", "phase:"),
        ({"type": "timer", "action": "start", "seconds": 0}, "invalid_command", "seconds:"),
    ],
)
async def test_bad_bodies_are_refused_with_400(
    workshop: Workshop, body: dict[str, Any], code: str, names: str
) -> None:
    with pytest.raises(CommandError) as refused:
        await workshop.runner.run(workshop.lead, body, "http://test")
    assert (refused.value.status, refused.value.code) == (400, code)
    assert names in refused.value.message


async def test_phase_gated_commands_wait_for_their_phase(workshop: Workshop) -> None:
    with pytest.raises(CommandError) as refused:
        await workshop.run(workshop.ann, type="vote", card="k1", delta=1)
    assert (refused.value.status, refused.value.code) == (409, "wrong_phase")


# -- the rules the session document sets ------------------------------------------------------


def test_policy_follows_the_session_document() -> None:
    doc: Doc[Any] = Doc()
    doc.get("session", type=Map)["locked"] = True
    participants = doc.get("participants", type=Map)
    participants["lea"] = Map({"name": "Lea", "role": "facilitator", "color": "#123456"})
    participants["ann"] = Map({"name": "Ann", "role": "participant"})
    participants["bob"] = Map({"name": "Bob", "role": "participant", "removed": True})
    participants["odd"] = "not a map"
    policy = policy_of(doc.get("session", type=Map), participants)
    assert policy.locked
    assert policy.barred == frozenset({"person:bob"})
    assert policy.grants == {
        "person:lea": Grant(True, presence_of("lea", "Lea", "facilitator", "#123456")),
        "person:ann": Grant(False, presence_of("ann", "Ann", "participant", "")),
    }


async def test_a_lock_holds_participants_and_lets_facilitators_through(
    workshop: Workshop,
) -> None:
    name = documents.content_name(workshop.board_id)
    async with workshop.rooms.use(name) as room:
        _, ann = connect(room, workshop.ann)
        _, lead = connect(room, workshop.lead)
        ann_writer = Writer()
        await written(room, ann_writer, ann, "before", 1)

        result = await workshop.run(workshop.lead, type="lock", locked=True)
        assert result["state"]["session"]["locked"] is True
        assert room.locked  # the content room follows the session document
        await written(room, ann_writer, ann, "during", 2)
        await written(room, Writer(), lead, "lead", 3)
        assert {"before": 1, "lead": 3}.items() <= cards(room.doc).items()
        assert "during" not in cards(room.doc)

        await workshop.run(workshop.lead, type="lock", locked=False)
        assert not room.locked
        await written(room, ann_writer, ann, "after", 4)
        assert cards(room.doc)["after"] == 4


async def test_a_promotion_reaches_open_sockets(workshop: Workshop) -> None:
    name = documents.content_name(workshop.board_id)
    async with workshop.rooms.use(name) as room:
        _, ann = connect(room, workshop.ann)
        assert not ann.bypass_lock
        await workshop.run(workshop.lead, type="promote", participant=workshop.ann.person.id)  # type: ignore[union-attr]
        assert ann.bypass_lock
        assert ann.presence is not None and ann.presence["role"] == "facilitator"


async def test_a_removal_closes_their_sockets_and_refuses_them(workshop: Workshop) -> None:
    ann_id = workshop.ann.person.id  # type: ignore[union-attr]
    name = documents.content_name(workshop.board_id)
    async with workshop.rooms.use(name) as room:
        channel, _ = connect(room, workshop.ann)
        lead_channel, _ = connect(room, workshop.lead)
        result = await workshop.run(workshop.lead, type="remove", participant=ann_id)
        assert result["result"]["closed_sockets"] == 1
        assert channel.closed == (CLOSE.FORBIDDEN.code, "removed from the board")
        assert lead_channel.closed is None
        assert result["state"]["participants"][ann_id]["removed"] is True
        assert f"person:{ann_id}" in (room.policy.barred if room.policy else ())

    with pytest.raises(AccessDenied) as denied:
        await workshop.boards.authenticate(workshop.board_id, workshop.ann_token)
    assert denied.value.status == 403
    # A command sent with the identity resolved before the removal is refused too.
    with pytest.raises((AccessDenied, CommandError)):
        await workshop.run(workshop.ann, type="vote", card="k1", delta=1)
    with pytest.raises(CommandError) as self_removal:
        await workshop.run(workshop.lead, type="remove", participant=workshop.lead.person.id)  # type: ignore[union-attr]
    assert self_removal.value.code == "cannot_remove_self"


async def test_a_barred_principal_connecting_later_is_closed(workshop: Workshop) -> None:
    ann_id = workshop.ann.person.id  # type: ignore[union-attr]
    name = documents.content_name(workshop.board_id)
    async with workshop.rooms.use(name) as room:
        await workshop.run(workshop.lead, type="remove", participant=ann_id)
        late, _ = connect(room, workshop.ann)  # authenticated before the removal
        assert late.closed == (CLOSE.FORBIDDEN.code, "removed from the board")


# -- voting -----------------------------------------------------------------------------------


async def test_votes_stay_blind_until_revealed(workshop: Workshop) -> None:
    name = documents.content_name(workshop.board_id)
    async with workshop.rooms.use(name) as room:
        _, shown = room.transact(
            lambda doc: doc.get("cards", type=Map).__setitem__(
                "k1", Map({"kind": "pain", "text": "slow"})
            )
        )
        await shown
    await workshop.run(workshop.lead, type="set_phase", phase="pain_points")
    voted = await workshop.run(workshop.ann, type="vote", card="k1", delta=1)
    assert voted["result"]["yours"] == 1
    assert voted["result"]["me"]["remaining"] == 2
    state = voted["state"]
    assert state["votes"] == {}  # nobody sees totals yet
    assert state["progress"]["votes_cast"] == 1
    assert [m.person_id for m in await workshop.store.list_marks(workshop.board_id, "vote")] == [
        workshop.ann.person.id  # type: ignore[union-attr]
    ]

    revealed = await workshop.run(workshop.lead, type="reveal", what="votes")
    assert revealed["state"]["votes"] == {"k1": 1}
    with pytest.raises(CommandError) as refused:
        await workshop.run(workshop.ann, type="vote", card="missing", delta=1)
    assert (refused.value.status, refused.value.code) == (404, "unknown_card")
