"""The workshop engine against a running server: phases, timer, lock, spotlight, votes, ratings."""

from __future__ import annotations

import asyncio
import signal
import statistics
import time
from typing import Any

import httpx
import pytest
from pycrdt import Map, Text

from conftest import ServerProcess
from driving import DrivenBoard
from journeyboard.workshop import documents
from journeyboard.workshop.commands import CommandError
from journeyboard.workshop.facilitation import timer_after
from journeyboard.workshop.voting import quadrant, summarize
from waiting import wait_until
from ysync import YClient, synced_client


class Workshop(DrivenBoard):
    """A board with a facilitator and participants, driven over HTTP."""

    def __init__(self, server: ServerProcess) -> None:
        super().__init__(server)
        self.lead = self.join("facilitator", "Fay", "CX")
        self.people = [self.join("participant", n, "Claims") for n in ("Ann", "Bo", "Cy")]

    def me(self, token: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.server.http}/api/boards/{self.id}/me",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def add_cards(self, cards: dict[str, dict[str, Any]]) -> None:
        """Cards written by the first participant, and a root entry that is not a card."""

        def junk(doc: Any) -> None:
            doc.get("cards", type=Map)["junk"] = 42

        await self.write_cards(self.people[0]["token"], cards, junk)


@pytest.fixture
def ws(server: ServerProcess) -> Workshop:
    return Workshop(server)


CARDS = {
    "p1": {"kind": "pain", "stage": "s"},
    "p2": {"kind": "pain", "stage": "s"},
    "s1": {"kind": "solution", "pain": "p1"},
    "s2": {"kind": "solution", "pain": "p2"},
    "n1": {"kind": "note"},
}


# -- pure parts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effort", "impact", "expected"),
    [
        (3, 3, "quick_win"),  # exactly 3: impact high, effort low
        (3.01, 3, "big_bet"),
        (3, 2.99, "fill_in"),
        (5, 1, "money_pit"),
        (1, 5, "quick_win"),
    ],
)
def test_quadrant_boundaries(effort: float, impact: float, expected: str) -> None:
    assert quadrant(effort, impact) == expected


def test_summary_means_and_population_spreads() -> None:
    summary = summarize([(1, 5), (3, 3), (5, 1)])
    assert summary["effort"] == 3 and summary["impact"] == 3
    assert summary["effort_spread"] == pytest.approx(statistics.pstdev([1, 3, 5]))
    assert summary["n"] == 3 and summary["quadrant"] == "quick_win"


def test_timer_arithmetic() -> None:
    started = timer_after("start", 300, {}, 1_000_000)
    assert started == {"running": True, "ends_at_ms": 1_300_000, "remaining_ms": 300_000}
    paused = timer_after("pause", None, started, 1_100_000)
    assert paused == {"running": False, "ends_at_ms": None, "remaining_ms": 200_000}
    extended = timer_after("extend", 60, paused, 1_200_000)
    assert extended["remaining_ms"] == 260_000
    resumed = timer_after("resume", None, extended, 2_000_000)
    assert resumed == {"running": True, "ends_at_ms": 2_260_000, "remaining_ms": 260_000}
    assert timer_after("extend", 30, resumed, 2_060_000)["ends_at_ms"] == 2_290_000
    assert timer_after("stop", None, resumed, 0)["running"] is False
    for action, state in (("pause", paused), ("resume", resumed), ("extend", {})):
        with pytest.raises(CommandError):
            timer_after(action, 10, state, 0)


# -- facilitator commands ------------------------------------------------------------------


async def test_phases_forward_and_back_reach_every_client(ws: Workshop) -> None:
    async with synced_client(ws.url(ws.tokens["viewer"], session=True)) as viewer:
        for phase in ("discovery", "pain_points", "solution_rating", "pain_points"):
            answer = ws.ok(ws.tokens["facilitator"], type="set_phase", phase=phase)
            assert answer["state"]["session"]["phase"] == phase
            assert isinstance(answer["server_now_ms"], int)
            await viewer.wait_until(
                lambda p=phase: viewer.doc.get("session", type=Map).get("phase") == p
            )
        history = viewer.doc.get("session", type=Map)["phase_history"].to_py()
        assert [h["phase"] for h in history] == [
            "discovery",
            "pain_points",
            "solution_rating",
            "pain_points",
        ]
        assert history[-1]["from"] == "solution_rating"
    ws.refused(ws.tokens["facilitator"], 400, "invalid_command", type="set_phase", phase="party")
    ws.refused(ws.people[0]["token"], 403, "forbidden", type="set_phase", phase="lobby")
    ws.refused(ws.tokens["viewer"], 403, "forbidden", type="set_phase", phase="lobby")


