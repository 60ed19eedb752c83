"""Issue #13 finding 10 (a removed person stays out) over the HTTP API in-process: the whole
Starlette app (routes, middleware, error handler) on a memory store, through httpx's ASGI
transport. Nothing here needs a server process; tests/e2e/test_policy_hardening.py keeps the
page in a browser and the cases across nodes and sockets."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from journeyboard.settings import Settings
from journeyboard.stores.memory import MemoryStore
from journeyboard.web.admission import Refused, SocketGate, SocketRequest, SocketTarget
from journeyboard.web.app import create_app
from journeyboard.web.sync_session import SyncSession
from sync.fakes import FakeChannel, awareness_frame
from waiting import wait_until

SECRET = "in-process-secret-0123456789abcdef"


@dataclass
class Api:
    http: httpx.AsyncClient
    board_id: str
    links: dict[str, str]
    gate: SocketGate

    async def socket(self, token: str, *, session: bool = False) -> tuple[SyncSession, FakeChannel]:
        """A socket admitted by the app's own gate, as a websocket would be."""
        channel = FakeChannel()
        target = SocketTarget(self.board_id, session, token)
        sync = await self.gate.start(SocketRequest(target, None, "t", "10.0.0.7"), channel)
        return sync, channel

    async def refused(self, token: str) -> int:
        target = SocketTarget(self.board_id, False, token)
        with pytest.raises(Refused) as refused:
            await self.gate.start(SocketRequest(target, None, "t", "10.0.0.7"), FakeChannel())
        return refused.value.close_code

    async def post_command(self, token: str, **body: Any) -> httpx.Response:
        return await self.http.post(
            f"/api/boards/{self.board_id}/commands",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def join(self, token: str, **body: Any) -> httpx.Response:
        return await self.http.post(
            f"/api/boards/{board_of(token)}/join",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def command(self, token: str, **body: Any) -> httpx.Response:
        response = await self.post_command(token, **body)
        assert response.status_code == 200, response.text
        return response

    async def people(self) -> list[str]:
        response = await self.http.get(
            f"/api/boards/{self.board_id}",
            headers={"Authorization": f"Bearer {self.links['viewer']}"},
        )
        return sorted(p["name"] for p in response.json()["session"]["participants"].values())


def board_of(token: str) -> str:
    payload = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["b"])


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    app = create_app(Settings(store_url="memory://", secret=SECRET), MemoryStore())
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        created = await http.post("/api/boards", json={"title": "Claim journey"})
        assert created.status_code == 201, created.text
        board = created.json()
        yield Api(http, board["id"], board["tokens"], app.state.services.sockets)


async def test_a_removed_person_cannot_join_again_with_the_link_they_hold(api: Api) -> None:
    links = api.links
    device = secrets.token_urlsafe(16)
    joined = await api.join(links["participant"], name="Pat Smith", device=device)
    assert joined.status_code == 201, joined.text
    pat = joined.json()
    await api.command(links["facilitator"], type="remove", participant=pat["participant_id"])
    attempts = [
        {"name": "Someone Else", "device": device},  # the same browser, another name
        {"name": "  pat   SMITH "},  # the same name, any browser
        {"name": "Pat Smith", "department": "Sales", "device": secrets.token_urlsafe(16)},
    ]
    for body in attempts:
        refused = await api.join(links["participant"], **body)
        assert refused.status_code == 403, (body, refused.text)
        error = refused.json()["error"]
        assert error["code"] == "removed"
        assert "removed from this board" in error["message"]
    # The facilitator link does not help either.
    assert (await api.join(links["facilitator"], name="Pat Smith")).status_code == 403
    # The link still works for everyone else, and nobody was added by the refused attempts.
    other = await api.join(links["participant"], name="Quinn", device=device + "x")
    assert other.status_code == 201
    assert await api.people() == ["Pat Smith", "Quinn"]
    # What a determined person with a fresh browser and another name can do; the facilitator
    # then rotates the participant link (docs/SECURITY.md).
    assert (await api.join(links["participant"], name="P. S.")).status_code == 201


async def test_a_removed_name_cannot_join_again(api: Api) -> None:
    pat = (await api.join(api.links["participant"], name="Pat")).json()
    await api.command(api.links["facilitator"], type="remove", participant=pat["participant_id"])
    refused = await api.join(api.links["participant"], name="PAT")
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "removed"


@pytest.mark.parametrize(
    "device", ["short", "x" * 65, "has spaces in it here", "<script>alert(1)</script>"]
)
async def test_a_device_id_must_look_like_one(api: Api, device: str) -> None:
    response = await api.join(api.links["participant"], name="Ann", device=device)
    assert response.status_code == 400, device
    assert response.json()["error"]["code"] == "invalid_body"


# From tests/e2e/test_security.py: links, people, commands and presence roles ---------------


async def test_rotating_a_link_refuses_the_old_one_and_closes_its_sockets(api: Api) -> None:
    links = api.links
    person = (await api.join(links["participant"], name="Pat")).json()
    old_link, old_channel = await api.socket(links["participant"])
    personal, personal_channel = await api.socket(person["token"])
    response = await api.command(links["facilitator"], type="rotate_link", role="participant")
    result = response.json()["result"]
    assert result["link"].endswith(f"#token={result['token']}")
    assert old_channel.closed is not None and old_channel.closed[0] == 4410
    assert personal_channel.closed is None  # personal tokens stay valid
    assert await api.refused(links["participant"]) == 4410
    late = await api.join(links["participant"], name="Late")
    assert late.status_code == 401 and late.json()["error"]["code"] == "link_rotated"
    assert (await api.join(result["token"], name="Newcomer")).json()["role"] == "participant"
    old_link.end()
    personal.end()


async def test_a_removed_person_is_closed_at_once_and_refused_after(api: Api) -> None:
    links = api.links
    pat = (await api.join(links["participant"], name="Pat")).json()
    content, content_channel = await api.socket(pat["token"])
    session, session_channel = await api.socket(pat["token"], session=True)
    await api.command(links["facilitator"], type="remove", participant=pat["participant_id"])
    await wait_until(lambda: content_channel.closed and session_channel.closed, timeout=5)
    assert content_channel.closed is not None and content_channel.closed[0] == 4403
    assert session_channel.closed is not None and session_channel.closed[0] == 4403
    content.end()
    session.end()
    assert await api.refused(pat["token"]) == 4403
    read = await api.http.get(
        f"/api/boards/{api.board_id}", headers={"Authorization": f"Bearer {pat['token']}"}
    )
    assert read.status_code == 403
    board = await api.http.get(
        f"/api/boards/{api.board_id}", headers={"Authorization": f"Bearer {links['viewer']}"}
    )
    assert board.json()["session"]["participants"][pat["participant_id"]]["removed"] is True


async def test_commands_are_validated_and_authorised(api: Api) -> None:
    links = api.links
    pat = (await api.join(links["participant"], name="Pat")).json()
    cases = [
        (links["facilitator"], {"type": "nope"}, 400, "unknown_command"),
        (links["facilitator"], {"type": "rotate_link"}, 400, "invalid_command"),
        (links["facilitator"], {"type": "rotate_link", "role": "king"}, 400, "invalid_command"),
        (
            links["facilitator"],
            {"type": "remove", "participant": "ghost"},
            404,
            "unknown_participant",
        ),
        (links["participant"], {"type": "rotate_link", "role": "viewer"}, 403, "forbidden"),
        (pat["token"], {"type": "remove", "participant": pat["participant_id"]}, 403, "forbidden"),
        (links["viewer"], {"type": "rotate_link", "role": "viewer"}, 403, "forbidden"),
        ("garbage", {"type": "rotate_link", "role": "viewer"}, 401, "unauthorized"),
    ]
    for token, body, status, code in cases:
        response = await api.post_command(token, **body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code), body
    raw = await api.http.post(
        f"/api/boards/{api.board_id}/commands",
        content=b"[1,2",
        headers={
            "Authorization": f"Bearer {links['facilitator']}",
            "Content-Type": "application/json",
        },
    )
    assert raw.status_code == 400 and raw.json()["error"]["code"] == "bad_json"


async def test_viewers_are_marked_in_presence(api: Api) -> None:
    viewer, _ = await api.socket(api.links["viewer"])
    other, other_channel = await api.socket(api.links["participant"])
    viewer.receive(awareness_frame(7, 1, {"cursor": None}))
    await wait_until(lambda: [e for e in other_channel.awareness() if e.client_id == 7], 5)
    (entry,) = [e for e in other_channel.awareness() if e.client_id == 7]
    assert json.loads(entry.state)["user"]["role"] == "viewer"
    viewer.end()
    other.end()
