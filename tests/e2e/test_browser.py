"""The whole workshop in a real browser: Chromium drives the built client against a real server.

Needs the client built into server/journeyboard/static (`cd client && npm run build`; `make test`
does it). Set JOURNEYBOARD_SCREENSHOTS=<dir> to save a screenshot of the board in every phase.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from browsing import BROWSER_MARKS, LAPTOP, axe_violations
from browsing import browser as browser
from conftest import ServerProcess

XSS = "<img src=x onerror=alert(1)>"
# Controls that edit. The heat map's metric (issue #28) is how this person looks at the map, like
# the zoom, so it is not one of them.
ENABLED_CONTROLS = (
    "input:not([disabled]), select:not([disabled]):not([data-testid='heat-select']), "
    'textarea:not([disabled]), [contenteditable="true"]'
)

pytestmark = BROWSER_MARKS


def open_page(browser: Browser, dialogs: list[str], viewport: dict[str, int] | None = None) -> Page:
    """A page in its own context (own localStorage), failing the test on any dialog."""
    context = browser.new_context(viewport=viewport or LAPTOP)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


def screenshot_hook() -> Callable[[Page, str], None]:
    target = os.environ.get("JOURNEYBOARD_SCREENSHOTS")

    def shoot(page: Page, name: str) -> None:
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.mouse.move(0, 0)
            page.screenshot(path=str(Path(target) / f"{name}.png"))

    return shoot


def check_axe(page: Page, where: str) -> None:
    """axe-core in the page: no serious or critical violation."""
    found = axe_violations(page)
    assert found == [], f"axe on {where}: {found}"


def stage_id(page: Page, name: str) -> str:
    header = page.locator(f'[data-testid="stage"][data-stage-name="{name}"]')
    expect(header).to_have_count(1)
    value = header.get_attribute("data-stage-header")
    assert value is not None
    return value


def card(page: Page, card_id: str) -> str:
    return f'[data-testid="card"][data-card-id="{card_id}"]'


def cell(stage: str, kind: str) -> str:
    return f'[data-testid="cell"][data-stage="{stage}"][data-kind="{kind}"]'


def add_card(page: Page, stage: str, kind: str, text: str) -> str:
    """Add a card with the cell's "+", type its text in place, end with Esc; return its id."""
    page.locator(cell(stage, kind)).locator('[data-testid="add-card"]').click()
    page.wait_for_function(
        "() => document.activeElement?.matches('[data-card-id] textarea') === true"
    )
    card_id = page.evaluate(
        "() => document.activeElement.closest('[data-card-id]').getAttribute('data-card-id')"
    )
    page.keyboard.type(text)
    page.keyboard.press("Escape")
    expect(page.locator(f'{card(page, str(card_id))} [data-testid="card-text"]')).to_have_text(text)
    expect(page.locator(card(page, str(card_id)))).to_be_focused()
    return str(card_id)


def expect_text(page: Page, card_id: str, text: str) -> None:
    """Everyone sees a card's text as text (also in the overview's chips, in its label)."""
    expect(page.locator(card(page, card_id))).to_have_attribute(
        "aria-label", re.compile(": " + re.escape(text) + "$")
    )


def set_phase(facilitator: Page, pages: list[Page], phase: str) -> None:
    facilitator.get_by_test_id("phase-next").click()
    for page in pages:
        expect(page.get_by_test_id("phase-banner")).to_have_attribute("data-phase", phase)


def join(page: Page, url: str, name: str, department: str) -> None:
    page.goto(url)
    # The live map shows behind the join sheet.
    expect(page.get_by_test_id("map")).to_be_visible()
    page.get_by_test_id("join-name").fill(name)
    page.get_by_test_id("join-department").fill(department)
    page.get_by_test_id("join-submit").click()
    expect(page.get_by_test_id("join-form")).to_have_count(0)
    expect(page.get_by_test_id("my-role")).to_contain_text(name)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")