def test_timer_with_a_client_clock_two_minutes_off(ws: Workshop) -> None:
    skewed_now = lambda: int(time.time() * 1000) + 120_000  # noqa: E731
    sent = skewed_now()
    answer = ws.ok(ws.lead["token"], type="timer", action="start", seconds=300)
    received = skewed_now()
    skew = answer["server_now_ms"] - (sent + received) // 2  # what the client corrects by
    timer = answer["state"]["session"]["timer"]
    remaining = timer["ends_at_ms"] - (skewed_now() + skew)
    assert abs(remaining - 300_000) < 2_000
    paused = ws.ok(ws.lead["token"], type="timer", action="pause")["result"]
    assert 295_000 < paused["remaining_ms"] <= 300_000
    ws.refused(ws.lead["token"], 409, "timer_not_running", type="timer", action="pause")
    ws.refused(ws.lead["token"], 400, "invalid_command", type="timer", action="start", seconds=0)
    ws.refused(ws.people[0]["token"], 403, "forbidden", type="timer", action="stop")


async def test_spotlight_configure_and_promote(ws: Workshop) -> None:
    stages = ws.server.get_board(ws.id, ws.tokens["viewer"])["content"]["stages"]
    stage = next(iter(stages))
    assert (
        ws.ok(ws.lead["token"], type="spotlight", stage=stage)["state"]["session"]["spotlight"]
        == stage
    )
    assert (
        ws.ok(ws.lead["token"], type="spotlight", stage=None)["state"]["session"]["spotlight"]
        is None
    )
    ws.refused(ws.lead["token"], 404, "unknown_stage", type="spotlight", stage="nowhere")
    state = ws.ok(
        ws.lead["token"],
        type="configure",
        votes_per_person=5,
        title="Claims 2",
        customer_goal="Get paid",
    )["state"]
    assert state["session"]["votes_per_person"] == 5
    assert state["board"]["title"] == "Claims 2" and state["board"]["customer_goal"] == "Get paid"
    ws.refused(ws.lead["token"], 400, "invalid_command", type="configure", votes_per_person=0)
    ann = ws.people[0]
    ws.refused(ann["token"], 403, "forbidden", type="lock", locked=True)
    ws.ok(ws.lead["token"], type="promote", participant=ann["participant_id"])
    assert ws.ok(ann["token"], type="lock", locked=True)["state"]["session"]["locked"] is True
    ws.refused(ws.lead["token"], 404, "unknown_participant", type="promote", participant="nobody")


