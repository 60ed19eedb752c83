"""Journeys in every store across a kill -9, and across the nodes of a cluster (PostgreSQL
with Redis as the bus, and Redis alone): a journey added on one node is reachable through every
node at once (issue #27)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pycrdt import Map

from conftest import ServerProcess
from pg import pg_url as pg_url  # the fixture
from pg import postgres_server as postgres_server  # the fixture
from redisserver import RedisServer
from redisserver import redis as redis  # the fixture
from ysync import synced_client


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def journeys(server: ServerProcess, board: str, token: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.http}/api/boards/{board}/journeys", headers=auth(token))
    assert response.status_code == 200, response.text
    return list(response.json()["journeys"])


def add(server: ServerProcess, board: str, token: str, **body: Any) -> dict[str, Any]:
    response = httpx.post(
        f"{server.http}/api/boards/{board}/journeys", json=body, headers=auth(token)
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "blue").save(out, format="PNG")
    return out.getvalue()


def relations(listed: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(j["id"], j["relation"], j["parent"], j["stage"], j["title"]) for j in listed]


@pytest.mark.parametrize("store", ["sqlite", "redis", "postgresql"])
def test_journeys_survive_kill_9(
    store: str, make_server: Any, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    urls = {
        "sqlite": lambda: f"sqlite:///{tmp_path / 'kill.db'}",
        "redis": lambda: request.getfixturevalue("redis").url,
        "postgresql": lambda: request.getfixturevalue("pg_url"),
    }
    bus = ("--bus", "local") if store == "postgresql" else ()
    server: ServerProcess = make_server("--grace", "1", *bus, store_url=urls[store]())
    created = server.create_board("Motor claim")
    root, tokens = created["id"], created["tokens"]
    lead = server.join(tokens["facilitator"], "Fay")["token"]
    ann = server.join(tokens["participant"], "Ann")["token"]
    stage = next(iter(server.get_board(root, lead)["content"]["stages"]))
    persona = add(server, root, lead, relation="persona", persona={"name": "Young"})["id"]
    detail = add(server, root, lead, relation="detail", stage=stage)["id"]
    to_be = add(server, detail, lead, relation="to_be")["id"]
    picture = httpx.post(
        f"{server.http}/api/boards/{persona}/persona/picture", content=png(), headers=auth(lead)
    )
    assert picture.status_code == 201, picture.text
    before = journeys(server, root, ann)
    assert [j["id"] for j in before] == [root, persona, detail, to_be]
    server.kill()
    server.start()
    after = journeys(server, to_be, ann)
    assert relations(after) == relations(before)
    assert after[1]["persona"] == {"name": "Young", "picture": True}
    served = httpx.get(f"{server.http}/api/boards/{persona}/persona/picture", headers=auth(ann))
    assert served.status_code == 200 and served.content
    for board in (root, persona, detail, to_be):  # the same people and links everywhere
        got = httpx.get(f"{server.http}/api/boards/{board}", headers=auth(ann))
        assert got.json()["role"] == "participant"
        got = httpx.get(f"{server.http}/api/boards/{board}", headers=auth(tokens["viewer"]))
        assert got.json()["role"] == "viewer"


def bus_nodes(make_server: Any, store_url: str, bus: str | None, count: int) -> list[ServerProcess]:
    extra = ("--bus", bus) if bus else ()
    return [make_server("--grace", "1", *extra, store_url=store_url) for _ in range(count)]


@pytest.mark.parametrize("deployment", ["postgresql+redis", "redis"])
def test_a_journey_added_on_one_node_is_reachable_through_every_node(
    deployment: str, make_server: Any, redis: RedisServer, request: pytest.FixtureRequest
) -> None:
    if deployment == "redis":
        servers = bus_nodes(make_server, redis.url, None, 3)
    else:
        servers = bus_nodes(make_server, request.getfixturevalue("pg_url"), redis.url, 3)
    created = servers[0].create_board("Motor claim")
    root, tokens = created["id"], created["tokens"]
    lead = servers[0].join(tokens["facilitator"], "Fay")["token"]
    ann = servers[1].join(tokens["participant"], "Ann")["token"]
    journey = add(servers[0], root, lead, relation="to_be")["id"]
    for node in servers:  # at once: no wait, no retry
        assert [j["id"] for j in journeys(node, root, ann)] == [root, journey]
        got = httpx.get(f"{node.http}/api/boards/{journey}", headers=auth(ann))
        assert got.status_code == 200, got.text
        assert got.json()["content"]["stages"]  # the copied stages

    async def write_on_one_read_on_another() -> None:
        async with (
            synced_client(servers[2].url(journey, ann)) as writer,
            synced_client(servers[1].url(journey, tokens["viewer"], session=True)) as reader,
        ):
            await writer.change(lambda doc: doc.get("cards", type=Map).__setitem__("x", 1))
            await reader.wait_until(
                lambda: len(reader.doc.get("participants", type=Map).to_py() or {}) >= 1
            )

    asyncio.run(write_on_one_read_on_another())
    # A rotation on one node closes the old link on every node's journeys.
    response = httpx.post(
        f"{servers[1].http}/api/boards/{journey}/commands",
        json={"type": "rotate_link", "role": "participant"},
        headers=auth(lead),
    )
    assert response.status_code == 200, response.text
    for node in servers:
        for board in (root, journey):
            refused = httpx.get(
                f"{node.http}/api/boards/{board}", headers=auth(tokens["participant"])
            )
            assert refused.status_code == 401, refused.text
    assert "Traceback" not in "".join(s.logs() for s in servers)