def vote(page: Page, card_id: str, times: int) -> None:
    counter = page.locator(f'{card(page, card_id)} [data-testid="my-votes"]')
    start = int(counter.get_attribute("data-votes") or "0")
    for n in range(1, times + 1):
        page.locator(f'{card(page, card_id)} [data-testid="vote-up"]').click()
        expect(counter).to_have_attribute("data-votes", str(start + n))


def rate(page: Page, card_id: str, effort: int, impact: int) -> None:
    page.locator(f'{card(page, card_id)} [data-testid="rate-effort-{effort}"]').click()
    page.locator(f'{card(page, card_id)} [data-testid="rate-impact-{impact}"]').click()
    expect(page.locator(f'{card(page, card_id)} [data-testid="rating"]')).to_have_attribute(
        "data-rated", "true"
    )


def matrix_xy(page: Page, effort: float, impact: float) -> tuple[float, float]:
    """Where the matrix draws a mean, from the frame it states on its svg."""
    matrix = page.get_by_test_id("matrix")
    size = float(matrix.get_attribute("data-size") or "nan")
    pad = float(matrix.get_attribute("data-pad") or "nan")
    span = size - 2 * pad
    return pad + (effort - 1) / 4 * span, pad + (5 - impact) / 4 * span


def check_matrix_point(
    page: Page, card_id: str, quadrant: str, effort: float, impact: float
) -> None:
    point = page.locator(f'[data-testid="matrix-point"][data-card-id="{card_id}"]')
    expect(point).to_have_attribute("data-quadrant", quadrant)
    dot = point.locator('[data-testid="matrix-dot"]')
    x, y = matrix_xy(page, effort, impact)
    assert float(dot.get_attribute("cx") or "nan") == pytest.approx(x)
    assert float(dot.get_attribute("cy") or "nan") == pytest.approx(y)