async def test_follow_names_the_leader_whose_presence_followers_find(ws: Workshop) -> None:
    lead_id = ws.lead["participant_id"]
    assert ws.server.get_board(ws.id, ws.tokens["viewer"])["session"]["session"]["follow"] is None
    async with (
        synced_client(ws.url(ws.tokens["viewer"], session=True)) as session,
        synced_client(ws.url(ws.lead["token"])) as leader,
        synced_client(ws.url(ws.tokens["viewer"])) as follower,
    ):
        state = ws.ok(ws.lead["token"], type="follow", on=True)["state"]["session"]
        assert state["follow"] == {"participant": lead_id, "name": "Fay", "journey": ws.id}
        await session.wait_until(
            lambda: (
                (documents.plain(session.doc.get("session", type=Map).get("follow")) or {}).get(
                    "participant"
                )
                == lead_id
            )
        )
        # A follower finds the leader's presence by the id the server stamps on it.
        await leader.set_awareness({"view": {"x": 10, "y": 20, "zoom": 1.5}})
        await follower.wait_until(
            lambda: any(
                (state or {}).get("user", {}).get("id") == lead_id
                for _, state in follower.awareness.values()
            )
        )
        found = next(
            state
            for _, state in follower.awareness.values()
            if (state or {}).get("user", {}).get("id") == lead_id
        )
        assert found["view"] == {"x": 10, "y": 20, "zoom": 1.5}
        assert found["user"]["name"] == "Fay" and found["user"]["role"] == "facilitator"
        stopped = ws.ok(ws.tokens["facilitator"], type="follow", on=False)
        assert stopped["result"] == {"follow": None}
        assert stopped["state"]["session"]["follow"] is None
        await session.wait_until(
            lambda: session.doc.get("session", type=Map).get("follow", "absent") is None
        )
    # A link holder has no presence of their own to follow.
    ws.refused(ws.tokens["facilitator"], 409, "join_first", type="follow", on=True)
    ann = ws.people[0]
    ws.refused(ann["token"], 403, "forbidden", type="follow", on=True)
    ws.refused(ws.tokens["participant"], 403, "forbidden", type="follow", on=False)
    ws.refused(ws.tokens["viewer"], 403, "forbidden", type="follow", on=True)
    ws.refused(ws.lead["token"], 400, "invalid_command", type="follow", on="yes")
    ws.refused(ws.lead["token"], 400, "invalid_command", type="follow")
    # A co-facilitator takes the lead; removing them lets everyone go.
    ws.ok(ws.lead["token"], type="promote", participant=ann["participant_id"])
    taken = ws.ok(ann["token"], type="follow", on=True)["state"]["session"]["follow"]
    assert taken == {"participant": ann["participant_id"], "name": "Ann", "journey": ws.id}
    after = ws.ok(ws.lead["token"], type="remove", participant=ann["participant_id"])
    assert after["state"]["session"]["follow"] is None
    ws.ok(ws.lead["token"], type="follow", on=True)
    bo = ws.people[1]
    removed = ws.ok(ws.lead["token"], type="remove", participant=bo["participant_id"])
    assert removed["state"]["session"]["follow"]["participant"] == lead_id  # someone else


async def test_a_phase_change_stops_and_clears_the_timer(ws: Workshop) -> None:
    lead = ws.lead["token"]
    cleared = {"running": False, "ends_at_ms": None, "remaining_ms": None}
    async with synced_client(ws.url(ws.tokens["viewer"], session=True)) as session:
        ws.phase("discovery")
        ws.ok(lead, type="timer", action="start", seconds=60)
        # Setting the phase it is already in keeps its timer.
        same = ws.ok(lead, type="set_phase", phase="discovery")["state"]["session"]["timer"]
        assert same["running"] is True and same["ends_at_ms"] is not None
        moved = ws.ok(lead, type="set_phase", phase="pain_points")["state"]["session"]["timer"]
        assert moved == cleared
        await session.wait_until(
            lambda: documents.plain(session.doc.get("session", type=Map).get("timer")) == cleared
        )
        # A paused timer (time left, not running) goes too, and so does one that ran out.
        ws.ok(lead, type="timer", action="start", seconds=60)
        ws.ok(lead, type="timer", action="pause")
        back = ws.ok(lead, type="set_phase", phase="discovery")["state"]["session"]["timer"]
        assert back == cleared
        ends = ws.ok(lead, type="timer", action="start", seconds=1)["state"]["session"]["timer"]
        await wait_until(lambda: time.time() * 1000 > ends["ends_at_ms"], 5, "the timer's end")
        ws.phase("solution_rating")
        assert (
            ws.server.get_board(ws.id, ws.tokens["viewer"])["session"]["session"]["timer"]
            == cleared
        )
    ws.refused(lead, 409, "timer_not_paused", type="timer", action="resume")
    ws.refused(lead, 409, "timer_not_set", type="timer", action="extend", seconds=30)


