"""Private writing (issue #29): drafts stay with their writer until a reveal or a publish.

Through real sockets, a real server process and the stock y-websocket client: nobody else's
socket, no HTTP read and no export carries a byte of a draft before the reveal; the reveal moves
every draft into the board exactly once, also when the server is killed at random points.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pycrdt import Doc, Map, Text

from conftest import ServerProcess
from journeyboard.exports.render import FORMATS
from journeyboard.sync.close_codes import CLOSE
from nodeclient import NodeClient
from waiting import wait_for_value
from ysync import YClient, synced_client


def command(server: ServerProcess, board_id: str, token: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{server.http}/api/boards/{board_id}/commands",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def run(server: ServerProcess, board_id: str, token: str, **body: Any) -> dict[str, Any]:
    response = command(server, board_id, token, **body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def private_url(server: ServerProcess, board_id: str, token: str) -> str:
    return f"{server.ws}/{board_id}/private?token={token}"


def write_draft(card_id: str, text: str, kind: str = "pain", stage: str = "s1", pos: str = "a0"):  # type: ignore[no-untyped-def]
    def edit(doc: Doc[Any]) -> None:
        doc.get("cards", type=Map)[card_id] = Map(
            {"kind": kind, "stage": stage, "pos": pos, "text": Text(text)}
        )

    return edit


def every_http_read(server: ServerProcess, board_id: str, tokens: list[str]) -> bytes:
    """The board, the person's own page and every export, as each token holder reads them."""
    out = b""
    for token in tokens:
        headers = {"Authorization": f"Bearer {token}"}
        for path in ("", "/me", *(f"/export.{fmt}" for fmt in FORMATS)):
            response = httpx.get(
                f"{server.http}/api/boards/{board_id}{path}", headers=headers, timeout=60
            )
            out += response.content
    return out


def content_cards(server: ServerProcess, board_id: str, token: str) -> dict[str, Any]:
    return dict(server.get_board(board_id, token)["content"]["cards"])


@dataclass(frozen=True)
class Writers:
    """A board with two participants, Alice and Bob, joined through its links."""

    board_id: str
    tokens: dict[str, str]
    alice: dict[str, Any]
    bob: dict[str, Any]

    @property
    def fac(self) -> str:
        return self.tokens["facilitator"]


def writers(server: ServerProcess, board: dict[str, Any]) -> Writers:
    tokens = board["tokens"]
    alice = server.join(tokens["participant"], "Alice")
    bob = server.join(tokens["participant"], "Bob")
    return Writers(board["id"], tokens, alice, bob)


@dataclass(frozen=True)
class Drafts:
    """Alice's and Bob's private documents, and a viewer's session document."""

    alice: YClient
    bob: YClient
    viewer: YClient

    @property
    def session(self) -> Map:
        return self.viewer.doc.get("session", type=Map)


@contextlib.asynccontextmanager
async def two_drafts(
    server: ServerProcess, people: Writers, alice_text: str, bob_text: str
) -> AsyncIterator[Drafts]:
    """Alice writes draft a1 and Bob draft b1, each in their private document; entered once
    a viewer's session socket counts both."""
    board_id = people.board_id
    async with (
        synced_client(private_url(server, board_id, people.alice["token"])) as a,
        synced_client(private_url(server, board_id, people.bob["token"])) as b,
        synced_client(server.url(board_id, people.tokens["viewer"], session=True)) as viewer,
    ):
        await a.change(write_draft("a1", alice_text))
        await b.change(write_draft("b1", bob_text))
        drafts = Drafts(a, b, viewer)
        await viewer.wait_until(lambda: drafts.session.get("drafts_total") == 2)
        yield drafts


