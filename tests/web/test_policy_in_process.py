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
from journeyboard.web.app import create_app

SECRET = "in-process-secret-0123456789abcdef"


@dataclass
class Api:
    http: httpx.AsyncClient
    board_id: str
    links: dict[str, str]

    async def join(self, token: str, **body: Any) -> httpx.Response:
        return await self.http.post(
            f"/api/boards/{board_of(token)}/join",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def command(self, token: str, **body: Any) -> httpx.Response:
        response = await self.http.post(
            f"/api/boards/{self.board_id}/commands",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
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
        yield Api(http, board["id"], board["tokens"])


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