async def test_a_new_vote_budget_reaches_everyone_and_me(ws: Workshop) -> None:
    await ws.add_cards(CARDS)
    lead, ann = ws.lead["token"], ws.people[0]["token"]
    assert (ws.me(ann)["votes_per_person"], ws.me(ann)["remaining"]) == (3, 3)
    async with synced_client(ws.url(ws.tokens["viewer"], session=True)) as session:
        budget = lambda: session.doc.get("session", type=Map).get("votes_per_person")  # noqa: E731
        ws.ok(lead, type="configure", votes_per_person=5)
        await session.wait_until(lambda: budget() == 5)
        mine = ws.me(ann)
        assert (mine["votes_per_person"], mine["remaining"]) == (5, 5)
        ws.phase("pain_points")
        ws.ok(ann, type="vote", card="p1", delta=1)
        ws.ok(ann, type="vote", card="p2", delta=1)
        assert ws.me(ann)["remaining"] == 3
        # Lowered below what was spent: nothing left, nothing taken away.
        ws.ok(lead, type="configure", votes_per_person=1, max_votes_per_card=1)
        await session.wait_until(lambda: budget() == 1)
        mine = ws.me(ann)
        assert (mine["votes_per_person"], mine["remaining"], mine["max_votes_per_card"]) == (
            1,
            0,
            1,
        )
        assert mine["votes"] == {"p1": 1, "p2": 1}
        ws.refused(ann, 409, "over_budget", type="vote", card="p1", delta=1)
        ws.ok(ann, type="vote", card="p2", delta=-1)  # taking back still works
        ws.ok(lead, type="configure", votes_per_person=4)
        await session.wait_until(lambda: budget() == 4)
        assert ws.me(ann)["remaining"] == 3
        assert ws.me(ws.people[1]["token"])["remaining"] == 4


def test_commands_refused_with_another_boards_token_or_after_removal(ws: Workshop) -> None:
    other = ws.server.create_board("Other")
    ws.refused(
        other["tokens"]["facilitator"], 401, "unauthorized", type="set_phase", phase="discovery"
    )
    bo = ws.people[1]
    ws.ok(ws.lead["token"], type="remove", participant=bo["participant_id"])
    ws.phase("pain_points")
    ws.refused(bo["token"], 403, "forbidden", type="vote", card="p1", delta=1)


# -- votes ---------------------------------------------------------------------------------


async def test_votes_are_gated_budgeted_and_blind_until_revealed(ws: Workshop) -> None:
    await ws.add_cards(CARDS)
    ann, bo, cy = (p["token"] for p in ws.people)
    ws.refused(ann, 409, "wrong_phase", type="vote", card="p1", delta=1)
    ws.phase("pain_points")
    async with (
        synced_client(ws.url(ws.tokens["viewer"], session=True)) as session,
        synced_client(ws.url(ws.tokens["viewer"])) as content,
    ):
        for token, card in ((ann, "p1"), (ann, "p1"), (ann, "p2"), (bo, "p1"), (cy, "p2")):
            ws.ok(token, type="vote", card=card, delta=1)
        ws.refused(ann, 409, "over_budget", type="vote", card="p2", delta=1)
        ws.refused(bo, 409, "no_vote", type="vote", card="p2", delta=-1)
        ws.refused(ann, 404, "unknown_card", type="vote", card="ghost", delta=1)
        ws.refused(ann, 400, "malformed_card", type="vote", card="junk", delta=1)
        ws.refused(ann, 400, "wrong_kind", type="vote", card="s1", delta=1)
        ws.refused(ann, 400, "invalid_command", type="vote", card="p1", delta=2)
        ws.refused(ws.tokens["participant"], 403, "join_first", type="vote", card="p1", delta=1)
        ws.refused(ws.tokens["viewer"], 403, "forbidden", type="vote", card="p1", delta=1)
        assert ws.me(ann)["votes"] == {"p1": 2, "p2": 1} and ws.me(ann)["remaining"] == 0
        taken_back = ws.ok(ann, type="vote", card="p2", delta=-1)["result"]["me"]
        assert ws.me(ann)["remaining"] == 1
        assert {k: v for k, v in ws.me(ann).items() if k != "server_now_ms"} == taken_back
        given = ws.ok(ann, type="vote", card="p2", delta=1)["result"]["me"]
        assert {k: v for k, v in ws.me(ann).items() if k != "server_now_ms"} == given
        ws.ok(ann, type="vote", card="p2", delta=-1)
        await session.wait_until(
            lambda: session.doc.get("progress", type=Map).get("votes_cast") == 4
        )
        # Blind: nothing in any synced document or HTTP read names a vote.
        assert session.doc.get("votes", type=Map).to_py() in ({}, None)
        assert ws.server.get_board(ws.id, ws.tokens["viewer"])["session"]["votes"] == {}
        assert session.doc.get("progress", type=Map)["voters"] == 3
        assert not any(b"count" in frame for frame in session.frames + content.frames)
        ws.ok(ws.lead["token"], type="reveal", what="votes")
        await session.wait_until(
            lambda: session.doc.get("votes", type=Map).to_py() == {"p1": 3, "p2": 1}
        )
        ws.ok(bo, type="vote", card="p2", delta=1)  # after the reveal, totals stay live
        await session.wait_until(lambda: session.doc.get("votes", type=Map).get("p2") == 2)