def box(page: Page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return dict(found)


def inside(point: tuple[float, float], area: dict[str, float], slack: float = 2) -> bool:
    x, y = point
    return (
        area["x"] - slack <= x <= area["x"] + area["width"] + slack
        and area["y"] - slack <= y <= area["y"] + area["height"] + slack
    )


def check_first_screen(page: Page, stages: int) -> None:
    """At 1366x768 the map shows `stages` stages and every lane down to the pain points."""
    width, height = LAPTOP["width"], LAPTOP["height"]
    headers = page.locator('[data-testid="stage"]')
    assert headers.count() >= stages
    for n in range(stages):
        header = headers.nth(n).bounding_box()
        assert header is not None and header["x"] + header["width"] <= width + 1, n
    pains = box(page, '[data-testid="lane-label"][data-kind="pain"]')
    assert pains["y"] + 24 <= height, pains
    assert page.evaluate("() => document.scrollingElement.scrollHeight") <= height


def test_workshop_end_to_end(make_server: Callable[..., ServerProcess], browser: Browser) -> None:
    server = make_server()
    shoot = screenshot_hook()
    dialogs: list[str] = []

    # The facilitator creates the workshop on the home page and lands on the board.
    fay = open_page(browser, dialogs)
    fay.goto(server.http + "/")
    check_axe(fay, "home")
    fay.get_by_test_id("create-title").fill("Motor claim")
    fay.get_by_test_id("create-persona").fill("Driver after a first accident")
    fay.get_by_test_id("create-scope").fill("From the accident to the repaired car")
    fay.get_by_test_id("create-template-purchase").check()
    fay.get_by_test_id("create-submit").click()
    expect(fay).to_have_url(re.compile(r"/b/[^/]+#token="))
    expect(fay.get_by_test_id("board-title")).to_have_text("Motor claim")
    expect(fay.get_by_test_id("phase-banner")).to_have_attribute("data-phase", "lobby")
    expect(fay.locator('[data-testid="stage"][data-stage-name="Inquiry"]')).to_be_visible()
    # The map fills the first screen; the dock sits beside it and folds to a rail.
    check_first_screen(fay, 5)
    expect(fay.get_by_test_id("facilitator-panel")).to_have_attribute("data-open", "true")
    dock = box(fay, '[data-testid="facilitator-panel"]')
    assert dock["x"] >= LAPTOP["width"] - 300 and dock["y"] <= 60
    fay.get_by_test_id("dock-toggle").click()
    expect(fay.get_by_test_id("facilitator-panel")).to_have_attribute("data-open", "false")
    assert box(fay, '[data-testid="facilitator-panel"]')["width"] <= 48
    fay.get_by_test_id("dock-toggle").click()
    expect(fay.get_by_test_id("checklist")).to_contain_text("participant link")
    participant_link = fay.get_by_test_id("link-participant").input_value()
    viewer_link = fay.get_by_test_id("link-viewer").input_value()
    assert "/b/" in participant_link and "#token=" in participant_link
    check_axe(fay, "lobby as facilitator")
    # The facilitator can steer without a name, and add it from the dock.
    fay.get_by_test_id("facilitator-join-open").click()
    fay.get_by_test_id("join-name").fill("Fay")
    fay.get_by_test_id("join-department").fill("CX")
    fay.get_by_test_id("join-submit").click()
    expect(fay.get_by_test_id("join-form")).to_have_count(0)
    expect(fay.get_by_test_id("my-role")).to_have_attribute("data-role", "facilitator")

    ann = open_page(browser, dialogs)
    join(ann, participant_link, "Ann", "Sales")
    expect(ann.get_by_test_id("phase-line")).to_contain_text("facilitator will start")
    ann.reload()  # the personal token is remembered per board: no second join
    expect(ann.get_by_test_id("my-role")).to_contain_text("Ann")
    expect(ann.get_by_test_id("join-form")).to_have_count(0)
    expect(ann.get_by_test_id("facilitator-panel")).to_have_count(0)
    ben = open_page(browser, dialogs)
    join(ben, participant_link, "Ben", "Claims")
    viewer = open_page(browser, dialogs, {"width": 1280, "height": 800})
    viewer.goto(viewer_link)
    expect(viewer.get_by_test_id("my-role")).to_have_attribute("data-role", "viewer")
    everyone = [fay, ann, ben, viewer]
    for page in everyone:
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    expect(fay.locator('[data-testid="presence-user"][data-name="Ann"]')).to_have_count(1)
    expect(fay.locator('[data-testid="presence-user"][data-name="Ben"]')).to_have_count(1)
    # Presence counts yourself; a viewer counts as watching, also for themselves.
    expect(fay.get_by_test_id("presence-count")).to_have_attribute("data-count", "3")
    expect(fay.get_by_test_id("viewer-count")).to_have_attribute("data-count", "1")
    expect(viewer.get_by_test_id("viewer-count")).to_have_attribute("data-count", "1")
    for page, who in [(ann, "lobby as participant"), (viewer, "lobby as viewer")]:
        check_axe(page, who)
    shoot(fay, "lobby")

    # Discovery: stages and cards, seen live by everyone.
    set_phase(fay, everyone, "discovery")
    expect(ann.get_by_test_id("toast").first).to_contain_text("Now: Discovery")
    ann.get_by_test_id("new-stage").click()
    ann.get_by_test_id("new-stage-name").fill("Aftercare")
    ann.get_by_test_id("new-stage-name").press("Enter")
    for page in everyone:
        expect(page.locator('[data-testid="stage"][data-stage-name="Aftercare"]')).to_be_visible()
    inquiry, comparison = stage_id(ann, "Inquiry"), stage_id(ann, "Comparison")
    offer = stage_id(ann, "Offer")

    touchpoint = add_card(ann, inquiry, "touchpoint", "Claim form on the website")
    ann.locator(f'{card(ann, touchpoint)} [data-testid="card-details"]').click()
    ann.locator(f'{card(ann, touchpoint)} [data-testid="channel-select"]').select_option("web")
    ann.locator(f'{card(ann, touchpoint)} [data-testid="mot-toggle"]').check()
    ann.keyboard.press("Escape")
    expect(ann.locator(f'{card(ann, touchpoint)} [data-testid="details"]')).to_have_count(0)
    for page in everyone:
        expect(page.locator(f'{card(page, touchpoint)} [data-testid="mot-badge"]')).to_be_visible()
        expect(
            page.locator(f'{card(page, touchpoint)} [data-testid="channel-badge"]')
        ).to_have_attribute("data-channel", "web")
    sad = add_card(ann, inquiry, "feeling", "Worried about the cost")
    pick_feeling(ann, sad, -2)
    calm = add_card(ben, inquiry, "feeling", "Glad someone answers")
    pick_feeling(ben, calm, 1)
    happy = add_card(ben, comparison, "feeling", "Quote came fast")
    pick_feeling(ben, happy, 2)
    hostile = add_card(ben, comparison, "note", XSS)
    for page in everyone:
        expect_text(page, touchpoint, "Claim form on the website")
        expect_text(page, happy, "Quote came fast")
        expect_text(page, hostile, XSS)
        expect(page.locator('[data-testid="emotion-point"]')).to_have_count(2)
    # The median of -2 and 1 is -0.5; a viewer reads a signed score; markup stays text.
    expect(
        viewer.locator(f'[data-testid="emotion-point"][data-stage="{inquiry}"]')
    ).to_have_attribute("data-median", "-0.5")
    expect(viewer.locator(f'{card(viewer, happy)} [data-testid="emotion-value"]')).to_contain_text(
        "+2"
    )
    assert viewer.locator(f"{card(viewer, hostile)} img").count() == 0
    assert viewer.locator("img").count() == 0

    # Editing together: Ben appends to Ann's card in place and both see the merged text.
    ben.locator(f'{card(ben, touchpoint)} [data-testid="card-text"]').click()
    ben.keyboard.press("End")
    ben.keyboard.type(" (mobile)")
    for page in [ann, viewer]:
        expect_text(page, touchpoint, "Claim form on the website (mobile)")
    expect(ann.locator(card(ann, touchpoint))).to_have_attribute("data-editor", "Ben")
    ben.keyboard.press("Escape")
    expect(ben.locator(card(ben, touchpoint))).to_be_focused()

    # Moving by keyboard: Alt+ArrowRight to the next stage, Alt+Shift+ArrowDown to the next lane.
    ben.keyboard.press("Alt+ArrowRight")
    for page in everyone:
        expect(
            page.locator(f"{cell(comparison, 'touchpoint')} {card(page, touchpoint)}")
        ).to_have_count(1)
    expect(ben.locator(card(ben, touchpoint))).to_be_focused()
    ben.keyboard.press("Alt+Shift+ArrowDown")
    expect(ann.locator(f"{cell(comparison, 'thought')} {card(ann, touchpoint)}")).to_have_count(1)
    ben.keyboard.press("Alt+Shift+ArrowUp")
    expect(ann.locator(f"{cell(comparison, 'touchpoint')} {card(ann, touchpoint)}")).to_have_count(
        1
    )
    # ... and by dragging, into another stage.
    ben.locator(card(ben, touchpoint)).drag_to(ben.locator(cell(offer, "touchpoint")))
    for page in everyone:
        expect(page.locator(f"{cell(offer, 'touchpoint')} {card(page, touchpoint)}")).to_have_count(
            1
        )

    # Undo and redo one's own change only, by keys and by the buttons.
    thought = add_card(ann, comparison, "thought", "Will my premium go up?")
    expect(ben.locator(card(ben, thought))).to_have_count(1)
    ann.keyboard.press("Control+z")  # the new card with its text is one step
    expect(ben.locator(card(ben, thought))).to_have_count(0)
    expect(ben.locator(card(ben, touchpoint))).to_have_count(1)
    ann.get_by_test_id("redo").click()
    expect_text(ben, thought, "Will my premium go up?")
    ann.keyboard.press("Control+z")
    expect(ben.locator(card(ben, thought))).to_have_count(0)
    ann.keyboard.press("Control+y")
    expect_text(ben, thought, "Will my premium go up?")
    # Deleting asks nothing, keeps focus on the board and offers Undo.
    ann.locator(card(ann, thought)).focus()
    ann.keyboard.press("Delete")
    expect(ben.locator(card(ben, thought))).to_have_count(0)
    assert ann.evaluate("() => document.activeElement !== document.body")
    ann.get_by_test_id("toast-action").click()
    expect_text(ben, thought, "Will my premium go up?")

    # Live cursors in the mover's colour, placed on the card under them on every screen size.
    target = box(ann, card(ann, thought))
    ann.mouse.move(target["x"] + 10, target["y"] + 5)
    ann.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2)
    for page in [fay, ben, viewer]:
        pointer = page.locator('[data-testid="cursor"][data-name="Ann"]')
        expect(pointer).to_have_attribute("data-anchor", f"card:{thought}")
        tip = box(page, '[data-testid="cursor"][data-name="Ann"]')
        assert inside((tip["x"], tip["y"]), box(page, card(page, thought))), page
    for page, who in [(fay, "facilitator"), (ann, "participant"), (viewer, "viewer")]:
        check_axe(page, f"discovery as {who}")
    shoot(fay, "discovery")
    shoot(ann, "discovery-participant")

    # Follow the facilitator: everyone's view follows Fay's until they look around themselves.
    fay.get_by_test_id("follow-me").click()
    expect(ann.get_by_test_id("follow-note")).to_have_attribute("data-following", "true")
    # 120%: the journey no longer fits the width (200 px is inside both screens' scroll range).
    for key in ["0", "+", "+"]:
        fay.locator("body").press(key)
    expect(fay.get_by_test_id("map")).to_have_attribute("data-zoom", "1.2")
    fay.get_by_test_id("map-scroll").evaluate("(el) => el.scrollTo({ left: 200, top: 60 })")
    for follower in (ann, ben):
        follower.wait_for_function(
            "() => document.querySelector('[data-testid=map]').dataset.zoom === '1.2'"
            " && Math.abs(document.querySelector('[data-testid=map-scroll]').scrollLeft - 200) < 8"
        )
    ann.get_by_test_id("map-scroll").dispatch_event("wheel")
    expect(ann.get_by_test_id("follow-note")).to_have_attribute("data-following", "false")
    fay.get_by_test_id("map-scroll").evaluate("(el) => el.scrollTo({ left: 0, top: 0 })")
    # Ben still follows: once he is back at the left, Fay's new view has reached the sockets,
    # and Ann, who looked around, stays where she is.
    ben.wait_for_function("() => document.querySelector('[data-testid=map-scroll]').scrollLeft < 8")
    assert ann.get_by_test_id("map-scroll").evaluate("(el) => el.scrollLeft") > 150
    ann.get_by_test_id("follow-again").click()
    ann.wait_for_function("() => document.querySelector('[data-testid=map-scroll]').scrollLeft < 8")
    fay.get_by_test_id("follow-me").click()
    expect(ann.get_by_test_id("follow-note")).to_have_count(0)
    fay.get_by_test_id("zoom-fit").click()

    # Facilitation: timer on the server clock, spotlight, and a lock that stops participants.
    fay.get_by_test_id("timer-minutes").fill("2")
    fay.get_by_test_id("timer-start").click()
    for page in everyone:
        expect(page.get_by_test_id("timer")).to_contain_text(re.compile(r"(1:[0-5]\d|2:00)"))
    fay.get_by_test_id("spotlight-select").select_option(comparison)
    for page in everyone:
        expect(
            page.locator(f'[data-stage-header="{comparison}"] [data-testid="spotlight-badge"]')
        ).to_be_visible()
    fay.get_by_test_id("lock-toggle").check()
    expect(ann.get_by_test_id("locked")).to_be_visible()
    expect(ann.locator('[data-testid="add-card"]')).to_have_count(0)
    expect(fay.locator('[data-testid="add-card"]').first).to_be_attached()
    fay.get_by_test_id("lock-toggle").uncheck()
    expect(ann.locator('[data-testid="add-card"]').first).to_be_attached()
    fay.get_by_test_id("spotlight-select").select_option("")
    fay.get_by_test_id("timer-stop").click()
    expect(viewer.get_by_test_id("timer")).to_have_count(0)

    # Pain points: add, dot-vote (hidden until revealed), reveal, the ranking beside the map.
    set_phase(fay, everyone, "pain_points")
    slow = add_card(ann, inquiry, "pain", "Nobody says how long it takes")
    forms = add_card(ben, comparison, "pain", "Same data asked three times")
    for page in [ann, ben]:
        expect(page.locator(f'{card(page, slow)} [data-testid="vote-up"]')).to_be_visible()
    expect(ann.get_by_test_id("votes-remaining")).to_have_attribute("data-remaining", "3")
    vote(ann, slow, 2)
    vote(ann, forms, 1)
    expect(ann.get_by_test_id("votes-remaining")).to_have_attribute("data-remaining", "0")
    expect(ann.locator(f'{card(ann, slow)} [data-testid="vote-up"]')).to_be_disabled()
    vote(ben, slow, 1)
    expect(viewer.get_by_test_id("vote-total")).to_have_count(0)
    for page, who in [(fay, "facilitator"), (ann, "participant"), (viewer, "viewer")]:
        check_axe(page, f"pain points as {who}")
    fay.get_by_test_id("reveal-votes").click()
    for page in everyone:
        expect(page.locator(f'{card(page, slow)} [data-testid="vote-total"]')).to_have_attribute(
            "data-votes", "3"
        )
        expect(page.get_by_test_id("side-panel")).to_have_attribute("data-panel", "ranking")
        expect(page.get_by_test_id("ranked-pain").first).to_have_attribute("data-card-id", slow)
        panel = box(page, '[data-testid="side-panel"]')
        assert panel["y"] <= 60 and panel["x"] > 400, panel  # beside the map, not below it
    ann.get_by_test_id("ranked-pain").nth(1).click()
    expect(ann.locator(card(ann, forms))).to_be_in_viewport()
    for page, who in [(fay, "facilitator"), (ann, "participant"), (viewer, "viewer")]:
        check_axe(page, f"votes revealed as {who}")
    shoot(fay, "pain_points")

    # Solution rating: solutions answer pains; everyone rates on the card; the matrix beside.
    set_phase(fay, everyone, "solution_rating")
    quote = add_card(ann, inquiry, "solution", "Show the expected handling time")
    ann.locator(f'{card(ann, quote)} [data-testid="card-details"]').click()
    ann.locator(f'{card(ann, quote)} [data-testid="pain-select"]').select_option(slow)
    ann.keyboard.press("Escape")
    rebuild = add_card(ben, comparison, "solution", "Rebuild the claims system")
    ben.locator(f'{card(ben, rebuild)} [data-testid="card-details"]').click()
    ben.locator(f'{card(ben, rebuild)} [data-testid="pain-select"]').select_option(forms)
    ben.keyboard.press("Escape")
    expect_text(ann, rebuild, "Rebuild the claims system")
    rate(ann, quote, effort=2, impact=5)
    rate(ben, quote, effort=2, impact=4)
    rate(ann, rebuild, effort=5, impact=2)
    rate(ben, rebuild, effort=4, impact=1)
    expect(viewer.get_by_test_id("matrix")).to_have_count(0)
    for page, who in [(fay, "facilitator"), (ann, "participant"), (viewer, "viewer")]:
        check_axe(page, f"solution rating as {who}")
    fay.get_by_test_id("reveal-ratings").click()
    for page in everyone:
        expect(page.get_by_test_id("side-panel")).to_have_attribute("data-panel", "matrix")
        expect(page.get_by_test_id("matrix-point")).to_have_count(2)
        check_matrix_point(page, quote, "quick_win", effort=2, impact=4.5)
        check_matrix_point(page, rebuild, "money_pit", effort=4.5, impact=1.5)
        for label, text in [
            ("quick_win", "Quick wins"),
            ("big_bet", "Big bets"),
            ("fill_in", "Fill-ins"),
            ("money_pit", "Money pits"),
        ]:
            expect(page.get_by_test_id(f"label-{label}")).to_have_text(text)
    # Quick wins are top left (easy, high impact); hovering a point rings its card on the map.
    x, y = matrix_xy(fay, 2, 4.5)
    assert x < matrix_xy(fay, 3, 3)[0] and y < matrix_xy(fay, 3, 3)[1]
    fay.locator(f'[data-testid="matrix-point"][data-card-id="{quote}"]').hover()
    expect(fay.locator(card(fay, quote))).to_have_class(re.compile(r"\bhighlight\b"))
    for page, who in [(fay, "facilitator"), (viewer, "viewer")]:
        check_axe(page, f"ratings revealed as {who}")
    shoot(fay, "solution_rating")

    # Action plan: the table beside the map; owners picked from the people, dates, progress.
    set_phase(fay, everyone, "action_plan")
    for page in everyone:
        expect(page.get_by_test_id("side-panel")).to_have_attribute("data-panel", "plan")
    row = f'[data-testid="action-row"][data-card-id="{quote}"]'
    fay.locator(f'{row} [data-testid="owner-select"]').select_option(label="Ann")
    fay.locator(f'{row} [data-testid="due-input"]').fill("2027-01-31")
    fay.locator(f'{row} [data-testid="status-done"]').click()
    ann.locator(
        f'[data-testid="action-row"][data-card-id="{rebuild}"] [data-testid="status-doing"]'
    ).click()
    for page in everyone:
        expect(page.locator(row)).to_have_attribute("data-status", "done")
        expect(
            page.locator(f'[data-testid="action-row"][data-card-id="{rebuild}"]')
        ).to_have_attribute("data-status", "doing")
    expect(viewer.locator(row)).to_contain_text("Ann")
    expect(viewer.locator(row)).to_contain_text("2027")
    for page, who in [(fay, "facilitator"), (ann, "participant"), (viewer, "viewer")]:
        check_axe(page, f"action plan as {who}")
    shoot(fay, "action_plan")

    # The viewer saw all of it, live, with no editing affordance at all.
    expect_text(viewer, thought, "Will my premium go up?")
    assert viewer.locator(ENABLED_CONTROLS).count() == 0
    assert viewer.locator('[data-testid="add-card"], [data-testid="delete-card"]').count() == 0
    assert viewer.locator("img").count() == 0
    viewer.set_viewport_size(LAPTOP)
    shoot(viewer, "viewer")
    shoot(ann, "participant")

    # The viewer can take the results away: the export menu downloads the report and closes.
    viewer.get_by_test_id("export-menu").click()
    with viewer.expect_download() as download_info:
        viewer.get_by_test_id("export-export.html").click()
    expect(viewer.get_by_test_id("export-menu")).to_have_attribute("aria-expanded", "false")
    report = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "Effort and impact" in report or "effort" in report.lower()
    assert "<img" not in report and "&lt;img src=x onerror=alert(1)&gt;" in report
    assert dialogs == []


