"""The whole workshop in a real browser: Chromium drives the built client against a real server.

Needs the client built into server/journeyboard/static (`cd client && npm run build`; `make test`
does it). Set JOURNEYBOARD_SCREENSHOTS=<dir> to save a screenshot of the board in every phase.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright

from conftest import ServerProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STATIC_INDEX = Path(__file__).parent.parent / "server" / "journeyboard" / "static" / "index.html"
XSS = "<img src=x onerror=alert(1)>"
ENABLED_CONTROLS = 'input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [contenteditable="true"]'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not STATIC_INDEX.exists(), reason="client not built: cd client && npm run build"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser, dialogs: list[str]) -> Page:
    """A page in its own context (own localStorage), failing the test on any dialog."""
    context = browser.new_context(viewport={"width": 1500, "height": 1000})
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
            page.screenshot(path=str(Path(target) / f"{name}.png"), full_page=True)

    return shoot


def stage_id(page: Page, name: str) -> str:
    header = page.locator(f'[data-testid="stage"][data-stage-name="{name}"]')
    expect(header).to_have_count(1)
    value = header.get_attribute("data-stage-header")
    assert value is not None
    return value


def card(page: Page, card_id: str) -> str:
    return f'[data-testid="card"][data-card-id="{card_id}"]'


def add_card(page: Page, stage: str, kind: str, text: str) -> str:
    """Add a card through the cell's button, type its text, and return its id."""
    page.locator(f'[data-testid="cell"][data-stage="{stage}"][data-kind="{kind}"]').locator(
        '[data-testid="add-card"]'
    ).click()
    page.wait_for_function(
        "() => document.activeElement?.matches('[data-card-id] textarea') === true"
    )
    card_id = page.evaluate(
        "() => document.activeElement.closest('[data-card-id]').getAttribute('data-card-id')"
    )
    page.keyboard.type(text)
    expect(page.locator(f"{card(page, card_id)} textarea")).to_have_value(text)
    return str(card_id)


def expect_text(page: Page, card_id: str, text: str) -> None:
    """Editors see the text in the card's textarea, viewers as plain text."""
    if page.locator('[data-testid="my-role"][data-role="viewer"]').count():
        expect(page.locator(f'{card(page, card_id)} [data-testid="card-text"]')).to_have_text(text)
    else:
        expect(page.locator(f"{card(page, card_id)} textarea")).to_have_value(text)


def set_phase(facilitator: Page, pages: list[Page], phase: str) -> None:
    facilitator.get_by_test_id("phase-next").click()
    for page in pages:
        expect(page.get_by_test_id("phase-banner")).to_have_attribute("data-phase", phase)


def join(page: Page, url: str, name: str, department: str) -> None:
    page.goto(url)
    page.get_by_test_id("join-name").fill(name)
    page.get_by_test_id("join-department").fill(department)
    page.get_by_test_id("join-submit").click()
    expect(page.get_by_test_id("my-role")).to_contain_text(name)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "connected")


def vote(page: Page, card_id: str, times: int) -> None:
    counter = page.locator(f'{card(page, card_id)} [data-testid="my-votes"]')
    start = int(counter.get_attribute("data-votes") or "0")
    for n in range(1, times + 1):
        page.locator(f'{card(page, card_id)} [data-testid="vote-up"]').click()
        expect(counter).to_have_attribute("data-votes", str(start + n))


def rate(page: Page, card_id: str, effort: int, impact: int) -> None:
    page.locator(f'{card(page, card_id)} [data-testid="rate-effort"]').select_option(str(effort))
    page.locator(f'{card(page, card_id)} [data-testid="rate-impact"]').select_option(str(impact))
    expect(page.locator(f'{card(page, card_id)} [data-testid="rating"]')).to_have_attribute(
        "data-rated", "true"
    )


def matrix_xy(page: Page, effort: float, impact: float) -> tuple[float, float]:
    """Where the matrix draws a mean: its svg says its size and the padding of scale 1..5."""
    svg = page.get_by_test_id("matrix")
    size = float(svg.get_attribute("data-size") or "nan")
    pad = float(svg.get_attribute("data-pad") or "nan")
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


