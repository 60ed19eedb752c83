"""A large board's first render mounts what can be seen (issue #30, item 2).

A board of 480 cards (eight stages, six lanes, ten cards a cell) opens on a laptop's screen:
the cards below the first screen are not in the DOM, each cell's rest is one placeholder of
their height; scrolling brings them in, Tab reaches them, the browser's find-in-page finds
their text, and focusing a card that is not mounted mounts it.
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, axe_violations, open_board
from browsing import browser as browser
from conftest import ServerProcess

pytestmark = BROWSER_MARKS

STAGES = 8
LANES = ["action", "touchpoint", "thought", "pain", "gain", "backstage"]
PER_CELL = 10


def card_id(stage: int, kind: str, number: int) -> str:
    return f"s{stage}-{kind}-{number}"


def large_export() -> dict[str, Any]:
    """An export document of STAGES x LANES cells of PER_CELL cards each."""
    stages = [{"id": f"s{n}", "name": f"Stage {n + 1}", "pos": f"a{n:04d}"} for n in range(STAGES)]
    cards = [
        {
            "id": card_id(stage, kind, number),
            "kind": kind,
            "stage": f"s{stage}",
            "pos": f"a{number:04d}",
            "text": f"Card {number} of {kind} in stage {stage + 1}, long enough to wrap a line",
            "author": "Anna Virtanen",
        }
        for stage in range(STAGES)
        for kind in LANES
        for number in range(PER_CELL)
    ]
    return {
        "schema": "journeyboard/export",
        "version": 1,
        "board": {"title": "Large board"},
        "stages": stages,
        "cards": cards,
    }


def mounted(page: Page, id_: str) -> bool:
    return bool(page.locator(f'[data-card-id="{id_}"]').count())


def open_large(browser: Browser, server: ServerProcess, role: str) -> tuple[Page, dict[str, Any]]:
    # An import of 480 cards takes longer than httpx's default 5 s on a busy machine.
    body = {"title": "Large board", "import": large_export()}
    answer = httpx.post(f"{server.http}/api/boards", json=body, timeout=60)
    assert answer.status_code == 201, answer.text
    board: dict[str, Any] = answer.json()
    page = open_board(browser, server, board["id"], board["tokens"][role], bypass_csp=True)
    expect(page.get_by_test_id("map-scroll")).to_have_attribute("data-first-screen", "mounted")
    return page, board


def test_the_first_screen_mounts_and_scrolling_brings_the_rest(
    server: ServerProcess, browser: Browser
) -> None:
    page, _ = open_large(browser, server, "viewer")
    first = card_id(0, "action", 0)
    expect(page.locator(f'[data-card-id="{first}"]')).to_be_visible()
    # The last lane's cards are far below a laptop's screen: not in the DOM, their cells hold
    # placeholders of their height instead.
    last_lane = [card_id(stage, "backstage", 0) for stage in range(STAGES)]
    assert not any(mounted(page, id_) for id_ in last_lane)
    assert page.locator('[data-testid="card"]').count() < STAGES * len(LANES) * PER_CELL / 2
    waiting = page.locator('[data-testid="cell"][data-kind="backstage"][data-stage="s0"]')
    placeholder = waiting.get_by_test_id("waiting-cards")
    expect(placeholder).to_have_attribute("data-count", str(PER_CELL))
    expect(placeholder).to_have_attribute("aria-label", f"Show {PER_CELL} more cards")
    box = placeholder.bounding_box()
    assert box is not None and box["height"] > PER_CELL * 40 * 0.5, box
    # No axe violation of any impact with placeholders on the page.
    assert axe_violations(page, every_impact=True) == []

    # Scrolling to the last lane mounts its cards.
    page.get_by_test_id("map-scroll").evaluate("(el) => el.scrollTo(0, el.scrollHeight)")
    expect(page.locator(f'[data-card-id="{card_id(0, "backstage", 0)}"]')).to_be_attached()
    expect(
        page.locator(f'[data-card-id="{card_id(0, "backstage", PER_CELL - 1)}"]')
    ).to_be_attached()


def focus_card(page: Page, stage: int, kind: str, number: int) -> None:
    """Focus a card the way a script can: through its cell's placeholder if not mounted."""
    page.evaluate(
        """([stage, kind, id]) => {
            const cell = document.querySelector(
                `[data-testid="cell"][data-kind="${kind}"][data-stage="${stage}"]`);
            if (document.querySelector(`[data-card-id="${id}"]`) === null)
                cell.querySelector('[data-testid="waiting-cards"]').focus();
            document.querySelector(`[data-card-id="${id}"]`).focus();
        }""",
        [f"s{stage}", kind, card_id(stage, kind, number)],
    )
    expect(page.locator(f'[data-card-id="{card_id(stage, kind, number)}"]')).to_be_focused()


def test_tab_reaches_a_card_that_is_not_mounted(server: ServerProcess, browser: Browser) -> None:
    page, _ = open_large(browser, server, "viewer")
    # The map's DOM goes lane by lane: the gain lane's last stage, then the backstage lane's
    # first, which is off-screen and not mounted.
    target = card_id(0, "backstage", 0)
    assert not mounted(page, target)
    focus_card(page, STAGES - 1, "gain", PER_CELL - 1)
    page.keyboard.press("Tab")
    expect(page.locator(f'[data-card-id="{target}"]')).to_be_focused()
    # Shift+Tab into a cell from after it lands on its last card.
    last = card_id(1, "backstage", PER_CELL - 1)
    focus_card(page, 2, "backstage", 0)
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f'[data-card-id="{last}"]')).to_be_focused()


def test_find_in_page_finds_a_card_that_is_not_mounted(
    server: ServerProcess, browser: Browser
) -> None:
    page, _ = open_large(browser, server, "viewer")
    target = card_id(3, "backstage", 7)
    text = "Card 7 of backstage in stage 4, long enough"
    assert not mounted(page, target)
    # The text is in the page, hidden until found: the browser's find-in-page searches it.
    findable = page.locator(
        '[data-testid="cell"][data-kind="backstage"][data-stage="s3"] .findable'
    )
    assert findable.get_attribute("hidden") == "until-found"
    assert text in (findable.text_content() or "")
    # A match fires beforematch on it (what Chromium's find bar and text fragments do).
    findable.dispatch_event("beforematch")
    expect(page.locator(f'[data-card-id="{target}"]')).to_contain_text(text)


def test_a_card_moved_into_a_cell_not_mounted_keeps_the_focus(
    server: ServerProcess, browser: Browser
) -> None:
    page, _ = open_large(browser, server, "facilitator")
    moved = card_id(0, "pain", PER_CELL - 1)
    focus_card(page, 0, "pain", PER_CELL - 1)
    page.keyboard.press("Alt+Shift+ArrowDown")
    card = page.locator(f'[data-card-id="{moved}"]')
    expect(card).to_have_attribute("data-kind", "gain")
    expect(card).to_be_focused()
