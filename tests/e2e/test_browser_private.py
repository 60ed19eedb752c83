"""Private writing in the browser (issue #29): two participants write drafts in their own
contexts, neither sees the other's, their counts show on their avatars, and the facilitator
reveals them from the dock. Needs the client built (`cd client && npm run build`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, join, open_board
from browsing import browser as browser
from conftest import ServerProcess

pytestmark = BROWSER_MARKS


def shoot(page: Page, name: str) -> None:
    """Save a screenshot when JOURNEYBOARD_SCREENSHOTS names a directory."""
    target = os.environ.get("JOURNEYBOARD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"))


def card(card_id: str) -> str:
    return f'[data-testid="card"][data-card-id="{card_id}"]'


def write(page: Page, stage: str, kind: str, text: str) -> str:
    """Add a card through its cell, type its text, end with Esc; return its id."""
    cell = f'[data-testid="cell"][data-stage="{stage}"][data-kind="{kind}"]'
    page.locator(cell).get_by_test_id("add-card").click()
    page.wait_for_function(
        "() => document.activeElement?.matches('[data-card-id] textarea') === true"
    )
    card_id = str(
        page.evaluate(
            "() => document.activeElement.closest('[data-card-id]').getAttribute('data-card-id')"
        )
    )
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    expect(page.locator(f"{card(card_id)} [data-testid='card-text']")).to_have_text(text)
    return card_id


def test_two_people_write_privately_and_the_facilitator_reveals(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    server = make_server()
    board = server.create_board("Private claim")
    board_id, tokens = board["id"], board["tokens"]
    fay = open_board(browser, server, board_id, tokens["facilitator"])
    expect(fay.get_by_test_id("facilitator-panel")).to_be_visible()
    ann = open_board(browser, server, board_id, tokens["participant"])
    join(ann, "Ann")
    ben = open_board(browser, server, board_id, tokens["participant"])
    join(ben, "Ben")
    viewer = open_board(browser, server, board_id, tokens["viewer"])
    expect(viewer.get_by_test_id("status")).to_have_attribute("data-status", "synced")

    fay.get_by_test_id("private-toggle").click()
    expect(fay.get_by_test_id("private-toggle")).to_have_attribute("aria-pressed", "true")
    for page in (ann, ben):
        expect(page.get_by_test_id("private-banner")).to_be_visible()
    stage = ann.locator('[data-testid="stage"]').first.get_attribute("data-stage-header")
    assert stage is not None

    ann_card = write(ann, stage, "pain", "Ann alone: the form is too long")
    ben_card = write(ben, stage, "pain", "Ben alone: nobody calls back")
    for page, mine, theirs in ((ann, ann_card, ben_card), (ben, ben_card, ann_card)):
        expect(page.locator(card(mine))).to_have_attribute("data-draft", "true")
        expect(page.locator(f"{card(mine)} [data-testid='draft-tag']")).to_be_visible()
        expect(page.locator(card(theirs))).to_have_count(0)
    for page in (fay, viewer):
        expect(page.locator(f"{card(ann_card)}, {card(ben_card)}")).to_have_count(0)
        # Nor where they write: writers' pointers are not shown while private writing is on.
        expect(page.locator('[data-testid="cursor"][data-name="Ann"]')).to_have_count(0)
    # The writer's count on their avatar, for everyone else; the total in the dock.
    expect(ben.locator('[data-testid="draft-count"][data-name="Ann"]')).to_have_text("1")
    expect(fay.locator('[data-testid="draft-count"][data-name="Ben"]')).to_have_text("1")
    expect(fay.get_by_test_id("drafts-total")).to_contain_text("2 private drafts")
    # A draft is edited like any card, in place.
    ann.locator(f"{card(ann_card)} [data-testid='card-text']").click()
    ann.keyboard.press("End")
    ann.keyboard.type(" and confusing")
    ann.keyboard.press("Escape")
    expect(ann.locator(f"{card(ann_card)} [data-testid='card-text']")).to_have_text(
        "Ann alone: the form is too long and confusing"
    )

    shoot(ann, "private-writing-participant")
    shoot(fay, "private-writing-facilitator")
    # Ben publishes his own early: everyone sees his card, Ann's stays hers.
    ben.get_by_test_id("publish-drafts").click()
    for page in (fay, ann, viewer):
        expect(page.locator(f"{card(ben_card)} [data-testid='card-text']")).to_have_text(
            "Ben alone: nobody calls back"
        )
    expect(ben.locator(card(ben_card))).not_to_have_attribute("data-draft", "true")
    expect(fay.locator(card(ann_card))).to_have_count(0)
    expect(fay.get_by_test_id("drafts-total")).to_contain_text("1 private draft")
    fay.get_by_test_id("reveal-drafts").click()
    texts = {
        ann_card: "Ann alone: the form is too long and confusing",
        ben_card: "Ben alone: nobody calls back",
    }
    for page in (fay, ann, ben, viewer):
        for card_id, text in texts.items():
            expect(page.locator(f"{card(card_id)} [data-testid='card-text']")).to_have_text(text)
            expect(page.locator(card(card_id))).not_to_have_attribute("data-draft", "true")
    expect(fay.get_by_test_id("drafts-total")).to_contain_text("0 private drafts")
    expect(ann.get_by_test_id("publish-drafts")).to_have_count(0)
