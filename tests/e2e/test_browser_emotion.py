"""Feelings in a real browser: the face picker, the read-only face, and the emotion curve, where
people drag their own score (a facilitator any score) and everyone sees it move.

Needs the client built into server/journeyboard/static (`cd client && npm run build`).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

import browsing
from browsing import AXE, BROWSER_MARKS, join
from browsing import browser as browser
from conftest import ServerProcess

# The curve's geometry (client/src/state/emotion.ts and ui/layout.ts): height, padding, columns.
CURVE_HEIGHT, CURVE_PAD = 140, 14
MINUS = "\u2212"
WIDE = {"width": 1500, "height": 1000}

pytestmark = BROWSER_MARKS


def open_board(browser: Browser, server: ServerProcess, board_id: str, token: str) -> Page:
    """A wide page, into which axe-core may be injected."""
    return browsing.open_board(browser, server, board_id, token, WIDE, bypass_csp=True)


def stage_id(page: Page, name: str) -> str:
    value = page.locator(f'[data-testid="stage"][data-stage-name="{name}"]').get_attribute(
        "data-stage-header"
    )
    assert value is not None
    return value


def add_feeling(page: Page, stage: str) -> str:
    """Add a feeling card through its cell and return the new card's id."""
    cell = page.locator(f'[data-testid="cell"][data-stage="{stage}"][data-kind="feeling"]')
    before = set(
        cell.locator("[data-card-id]").evaluate_all("els => els.map(e => e.dataset.cardId)")
    )
    cell.get_by_test_id("add-card").click()
    expect(cell.locator("[data-card-id]")).to_have_count(len(before) + 1)
    after = cell.locator("[data-card-id]").evaluate_all("els => els.map(e => e.dataset.cardId)")
    (card_id,) = set(after) - before
    page.keyboard.press("Escape")  # a new card opens in editing; the faces open from the card
    open_picker(page, str(card_id))
    return str(card_id)


def open_picker(page: Page, card_id: str) -> None:
    if on_card(page, card_id, "face-picker").count() == 0:
        on_card(page, card_id, "face-button").click()
    expect(on_card(page, card_id, "face-picker")).to_be_visible()


def on_card(page: Page, card_id: str, test_id: str) -> Locator:
    return page.locator(f'[data-testid="card"][data-card-id="{card_id}"] [data-testid="{test_id}"]')


def dot(page: Page, card_id: str) -> Locator:
    return page.locator(f'[data-testid="emotion-dot"][data-card-id="{card_id}"]')


def score_y(score: int) -> float:
    return CURVE_PAD + (3 - score) / 6 * (CURVE_HEIGHT - 2 * CURVE_PAD)


def drag_dot(page: Page, card_id: str, score: int) -> None:
    """Press on the card's dot and drag it to the line of `score`, with a few moves."""
    box = dot(page, card_id).locator("circle.mark").bounding_box()
    curve = page.get_by_test_id("emotion-curve").bounding_box()
    assert box is not None and curve is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    target = curve["y"] + score_y(score) * curve["height"] / CURVE_HEIGHT
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(x + step, y + (target - y) * step / 5)
    page.mouse.up()


