"""Inspiration sources through a running server's exports (issue #28): a `javascript:` source
never becomes a link in the report or the poster, the CSV guards a formula, and the JSON
export imports back into a board with every source and effect as written."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx

from conftest import ServerProcess

HOSTILE = "javascript:alert(document.cookie)"
SAFE = "https://example.org/cases/claims"
FORMULA = '=HYPERLINK("http://evil.example","x")'

EXPORT: dict[str, Any] = {
    "schema": "journeyboard/export",
    "version": 1,
    "board": {"title": "Inspired claim"},
    "stages": [{"id": "st", "name": "Claim", "pos": "a"}],
    "cards": [
        {"id": "s1", "kind": "solution", "stage": "st", "pos": "b", "text": "Prefill",
         "status": "done", "effect": "Calls halved"},
        {"id": "i1", "kind": "inspiration", "stage": "st", "pos": "c", "text": "Bank X",
         "source": HOSTILE},
        {"id": "i2", "kind": "inspiration", "stage": "st", "pos": "d", "text": "Airline Y",
         "source": SAFE},
        {"id": "i3", "kind": "inspiration", "stage": "st", "pos": "e", "text": "Shop Z",
         "source": FORMULA},
    ],
}  # fmt: skip


def exported(server: ServerProcess, board: dict[str, Any], fmt: str) -> httpx.Response:
    response = httpx.get(
        f"{server.http}/api/boards/{board['id']}/export.{fmt}",
        headers={"Authorization": f"Bearer {board['tokens']['viewer']}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response


def hrefs(markup: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', markup)


def test_a_javascript_source_is_text_in_every_export(server: ServerProcess) -> None:
    board = server.create_board("Inspired claim", **{"import": EXPORT})
    html = exported(server, board, "html").text
    assert [h for h in hrefs(html) if "example.org" in h or "javascript" in h] == [SAFE]
    assert 'rel="noopener noreferrer"' in html and HOSTILE in html
    svg = exported(server, board, "svg").text
    assert [h for h in hrefs(svg) if "example.org" in h or "javascript" in h] == [SAFE]
    markdown = exported(server, board, "md").text
    assert "](javascript" not in markdown.replace("\\", "")
    rows = {
        row["card_id"]: row
        for row in csv.DictReader(
            io.StringIO(exported(server, board, "csv").content.decode("utf-8-sig"))
        )
    }
    assert rows["i1"]["source"] == HOSTILE and rows["i3"]["source"] == "'" + FORMULA
    assert rows["s1"]["effect"] == "Calls halved"


def test_the_json_export_imports_back_with_sources_and_effects(server: ServerProcess) -> None:
    board = server.create_board("Inspired claim", **{"import": EXPORT})
    again = server.create_board("Again", **{"import": exported(server, board, "json").json()})
    cards = server.get_board(again["id"], again["tokens"]["viewer"])["content"]["cards"]
    assert cards["i1"]["source"] == HOSTILE and cards["i2"]["source"] == SAFE
    assert cards["i3"]["source"] == FORMULA and cards["s1"]["effect"] == "Calls halved"