def pick_feeling(page: Page, card_id: str, score: int) -> None:
    """Pick a feeling with the faces on the card."""
    page.locator(f'{card(page, card_id)} [data-testid="face-button"]').click()
    page.locator(f'{card(page, card_id)} [data-testid="face-{score}"]').click()
    expect(page.locator(f'{card(page, card_id)} [data-testid="emotion-value"]')).to_have_attribute(
        "data-emotion", str(score)
    )


def test_every_facilitator_sees_the_links_without_rotating(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    """A second browser with the facilitator link, and a co-facilitator promoted while the page
    is open, see the participant and viewer links the creator's browser was given. On the way:
    a vote budget set elsewhere shows after a load, and reaches a participant live."""
    import httpx

    server = make_server()
    created = server.create_board("Motor claim")
    bid, links = created["id"], created["links"]

    def command(**body: object) -> dict[str, object]:
        response = httpx.post(
            f"{server.http}/api/boards/{bid}/commands",
            json=body,
            headers={"Authorization": f"Bearer {created['tokens']['facilitator']}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json()["result"])

    command(type="configure", votes_per_person=6)
    dialogs: list[str] = []
    second = open_page(browser, dialogs)  # nothing in its localStorage
    second.goto(links["facilitator"])
    expect(second.get_by_test_id("link-participant")).to_have_value(links["participant"])
    expect(second.get_by_test_id("link-viewer")).to_have_value(links["viewer"])
    expect(second.get_by_test_id("vote-budget")).to_have_value("6")

    ann = open_page(browser, dialogs)
    join(ann, links["participant"], "Ann", "Sales")
    expect(ann.get_by_test_id("link-participant")).to_have_count(0)
    command(type="set_phase", phase="pain_points")
    expect(ann.get_by_test_id("votes-remaining")).to_have_text("6 of 6 votes left")
    command(type="configure", votes_per_person=2)
    expect(ann.get_by_test_id("votes-remaining")).to_have_text("2 of 2 votes left")
    participant_id = ann.evaluate(
        "id => JSON.parse(localStorage.getItem(`journeyboard:person:${id}:participant`))"
        ".participantId",
        bid,
    )
    command(type="promote", participant=participant_id)
    expect(ann.get_by_test_id("link-participant")).to_have_value(links["participant"])
    rotated = command(type="rotate_link", role="viewer")
    ann.reload()
    expect(ann.get_by_test_id("link-viewer")).to_have_value(str(rotated["link"]))
    expect(ann.get_by_test_id("link-participant")).to_have_value(links["participant"])
    assert dialogs == []


def test_layout_bugs_stay_fixed(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    """A blank board keeps its lane labels in the first column; the home page's fields stay
    inside their card on a laptop and on a phone."""
    server = make_server()
    created = server.create_board("Blank", template="blank")
    dialogs: list[str] = []
    page = open_page(browser, dialogs)
    page.goto(created["links"]["facilitator"])
    expect(page.get_by_test_id("no-stages")).to_be_visible()
    labels = page.locator('[data-testid="lane-label"], .curve-label')
    expect(labels).to_have_count(10)
    lefts = {
        round(box_of["x"])
        for box_of in (labels.nth(n).bounding_box() or {"x": -1.0} for n in range(10))
    }
    assert len(lefts) == 1, lefts
    check_axe(page, "blank board")
    # Keyboard: the first Tab reaches "Skip to the map", and from the map the next Tab is on
    # the map's first card or "+" (not 28 Tabs away).
    staged = server.create_board("Staged", template="purchase")
    page.goto(staged["links"]["facilitator"])
    expect(page.get_by_test_id("map")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to the map"
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("map-scroll")).to_be_focused()
    assert "#token=" in page.url  # the skip link keeps the token in the URL
    page.keyboard.press("Tab")
    assert page.evaluate(
        "() => document.activeElement.closest('[data-testid=map]') !== null"
        " && document.activeElement.matches('[data-testid=add-card], [data-testid=card],"
        " [data-testid=stage-title], [data-testid=stage-menu]')"
    )
    for width, height in [(1366, 768), (360, 740)]:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(server.http + "/")
        form = box(page, "form")
        for field in page.locator("form input, form textarea, form select").all():
            found = field.bounding_box()
            if found is None:
                continue
            assert found["x"] >= form["x"] - 1, (width, found, form)
            assert found["x"] + found["width"] <= form["x"] + form["width"] + 1, (
                width,
                found,
                form,
            )
    assert dialogs == []
