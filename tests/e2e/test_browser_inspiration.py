"""Inspiration cards and the effect of measures in the browser (issue #28): a source is a link
(new tab, no referrer) only when it is http or https; the inspiration lane shows when the board
has inspiration cards or a follow-up runs; a solution that was done takes the effect seen in
the action plan. Needs the client built (`cd client && npm run build`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, LAPTOP
from browsing import browser as browser
from conftest import ServerProcess
from waiting import wait_until_sync

pytestmark = BROWSER_MARKS

HOSTILE = "javascript:alert(document.cookie)"
SAFE = "https://example.org/cases/claims"

EXPORT: dict[str, Any] = {
    "schema": "journeyboard/export",
    "version": 1,
    "board": {"title": "Inspired claim"},
    "stages": [{"id": "st", "name": "Claim", "pos": "a"}],
    "cards": [
        {"id": "p1", "kind": "pain", "stage": "st", "pos": "a", "text": "Slow form"},
        {"id": "s1", "kind": "solution", "stage": "st", "pos": "b", "text": "Prefill",
         "pain": "p1", "status": "done"},
        {"id": "i1", "kind": "inspiration", "stage": "st", "pos": "c", "text": "Bank X",
         "source": HOSTILE},
        {"id": "i2", "kind": "inspiration", "stage": "st", "pos": "d", "text": "Airline Y",
         "source": SAFE},
    ],
}  # fmt: skip


def open_board(browser: Browser, server: ServerProcess, board_id: str, token: str) -> Page:
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server.http}/b/{board_id}#token={token}")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    return page


def command(server: ServerProcess, board_id: str, token: str, **body: Any) -> None:
    response = httpx.post(
        f"{server.http}/api/boards/{board_id}/commands",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text


def card(card_id: str) -> str:
    return f'[data-testid="card"][data-card-id="{card_id}"]'


def test_sources_are_links_only_for_http_and_the_plan_takes_the_effect(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    server = make_server()
    board = server.create_board("Inspired claim", **{"import": EXPORT})
    board_id, tokens = board["id"], board["tokens"]
    command(server, board_id, tokens["facilitator"], type="set_phase", phase="action_plan")
    page = open_board(browser, server, board_id, tokens["facilitator"])

    expect(page.locator('[data-testid="lane-label"][data-kind="inspiration"]')).to_be_visible()
    link = page.locator(f'{card("i2")} [data-testid="source-link"]')
    expect(link).to_have_attribute("href", SAFE)
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    expect(page.locator(f'{card("i1")} [data-testid="source-text"]')).to_have_text(HOSTILE)
    expect(page.locator(f"{card('i1')} a")).to_have_count(0)
    hostile_links = page.evaluate(
        "() => [...document.querySelectorAll('a[href]')]"
        ".filter((a) => !/^https?:/i.test(a.href)).map((a) => a.getAttribute('href'))"
    )
    assert not [href for href in hostile_links if "javascript" in href.lower()]

    row = '[data-testid="action-row"][data-card-id="s1"]'
    effect = page.locator(f'{row} [data-testid="effect-input"]')
    effect.fill("Calls about the form halved")
    effect.blur()

    def stored() -> bool:
        cards = server.get_board(board_id, tokens["viewer"])["content"]["cards"]
        return bool(cards["s1"].get("effect") == "Calls about the form halved")

    wait_until_sync(stored, what="the effect on the card")
    viewer = open_board(browser, server, board_id, tokens["viewer"])
    expect(viewer.locator(f'{row} [data-testid="plan-effect"]')).to_contain_text(
        "Calls about the form halved"
    )
    expect(viewer.locator(f'{row} [data-testid="effect-input"]')).to_have_count(0)


def test_the_inspiration_lane_shows_once_a_follow_up_runs(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    server = make_server()
    board = server.create_board("Plain claim")
    board_id, tokens = board["id"], board["tokens"]
    page = open_board(browser, server, board_id, tokens["facilitator"])
    expect(page.locator('[data-testid="lane-label"][data-kind="solution"]')).to_be_visible()
    lane = page.locator('[data-testid="lane-label"][data-kind="inspiration"]')
    expect(lane).to_have_count(0)
    command(server, board_id, tokens["facilitator"], type="set_phase", phase="action_plan")
    command(server, board_id, tokens["facilitator"], type="start_follow_up", phase="discovery")
    expect(lane).to_be_visible()
