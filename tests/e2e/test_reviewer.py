"""The reviewer link and the `decide` command against a running server over real sockets."""

from __future__ import annotations

import signal

import httpx
import pytest
from pycrdt import Map

from conftest import ServerProcess
from driving import DrivenBoard
from ysync import synced_client

CARDS = {
    "p1": {"kind": "pain"},
    "s1": {"kind": "solution", "pain": "p1", "status": "doing"},
    "s2": {"kind": "solution", "pain": "p1"},
    "n1": {"kind": "note"},
}


class Board(DrivenBoard):
    """A board with a facilitator, a participant and two reviewers, driven over HTTP."""

    def __init__(self, server: ServerProcess) -> None:
        super().__init__(server)
        self.lead = self.join("facilitator", "Fay", "CX")
        self.ann = self.join("participant", "Ann", "Claims")
        self.rita = self.join("reviewer", "Rita", "Finance")
        self.sven = self.join("reviewer", "Sven", "Sales")

    async def add_cards(self) -> None:
        await self.write_cards(self.ann["token"], CARDS)


@pytest.fixture
def board(server: ServerProcess) -> Board:
    return Board(server)


def test_a_board_has_a_reviewer_link_and_token(board: Board) -> None:
    assert set(board.created["links"]) == {"facilitator", "participant", "viewer", "reviewer"}
    assert board.created["links"]["reviewer"].endswith(board.tokens["reviewer"])
    response = httpx.get(
        f"{board.server.http}/api/boards/{board.id}/links",
        headers={"Authorization": f"Bearer {board.tokens['facilitator']}"},
    )
    assert response.status_code == 200, response.text
    assert set(response.json()["links"]) == {"facilitator", "participant", "viewer", "reviewer"}
    assert board.rita["role"] == "reviewer"
    people = board.server.get_board(board.id, board.rita["token"])["session"]["participants"]
    assert people[board.rita["participant_id"]]["department"] == "Finance"
    assert people[board.rita["participant_id"]]["role"] == "reviewer"