async def test_vote_cap_per_card_and_racing_votes(ws: Workshop) -> None:
    await ws.add_cards(CARDS)
    ws.phase("pain_points")
    ws.ok(ws.lead["token"], type="configure", votes_per_person=2, max_votes_per_card=1)
    ann = ws.people[0]["token"]
    ws.ok(ann, type="vote", card="p1", delta=1)
    ws.refused(ann, 409, "card_cap", type="vote", card="p1", delta=1)
    bo = ws.people[1]["token"]

    async def race() -> list[int]:
        async with httpx.AsyncClient() as client:
            responses = await asyncio.gather(
                *(
                    client.post(
                        f"{ws.server.http}/api/boards/{ws.id}/commands",
                        json={"type": "vote", "card": card, "delta": 1},
                        headers={"Authorization": f"Bearer {bo}"},
                    )
                    for card in ("p1", "p2", "p1", "p2", "p1", "p2")
                )
            )
        return sorted(r.status_code for r in responses)

    statuses = await race()
    assert statuses.count(200) == 2 and ws.me(bo)["remaining"] == 0
    assert ws.me(bo)["votes"] == {"p1": 1, "p2": 1}


def test_raw_votes_and_ratings_survive_a_restart(ws: Workshop) -> None:
    asyncio.run(ws.add_cards(CARDS))
    ann = ws.people[0]["token"]
    ws.phase("pain_points")
    ws.ok(ann, type="vote", card="p1", delta=1)
    ws.phase("solution_rating")
    ws.ok(ann, type="rate", card="s1", effort=2, impact=4)
    ws.server.kill(signal.SIGKILL)
    ws.server.start()
    mine = ws.me(ann)
    assert mine["votes"] == {"p1": 1} and mine["ratings"] == {"s1": {"effort": 2, "impact": 4}}
    ws.ok(ws.lead["token"], type="reveal", what="ratings")
    ratings = ws.server.get_board(ws.id, ws.tokens["viewer"])["session"]["ratings"]
    assert ratings["s1"]["n"] == 1 and ratings["s1"]["quadrant"] == "quick_win"


# -- ratings -------------------------------------------------------------------------------


