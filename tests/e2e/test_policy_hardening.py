"""Issue #13, findings 8, 10 and 14: the lock and promotions hold on every node, a removed
person stays out, and a presence id belongs to the socket (and person) that first used it.

Real servers, real sockets, a real redis-server for the multi-node cases.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pycrdt import Map

from browsing import CHROMIUM, CHROMIUM_ARGS, STATIC_INDEX
from conftest import ServerProcess
from journeyboard.sync import protocol
from journeyboard.sync.protocol import AwarenessEntry, AwarenessMessage
from redisserver import RedisServer, cards, connected, nodes
from redisserver import redis as redis  # the fixture
from test_browser import open_page
from ysync import YClient, synced_client


def session(client: YClient) -> dict[str, Any]:
    return dict(client.doc.get("session", type=Map).to_py() or {})


def role_in_session(client: YClient, person_id: str) -> str | None:
    entry = (client.doc.get("participants", type=Map).to_py() or {}).get(person_id) or {}
    return entry.get("role")


def stored_cards(server: ServerProcess, board_id: str, token: str) -> set[str]:
    return set(server.get_board(board_id, token)["content"]["cards"])


# -- 8: the lock and promotions follow the session document on every node ------------------


async def test_a_lock_set_through_one_node_holds_for_a_participant_on_another(
    make_server: Any, redis: RedisServer
) -> None:
    a, b = nodes(make_server, redis, 2)
    board = a.create_board()
    bid, links = board["id"], board["tokens"]
    lead = a.join(links["facilitator"], "Fay")["token"]
    ann = a.join(links["participant"], "Ann")["token"]
    async with (
        synced_client(b.url(bid, ann)) as ann_on_b,
        synced_client(b.url(bid, links["viewer"], session=True)) as session_on_b,
        synced_client(a.url(bid, links["viewer"])) as watcher_on_a,
    ):
        await ann_on_b.change(lambda d: d.get("cards", type=Map).__setitem__("before", 1))
        await watcher_on_a.wait_until(lambda: "before" in cards(watcher_on_a))
        a.command(bid, lead, type="lock", locked=True)
        # B has applied the lock to its session document (what B's clients are shown).
        await session_on_b.wait_until(lambda: session(session_on_b).get("locked") is True)
        await ann_on_b.change(lambda d: d.get("cards", type=Map).__setitem__("during", 2))
        await ann_on_b.change(lambda d: d.get("cards", type=Map).pop("before"))
        # The server reverts both edits for Ann, and nobody else ever keeps them.
        await ann_on_b.wait_until(
            lambda: "during" not in cards(ann_on_b) and "before" in cards(ann_on_b)
        )
        async with synced_client(a.url(bid, lead)) as lead_on_a:
            await lead_on_a.change(lambda d: d.get("cards", type=Map).__setitem__("lead", 3))
            await watcher_on_a.wait_until(lambda: "lead" in cards(watcher_on_a))
        assert "during" not in cards(watcher_on_a) and "before" in cards(watcher_on_a)
    for server in (a, b):
        assert stored_cards(server, bid, links["viewer"]) == {"before", "lead"}
    (c,) = nodes(make_server, redis, 1)  # a node that only ever read the stored log
    assert stored_cards(c, bid, links["viewer"]) == {"before", "lead"}


async def test_a_promotion_through_one_node_holds_on_another(
    make_server: Any, redis: RedisServer
) -> None:
    a, b = nodes(make_server, redis, 2)
    board = a.create_board()
    bid, links = board["id"], board["tokens"]
    lead = a.join(links["facilitator"], "Fay")["token"]
    ann = a.join(links["participant"], "Ann")
    async with (
        synced_client(b.url(bid, ann["token"])) as ann_on_b,
        synced_client(b.url(bid, links["viewer"], session=True)) as session_on_b,
        synced_client(a.url(bid, links["viewer"])) as watcher_on_a,
    ):
        client_id = ann_on_b.doc.client_id
        await announce(ann_on_b, client_id, 1, {"cursor": 1})
        await watcher_on_a.wait_until(lambda: user_of(watcher_on_a, client_id) is not None)
        assert user_of(watcher_on_a, client_id)["role"] == "participant"
        a.command(bid, lead, type="lock", locked=True)
        a.command(bid, lead, type="promote", participant=ann["participant_id"])
        await session_on_b.wait_until(
            lambda: role_in_session(session_on_b, ann["participant_id"]) == "facilitator"
        )
        assert session(session_on_b).get("locked") is True
        await ann_on_b.change(lambda d: d.get("cards", type=Map).__setitem__("promoted", 1))
        await watcher_on_a.wait_until(lambda: "promoted" in cards(watcher_on_a))
        # Her presence is stamped with her new role (from her next awareness renewal on).
        await announce(ann_on_b, client_id, 2, {"cursor": 2})
        await watcher_on_a.wait_until(lambda: (user_of(watcher_on_a, client_id) or {}).get(
            "role") == "facilitator")  # fmt: skip
        assert user_of(watcher_on_a, client_id)["name"] == "Ann"
    for server in (a, b):
        assert stored_cards(server, bid, links["viewer"]) == {"promoted"}


# -- 10: a removed person cannot join again with the link -----------------------------------


# The join refusals themselves (the same browser, the same name, the facilitator link, a
# device id that does not look like one) run in-process over the whole app:
# tests/web/test_policy_in_process.py. The page that says why stays here, in a browser.


@pytest.mark.browser
@pytest.mark.skipif(
    not STATIC_INDEX.exists(), reason="client not built: cd client && npm run build"
)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}")
def test_the_page_tells_a_removed_person_they_cannot_join_again(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    removed = "A facilitator removed you from this board, so you cannot join it again"
    link = board["links"]["participant"]

    def join_through_the_page(page: Page, name: str) -> None:
        if page.url == link:
            page.reload()  # going to the same URL with a fragment would not load it again
        else:
            page.goto(link)
        page.get_by_test_id("join-name").fill(name)
        page.get_by_test_id("join-submit").click()

    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        dialogs: list[str] = []
        pat = open_page(browser, dialogs)
        join_through_the_page(pat, "Pat")
        expect(pat.get_by_test_id("join-form")).to_have_count(0)
        people = server.get_board(board["id"], board["tokens"]["viewer"])["session"]["participants"]
        (pat_id,) = people
        server.command(board["id"], board["tokens"]["facilitator"], type="remove",
                       participant=pat_id)  # fmt: skip
        pat.reload()  # the remembered personal token is refused: the page says why
        expect(pat.get_by_role("alert")).to_contain_text(removed)
        # Forgetting the token does not help: this browser's id is barred.
        pat.evaluate(
            "() => Object.keys(localStorage).filter(k => k.startsWith('journeyboard:person:'))"
            ".forEach(k => localStorage.removeItem(k))"
        )
        join_through_the_page(pat, "Someone New")
        expect(pat.get_by_test_id("join-form").get_by_role("alert")).to_contain_text(removed)
        # Another browser under the same name is refused too.
        other = open_page(browser, dialogs)
        join_through_the_page(other, "pat")
        expect(other.get_by_test_id("join-form").get_by_role("alert")).to_contain_text(removed)
        browser.close()
    assert dialogs == []
    people = server.get_board(board["id"], board["tokens"]["viewer"])["session"]["participants"]
    assert list(people) == [pat_id]


# -- 14: a presence id belongs to the socket, and the person, that first used it -----------


async def announce(
    client: YClient, client_id: int, clock: int, state: dict[str, Any] | None
) -> None:
    entry = AwarenessEntry(client_id, clock, "null" if state is None else json.dumps(state))
    await client.send_raw(protocol.encode_awareness(protocol.encode_awareness_update([entry])))


def user_of(client: YClient, client_id: int) -> Any:
    state = client.awareness.get(client_id, (0, None))[1]
    return state.get("user") if isinstance(state, dict) else None


def history(client: YClient, client_id: int) -> list[Any]:
    """Every state a client was shown for a client id, in order (None: a removal)."""
    states = []
    for frame in client.frames:
        message = protocol.decode_message(frame)
        if isinstance(message, AwarenessMessage):
            for entry in protocol.decode_awareness_update(message.payload):
                if entry.client_id == client_id:
                    states.append(json.loads(entry.state))
    return states


def names(states: list[Any]) -> set[str | None]:
    return {(s.get("user") or {}).get("name") if isinstance(s, dict) else None for s in states}


async def test_a_person_keeps_their_presence_id_on_one_node(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    bid, links = board["id"], board["tokens"]
    pat = server.join(links["participant"], "Pat")["token"]
    mallory = server.join(links["participant"], "Mallory")["token"]
    async with (
        synced_client(server.url(bid, links["viewer"])) as watcher,
        synced_client(server.url(bid, links["viewer"])) as viewer,
        synced_client(server.url(bid, mallory)) as intruder,
    ):
        first = await connected(server.url(bid, pat))
        pid = first.doc.client_id
        await announce(first, pid, 1, {"cursor": 1})
        await watcher.wait_until(lambda: (user_of(watcher, pid) or {}).get("name") == "Pat")
        # While Pat is here, nobody else can change or remove Pat's entry.
        await announce(viewer, pid, 40, {"cursor": "viewer"})
        await announce(intruder, pid, 41, None)
        await announce(viewer, viewer.doc.client_id, 1, {"v": 1})
        await announce(intruder, intruder.doc.client_id, 1, {"m": 1})
        for own in (viewer.doc.client_id, intruder.doc.client_id):
            await watcher.wait_until(lambda own=own: own in watcher.awareness)
        # Pat's connection drops; others try to take the id before Pat is back.
        await first.close()
        await watcher.wait_until(lambda: watcher.awareness.get(pid, (0, {}))[1] is None)
        await announce(viewer, pid, 50, {"cursor": "viewer"})
        await announce(viewer, viewer.doc.client_id, 2, {"v": 2})
        async with synced_client(server.url(bid, mallory)) as fresh_intruder:
            await announce(fresh_intruder, pid, 51, {"cursor": "mallory"})
            await announce(fresh_intruder, fresh_intruder.doc.client_id, 1, {"m": 2})
            await watcher.wait_until(lambda: fresh_intruder.doc.client_id in watcher.awareness)
            await watcher.wait_until(lambda: watcher.awareness[viewer.doc.client_id][0] == 2)
            # Pat reconnects with the same document (the stock provider keeps its client id).
            returning = YClient(server.url(bid, pat))
            returning.doc = first.doc
            await returning.connect()
            await returning.synced.wait()
            await announce(returning, pid, 5, {"cursor": 2})
            await watcher.wait_until(lambda: watcher.awareness.get(pid, (0, None))[0] == 5)
            assert user_of(watcher, pid)["name"] == "Pat"
            await announce(returning, pid, 6, {"cursor": 3})
            await watcher.wait_until(lambda: watcher.awareness.get(pid, (0, None))[0] == 6)
            await returning.close()
            await watcher.wait_until(lambda: watcher.awareness.get(pid, (0, {}))[1] is None)
    shown = history(watcher, pid)
    assert names(shown) == {"Pat", None}, shown
    assert [s and s["cursor"] for s in shown] == [1, None, 2, 3, None]


async def test_a_presence_id_is_bound_across_nodes(make_server: Any, redis: RedisServer) -> None:
    a, b = nodes(make_server, redis, 2)
    board = a.create_board()
    bid, links = board["id"], board["tokens"]
    pat = a.join(links["participant"], "Pat")["token"]
    async with (
        synced_client(b.url(bid, links["viewer"])) as watcher_on_b,
        synced_client(a.url(bid, links["viewer"])) as watcher_on_a,
    ):
        watchers = (watcher_on_a, watcher_on_b)
        first = await connected(a.url(bid, pat))
        pid = first.doc.client_id
        await announce(first, pid, 1, {"cursor": 1})
        for w in watchers:
            await w.wait_until(lambda w=w: (user_of(w, pid) or {}).get("name") == "Pat")

        async def attack(clock: int) -> None:
            """A fresh viewer socket on B overwrites and removes Pat's entry, then says
            something of its own: once a watcher sees that, it has seen the attack's effect."""
            async with synced_client(b.url(bid, links["viewer"])) as viewer_on_b:
                own = viewer_on_b.doc.client_id
                await announce(viewer_on_b, pid, clock, {"cursor": "viewer"})
                await announce(viewer_on_b, pid, clock + 1, None)
                await announce(viewer_on_b, own, clock, {"v": clock})
                for w in watchers:
                    await w.wait_until(lambda w=w: w.awareness.get(own, (0, None))[0] == clock)

        await attack(40)
        await announce(first, pid, 2, {"cursor": 2})
        for w in watchers:
            await w.wait_until(lambda w=w: w.awareness.get(pid, (0, None))[0] == 2)
        # Pat leaves node A; the viewer on B tries to take the id; Pat comes back through B.
        await first.close()
        for w in watchers:
            await w.wait_until(lambda w=w: w.awareness.get(pid, (0, {}))[1] is None)
        await attack(60)
        returning = YClient(b.url(bid, pat))
        returning.doc = first.doc
        await returning.connect()
        await returning.synced.wait()
        await announce(returning, pid, 5, {"cursor": 3})
        for w in watchers:
            await w.wait_until(lambda w=w: w.awareness.get(pid, (0, None))[0] == 5)
            assert user_of(w, pid)["name"] == "Pat"
        await returning.close()
        for w in watchers:
            await w.wait_until(lambda w=w: w.awareness.get(pid, (0, {}))[1] is None)
    for w in watchers:
        shown = history(w, pid)
        assert names(shown) == {"Pat", None}, shown
        # Removed only when Pat left, each time.
        assert [s and s["cursor"] for s in shown] == [1, 2, None, 3, None]
