"""Decisions, measured values and the follow-up's history across two nodes on one Redis and
through a kill -9 of the node that wrote them."""

from __future__ import annotations

import signal
from typing import Any

import httpx
from pycrdt import Map, Text

from redisserver import RedisServer, nodes
from redisserver import redis as redis  # the fixture
from ysync import synced_client


def post(url: str, token: str, **body: Any) -> httpx.Response:
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token}"})


def get(url: str, token: str) -> dict[str, Any]:
    response = httpx.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_decisions_metrics_and_history_cross_nodes(
    make_server: Any, redis: RedisServer
) -> None:
    a, b = nodes(make_server, redis, 2)
    board = a.create_board()
    bid, tokens = board["id"], board["tokens"]
    ann = a.join(tokens["participant"], "Ann")["token"]
    rita = b.join(tokens["reviewer"], "Rita", "Finance")["token"]
    lead = tokens["facilitator"]
    async with synced_client(a.url(bid, ann)) as client:

        def add(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            cards["t1"] = Map({"kind": "touchpoint", "text": Text("Claim form")})
            cards["s1"] = Map({"kind": "solution", "text": Text("Pre-fill")})

        await client.change(add)
        await client.round_trip()
    commands = f"/api/boards/{bid}/commands"
    assert post(a.http + commands, lead, type="set_phase", phase="action_plan").status_code == 200
    decided = post(b.http + commands, rita, type="decide", card="s1", decision="approve")
    assert decided.status_code == 200, decided.text
    imported = httpx.post(
        f"{a.http}/api/boards/{bid}/metrics",
        content=b"touchpoint,metric,value,date\nClaim form,nps,42,2026-01-01\n",
        headers={"Authorization": f"Bearer {lead}", "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200 and imported.json()["accepted"] == 1, imported.text
    started = post(b.http + commands, lead, type="start_follow_up", phase="discovery")
    assert started.status_code == 200, started.text
    a.kill(signal.SIGKILL)
    assert get(f"{b.http}/api/boards/{bid}/metrics", rita)["touchpoints"]["t1"]["nps"][
        "points"
    ] == [{"date": "2026-01-01", "value": 42}]
    sessions = get(f"{b.http}/api/boards/{bid}/sessions", rita)
    assert sessions["current"] == 2
    assert sessions["sessions"][0]["decisions"]["s1"][0]["name"] == "Rita"
