"""Inspiration cards and the effect of measures in the browser (issue #28): a source is a link
(new tab, no referrer) only when it is http or https; the inspiration lane shows when the board
has inspiration cards or a follow-up runs; a solution that was done takes the effect seen in
the action plan. Needs the client built (`cd client && npm run build`)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS
from browsing import browser as browser
from browsing import open_board as open_page
from conftest import ServerProcess
from inspired_board import EXPORT, HOSTILE, SAFE
from waiting import wait_until_sync

pytestmark = BROWSER_MARKS


def open_board(browser: Browser, server: ServerProcess, board_id: str, token: str) -> Page:
    page = open_page(browser, server, board_id, token)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    return page


def card(card_id: str) -> str:
    return f'[data-testid="card"][data-card-id="{card_id}"]'


def test_sources_are_links_only_for_http_and_the_plan_takes_the_effect(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    server = make_server()
    board = server.create_board("Inspired claim", **{"import": EXPORT})
    board_id, tokens = board["id"], board["tokens"]
    server.command(board_id, tokens["facilitator"], type="set_phase", phase="action_plan")
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
    server.command(board_id, tokens["facilitator"], type="set_phase", phase="action_plan")
    server.command(board_id, tokens["facilitator"], type="start_follow_up", phase="discovery")
    expect(lane).to_be_visible()