def test_feelings_with_faces_and_the_curve(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    server = make_server()
    created = server.create_board("Motor claim", template="purchase")
    board_id, tokens = created["id"], created["tokens"]

    fay = open_board(browser, server, board_id, tokens["facilitator"])
    ann = open_board(browser, server, board_id, tokens["participant"])
    join(ann, "Ann")
    ben = open_board(browser, server, board_id, tokens["participant"])
    join(ben, "Ben")
    viewer = open_board(browser, server, board_id, tokens["viewer"])
    expect(viewer.get_by_test_id("my-role")).to_have_attribute("data-role", "viewer")
    inquiry = stage_id(ann, "Inquiry")

    # Ann picks "upset" with a face; a new feeling has no score until someone picks one.
    sad = add_feeling(ann, inquiry)
    picker = on_card(ann, sad, "face-picker")
    expect(picker).to_have_attribute("role", "radiogroup")
    expect(picker.locator('[role="radio"][aria-checked="true"]')).to_have_count(0)
    picker.get_by_test_id("face--2").click()
    expect(picker.get_by_test_id("face--2")).to_have_attribute("aria-checked", "true")
    expect(picker.get_by_test_id("face-0")).to_have_attribute("aria-checked", "false")
    expect(picker.locator('[role="radio"][tabindex="0"]')).to_have_count(1)

    # The viewer sees the face with a signed number, and the dot on the curve.
    badge = on_card(viewer, sad, "emotion-value")
    expect(badge).to_have_attribute("data-emotion", "-2")
    expect(badge).to_have_text(f"{MINUS}2")
    expect(badge).to_have_attribute("aria-label", f"Feeling {MINUS}2 (upset)")
    for page in (fay, ann, ben, viewer):
        expect(dot(page, sad)).to_have_attribute("data-emotion", "-2")

    # Keyboard in the picker: the arrows move and pick, Home and End go to the ends.
    picker.get_by_test_id("face--2").focus()
    ann.keyboard.press("ArrowRight")
    expect(picker.get_by_test_id("face--1")).to_have_attribute("aria-checked", "true")
    expect(picker.get_by_test_id("face--1")).to_be_focused()
    ann.keyboard.press("End")
    expect(picker.get_by_test_id("face-3")).to_have_attribute("aria-checked", "true")
    ann.keyboard.press("ArrowRight")  # stops at +3, never wraps to -3
    expect(picker.get_by_test_id("face-3")).to_have_attribute("aria-checked", "true")
    ann.keyboard.press("Home")
    expect(picker.get_by_test_id("face--3")).to_have_attribute("aria-checked", "true")
    picker.get_by_test_id("face--2").click()
    expect(badge).to_have_attribute("data-emotion", "-2")

    # Ben scores his own feeling in the same stage: the median of -2 and +2 is 0.
    glad = add_feeling(ben, inquiry)
    on_card(ben, glad, "face-picker").get_by_test_id("face-2").click()
    point = viewer.locator(f'[data-testid="emotion-point"][data-stage="{inquiry}"]')
    expect(point).to_have_attribute("data-median", "0")

    # The curve is as wide as the stage columns and each point sits at its column's centre.
    curve = viewer.get_by_test_id("emotion-curve").bounding_box()
    header = viewer.locator(f'[data-stage-header="{inquiry}"]').bounding_box()
    assert curve is not None and header is not None
    stages = viewer.locator('[data-testid="stage"]:not([data-stage-header="unplaced"])').count()
    assert stages == 5  # the purchase template
    # (the map may be zoomed: a stage header's width is one column on this screen)
    assert curve["width"] == pytest.approx(stages * header["width"], abs=1.5)
    centre = point.bounding_box()
    assert centre is not None
    assert centre["x"] + centre["width"] / 2 == pytest.approx(
        header["x"] + header["width"] / 2, abs=1.5
    )
    # Two dots in one stage never sit on each other.
    a, b = dot(viewer, sad).bounding_box(), dot(viewer, glad).bounding_box()
    assert a is not None and b is not None
    assert (a["x"], a["y"]) != (b["x"], b["y"])

    # Only your own dots can be dragged (a facilitator's all of them); viewers drag none.
    expect(dot(ann, sad)).to_have_attribute("data-editable", "true")
    expect(dot(ann, glad)).to_have_attribute("data-editable", "false")
    expect(dot(ben, sad)).to_have_attribute("data-editable", "false")
    expect(dot(fay, sad)).to_have_attribute("data-editable", "true")
    expect(dot(fay, glad)).to_have_attribute("data-editable", "true")
    expect(viewer.locator('[data-testid="emotion-curve"] [role="slider"]')).to_have_count(0)

    # Ann drags her dot up to +1: everyone sees the new score, in the curve and on the card.
    drag_dot(ann, sad, 1)
    for page in (fay, ann, ben, viewer):
        expect(dot(page, sad)).to_have_attribute("data-emotion", "1")
    expect(on_card(ann, sad, "emotion-value")).to_have_attribute("data-emotion", "1")
    expect(on_card(ben, sad, "emotion-value")).to_have_attribute("data-emotion", "1")
    expect(badge).to_have_text("+1")
    expect(point).to_have_attribute("data-median", "1.5")

    # Ben cannot drag Ann's dot.
    drag_dot(ben, sad, -3)
    expect(dot(ben, sad)).to_have_attribute("data-emotion", "1")
    expect(dot(ann, sad)).to_have_attribute("data-emotion", "1")

    # The keyboard: a focused dot goes down with ArrowDown; the facilitator can move anyone's.
    dot(ann, sad).focus()
    ann.keyboard.press("ArrowDown")
    expect(dot(viewer, sad)).to_have_attribute("data-emotion", "0")
    expect(dot(ann, sad)).to_be_focused()
    expect(dot(ann, sad)).to_have_attribute("aria-valuetext", "0 (neutral)")
    dot(fay, glad).focus()
    fay.keyboard.press("ArrowUp")
    expect(dot(viewer, glad)).to_have_attribute("data-emotion", "3")
    expect(on_card(viewer, glad, "emotion-value")).to_have_text("+3")

    # Escape while dragging puts the dot back and writes nothing.
    box = dot(ann, sad).locator("circle.mark").bounding_box()
    assert box is not None
    ann.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    ann.mouse.down()
    ann.mouse.move(box["x"] + 4, box["y"] - 40)
    expect(dot(ann, sad)).not_to_have_attribute("data-emotion", "0")
    ann.keyboard.press("Escape")
    ann.mouse.up()
    expect(dot(ann, sad)).to_have_attribute("data-emotion", "0")
    expect(dot(viewer, sad)).to_have_attribute("data-emotion", "0")

    # axe-core finds nothing serious in the picker, the badge and the curve.
    for page in (ann, viewer):
        page.add_script_tag(path=str(AXE))
    open_picker(ann, sad)
    for page, selector in (
        (ann, '[data-testid="face-picker"]'),
        (ann, '[data-testid="emotion-curve"]'),
        (viewer, '[data-testid="emotion-value"]'),
        (viewer, '[data-testid="emotion-curve"]'),
    ):
        found = page.evaluate(
            """async (selector) => {
                const result = await axe.run({ include: [[selector]] });
                return result.violations
                    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
            }""",
            selector,
        )
        assert found == [], found
