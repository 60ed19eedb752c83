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
from inspired_board import EXPORT, FORMULA, HOSTILE, SAFE


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


def test_the_workshop_report_compares_the_metrics_of_solutions_done(
    server: ServerProcess,
) -> None:
    """A workshop of two journeys: its report's chapter says what each solution done did to
    its touchpoints' measured values, before the follow-up and since."""
    measured: dict[str, Any] = {
        **EXPORT,
        "cards": [
            {"id": "t1", "kind": "touchpoint", "stage": "st", "pos": "a", "text": "Claim form"},
            {"id": "p1", "kind": "pain", "stage": "st", "pos": "b", "text": "Slow form"},
            {"id": "s1", "kind": "solution", "stage": "st", "pos": "c", "text": "Prefill",
             "pain": "p1", "status": "done", "effect": "Calls halved"},
        ],
    }  # fmt: skip
    board = server.create_board("Measured claim", **{"import": measured})
    added = httpx.post(
        f"{server.http}/api/boards/{board['id']}/journeys",
        json={"relation": "persona"},
        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"},
    )
    assert added.status_code == 201, added.text
    lead = board["tokens"]["facilitator"]
    metric = {"type": "set_metric", "card": "t1", "metric": "nps"}
    server.command(board["id"], lead, **metric, value=12, date="2020-01-01")
    server.command(board["id"], lead, type="set_phase", phase="action_plan")
    server.command(board["id"], lead, type="start_follow_up", phase="discovery")
    server.command(board["id"], lead, **metric, value=31, date="2099-01-01")
    for scope in ("", "?scope=journey"):
        text = exported(server, board, f"md{scope}").text
        flat = " ".join(text.split())
        assert "Effect of the measures" in flat and "Calls halved" in flat, scope
        assert re.search(r"NPS \| \+12 \(.*\) \| \+31 \(", flat), (scope, flat[-800:])
