"""Hardening, round two (issue #23), findings 8, 9, 10 and 12, against a real server process.

- 8: card values JSON cannot hold (NaN, Infinity, bytes) read as absent: no read answers 500.
- 9: a lone surrogate or an integer past 64 bits is refused at validation with a 4xx JSON
  error, and a change answered 200 after it survives kill -9.
- 10: removing a facilitator rotates the facilitator link, so a removed co-facilitator's copy
  of it stops working; the participant and viewer links and personal tokens stay.
- 12: hostile unauthenticated inputs get a 4xx JSON error (not uvicorn's text/plain 500),
  control characters cannot forge log lines, a second `serve` on one SQLite file is refused,
  a removed name cannot come back with invisible characters, and the database is 0600.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import stat
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Map, Text

from conftest import ServerProcess
from waiting import wait_until_sync
from ysync import synced_client

FORMATS = ("json", "csv", "md", "html", "svg")


def strict_json(text: str) -> Any:
    """Parse as a browser's JSON.parse would: NaN and Infinity are not JSON."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def post_raw(
    server: ServerProcess, path: str, raw: bytes, token: str | None = None
) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.http}{path}", content=raw, headers=headers, timeout=30)


def command(server: ServerProcess, board_id: str, token: str, **body: Any) -> httpx.Response:
    return httpx.post(
        f"{server.http}/api/boards/{board_id}/commands",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def assert_json_error(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.text
    error = strict_json(response.text)["error"]
    assert isinstance(error, dict) and error["code"] and error["message"]
    return error


def token_of(link: str) -> str:
    return link.partition("#token=")[2]


# -- 8: card values JSON cannot hold ----------------------------------------------------------


async def test_card_values_json_cannot_hold_read_as_absent(server: ServerProcess) -> None:
    board = server.create_board("Odd values")
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        stage = next(iter(client.doc.get("stages", type=Map).keys()))

        def write(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            odd = {
                "emotion": float("nan"),
                "kpi": float("inf"),
                "nps": float("-inf"),
                "blob": b"\x00\x01binary",
                "nested": {"fine": 1, "bad": float("nan"), "list": [1, float("inf"), "x"]},
            }
            for n, (key, value) in enumerate(odd.items()):
                cards[f"odd{n}"] = Map(
                    {"kind": "feeling", "stage": stage, "pos": f"a{n}", "text": Text(f"odd {key}"),
                     key: value}
                )  # fmt: skip
            cards["ok"] = Map({"kind": "pain", "stage": stage, "pos": "b0", "text": Text("fine")})

        await client.change(write)

    def read_everything() -> None:
        headers = {"Authorization": f"Bearer {board['tokens']['viewer']}"}
        got = httpx.get(f"{server.http}/api/boards/{board['id']}", headers=headers, timeout=30)
        assert got.status_code == 200, got.text
        cards = strict_json(got.text)["content"]["cards"]
        assert set(cards) == {"odd0", "odd1", "odd2", "odd3", "odd4", "ok"}
        assert "emotion" not in cards["odd0"] and "kpi" not in cards["odd1"]
        assert "nps" not in cards["odd2"] and "blob" not in cards["odd3"]
        assert cards["odd4"]["nested"] == {"fine": 1, "list": [1, "x"]}
        assert cards["odd0"]["text"] == "odd emotion" and cards["ok"]["text"] == "fine"
        for fmt in FORMATS:
            response = httpx.get(
                f"{server.http}/api/boards/{board['id']}/export.{fmt}", headers=headers, timeout=60
            )
            assert response.status_code == 200, (fmt, response.text)
            assert "odd emotion" in response.text and "fine" in response.text, fmt
            if fmt == "json":
                exported = strict_json(response.text)
                assert {card["id"] for card in exported["cards"]} >= {"odd0", "ok"}

    read_everything()
    server.kill(signal.SIGTERM)  # and once the room loads from the store
    server.start()
    read_everything()
    assert "Traceback" not in server.logs()


# -- 9 and 12a: lone surrogates and huge integers are refused at validation -------------------


def example_import(**card_fields: Any) -> dict[str, Any]:
    root = Path(__file__).parents[2] / "shared_schema" / "examples" / "insurance_claim.json"
    data: dict[str, Any] = json.loads(root.read_text())
    data["cards"][0].update(card_fields)
    return data


def test_hostile_unauthenticated_bodies_get_a_json_4xx(server: ServerProcess) -> None:
    bodies = [
        b'{"title": "a\\ud800"}',
        b'{"title": "ok", "persona": "\\udfff"}',
        b'{"title": "ok", "scope": "x\\udbff"}',
        b'{"title": "ok", "template": "\\ud800"}',
        b'{"title": "ok", "persona": NaN}',
        b'{"title": "ok", "persona": "", "scope": "", "\\ud800": Infinity}',
        json.dumps({"title": "imp", "import": example_import(emotion=2**63)}).encode(),
        json.dumps({"title": "imp", "import": example_import(emotion=-(2**63) - 1)}).encode(),
        json.dumps({"title": "imp", "import": example_import(text="t\ud800")}).encode(),
        json.dumps({"title": "imp", "import": example_import(kpi=[{"\udc00": 1}])}).encode(),
    ]
    lines_before = len(server.logs().splitlines())
    for raw in bodies:
        error = assert_json_error(post_raw(server, "/api/boards", raw), 400)
        assert error["code"] in ("bad_json", "invalid_body", "unknown_template"), raw
    # a 64-bit integer that still fits is fine
    fits = post_raw(
        server,
        "/api/boards",
        json.dumps({"title": "imp", "import": example_import(emotion=2**63 - 1)}).encode(),
    )
    assert fits.status_code == 201, fits.text
    logs = server.logs()
    assert "panicked" not in logs and "PanicException" not in logs and "Traceback" not in logs
    assert len(logs.splitlines()) - lines_before < 3 * (len(bodies) + 1)


def test_a_lone_surrogate_in_configure_is_refused_and_later_changes_survive_kill_9(
    make_server: Any,
) -> None:
    server: ServerProcess = make_server()
    board = server.create_board("Surrogates")
    lead = server.join(board["tokens"]["facilitator"], "Lea")
    for raw in (
        b'{"type": "configure", "persona": "Anna", "scope": "claims \\ud800 only"}',
        b'{"type": "configure", "title": "\\udfff"}',
        b'{"type": "configure", "votes_per_person": 9223372036854775808}',
    ):
        path = f"/api/boards/{board['id']}/commands"
        assert_json_error(post_raw(server, path, raw, lead["token"]), 400)
    name = post_raw(server, f"/api/boards/{board['id']}/join", b'{"name": "x\\ud800"}',
                    board["tokens"]["participant"])  # fmt: skip
    assert_json_error(name, 400)
    later = command(server, board["id"], lead["token"], type="configure", scope="motor claims")
    assert later.status_code == 200, later.text
    server.kill(signal.SIGKILL)
    server.start()
    session = server.get_board(board["id"], lead["token"])["session"]
    assert session["board"]["scope"] == "motor claims"
    assert session["board"]["persona"] == ""  # nothing of the refused command was applied
    people = [p["name"] for p in session["participants"].values()]
    assert people == ["Lea"]


# -- 10: removing a facilitator rotates the facilitator link ---------------------------------


def test_a_removed_co_facilitator_cannot_take_the_board_over(server: ServerProcess) -> None:
    board = server.create_board("Takeover")
    bid = board["id"]
    lead = server.join(board["tokens"]["facilitator"], "Lea")
    ann = server.join(board["tokens"]["participant"], "Ann")
    bob = server.join(board["tokens"]["participant"], "Bob")
    assert command(server, bid, lead["token"], type="promote",
                   participant=ann["participant_id"]).status_code == 200  # fmt: skip
    read = httpx.get(f"{server.http}/api/boards/{bid}/links",
                     headers={"Authorization": f"Bearer {ann['token']}"})  # fmt: skip
    assert read.status_code == 200
    stolen = token_of(read.json()["links"]["facilitator"])

    # removing a plain participant changes no link
    plain = command(server, bid, lead["token"], type="remove", participant=bob["participant_id"])
    assert plain.status_code == 200 and plain.json()["result"]["rotated"] == []

    removed = command(server, bid, lead["token"], type="remove", participant=ann["participant_id"])
    assert removed.status_code == 200, removed.text
    result = removed.json()["result"]
    assert result["rotated"] == ["facilitator"]
    new_link = result["links"]["facilitator"]
    assert token_of(new_link) and token_of(new_link) != stolen

    # the copy read while promoted no longer works: not to act, not to read, not to join
    takeover = command(server, bid, stolen, type="remove", participant=lead["participant_id"])
    assert_json_error(takeover, 401)
    assert takeover.json()["error"]["code"] == "link_rotated"
    rotate = command(server, bid, stolen, type="rotate_link", role="facilitator")
    assert rotate.status_code == 401
    got = httpx.get(
        f"{server.http}/api/boards/{bid}", headers={"Authorization": f"Bearer {stolen}"}
    )
    assert got.status_code == 401
    joined = post_raw(server, f"/api/boards/{bid}/join", b'{"name": "Someone else"}', stolen)
    assert joined.status_code == 401

    # the remover, the participant and viewer links and everyone's own tokens stay
    links = httpx.get(f"{server.http}/api/boards/{bid}/links",
                      headers={"Authorization": f"Bearer {lead['token']}"}).json()["links"]  # fmt: skip
    assert token_of(links["facilitator"]) == token_of(new_link)
    assert token_of(links["participant"]) == board["tokens"]["participant"]
    assert token_of(links["viewer"]) == board["tokens"]["viewer"]
    server.join(board["tokens"]["participant"], "Cid")
    server.get_board(bid, board["tokens"]["viewer"])
    server.join(token_of(new_link), "Dee")


# -- 12b: control characters in logged values -------------------------------------------------


def test_control_characters_cannot_forge_log_lines(server: ServerProcess) -> None:
    forged = "2026-12-06 07:00:00,000 INFO journeyboard.access: 10.0.0.9 FORGED"
    path = "/api/boards/abc%0d%0a" + forged.replace(" ", "%20") + "%0a%1b%5b31mred"
    response = httpx.get(f"{server.http}{path}")
    assert response.status_code == 401

    # The access line is written after the answer went out: wait for it, with a deadline.
    def answered() -> str:
        text = server.logs()
        return text if '" 401 ' in text else ""

    logs = wait_until_sync(answered, 10, "the access line")
    assert not any(line.endswith("FORGED") for line in logs.splitlines())
    assert "\x1b" not in logs
    assert "abc\\r\\n2026-12-06" in logs


# -- 12c: one process per SQLite file ---------------------------------------------------------


def test_a_second_server_on_the_same_sqlite_file_is_refused(make_server: Any) -> None:
    first: ServerProcess = make_server()
    board = first.create_board("Only one")
    with pytest.raises(RuntimeError) as refused:
        make_server(store_url=first.store_url)
    assert "another journeyboard process" in str(refused.value)
    assert "Traceback" not in str(refused.value)
    first.get_board(board["id"], board["tokens"]["viewer"])  # the first one still serves
    first.kill(signal.SIGKILL)  # a killed holder leaves no stale lock behind
    first.start()
    first.get_board(board["id"], board["tokens"]["viewer"])


# -- 12d: removed names compared the way people read them -------------------------------------


def test_a_removed_name_cannot_come_back_with_invisible_or_lookalike_characters(
    server: ServerProcess,
) -> None:
    board = server.create_board("Names")
    lead = server.join(board["tokens"]["facilitator"], "Lea")
    xp = server.join(board["tokens"]["participant"], "Xp")
    assert command(server, board["id"], lead["token"], type="remove",
                   participant=xp["participant_id"]).status_code == 200  # fmt: skip
    path = f"/api/boards/{board['id']}/join"
    for name in (
        "Xp\u200b",
        "X\u200dp",
        "\u2060Xp",
        "\uff38\uff50",
        "X\u00adp",
        " xP ",
        "XP\ufeff",
    ):
        raw = json.dumps({"name": name}).encode()
        error = assert_json_error(post_raw(server, path, raw, board["tokens"]["participant"]), 403)
        assert error["code"] == "removed", name
    server.join(board["tokens"]["participant"], "Xq")  # another name still gets in
    invisible = post_raw(
        server, path, b'{"name": "\\u200b\\u2060"}', board["tokens"]["participant"]
    )
    assert assert_json_error(invisible, 400)["code"] == "invalid_name"


# -- 12e: the database is private ---------------------------------------------------------------


def test_the_sqlite_files_are_created_0600(make_server: Any, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        server: ServerProcess = make_server()
    finally:
        os.umask(old)
    board = server.create_board("Private")
    server.join(board["tokens"]["participant"], "Ann")
    db = tmp_path / "board.db"
    files = [db, db.with_name("board.db-wal"), db.with_name("board.db-shm")]
    for path in files:
        assert path.exists(), path
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))


def test_an_existing_world_readable_database_is_made_private(
    make_server: Any, tmp_path: Path
) -> None:
    db = tmp_path / "board.db"
    sqlite3.connect(db).close()
    db.chmod(0o644)
    server: ServerProcess = make_server()
    server.create_board("Private")
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# -- 10, in the browser: the people panel says the facilitator link changed -------------------


def browser_test(test: Any) -> Any:
    from browsing import BROWSER_MARKS

    for mark in BROWSER_MARKS:
        test = mark(test)
    return test


@browser_test
def test_the_people_panel_says_the_facilitator_link_was_replaced(server: ServerProcess) -> None:
    from playwright.sync_api import expect, sync_playwright

    from browsing import CHROMIUM, CHROMIUM_ARGS
    from test_browser import open_page

    board = server.create_board("People panel")
    bid = board["id"]
    ann = server.join(board["tokens"]["participant"], "Ann")
    lead = server.join(board["tokens"]["facilitator"], "Lea")
    promoted = command(
        server, bid, lead["token"], type="promote", participant=ann["participant_id"]
    )
    assert promoted.status_code == 200
    old_link = board["links"]["facilitator"]
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        fay = open_page(browser, dialogs)  # the facilitator steers with the link, no name
        fay.goto(old_link)
        expect(fay.get_by_test_id("status")).to_have_attribute("data-status", "synced")
        row = fay.locator('[data-testid="participant"][data-name="Ann"]')
        expect(row).to_have_attribute("data-role", "facilitator")
        row.get_by_test_id("remove").click()
        row.get_by_test_id("confirm-remove").click()
        note = fay.get_by_test_id("facilitator-link-rotated")
        expect(note).to_contain_text("Ann was a facilitator, so the facilitator link was replaced")
        expect(note).to_have_attribute("role", "status")
        # The page moved to the new link (the old one's sockets were closed) and works on.
        expect(fay).not_to_have_url(old_link)
        new_token = token_of(fay.url)
        assert new_token and new_token != token_of(old_link)
        expect(fay.get_by_test_id("status")).to_have_attribute("data-status", "synced")
        fay.reload()
        expect(fay.get_by_test_id("status")).to_have_attribute("data-status", "synced")
        expect(fay.get_by_test_id("my-role")).to_have_attribute("data-role", "facilitator")
        browser.close()
    assert dialogs == []
    links = httpx.get(f"{server.http}/api/boards/{bid}/links",
                      headers={"Authorization": f"Bearer {lead['token']}"}).json()["links"]  # fmt: skip
    assert token_of(links["facilitator"]) == new_token
