"""The HTTP API against a real server: boards, joining, reading, and clear errors."""

from __future__ import annotations

from typing import Any

import httpx
from pycrdt import Map

from conftest import ServerProcess
from ysync import synced_client


def test_create_board_returns_links_with_tokens_in_the_fragment(server: ServerProcess) -> None:
    created = server.create_board("Insurance claim", template="service")
    assert (
        set(created["links"])
        == set(created["tokens"])
        == {
            "facilitator",
            "participant",
            "viewer",
            "reviewer",
        }
    )
    for role, link in created["links"].items():
        assert link == f"{server.http}/b/{created['id']}#token={created['tokens'][role]}"
    assert isinstance(created["server_now_ms"], int)
    data = server.get_board(created["id"], created["tokens"]["viewer"])
    assert data["session"]["board"]["title"] == "Insurance claim"
    assert data["session"]["session"]["phase"] == "lobby"
    names = sorted(data["content"]["stages"].values(), key=lambda s: s["pos"])
    assert next(s["name"] for s in names) == "Problem occurs"


def test_the_session_alone_leaves_the_content_out(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    # The page starts from the session part; the content comes from its socket.
    url = f"{server.http}/api/boards/{board['id']}"
    headers = {"Authorization": f"Bearer {board['tokens']['participant']}"}
    whole = httpx.get(url, headers=headers).json()
    light = httpx.get(url, params={"only": "session"}, headers=headers)
    assert light.status_code == 200, light.text
    data = light.json()
    assert set(data) == {"id", "role", "language", "journeys", "session", "server_now_ms"}
    assert data["language"] == "en"
    assert data["journeys"] == 1
    assert data["role"] == "participant"
    assert data["session"] == whole["session"]
    assert "content" in whole
    wrong = httpx.get(url, params={"only": "content"}, headers=headers)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_option"
    denied = httpx.get(url, params={"only": "session"}, headers={"Authorization": "Bearer nope"})
    assert denied.status_code in (401, 403)


def test_public_url_is_used_in_links(make_server: Any) -> None:
    server = make_server("--public-url", "https://board.example.org")
    created = server.create_board()
    assert created["links"]["viewer"].startswith(
        f"https://board.example.org/b/{created['id']}#token="
    )


async def test_join_adds_the_person_to_the_session_document(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    url = server.url(board["id"], board["tokens"]["viewer"], session=True)
    async with synced_client(url) as watcher:
        joined = server.join(board["tokens"]["participant"], "Ann", "Claims")
        people = lambda: watcher.doc.get("participants", type=Map).to_py() or {}  # noqa: E731
        await watcher.wait_until(lambda: joined["participant_id"] in people())
        assert people()[joined["participant_id"]]["name"] == "Ann"
        assert people()[joined["participant_id"]]["role"] == "participant"
    lead = server.join(board["tokens"]["facilitator"], "Fay")
    assert lead["role"] == "facilitator"
    me = server.get_board(board["id"], lead["token"])
    assert me["role"] == "facilitator"


def test_bad_requests_get_clear_json_errors(server: ServerProcess, board: dict[str, Any]) -> None:
    base = server.http
    auth = {"Authorization": f"Bearer {board['tokens']['participant']}"}
    cases = [
        httpx.post(f"{base}/api/boards", content=b"{nope"),
        httpx.post(f"{base}/api/boards", json={"title": ""}),
        httpx.post(f"{base}/api/boards", json={"title": "x", "template": "nope"}),
        httpx.post(f"{base}/api/boards", json=["x"]),
        httpx.post(f"{base}/api/boards/{board['id']}/join", json={"name": "x"}),
        httpx.post(f"{base}/api/boards/{board['id']}/join", json={"name": "  "}, headers=auth),
        httpx.post(
            f"{base}/api/boards/{board['id']}/join",
            json={"name": "v"},
            headers={"Authorization": f"Bearer {board['tokens']['viewer']}"},
        ),
        httpx.get(f"{base}/api/boards/{board['id']}", headers={"Authorization": "Bearer junk"}),
        httpx.get(f"{base}/api/boards/other", headers=auth),
        httpx.get(f"{base}/api/nothing"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, response.text
        error = response.json()["error"]
        assert error["code"] and error["message"]


def test_pages_carry_security_headers(server: ServerProcess) -> None:
    for path in ("/", "/b/some-board"):
        response = httpx.get(server.http + path)
        assert response.status_code in (200, 503)
        csp = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        )
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_tokens_never_reach_the_log(server: ServerProcess, board: dict[str, Any]) -> None:
    import asyncio

    async def connect() -> None:
        async with synced_client(server.url(board["id"], board["tokens"]["viewer"])):
            pass

    asyncio.run(connect())
    server.get_board(board["id"], board["tokens"]["participant"])
    logs = server.logs()
    assert "WebSocket" in logs
    for token in board["tokens"].values():
        assert token not in logs


# -- links for every facilitator -----------------------------------------------------------


def links_of(server: ServerProcess, board_id: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.get(f"{server.http}/api/boards/{board_id}/links", headers=headers)


def command(server: ServerProcess, board_id: str, token: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.http}/api/boards/{board_id}/commands",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json()["result"])


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"]["code"] == code and body["error"]["message"], body
    assert isinstance(body["server_now_ms"], int)


def test_any_facilitator_gets_the_links_without_rotating(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    import jsonschema

    from journeyboard import schema

    bid, tokens = board["id"], board["tokens"]
    answer_schema = {"$ref": "#/$defs/links_answer", "$defs": schema.load("http.json")["$defs"]}
    by_link = links_of(server, bid, tokens["facilitator"])
    assert by_link.status_code == 200, by_link.text
    assert by_link.headers["cache-control"] == "no-store"
    jsonschema.validate(by_link.json(), answer_schema)
    assert by_link.json()["links"] == board["links"]  # signed again, never stored

    lead = server.join(tokens["facilitator"], "Fay")
    assert links_of(server, bid, lead["token"]).json()["links"] == board["links"]

    ann = server.join(tokens["participant"], "Ann")
    for token in (tokens["participant"], tokens["viewer"], ann["token"]):
        assert_error(links_of(server, bid, token), 403, "forbidden")
    assert_error(links_of(server, bid, None), 401, "unauthorized")
    other = server.create_board("Other")
    assert_error(links_of(server, bid, other["tokens"]["facilitator"]), 401, "unauthorized")

    command(server, bid, lead["token"], type="promote", participant=ann["participant_id"])
    assert links_of(server, bid, ann["token"]).json()["links"] == board["links"]


def test_links_after_a_rotation_are_the_new_ones(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    bid, tokens = board["id"], board["tokens"]
    ann = server.join(tokens["participant"], "Ann")
    command(server, bid, tokens["facilitator"], type="promote", participant=ann["participant_id"])
    rotated = command(server, bid, tokens["facilitator"], type="rotate_link", role="participant")
    links = links_of(server, bid, ann["token"]).json()["links"]
    assert links["participant"] == rotated["link"] != board["links"]["participant"]
    assert (links["facilitator"], links["viewer"]) == (
        board["links"]["facilitator"],
        board["links"]["viewer"],
    )
    old = httpx.get(
        f"{server.http}/api/boards/{bid}",
        headers={"Authorization": f"Bearer {tokens['participant']}"},
    )
    assert_error(old, 401, "link_rotated")
    new_token = links["participant"].partition("#token=")[2]
    assert server.join(new_token, "Bo")["role"] == "participant"

    # The co-facilitator replaces the facilitator link: the old one is refused, even here.
    command(server, bid, ann["token"], type="rotate_link", role="facilitator")
    assert_error(links_of(server, bid, tokens["facilitator"]), 401, "link_rotated")
    fresh = links_of(server, bid, ann["token"]).json()["links"]
    assert fresh["facilitator"] != board["links"]["facilitator"]
    assert fresh["participant"] == links["participant"]
    fresh_token = fresh["facilitator"].partition("#token=")[2]
    assert links_of(server, bid, fresh_token).json()["links"] == fresh
