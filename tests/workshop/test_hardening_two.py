"""Hardening, round two (issue #23), in-process: values JSON cannot hold read as absent, bodies
with lone surrogates or huge integers are refused, a panic inside a server change rebuilds the
document from what was stored (and the rules keep following it), and names are compared after
normalising them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.updates import apply_tolerantly
from journeyboard.web.bodies import parse_json
from journeyboard.web.services import Services
from journeyboard.workshop import documents
from journeyboard.workshop.boards import BoardService, Identity, same_name
from journeyboard.workshop.boardview import build_view
from journeyboard.workshop.commands import CommandRunner
from journeyboard.workshop.errors import ApiError
from sync.fakes import FakeChannel

SECRET = "in-process-secret-0123456789abcdef"


# -- 8: values JSON cannot hold ----------------------------------------------------------------


def test_values_json_cannot_hold_read_as_absent() -> None:
    doc: Doc[Any] = Doc()
    with doc.transaction():
        cards = doc.get("cards", type=Map)
        cards["a"] = Map({"kind": "feeling", "text": Text("a"), "emotion": float("nan")})
        cards["b"] = Map({"kind": "pain", "text": Text("b"), "kpi": float("inf"), "blob": b"x"})
        cards["c"] = Map({"kind": "idea", "text": Text("c"), "sub": Doc()})
        cards["d"] = Map(
            {
                "kind": "idea",
                "text": Text("d"),
                "nested": Map({"ok": 1, "nan": float("-inf"), "list": Array([1, float("nan")])}),
            }
        )
        cards["e"] = float("nan")  # not even an entry
    read = documents.roots_to_json(doc, documents.CONTENT_ROOTS)
    text = json.dumps(read, allow_nan=False)  # what a JSON answer needs
    assert "NaN" not in text and "Infinity" not in text
    got = read["cards"]
    assert got["a"] == {"kind": "feeling", "text": "a"}
    assert got["b"] == {"kind": "pain", "text": "b"}
    assert got["c"] == {"kind": "idea", "text": "c"}
    assert got["d"] == {"kind": "idea", "text": "d", "nested": {"ok": 1, "list": [1]}}
    assert "e" not in got
    noted = {(note["id"], note["field"]) for note in read[documents.SKIPPED_KEY]}
    assert {("a", "emotion"), ("b", "kpi"), ("b", "blob"), ("c", "sub"), ("e", None)} <= noted
    view = build_view("x", read, {})
    assert [card.emotion for card in view.cards if card.id == "a"] == [None]
    assert documents.plain(float("nan")) is None
    assert documents.plain(Map) is None  # not a value at all


# -- 9 and 12a: bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'"\\ud800"',
        b'{"a": "x\\udfffy"}',
        b'{"\\udbff": 1}',
        b'[1, [2, {"b": "\\ud800\\u0041"}]]',
        b"9223372036854775808",
        b'{"n": -9223372036854775809}',
        b'{"n": [1e400]}',
        b'{"n": NaN}',
        b"[Infinity]",
        b"-Infinity",
    ],
)
def test_bodies_json_or_yrs_cannot_carry_are_refused(raw: bytes) -> None:
    with pytest.raises(ApiError) as refused:
        parse_json(raw)
    assert refused.value.status == 400 and refused.value.code == "bad_json"


def test_bodies_within_the_limits_pass() -> None:
    body = b'{"a": "\\ud83d\\ude00 ok", "n": 9223372036854775807, "m": -9223372036854775808}'
    assert parse_json(body) == {"a": "\U0001f600 ok", "n": 2**63 - 1, "m": -(2**63)}
    assert parse_json(b"1.5e300") == 1.5e300


# -- 9: a panic inside a server change -------------------------------------------------------


@dataclass
class Workshop:
    store: MemoryStore
    rooms: RoomManager
    boards: BoardService
    runner: CommandRunner
    board_id: str
    lead: Identity
    ann: Identity


@pytest.fixture
async def workshop() -> AsyncIterator[Workshop]:
    store = MemoryStore()
    wired = Services.build(
        Settings(store_url="memory://", secret=SECRET, grace_seconds=0.05), store
    )
    await wired.rooms.__aenter__()  # closed at the end
    boards = wired.boards
    created = await boards.create("Panics", template=None, persona="", scope="")
    board_id = created.board.id
    lead_link = await boards.authenticate(board_id, created.tokens["facilitator"])
    _, lead_token = await boards.join(lead_link, "Lea", "CX")
    ann_link = await boards.authenticate(board_id, created.tokens["participant"])
    _, ann_token = await boards.join(ann_link, "Ann", "Ops")
    yield Workshop(
        store,
        wired.rooms,
        boards,
        wired.commands,
        board_id,
        await boards.authenticate(board_id, lead_token),
        await boards.authenticate(board_id, ann_token),
    )
    await wired.rooms.close()


def _half_then_panic(doc: Doc[Any]) -> None:
    board = doc.get("board", type=Map)
    board["persona"] = "half-applied"
    board["scope"] = "claims \ud800 only"  # yrs panics converting this string


async def test_a_panic_inside_a_server_change_rebuilds_the_document_from_the_store(
    workshop: Workshop,
) -> None:
    boards, board_id = workshop.boards, workshop.board_id
    content_name = documents.content_name(board_id)
    session_name = documents.session_name(board_id)
    async with workshop.rooms.use(content_name) as content:
        ann = content.connect(
            FakeChannel(),
            can_write=True,
            principal=workshop.ann.principal,
            presence=workshop.ann.presence,
            bypass_lock=False,
        )
        assert not ann.bypass_lock
        with pytest.raises(RuntimeError):  # an Exception the web layer answers as JSON
            await boards.change_session(board_id, _half_then_panic)
        session = workshop.rooms.rooms[session_name]
        assert session.doc.get("board", type=Map).get("persona") == ""
        assert session.stats.rebuilt_documents == 1

        # later changes are answered, stored, and read back whole from the store
        await workshop.runner.run(workshop.lead, {"type": "configure", "scope": "motor"}, "x")
        stored, skipped = apply_tolerantly(await workshop.store.load_document(session_name))
        assert not skipped
        board = stored.get("board", type=Map)
        assert (board.get("persona"), board.get("scope")) == ("", "motor")

        # and every room still follows the rebuilt session document
        await workshop.runner.run(workshop.lead, {"type": "lock", "locked": True}, "x")
        assert content.locked
        await workshop.runner.run(
            workshop.lead,
            {"type": "promote", "participant": workshop.ann.person.id},
            "x",  # type: ignore[union-attr]
        )
        assert ann.bypass_lock


async def test_an_exception_that_changed_nothing_rebuilds_nothing(workshop: Workshop) -> None:
    def refuse(doc: Doc[Any]) -> None:
        raise ApiError(409, "nope", "refused before any change")

    with pytest.raises(ApiError):
        await workshop.boards.change_session(workshop.board_id, refuse)
    assert workshop.rooms.stats.rebuilt_documents == 0


# -- 12d: names ----------------------------------------------------------------------------------


def test_names_are_compared_after_normalising_them() -> None:
    assert same_name("Xp", "Xp\u200b")
    assert same_name("Xp", "\u2060X\u200dp\ufeff")
    assert same_name("Xp", "\uff38\uff50")
    assert same_name("Xp", "X\u00adp")
    assert same_name("Straße", "STRASSE")
    assert same_name("Anna  Berg", " anna berg ")
    assert same_name("Ann\u00e9", "Anne\u0301")
    assert not same_name("Xp", "Xq")
    assert not same_name("Xp", "X p")


def test_a_token_with_a_lone_surrogate_is_just_invalid() -> None:
    from journeyboard.workshop.tokens import InvalidToken, TokenSigner

    signer = TokenSigner(SECRET)
    for text in ("\ud800", "eyJiIjoiQiJ9.\udfff", "a" * 10 + "\ud800"):
        with pytest.raises(InvalidToken):
            signer.verify(text)