def test_workshop_end_to_end(make_server: Callable[..., ServerProcess], browser: Browser) -> None:
    server = make_server()
    shoot = screenshot_hook()
    dialogs: list[str] = []

    # The facilitator creates the workshop on the home page and lands on the board.
    fay = open_page(browser, dialogs)
    fay.goto(server.http + "/")
    fay.get_by_test_id("create-title").fill("Motor claim")
    fay.get_by_test_id("create-persona").fill("Driver after a first accident")
    fay.get_by_test_id("create-scope").fill("From the accident to the repaired car")
    fay.get_by_test_id("create-template").select_option("purchase")
    fay.get_by_test_id("create-submit").click()
    expect(fay).to_have_url(re.compile(r"/b/[^/]+#token="))
    expect(fay.get_by_test_id("board-title")).to_have_text("Motor claim")
    expect(fay.get_by_test_id("phase-banner")).to_have_attribute("data-phase", "lobby")
    expect(fay.locator('[data-testid="stage"][data-stage-name="Inquiry"]')).to_be_visible()
    participant_link = fay.get_by_test_id("link-participant").input_value()
    viewer_link = fay.get_by_test_id("link-viewer").input_value()
    assert "/b/" in participant_link and "#token=" in participant_link
    # The board shows at once; the name is asked in a banner, without blocking it.
    fay.get_by_test_id("join-name").fill("Fay")
    fay.get_by_test_id("join-department").fill("CX")
    fay.get_by_test_id("join-submit").click()
    expect(fay.get_by_test_id("join-form")).to_have_count(0)
    expect(fay.get_by_test_id("my-role")).to_have_attribute("data-role", "facilitator")

    ann = open_page(browser, dialogs)
    join(ann, participant_link, "Ann", "Sales")
    ann.reload()  # the personal token is remembered per board: no second join
    expect(ann.get_by_test_id("my-role")).to_contain_text("Ann")
    expect(ann.get_by_test_id("join-form")).to_have_count(0)
    ben = open_page(browser, dialogs)
    join(ben, participant_link, "Ben", "Claims")
    viewer = open_page(browser, dialogs)
    viewer.goto(viewer_link)
    expect(viewer.get_by_test_id("my-role")).to_have_attribute("data-role", "viewer")
    everyone = [fay, ann, ben, viewer]
    for page in everyone:
        expect(page.get_by_test_id("status")).to_have_attribute("data-status", "connected")
    expect(fay.locator('[data-testid="presence-user"][data-name="Ann"]')).to_be_visible()
    expect(fay.locator('[data-testid="presence-user"][data-name="Ben"]')).to_be_visible()
    expect(fay.get_by_test_id("viewer-count")).to_have_attribute("data-count", "1")
    shoot(fay, "lobby")

    # Discovery: stages and cards, seen live by everyone.
    set_phase(fay, everyone, "discovery")
    ann.get_by_test_id("new-stage-name").fill("Aftercare")
    ann.get_by_test_id("add-stage").click()
    for page in everyone:
        expect(page.locator('[data-testid="stage"][data-stage-name="Aftercare"]')).to_be_visible()
    inquiry, comparison = stage_id(ann, "Inquiry"), stage_id(ann, "Comparison")

    touchpoint = add_card(ann, inquiry, "touchpoint", "Claim form on the website")
    ann.locator(f'{card(ann, touchpoint)} [data-testid="channel-select"]').select_option("web")
    ann.locator(f'{card(ann, touchpoint)} [data-testid="mot-toggle"]').check()
    sad = add_card(ann, inquiry, "feeling", "Worried about the cost")
    ann.locator(f'{card(ann, sad)} [data-testid="emotion-select"]').select_option("-2")
    calm = add_card(ben, inquiry, "feeling", "Glad someone answers")
    ben.locator(f'{card(ben, calm)} [data-testid="emotion-select"]').select_option("1")
    happy = add_card(ben, comparison, "feeling", "Quote came fast")
    ben.locator(f'{card(ben, happy)} [data-testid="emotion-select"]').select_option("2")
    hostile = add_card(ben, comparison, "note", XSS)
    for page in everyone:
        expect_text(page, touchpoint, "Claim form on the website")
        expect_text(page, happy, "Quote came fast")
        expect_text(page, hostile, XSS)
        expect(page.locator('[data-testid="emotion-point"]')).to_have_count(2)
    # The median of -2 and 1 is -0.5; the user's markup stays text.
    expect(
        viewer.locator(f'[data-testid="emotion-point"][data-stage="{inquiry}"]')
    ).to_have_attribute("data-median", "-0.5")
    assert viewer.locator(f"{card(viewer, hostile)} img").count() == 0
    assert viewer.locator("main img").count() == 0

    # Editing together: Ben appends to Ann's card and both see the merged text.
    ben.locator(f"{card(ben, touchpoint)} textarea").click()
    ben.keyboard.press("End")
    ben.keyboard.type(" (mobile)")
    for page in [ann, viewer]:
        expect_text(page, touchpoint, "Claim form on the website (mobile)")
    expect(ann.locator(card(ann, touchpoint))).to_have_attribute("data-editor", "Ben")

    # Moving by keyboard: Alt+ArrowRight takes the card to the next stage.
    ben.locator(f"{card(ben, touchpoint)} textarea").press("Alt+ArrowRight")
    for page in everyone:
        expect(
            page.locator(
                f'[data-testid="cell"][data-stage="{comparison}"] {card(page, touchpoint)}'
            )
        ).to_have_count(1)

    # Undo and redo one's own change only.
    thought = add_card(ann, comparison, "thought", "Will my premium go up?")
    expect(ben.locator(card(ben, thought))).to_have_count(1)
    ann.keyboard.press("Control+z")
    expect(ben.locator(card(ben, thought))).to_have_count(0)
    expect(ben.locator(card(ben, touchpoint))).to_have_count(1)
    ann.keyboard.press("Control+Shift+z")
    expect_text(ben, thought, "Will my premium go up?")

    # Live cursors, in the mover's colour, for everyone but the mover.
    box = ann.get_by_test_id("map").bounding_box()
    assert box is not None
    ann.mouse.move(box["x"] + 400, box["y"] + 300)
    ann.mouse.move(box["x"] + 420, box["y"] + 320)
    for page in [fay, ben, viewer]:
        expect(page.locator('[data-testid="cursor"][data-name="Ann"]')).to_be_visible()
    shoot(fay, "discovery")

    # Facilitation: timer on the server clock, spotlight, and a lock that stops participants.
    fay.get_by_test_id("timer-minutes").fill("2")
    fay.get_by_test_id("timer-start").click()
    for page in everyone:
        expect(page.get_by_test_id("timer")).to_have_text(re.compile(r"^\s*(1:[0-5]\d|2:00)\s*$"))
    fay.get_by_test_id("spotlight-select").select_option(comparison)
    for page in everyone:
        expect(
            page.locator(f'[data-stage-header="{comparison}"] [data-testid="spotlight-badge"]')
        ).to_be_visible()
    fay.get_by_test_id("lock-toggle").check()
    expect(ann.get_by_test_id("locked")).to_be_visible()
    expect(ann.locator("main textarea")).to_have_count(0)
    expect(fay.locator(f"{card(fay, thought)} textarea")).to_have_count(1)
    fay.get_by_test_id("lock-toggle").uncheck()
    expect(ann.locator(f"{card(ann, thought)} textarea")).to_have_count(1)
    fay.get_by_test_id("spotlight-select").select_option("")
    fay.get_by_test_id("timer-stop").click()
    expect(viewer.get_by_test_id("timer")).to_have_count(0)

    # Pain points: add, dot-vote (hidden until revealed), reveal, rank.
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
    fay.get_by_test_id("reveal-votes").click()
    for page in everyone:
        expect(page.locator(f'{card(page, slow)} [data-testid="vote-total"]')).to_have_attribute(
            "data-votes", "3"
        )
        expect(page.get_by_test_id("ranked-pain").first).to_have_attribute("data-card-id", slow)
    shoot(fay, "pain_points")

    # Solution rating: solutions answer pains; everyone rates; the matrix shows the means.
    set_phase(fay, everyone, "solution_rating")
    quote = add_card(ann, inquiry, "solution", "Show the expected handling time")
    ann.locator(f'{card(ann, quote)} [data-testid="pain-select"]').select_option(slow)
    rebuild = add_card(ben, comparison, "solution", "Rebuild the claims system")
    ben.locator(f'{card(ben, rebuild)} [data-testid="pain-select"]').select_option(forms)
    expect_text(ann, rebuild, "Rebuild the claims system")
    rate(ann, quote, effort=2, impact=5)
    rate(ben, quote, effort=2, impact=4)
    rate(ann, rebuild, effort=5, impact=2)
    rate(ben, rebuild, effort=4, impact=1)
    expect(viewer.get_by_test_id("matrix")).to_have_count(0)
    fay.get_by_test_id("reveal-ratings").click()
    for page in everyone:
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
    # Quick wins are top left (easy, high impact); money pits bottom right.
    x, y = matrix_xy(fay, 2, 4.5)
    assert x < matrix_xy(fay, 3, 3)[0] and y < matrix_xy(fay, 3, 3)[1]
    shoot(fay, "solution_rating")

    # Action plan: owners and decisions.
    set_phase(fay, everyone, "action_plan")
    fay.locator(f'{card(fay, quote)} [data-testid="owner-input"]').fill("Claims team")
    fay.locator(f'{card(fay, quote)} [data-testid="owner-input"]').press("Enter")
    fay.locator(f'{card(fay, quote)} [data-testid="approve"]').click()
    ann.locator(f'{card(ann, rebuild)} [data-testid="reject"]').click()
    for page in everyone:
        expect(page.locator(f'{card(page, quote)} [data-testid="action"]')).to_have_attribute(
            "data-status", "approved"
        )
        expect(page.locator(f'{card(page, rebuild)} [data-testid="action"]')).to_have_attribute(
            "data-status", "rejected"
        )
    expect(viewer.locator(card(viewer, quote))).to_contain_text("Owner: Claims team")
    shoot(fay, "action_plan")

    # The viewer saw all of it, live, with no enabled form control at all.
    expect(viewer.get_by_test_id("matrix")).to_be_visible()
    expect(viewer.get_by_test_id("ranked-pains")).to_be_visible()
    expect_text(viewer, thought, "Will my premium go up?")
    assert viewer.locator(ENABLED_CONTROLS).count() == 0
    assert viewer.locator('[data-testid="add-card"], [data-testid="delete-card"]').count() == 0
    assert viewer.locator("main img").count() == 0
    shoot(viewer, "viewer")

    # The viewer can take the results away: the export menu downloads the summary report.
    viewer.get_by_test_id("export-menu").locator("summary").click()
    with viewer.expect_download() as download_info:
        viewer.get_by_test_id("export-export.html").click()
    report = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert "Effort and impact" in report or "effort" in report.lower()
    assert "<img" not in report and "&lt;img src=x onerror=alert(1)&gt;" in report
    assert dialogs == []