async def test_drafts_reach_nobody_but_their_writer_until_the_reveal(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    people = writers(server, board)
    board_id, tokens, alice, bob = people.board_id, people.tokens, people.alice, people.bob
    host = server.join(tokens["facilitator"], "Fay")
    run(server, board_id, people.fac, type="private_writing", on=True)
    secrets = {"d1": "ZEBRAQUARTZ one", "d2": "ZEBRAQUARTZ two"}
    watchers = [
        YClient(server.url(board_id, bob["token"])),
        YClient(server.url(board_id, bob["token"], session=True)),
        YClient(server.url(board_id, tokens["viewer"])),
        YClient(server.url(board_id, tokens["viewer"], session=True)),
        YClient(private_url(server, board_id, bob["token"])),
        YClient(server.url(board_id, host["token"], session=True)),
    ]
    for watcher in watchers:
        await watcher.connect()
    try:
        # Alice writes through the stock client, in her private document.
        writer = await NodeClient.start(server.ws, f"{board_id}/private", alice["token"])
        try:
            await writer.next(lambda m: m.get("event") == "synced")
            for key, text in secrets.items():
                assert (await writer.command("text", key=key, text=text))["ok"] == "text"
            bob_session = watchers[1]

            def counted() -> bool:
                drafts = bob_session.doc.get("drafts", type=Map).get(alice["participant_id"])
                return isinstance(drafts, Map) and drafts.get("note") == 2

            await bob_session.wait_until(counted)
            assert bob_session.doc.get("session", type=Map).get("drafts_total") == 2
            # Viewers cannot open a private document at all.
            async with YClient(private_url(server, board_id, tokens["viewer"])) as viewer:
                assert await viewer.wait_closed() == CLOSE.FORBIDDEN.code
            for watcher in watchers:
                await watcher.round_trip()
            http = every_http_read(
                server, board_id, [tokens["viewer"], bob["token"], tokens["facilitator"]]
            )
            assert b"ZEBRAQUARTZ" not in http
            for watcher in watchers:
                assert not any(b"ZEBRAQUARTZ" in frame for frame in watcher.frames)
            # Bob's own private document holds nothing of Alice's.
            assert dict(watchers[4].doc.get("cards", type=Map)) == {}

            # A facilitator's drafts are private too, and move with everyone's.
            async with synced_client(private_url(server, board_id, host["token"])) as own:
                await own.change(write_draft("f1", "facilitator idea"))
                await own.round_trip()
            result = run(server, board_id, tokens["facilitator"], type="reveal", what="drafts")
            assert result["result"] == {"revealed": "drafts", "cards": 3}
            await wait_for_value(
                lambda: writer.command("dump", maps=["cards"]),
                lambda dumped: not dumped["state"]["cards"],
                what="the writer's private document after the reveal",
            )
        finally:
            await writer.quit()
        cards = content_cards(server, board_id, bob["token"])
        assert {key: cards[key]["text"] for key in secrets} == secrets
        assert all(cards[key]["author"] == "Alice" for key in secrets)
        assert all(cards[key]["author_id"] == alice["participant_id"] for key in secrets)
        assert cards["f1"]["author"] == "Fay" and cards["f1"]["text"] == "facilitator idea"
        assert watchers[1].doc.get("session", type=Map).get("drafts_total") == 0
        # The stock client reads the server's reveal.
        reader = await NodeClient.start(server.ws, board_id, tokens["viewer"])
        try:
            await reader.next(lambda m: m.get("event") == "synced")
            dumped = (await reader.command("dump", maps=["cards"]))["state"]["cards"]
            assert {key: dumped[key]["text"] for key in secrets} == secrets
        finally:
            await reader.quit()
    finally:
        for watcher in watchers:
            await watcher.close()


async def test_publish_moves_only_ones_own_drafts_and_anonymous_mode_keeps_no_author(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    people = writers(server, board)
    board_id, tokens, fac = people.board_id, people.tokens, people.fac
    alice, bob = people.alice, people.bob
    run(server, board_id, fac, type="configure", anonymous=True)
    run(server, board_id, fac, type="private_writing", on=True, lanes=["pain"])
    async with two_drafts(server, people, "alice idea", "bob idea") as drafts:
        a, viewer, session = drafts.alice, drafts.viewer, drafts.session
        # Anonymous: one total, nothing per person.
        assert dict(viewer.doc.get("drafts", type=Map)) == {}
        # Private writing off: the drafts stay private.
        run(server, board_id, fac, type="private_writing", on=False)
        run(server, board_id, fac, type="set_phase", phase="pain_points")
        assert "a1" not in content_cards(server, board_id, fac)
        assert run(server, board_id, alice["token"], type="publish_drafts")["result"] == {
            "published": 1
        }
        cards = content_cards(server, board_id, fac)
        assert cards["a1"]["text"] == "alice idea"
        assert "author" not in cards["a1"] and "author_id" not in cards["a1"]
        assert "b1" not in cards
        await a.wait_until(lambda: "a1" not in a.doc.get("cards", type=Map))
        await viewer.wait_until(lambda: session.get("drafts_total") == 1)

        def exported(fmt: str) -> str:
            return httpx.get(
                f"{server.http}/api/boards/{board_id}/export.{fmt}",
                headers={"Authorization": f"Bearer {fac}"},
            ).content.decode("utf-8-sig")

        rows = [line for line in exported("csv").splitlines() if "alice idea" in line]
        assert len(rows) == 1 and "Alice" not in rows[0]
        assert "alice idea" in exported("json") and '"author": "Alice"' not in exported("json")
    # A viewer may not publish (no drafts) and a participant may not reveal.
    assert command(server, board_id, tokens["viewer"], type="publish_drafts").status_code == 403
    assert command(server, board_id, bob["token"], type="reveal", what="drafts").status_code == 403


async def test_a_removed_persons_drafts_are_dropped_never_revealed(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    people = writers(server, board)
    board_id, alice, fac = people.board_id, people.alice, people.fac
    run(server, board_id, fac, type="private_writing", on=True)
    async with two_drafts(server, people, "REMOVEDSECRET", "kept idea") as drafts:
        a, viewer, session = drafts.alice, drafts.viewer, drafts.session
        removed = run(server, board_id, fac, type="remove", participant=alice["participant_id"])
        assert removed["result"]["dropped_drafts"] == 1
        assert await a.wait_closed() == CLOSE.FORBIDDEN.code
        await viewer.wait_until(lambda: session.get("drafts_total") == 1)
        run(server, board_id, fac, type="reveal", what="drafts")
    cards = content_cards(server, board_id, fac)
    assert "a1" not in cards and cards["b1"]["text"] == "kept idea"
    assert b"REMOVEDSECRET" not in every_http_read(server, board_id, [fac])


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_a_reveal_moves_every_draft_exactly_once_across_kill_9(
    make_server: Any, seed: int
) -> None:
    server: ServerProcess = make_server("--grace", "1")
    rng = random.Random(seed)
    board = server.create_board()
    board_id, tokens = board["id"], board["tokens"]
    fac = tokens["facilitator"]
    writers = [server.join(tokens["participant"], f"Writer {n}") for n in range(4)]
    run(server, board_id, fac, type="private_writing", on=True)
    expected: dict[str, str] = {}

    async def write_round(round_number: int) -> None:
        for index, writer in enumerate(writers):
            async with synced_client(private_url(server, board_id, writer["token"])) as client:
                for n in range(5):
                    card_id = f"r{round_number}w{index}c{n}"
                    expected[card_id] = f"draft {card_id}"
                    await client.change(write_draft(card_id, expected[card_id], pos=f"a{n}"))
                await client.round_trip()

    # How long an undisturbed reveal of this size takes, from the request to the answer.
    await write_round(0)
    started = time.monotonic()
    run(server, board_id, fac, type="reveal", what="drafts")
    took = time.monotonic() - started
    for round_number in range(1, 6):
        await write_round(round_number)
        # Send the reveal and kill the server at a random moment while it runs.
        outcome: list[int] = []

        def send(outcome: list[int] = outcome) -> None:
            try:
                answer = command(server, board_id, fac, type="reveal", what="drafts")
                outcome.append(answer.status_code)
            except httpx.HTTPError:
                outcome.append(-1)

        delay = rng.uniform(0.0, took * 1.2)
        thread = threading.Thread(target=send)
        started = time.monotonic()
        thread.start()
        while time.monotonic() - started < delay:  # a random point, not a wait for an event
            await asyncio.sleep(0.0005)
        server.kill()
        thread.join(30)
        server.start(same_port=True)
        # Whatever the kill interrupted, the next reveal finishes it; nothing is left behind.
        run(server, board_id, fac, type="reveal", what="drafts")
        cards = content_cards(server, board_id, fac)
        texts = [card.get("text") for card in cards.values()]
        for card_id, text in expected.items():
            assert cards.get(card_id, {}).get("text") == text, (round_number, outcome, card_id)
            assert texts.count(text) == 1
        for writer in writers:
            async with synced_client(private_url(server, board_id, writer["token"])) as client:
                assert dict(client.doc.get("cards", type=Map)) == {}
        session = server.get_board(board_id, fac)["session"]
        assert session["session"]["drafts_total"] == 0


async def test_drafts_on_a_journey_of_a_workshop_are_revealed_with_their_authors_and_dropped_on_removal(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    """People are the workshop's: a reveal on a persona journey names them, and a removal from
    any journey drops their drafts on every journey and closes their private sockets there."""
    root, tokens = board["id"], board["tokens"]
    fac = server.join(tokens["facilitator"], "Fay")["token"]
    added = httpx.post(
        f"{server.http}/api/boards/{root}/journeys",
        json={"relation": "persona", "persona": "Young driver"},
        headers={"Authorization": f"Bearer {fac}"},
    )
    assert added.status_code == 201, added.text
    journey = added.json()["id"]
    people = writers(server, board)
    alice, bob = people.alice, people.bob
    for board_id in (root, journey):
        run(server, board_id, fac, type="private_writing", on=True)
    async with (
        synced_client(private_url(server, journey, alice["token"])) as a_journey,
        synced_client(private_url(server, root, alice["token"])) as a_root,
        synced_client(private_url(server, journey, bob["token"])) as b_journey,
        synced_client(server.url(journey, tokens["viewer"], session=True)) as viewer,
    ):
        await a_journey.change(write_draft("a1", "ALICE JOURNEY SECRET"))
        await a_root.change(write_draft("a2", "ALICE ROOT SECRET"))
        await b_journey.change(write_draft("b1", "Bob's idea"))
        session = viewer.doc.get("session", type=Map)
        await viewer.wait_until(lambda: session.get("drafts_total") == 2)
        removed = run(server, root, fac, type="remove", participant=alice["participant_id"])
        assert removed["result"]["dropped_drafts"] == 2
        assert await a_journey.wait_closed() == CLOSE.FORBIDDEN.code
        assert await a_root.wait_closed() == CLOSE.FORBIDDEN.code
        await viewer.wait_until(lambda: session.get("drafts_total") == 1)
        run(server, journey, fac, type="reveal", what="drafts")
    cards = content_cards(server, journey, fac)
    assert "a1" not in cards and cards["b1"]["text"] == "Bob's idea"
    # The workshop's record names the author (before, a journey's own id found nobody: "").
    assert cards["b1"]["author"] == "Bob" and cards["b1"]["author_id"] == bob["participant_id"]
    assert "a2" not in content_cards(server, root, fac)
