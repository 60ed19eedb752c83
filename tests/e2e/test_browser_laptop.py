"""The laptop pass (issue #25): a realistic board read on a 1366x768 (and 1280x720) laptop.

The board has six stages with long, real names and ~45 cards (laptop_board.py). The checks
measure what a person sees: the zoom a card's text is drawn at, whether a stage name is whole
on screen, whether two texts of the top bar overlap.
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, LAPTOP
from browsing import browser as browser
from conftest import ServerProcess
from laptop_board import STAGE_NAMES, laptop_export

pytestmark = BROWSER_MARKS

SMALL_LAPTOP = {"width": 1280, "height": 720}
ROLES = ["facilitator", "participant", "viewer"]

# Every stage name: is its text whole (not clipped by overflow, not cut by an ellipsis) and
# inside its header, and on how many lines is it drawn?
STAGE_NAMES_JS = """() => [...document.querySelectorAll('[data-testid="stage"]')].map((header) => {
    const name = header.querySelector('.name');
    const range = document.createRange();
    range.selectNodeContents(name);
    const text = range.getBoundingClientRect();
    const box = header.getBoundingClientRect();
    const style = getComputedStyle(name);
    const zoom = box.width / header.offsetWidth;
    const lines = Math.round(text.height / (parseFloat(style.lineHeight) * zoom));
    return {
        name: name.textContent.trim(),
        clipped: name.scrollWidth > name.clientWidth + 1 || name.scrollHeight > name.clientHeight + 1,
        ellipsis: style.textOverflow === 'ellipsis' && style.overflow !== 'visible',
        inside: text.left >= box.left - 1 && text.right <= box.right + 1
            && text.top >= box.top - 1 && text.bottom <= box.bottom + 1,
        lines,
    };
})"""


def laptop_board(server: ServerProcess) -> dict[str, Any]:
    return server.create_board("Broadband outage", **{"import": laptop_export()})


def command(server: ServerProcess, board: dict[str, Any], **body: object) -> None:
    answer = httpx.post(
        f"{server.http}/api/boards/{board['id']}/commands",
        json=body,
        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"},
    )
    assert answer.status_code == 200, answer.text


def open_as(
    browser: Browser, board: dict[str, Any], role: str, viewport: dict[str, int] = LAPTOP
) -> Page:
    """Open the board as `role` at `viewport`; facilitators and participants join by name."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(board["links"][role])
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    if role == "facilitator":
        page.get_by_test_id("facilitator-join-open").click()
    if role != "viewer":
        page.get_by_test_id("join-name").fill(f"{role.title()} Lindqvist-Halvorsen")
        page.get_by_test_id("join-department").fill("Customer Experience")
        page.get_by_test_id("join-submit").click()
        expect(page.get_by_test_id("join-form")).to_have_count(0)
    expect(page.locator('[data-testid="stage"]')).to_have_count(len(STAGE_NAMES))
    return page


def zoom_of(page: Page) -> float:
    return float(page.get_by_test_id("map").get_attribute("data-zoom") or "0")


def assert_names_whole(page: Page, where: str) -> None:
    names = page.evaluate(STAGE_NAMES_JS)
    assert [n["name"] for n in names] == STAGE_NAMES, where
    for name in names:
        assert not name["clipped"] and not name["ellipsis"], f"{where}: {name}"
        assert name["inside"], f"{where}: {name}"
        assert name["lines"] <= 2, f"{where}: {name}"


def test_the_board_opens_readable_with_every_stage_name_whole(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    for viewport in (LAPTOP, SMALL_LAPTOP):
        for role in ROLES:
            where = f"{role} at {viewport['width']}x{viewport['height']}"
            page = open_as(browser, board, role, viewport)
            zoom = zoom_of(page)
            assert zoom >= 0.8, f"{where}: opens at {zoom}"
            # A card's line of text is at least 11 px high on screen (14 px at 100%).
            size = page.locator('[data-testid="card-text"]').first.evaluate(
                "(e) => parseFloat(getComputedStyle(e).fontSize)"
            )
            assert size * zoom >= 11, f"{where}: card text {size * zoom} px"
            # The stage columns use the free width: nothing wide is left empty on the right.
            free = page.evaluate(
                """() => {
                    const scroller = document.querySelector('[data-testid="map-scroll"]');
                    const map = document.querySelector('[data-testid="map"]');
                    return scroller.clientWidth - map.getBoundingClientRect().width;
                }"""
            )
            if zoom < 1:
                assert free < 60, f"{where}: {free} px left empty"
            assert_names_whole(page, where)
            page.context.close()


def test_the_spotlight_mark_leaves_the_stage_name_whole(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    page = open_as(browser, board, "participant")
    stage = page.locator('[data-testid="stage"]').nth(2).get_attribute("data-stage-header")
    command(server, board, type="spotlight", stage=stage)
    expect(page.get_by_test_id("spotlight-badge")).to_be_visible()
    assert_names_whole(page, "spotlight on Contacts support")
    # At 100% too: the participant's map opens at 100% on this laptop.
    page.get_by_test_id("zoom-level").click()
    assert_names_whole(page, "spotlight at 100%")


def test_fit_journey_fits_the_width_from_the_top_left(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    page = open_as(browser, board, "facilitator", SMALL_LAPTOP)
    scroller = page.get_by_test_id("map-scroll")
    scroller.evaluate("(e) => e.scrollTo(e.scrollWidth, e.scrollHeight)")
    page.get_by_test_id("zoom-fit").click()
    page.wait_for_function(
        """() => {
            const e = document.querySelector('[data-testid="map-scroll"]');
            return e.scrollLeft === 0 && e.scrollTop === 0;
        }"""
    )
    fits = page.evaluate(
        """() => {
            const box = document.querySelector('[data-testid="map-scroll"]').getBoundingClientRect();
            return [...document.querySelectorAll('[data-testid="stage"]')].every((h) => {
                const r = h.getBoundingClientRect();
                return r.left >= box.left - 1 && r.right <= box.right + 1;
            });
        }"""
    )
    assert fits, "every stage is in the width after Fit journey"


def test_chips_end_with_an_ellipsis_and_show_the_whole_text(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    page = open_as(browser, board, "viewer")
    page.get_by_test_id("map-scroll").focus()
    while zoom_of(page) > 0.5:
        page.get_by_test_id("zoom-out").click()
    text = "24/7 roadside assistance number on the insurance card"
    chip = page.locator('[data-testid="card"]', has_text=text)
    shape = chip.locator('[data-testid="card-text"]').evaluate(
        """(e) => {
            const card = e.closest('[data-testid="card"]').getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(e);
            const start = range.getClientRects()[0];
            return {
                ellipsis: getComputedStyle(e).textOverflow === 'ellipsis',
                cut: e.scrollWidth > e.clientWidth,
                startsInside: start.left >= card.left,
            };
        }"""
    )
    assert shape == {"ellipsis": True, "cut": True, "startsInside": True}
    full = chip.get_by_test_id("chip-full")
    expect(full).to_be_hidden()
    chip.hover()
    expect(full).to_be_visible()
    expect(full).to_have_text(text)
    # Drawn at its own size, readable at the overview's 50%.
    height = full.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")
    assert height * 0.5 * full.evaluate("(e) => parseFloat(getComputedStyle(e).zoom)") >= 12
    page.mouse.move(0, 0)
    chip.focus()
    expect(full).to_be_visible()
