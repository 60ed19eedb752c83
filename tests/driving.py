"""A board on a running server, driven over HTTP: what the end-to-end workshop tests share.

`DrivenBoard` creates the board and sends its commands (`ok` expects a 200, `refused` the 4xx
JSON error it names); `write_cards` writes cards into its content document over a real socket.
Each test module's board subclasses it with the people it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from pycrdt import Doc, Map, Text

from conftest import ServerProcess
from ysync import synced_client


class DrivenBoard:
    """A board created on `server`, with its links' tokens, driven over HTTP."""

    def __init__(self, server: ServerProcess, title: str = "Motor claim") -> None:
        self.server = server
        self.created = server.create_board(title)
        self.id: str = self.created["id"]
        self.tokens: dict[str, str] = self.created["tokens"]

    def join(self, role: str, name: str, department: str) -> dict[str, Any]:
        """A person joining through the link of `role`: their record, with their token."""
        return self.server.join(self.tokens[role], name, department)

    def command(self, token: str, **body: Any) -> httpx.Response:
        return httpx.post(
            f"{self.server.http}/api/boards/{self.id}/commands",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )

    def ok(self, token: str, **body: Any) -> dict[str, Any]:
        response = self.command(token, **body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def refused(self, token: str, status: int, code: str, **body: Any) -> None:
        response = self.command(token, **body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["code"] == code, (body, response.text)

    def phase(self, phase: str) -> None:
        self.ok(self.tokens["facilitator"], type="set_phase", phase=phase)

    def url(self, token: str, session: bool = False) -> str:
        return self.server.url(self.id, token, session)

    async def write_cards(
        self, token: str, cards: dict[str, dict[str, Any]], *more: Callable[[Doc], object]
    ) -> None:
        """Write cards (id -> fields; each card's text is its "text" field, or else its id)
        into the content document as the person with `token`, then any `more` edits, and
        return once the server has them."""
        async with synced_client(self.url(token)) as writer:

            def add(doc: Doc) -> None:
                target = doc.get("cards", type=Map)
                for key, fields in cards.items():
                    target[key] = Map({**fields, "text": Text(fields.get("text", key))})

            await writer.change(add)
            for edit in more:
                await writer.change(edit)
            await writer.round_trip()
