"""The follow-up workshop against a running server: start_follow_up keeps the earlier session
as history, the new one has fresh votes and ratings, and GET /sessions lists both."""

from __future__ import annotations

import signal
from typing import Any

import httpx
import jsonschema
import pytest

from conftest import ServerProcess
from driving import DrivenBoard
from journeyboard import schema


class Board(DrivenBoard):
    def __init__(self, server: ServerProcess) -> None:
        super().__init__(server)
        self.fay = self.join("facilitator", "Fay", "CX")
        self.ann = self.join("participant", "Ann", "Claims")
        self.rita = self.join("reviewer", "Rita", "Finance")

    def phase(self, phase: str) -> None:
        self.ok(self.fay["token"], type="set_phase", phase=phase)

    def sessions(self, token: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.server.http}/api/boards/{self.id}/sessions",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        shape = {"$ref": "#/$defs/sessions_answer", "$defs": schema.load("http.json")["$defs"]}
        jsonschema.validate(response.json(), shape)
        return dict(response.json())

    async def add_cards(self) -> None:
        cards = {
            "p1": {"kind": "pain"},
            "s1": {"kind": "solution", "pain": "p1", "owner": "IT", "status": "doing"},
        }
        await self.write_cards(self.ann["token"], cards)


@pytest.fixture
async def board(server: ServerProcess) -> Board:
    made = Board(server)
    await made.add_cards()
    return made


async def test_a_follow_up_keeps_the_first_session_and_starts_fresh(board: Board) -> None:
    fay, ann = board.fay["token"], board.ann["token"]
    board.refused(fay, 409, "not_reached_action_plan", type="start_follow_up", phase="discovery")
    board.phase("pain_points")
    board.ok(ann, type="vote", card="p1", delta=1)
    board.phase("solution_rating")
    board.ok(ann, type="rate", card="s1", effort=2, impact=5)
    board.ok(fay, type="reveal", what="ratings")
    board.phase("action_plan")
    board.ok(board.rita["token"], type="decide", card="s1", decision="approve")
    board.refused(ann, 403, "forbidden", type="start_follow_up", phase="solution_rating")
    board.refused(board.rita["token"], 403, "forbidden", type="start_follow_up",
                  phase="solution_rating")  # fmt: skip
    board.refused(fay, 400, "invalid_command", type="start_follow_up", phase="nowhere")
    started = board.ok(fay, type="start_follow_up", phase="solution_rating")
    assert started["result"] == {
        "session": 2, "previous": 1, "phase": "solution_rating", "journeys": [board.id],
    }  # fmt: skip
    state = started["state"]
    assert state["session"]["phase"] == "solution_rating" and state["session"]["number"] == 2
    assert state["ratings"] == {} and state["session"]["revealed"]["ratings"] is False
    first = state["history"]["1"]
    assert first["ratings"]["s1"]["impact"] == 5 and first["decisions"]["s1"][0]["name"] == "Rita"
    assert [step["phase"] for step in first["phase_history"]] == [
        "pain_points", "solution_rating", "action_plan",
    ]  # fmt: skip
    assert first["plan"] == [
        {"card": "s1", "text": "s1", "owner": "IT", "status": "doing", "pain": "p1"}
    ]
    # Fresh ratings: Ann rates again, and her earlier rating is not hers in this session.
    assert board.ok(ann, type="rate", card="s1", effort=4, impact=3)["result"]["me"]["ratings"] == {
        "s1": {"effort": 4, "impact": 3}
    }
    board.ok(fay, type="reveal", what="ratings")
    # Decisions stay open in the follow-up (the workshop reached the action plan).
    board.ok(board.rita["token"], type="decide", card="s1", decision="reject")
    board.server.kill(signal.SIGKILL)
    board.server.start()
    listed = board.sessions(board.rita["token"])
    assert listed["current"] == 2
    one, two = listed["sessions"]
    assert one["number"] == 1 and one["ratings"]["s1"]["impact"] == 5
    assert one["ended_at_ms"] == two["started_at_ms"]
    assert two["number"] == 2 and two["ratings"]["s1"]["impact"] == 3
    assert [step["phase"] for step in two["phase_history"]] == ["solution_rating"]
    assert [d["decision"] for d in two["decisions"]["s1"]] == ["approve", "reject"]
    assert [d["decision"] for d in one["decisions"]["s1"]] == ["approve"]
    # The report compares the two sessions: where each solution stood and stands.
    markdown = httpx.get(
        f"{board.server.http}/api/boards/{board.id}/export.md?lang=en",
        headers={"Authorization": f"Bearer {fay}"},
    ).text
    assert "## Since session 1" in markdown
    assert (
        "| S1 | Quick win (effort 2.0, impact 5.0) | Big bet (effort 4.0, impact 3.0) |" in markdown
    )
    # The JSON export carries the history, read-only (an import leaves it out).
    response = httpx.get(
        f"{board.server.http}/api/boards/{board.id}/export.json",
        headers={"Authorization": f"Bearer {fay}"},
    )
    assert response.status_code == 200, response.text
    exported = response.json()["sessions"]
    assert exported["current"] == 2 and [s["number"] for s in exported["earlier"]] == [1]
    assert exported["earlier"][0]["plan"][0]["owner"] == "IT"
    copy = httpx.post(
        f"{board.server.http}/api/boards",
        json={"title": "Copy", "import": response.json()},
    )
    assert copy.status_code == 201, copy.text
    assert (
        board.server.get_board(copy.json()["id"], copy.json()["tokens"]["viewer"])["session"][
            "history"
        ]
        == {}
    )


async def test_sessions_of_a_board_without_a_follow_up(board: Board) -> None:
    listed = board.sessions(board.tokens["viewer"])
    assert listed["current"] == 1 and len(listed["sessions"]) == 1
    assert listed["sessions"][0]["phase"] == "lobby"
    response = httpx.get(f"{board.server.http}/api/boards/{board.id}/sessions")
    assert response.status_code == 401


async def test_a_follow_up_is_the_whole_workshops(board: Board) -> None:
    """Every journey of the workshop keeps its session as history and starts the next one;
    /sessions is per journey."""
    fay = board.fay["token"]
    added = httpx.post(
        f"{board.server.http}/api/boards/{board.id}/journeys",
        json={"relation": "persona"},
        headers={"Authorization": f"Bearer {fay}"},
    )
    assert added.status_code == 201, added.text
    persona = added.json()["id"]
    board.phase("action_plan")
    started = board.ok(fay, type="start_follow_up", phase="discovery")
    assert started["result"]["journeys"] == [board.id, persona]
    for journey in (board.id, persona):
        response = httpx.get(
            f"{board.server.http}/api/boards/{journey}/sessions",
            headers={"Authorization": f"Bearer {fay}"},
        )
        assert response.status_code == 200, response.text
        listed = response.json()
        assert listed["current"] == 2 and [s["number"] for s in listed["sessions"]] == [1, 2]
        assert listed["sessions"][1]["phase"] == "discovery"