def test_the_reviewer_link_rotates(board: Board) -> None:
    old = board.tokens["reviewer"]
    rotated = board.ok(board.tokens["facilitator"], type="rotate_link", role="reviewer")
    new = rotated["result"]["token"]
    response = httpx.post(
        f"{board.server.http}/api/boards/{board.id}/join",
        json={"name": "Late", "department": "Service"},
        headers={"Authorization": f"Bearer {old}"},
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "link_rotated"
    assert board.server.join(new, "Late", "Service")["role"] == "reviewer"
    # People who joined keep their personal tokens.
    board.server.get_board(board.id, board.rita["token"])
    board.refused(old, 401, "link_rotated", type="decide", card="s1", decision="approve")


async def test_reviewers_decide_and_each_decision_is_kept(board: Board) -> None:
    await board.add_cards()
    rita, sven, fay = board.rita["token"], board.sven["token"], board.lead["token"]
    board.refused(rita, 409, "wrong_phase", type="decide", card="s1", decision="approve")
    board.phase("action_plan")
    board.ok(rita, type="decide", card="s1", decision="approve", comment=" Worth it ")
    board.ok(sven, type="decide", card="s1", decision="reject", comment="Too costly")
    board.ok(fay, type="decide", card="s2", decision="approve")
    outcome = board.ok(rita, type="decide", card="s1", decision="reject")
    kept = outcome["state"]["decisions"]
    assert [(d["name"], d["decision"]) for d in kept["s1"]] == [
        ("Rita", "approve"),
        ("Sven", "reject"),
        ("Rita", "reject"),
    ]
    first = kept["s1"][0]
    assert first["department"] == "Finance" and first["comment"] == "Worth it"
    assert first["role"] == "reviewer" and first["person"] == board.rita["participant_id"]
    assert first["at_ms"] > 1_700_000_000_000
    assert kept["s2"][0]["name"] == "Fay" and kept["s2"][0]["role"] == "facilitator"
    # The card's status stays the plan's progress, untouched by decisions.
    data = board.server.get_board(board.id, fay)
    assert data["content"]["cards"]["s1"]["status"] == "doing"
    assert data["session"]["decisions"] == kept
    # The exports over HTTP: the plan with who and when, the report by reviewer.
    response = httpx.get(
        f"{board.server.http}/api/boards/{board.id}/export.md?lang=en",
        headers={"Authorization": f"Bearer {rita}"},
    )
    assert response.status_code == 200, response.text
    text = response.text
    assert "Rejected by Sven (Sales)" in text and "Rejected by Rita (Finance)" in text
    assert "## Decisions by reviewer" in text and "### Rita (Finance)" in text
    assert "Worth it" not in text  # Rita's standing decision is her latest, without a comment
    jira = httpx.get(
        f"{board.server.http}/api/boards/{board.id}/export.jira-csv?lang=sv",
        headers={"Authorization": f"Bearer {rita}"},
    )
    assert jira.status_code == 200 and jira.headers["content-type"].startswith("text/csv")
    assert jira.text.startswith("\ufeffSummary,Description,Assignee,Due date,Labels,Labels")
    assert "reject · Rita (Finance)" in jira.text and ",journeyboard,rejected" in jira.text


async def test_decisions_stay_open_after_the_action_plan_and_survive_kill_9(
    board: Board,
) -> None:
    await board.add_cards()
    board.phase("action_plan")
    board.phase("discovery")  # a later step back: decisions stay open once reached
    board.ok(board.rita["token"], type="decide", card="s1", decision="approve")
    board.server.kill(signal.SIGKILL)
    board.server.start()
    # Days later, nobody connected: the reviewer still decides.
    board.ok(board.sven["token"], type="decide", card="s1", decision="reject")
    kept = board.server.get_board(board.id, board.rita["token"])["session"]["decisions"]
    assert [d["name"] for d in kept["s1"]] == ["Rita", "Sven"]


async def test_who_may_decide_and_what(board: Board) -> None:
    await board.add_cards()
    board.phase("action_plan")
    decide = {"type": "decide", "card": "s1", "decision": "approve"}
    board.refused(board.ann["token"], 403, "forbidden", **decide)
    board.refused(board.tokens["participant"], 403, "forbidden", **decide)
    board.refused(board.tokens["viewer"], 403, "forbidden", **decide)
    board.refused(board.tokens["facilitator"], 403, "join_first", **decide)
    board.refused(board.tokens["reviewer"], 403, "join_first", **decide)
    rita = board.rita["token"]
    board.refused(rita, 404, "unknown_card", **{**decide, "card": "nope"})
    board.refused(rita, 400, "wrong_kind", **{**decide, "card": "n1"})
    board.refused(rita, 400, "invalid_command", **{**decide, "decision": "maybe"})
    board.refused(rita, 400, "invalid_command", **{**decide, "comment": "x" * 2001})
    board.refused(rita, 400, "invalid_command", type="decide", card="s1")
    # Nothing else is a reviewer's to do.
    board.refused(rita, 403, "forbidden", type="rate", card="s1", effort=1, impact=5)
    board.refused(rita, 403, "forbidden", type="vote", card="p1", delta=1)
    board.refused(rita, 403, "forbidden", type="set_phase", phase="lobby")
    kept = board.server.get_board(board.id, rita)["session"]["decisions"]
    assert kept == {}


async def test_a_reviewers_edits_reach_nobody(board: Board) -> None:
    server = board.server
    async with (
        synced_client(server.url(board.id, board.ann["token"])) as watcher,
        synced_client(server.url(board.id, board.rita["token"])) as reviewer,
    ):
        await reviewer.change(lambda d: d.get("cards", type=Map).__setitem__("forged", 1))
        await reviewer.round_trip()
        await watcher.change(lambda d: d.get("cards", type=Map).__setitem__("real", 1))
        await watcher.wait_until(lambda: "real" in watcher.doc.get("cards", type=Map))
        # The reviewer sees everything live, like a viewer.
        await reviewer.wait_until(lambda: "real" in reviewer.doc.get("cards", type=Map))
        await watcher.round_trip()
        assert "forged" not in watcher.doc.get("cards", type=Map)
    cards = server.get_board(board.id, board.lead["token"])["content"]["cards"]
    assert set(cards) == {"real"}


async def test_a_solution_keeps_at_most_200_decisions(board: Board) -> None:
    await board.add_cards()
    board.phase("action_plan")
    rita = board.rita["token"]
    async with httpx.AsyncClient() as http:
        for index in range(200):
            response = await http.post(
                f"{board.server.http}/api/boards/{board.id}/commands",
                json={"type": "decide", "card": "s1", "decision": ("approve", "reject")[index % 2]},
                headers={"Authorization": f"Bearer {rita}"},
            )
            assert response.status_code == 200, response.text
    board.refused(rita, 409, "too_many_decisions", type="decide", card="s1", decision="approve")
    board.ok(rita, type="decide", card="s2", decision="approve")  # another card still takes one