async def test_ratings_are_blind_then_summarised_with_boundaries(ws: Workshop) -> None:
    await ws.add_cards(CARDS)
    ann, bo, cy = (p["token"] for p in ws.people)
    ws.refused(ann, 409, "wrong_phase", type="rate", card="s1", effort=1, impact=1)
    ws.phase("solution_rating")
    ws.refused(ann, 400, "invalid_command", type="rate", card="s1", effort=0, impact=3)
    ws.refused(ann, 400, "invalid_command", type="rate", card="s1", effort=3, impact=6)
    ws.refused(ann, 400, "wrong_kind", type="rate", card="p1", effort=3, impact=3)
    ws.refused(ann, 404, "unknown_card", type="rate", card="zz", effort=3, impact=3)
    # s1: efforts 2,3,4 impacts 3,3,3 -> means exactly 3 and 3: a quick win
    # s2: efforts 4,4,5 impacts 2,3,2 -> money pit
    ws.ok(ann, type="rate", card="s1", effort=5, impact=1)
    replaced = ws.ok(ann, type="rate", card="s1", effort=2, impact=3)["result"]["me"]
    assert replaced["ratings"] == {"s1": {"effort": 2, "impact": 3}}  # rating again replaces
    assert {k: v for k, v in ws.me(ann).items() if k != "server_now_ms"} == replaced
    ws.ok(bo, type="rate", card="s1", effort=3, impact=3)
    ws.ok(cy, type="rate", card="s1", effort=4, impact=3)
    for token, effort, impact in ((ann, 4, 2), (bo, 4, 3), (cy, 5, 2)):
        ws.ok(token, type="rate", card="s2", effort=effort, impact=impact)
    async with synced_client(ws.url(ws.tokens["viewer"], session=True)) as session:
        assert session.doc.get("ratings", type=Map).to_py() in ({}, None)
        assert session.doc.get("progress", type=Map)["raters"] == 3
        assert session.doc.get("progress", type=Map)["ratings_cast"] == 6
        ws.ok(ws.lead["token"], type="reveal", what="ratings")
        await session.wait_until(
            lambda: len(session.doc.get("ratings", type=Map).to_py() or {}) == 2
        )
        ratings = session.doc.get("ratings", type=Map).to_py()
    s1, s2 = ratings["s1"], ratings["s2"]
    assert (s1["effort"], s1["impact"], s1["n"], s1["quadrant"]) == (3, 3, 3, "quick_win")
    assert s1["effort_spread"] == pytest.approx(statistics.pstdev([2, 3, 4]))
    assert s1["impact_spread"] == 0
    assert s2["effort"] == pytest.approx(13 / 3) and s2["impact"] == pytest.approx(7 / 3)
    assert s2["quadrant"] == "money_pit"


# -- lock ----------------------------------------------------------------------------------


async def test_lock_undoes_participant_edits_and_unlock_restores_editing(ws: Workshop) -> None:
    ann = ws.people[0]["token"]
    async with (
        synced_client(ws.url(ann)) as participant,
        synced_client(ws.url(ws.lead["token"])) as facilitator,
        synced_client(ws.url(ws.tokens["viewer"])) as watcher,
    ):
        await participant.change(
            lambda d: d.get("cards", type=Map).__setitem__("before", Map({"text": Text("kept")}))
        )
        await watcher.wait_until(lambda: "before" in cards(watcher))
        ws.ok(ws.lead["token"], type="lock", locked=True)
        await participant.change(lambda d: d.get("cards", type=Map).__setitem__("during", 1))
        await participant.change(
            lambda d: d.get("cards", type=Map)["before"]["text"].insert(0, "X")
        )
        await participant.change(lambda d: d.get("cards", type=Map).pop("before"))
        await facilitator.change(lambda d: d.get("cards", type=Map).__setitem__("lead", 1))
        for client in (participant, watcher):
            await client.wait_until(lambda c=client: "lead" in cards(c) and "before" in cards(c))
            await client.wait_until(lambda c=client: "during" not in cards(c))
            assert cards(client)["before"]["text"] == "kept"
        ws.ok(ws.lead["token"], type="lock", locked=False)
        await participant.change(lambda d: d.get("cards", type=Map).__setitem__("after", 2))
        await participant.change(
            lambda d: d.get("cards", type=Map)["before"]["text"].insert(4, "!")
        )
        await watcher.wait_until(
            lambda: "after" in cards(watcher) and cards(watcher)["before"]["text"] == "kept!"
        )
        assert cards(participant) == cards(watcher)
    data = ws.server.get_board(ws.id, ws.tokens["viewer"])["content"]["cards"]
    assert set(data) == {"before", "lead", "after"}


async def test_a_room_opened_while_locked_stays_locked(make_server: Any) -> None:
    server = make_server("--grace", "0.1")
    ws = Workshop(server)
    ws.ok(ws.lead["token"], type="lock", locked=True)
    await wait_until(  # every room unloads
        lambda: httpx.get(f"{server.http}/healthz").json()["rooms"] == 0, 10, "the unloads"
    )
    async with synced_client(ws.url(ws.people[0]["token"])) as participant:
        await participant.change(lambda d: d.get("cards", type=Map).__setitem__("sneaky", 1))
        await participant.wait_until(lambda: "sneaky" not in cards(participant))


def cards(client: YClient) -> dict[str, Any]:
    return dict(client.doc.get("cards", type=Map).to_py() or {})
