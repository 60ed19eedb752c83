"""The laptop pass (issue #25): a realistic board read on a 1366x768 (and 1280x720) laptop.

The board has six stages with long, real names and ~45 cards (laptop_board.py). The checks
measure what a person sees: the zoom a card's text is drawn at, whether a stage name is whole
on screen, whether two texts of the top bar overlap.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, LAPTOP, axe_violations
from browsing import browser as browser
from conftest import ServerProcess
from laptop_board import STAGE_NAMES, laptop_export
from waiting import wait_until_sync

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
    browser: Browser,
    board: dict[str, Any],
    role: str,
    viewport: dict[str, int] = LAPTOP,
    stages: int = len(STAGE_NAMES),
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
    expect(page.locator('[data-testid="stage"]')).to_have_count(stages)
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


# Every visible text and icon of the top bar as the rectangle it is drawn in (clipped by any ancestor
# that hides its overflow), the phase name's box and what is drawn at its centre.
TOP_BAR_JS = """() => {
    const bar = document.querySelector('[data-testid="topbar"]');
    const walker = document.createTreeWalker(bar, NodeFilter.SHOW_TEXT);
    const nodes = [...bar.querySelectorAll('svg')];
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
        if (node.textContent.trim() !== '') nodes.push(node);
    }
    const texts = [];
    for (const node of nodes) {
        const range = document.createRange();
        range.selectNode(node);
        let box = node instanceof Element ? node.getBoundingClientRect() : range.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        let { left, right, top, bottom } = box;
        for (let up = node.parentElement; up !== null && up !== bar.parentElement; up = up.parentElement) {
            const style = getComputedStyle(up);
            if (style.display === 'none' || style.visibility === 'hidden') { left = right; break; }
            if (style.overflowX !== 'visible') {
                const clip = up.getBoundingClientRect();
                left = Math.max(left, clip.left); right = Math.min(right, clip.right);
                top = Math.max(top, clip.top); bottom = Math.min(bottom, clip.bottom);
            }
        }
        if (right - left < 1 || bottom - top < 1) continue;
        const text = node instanceof Element
            ? `icon in ${node.parentElement.dataset.testid ?? node.parentElement.className}`
            : node.textContent.trim();
        texts.push({ text, left, right, top, bottom });
    }
    const title = document.querySelector('[data-testid="phase-title"]');
    const range = document.createRange();
    range.selectNodeContents(title);
    const drawn = range.getBoundingClientRect();
    const chip = title.closest('.phase-chip').getBoundingClientRect();
    const hit = document.elementFromPoint((drawn.left + drawn.right) / 2, (drawn.top + drawn.bottom) / 2);
    return {
        texts,
        width: window.innerWidth,
        title: title.textContent.trim(),
        titleWhole: drawn.left >= chip.left && drawn.right <= chip.right
            && title.scrollWidth <= title.clientWidth + 1,
        titleOnTop: hit !== null && title.contains(hit),
    };
}"""


def top_bar_problems(page: Page) -> list[str]:
    """Overlapping texts, texts off the screen, a phase name that is not whole or covered."""
    seen = page.evaluate(TOP_BAR_JS)
    problems: list[str] = []
    texts = seen["texts"]
    for i, one in enumerate(texts):
        if one["left"] < -0.5 or one["right"] > seen["width"] + 0.5:
            problems.append(f"off screen: {one['text']!r}")
        for other in texts[i + 1 :]:
            wide = min(one["right"], other["right"]) - max(one["left"], other["left"])
            high = min(one["bottom"], other["bottom"]) - max(one["top"], other["top"])
            if wide > 1 and high > 1:
                problems.append(f"{one['text']!r} overlaps {other['text']!r}")
    if not seen["titleWhole"] or not seen["titleOnTop"]:
        problems.append(f"phase name {seen['title']!r} not whole")
    return problems


def test_the_top_bar_never_overlaps_in_any_phase_for_any_role(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    for viewport in (SMALL_LAPTOP, LAPTOP):
        pages = {role: open_as(browser, board, role, viewport) for role in ROLES}
        for phase in ["lobby", "discovery", "pain_points", "solution_rating", "action_plan"]:
            command(server, board, type="set_phase", phase=phase)
            command(server, board, type="timer", action="start", seconds=1)
            if phase == "pain_points":
                command(server, board, type="reveal", what="votes")
            if phase == "solution_rating":
                command(server, board, type="reveal", what="ratings")
            for role, page in pages.items():
                where = f"{role} in {phase} at {viewport['width']}px"
                expect(page.get_by_test_id("phase-banner")).to_have_attribute("data-phase", phase)
                expect(page.get_by_test_id("timer")).to_have_attribute("data-state", "done")
                assert top_bar_problems(page) == [], where
                # The instruction gives way, with its full text one click away.
                line = page.get_by_test_id("phase-line")
                full = line.get_attribute("title")
                line.click()
                expect(page.get_by_test_id("phase-line-full")).to_have_text(full or "")
                page.keyboard.press("Escape")
                expect(page.get_by_test_id("phase-line-full")).to_have_count(0)
        for page in pages.values():
            page.context.close()


def every_axe_violation(page: Page, where: str) -> None:
    # Colours are judged once the arrival transitions (a fade of the phase chip) have ended.
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    found = axe_violations(page, every_impact=True)
    assert found == [], f"axe on {where}: {found}"


def test_axe_finds_nothing_of_any_impact(server: ServerProcess, browser: Browser) -> None:
    board = laptop_board(server)
    home = browser.new_page(viewport=LAPTOP)  # type: ignore[arg-type]
    home.goto(server.http + "/")
    expect(home.locator("h1").first).to_be_visible()
    every_axe_violation(home, "the home page")
    home.close()
    sheet = browser.new_page(viewport=LAPTOP)  # type: ignore[arg-type]
    sheet.goto(board["links"]["participant"])
    expect(sheet.get_by_test_id("join-form")).to_be_visible()
    every_axe_violation(sheet, "the join sheet")
    sheet.close()
    command(server, board, type="set_phase", phase="pain_points")
    command(server, board, type="reveal", what="votes")
    pages = {role: open_as(browser, board, role) for role in ROLES}
    for role, page in pages.items():
        every_axe_violation(page, f"the board as {role} in pain points")
    command(server, board, type="set_phase", phase="solution_rating")
    command(server, board, type="reveal", what="ratings")
    command(server, board, type="set_phase", phase="action_plan")
    for role, page in pages.items():
        expect(page.get_by_test_id("action-plan")).to_be_visible()
        every_axe_violation(page, f"the board as {role} in the action plan")
        page.context.close()


def test_a_new_touchpoint_and_feeling_carry_no_channel_and_no_score(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    page = open_as(browser, board, "participant")
    stage = page.locator('[data-testid="stage"]').nth(4).get_attribute("data-stage-header")
    added: dict[str, str] = {}
    for kind, text in [("touchpoint", "Survey e-mail"), ("feeling", "Mildly annoyed")]:
        cell = page.locator(f'[data-testid="cell"][data-stage="{stage}"][data-kind="{kind}"]')
        cell.locator('[data-testid="add-card"]').click()
        page.wait_for_function(
            "() => document.activeElement?.matches('[data-card-id] textarea') === true"
        )
        added[kind] = str(
            page.evaluate("() => document.activeElement.closest('[data-card-id]').dataset.cardId")
        )
        page.keyboard.type(text)
        page.keyboard.press("Escape")
    touchpoint = page.locator(f'[data-card-id="{added["touchpoint"]}"]')
    feeling = page.locator(f'[data-card-id="{added["feeling"]}"]')
    expect(touchpoint.get_by_test_id("channel-badge")).to_have_count(0)
    expect(feeling.get_by_test_id("emotion-value")).to_have_attribute("data-emotion", "")

    # What the server stores: no channel, no score, until someone picks one.
    def stored_cards() -> dict[str, Any]:
        stored = server.get_board(board["id"], board["tokens"]["facilitator"])
        cards: dict[str, Any] = stored["content"]["cards"]
        return cards if all(cards.get(i, {}).get("text") for i in added.values()) else {}

    cards = wait_until_sync(stored_cards, 10, "the new cards on the server")
    assert "channel" not in cards[added["touchpoint"]], cards[added["touchpoint"]]
    assert "emotion" not in cards[added["feeling"]], cards[added["feeling"]]


def test_popovers_keep_their_size_and_tools_never_cover_text(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    page = open_as(browser, board, "participant")
    page.get_by_test_id("map-scroll").focus()
    while zoom_of(page) > 0.7:
        page.get_by_test_id("zoom-out").click()
    # The card details and the face picker at 70%: 13-14 px text and 24 px targets on screen.
    touchpoint = page.locator('[data-testid="card"][data-kind="touchpoint"]').first
    touchpoint.hover()
    touchpoint.get_by_test_id("card-details").click()
    details = page.get_by_test_id("details")
    expect(details).to_be_visible()
    select = details.get_by_test_id("channel-select").bounding_box()
    assert select is not None and select["height"] >= 24, select
    size = details.evaluate(
        "(e) => parseFloat(getComputedStyle(e).fontSize) * e.getBoundingClientRect().width"
        " / e.offsetWidth"
    )
    assert size >= 12, f"details text {size} px on screen"
    page.keyboard.press("Escape")
    feeling = page.locator('[data-testid="card"][data-kind="feeling"]').first
    feeling.hover()
    feeling.get_by_test_id("face-button").click()
    face = feeling.get_by_test_id("face-picker").get_by_test_id("face-0").bounding_box()
    assert face is not None and face["width"] >= 24 and face["height"] >= 24, face
    page.keyboard.press("Escape")
    # Editing a card: its tools sit beside the text, never over it.
    action = page.locator('[data-testid="card"][data-kind="action"]').first
    action.get_by_test_id("card-text").click()
    area = action.locator("textarea")
    expect(area).to_be_focused()
    tools = action.locator(".tools").bounding_box()
    text = area.bounding_box()
    assert tools is not None and text is not None
    overlap_x = min(tools["x"] + tools["width"], text["x"] + text["width"]) - max(
        tools["x"], text["x"]
    )
    overlap_y = min(tools["y"] + tools["height"], text["y"] + text["height"]) - max(
        tools["y"], text["y"]
    )
    assert overlap_x <= 0 or overlap_y <= 0, (tools, text)
    page.keyboard.press("Escape")


def test_an_idle_cursor_label_goes_and_comes_back_on_a_move(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    ann = open_as(browser, board, "participant")
    viewer = open_as(browser, board, "viewer")
    target = ann.locator('[data-testid="card"]').nth(3).bounding_box()
    assert target is not None
    ann.mouse.move(target["x"] + 20, target["y"] + 10)
    ann.mouse.move(target["x"] + 40, target["y"] + 12)
    label = viewer.get_by_test_id("cursor-name")
    expect(label).to_be_visible()
    # Idle, it goes at once (never drawn half-transparent: that would fail the contrast check).
    viewer.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=cursor-name]')).visibility"
        " === 'hidden'",
        timeout=8_000,
    )
    ann.mouse.move(target["x"] + 60, target["y"] + 14)
    viewer.wait_for_function(
        "() => getComputedStyle("
        "document.querySelector('[data-testid=cursor-name]')).visibility === 'visible'",
        timeout=5_000,
    )


def test_a_failed_command_puts_the_control_back(server: ServerProcess, browser: Browser) -> None:
    board = laptop_board(server)
    page = open_as(browser, board, "facilitator")
    # The server cannot be reached for commands: the lock and the spotlight do not stick.
    page.route("**/commands", lambda route: route.abort("connectionrefused"))
    page.get_by_test_id("lock-toggle").click()
    expect(page.get_by_test_id("notice")).to_be_visible()
    expect(page.get_by_test_id("lock-toggle")).not_to_be_checked()
    stage = page.locator('[data-testid="stage"]').nth(1).get_attribute("data-stage-header")
    page.get_by_test_id("spotlight-select").select_option(stage)
    expect(page.get_by_test_id("spotlight-select")).to_have_value("")
    # Back online, the same clicks stick because the session document says so.
    page.unroute("**/commands")
    page.get_by_test_id("lock-toggle").click()
    expect(page.get_by_test_id("locked")).to_be_visible()
    expect(page.get_by_test_id("lock-toggle")).to_be_checked()


def test_small_things_a_facilitator_trips_over(server: ServerProcess, browser: Browser) -> None:
    board = laptop_board(server)
    fay = open_as(browser, board, "facilitator")
    # Stages added one after another with Enter: the name field stays focused.
    fay.get_by_test_id("new-stage").click()
    fay.get_by_test_id("new-stage-name").fill("Tells a friend")
    fay.keyboard.press("Enter")
    expect(fay.get_by_test_id("new-stage-name")).to_be_focused()
    fay.keyboard.type("Switches provider")
    fay.keyboard.press("Enter")
    expect(fay.locator('[data-testid="stage"]')).to_have_count(len(STAGE_NAMES) + 2)
    fay.keyboard.press("Escape")
    # Deleting a stage that holds cards says so and offers Undo.
    header = fay.locator('[data-testid="stage"][data-stage-name="Contacts support"]')
    header.hover()
    header.get_by_test_id("stage-menu").click()
    header.get_by_test_id("delete-stage").click()
    expect(header.get_by_test_id("confirm-delete-stage")).to_contain_text("8 cards go to Unplaced")
    header.get_by_test_id("confirm-delete-stage").click()
    toast = fay.get_by_test_id("toast").filter(has_text="Contacts support")
    expect(toast).to_contain_text("8 cards moved to Unplaced")
    expect(fay.locator('[data-stage-name="Contacts support"]')).to_have_count(0)
    toast.get_by_test_id("toast-action").click()
    restored = fay.locator('[data-testid="stage"][data-stage-name="Contacts support"]')
    expect(restored).to_have_count(1)
    expect(restored.locator(".count")).to_have_text("8")
    # The export menu closes on Esc, also when the mouse opened it.
    fay.get_by_test_id("export-menu").click()
    expect(fay.get_by_role("menu", name="Export the board")).to_be_visible()
    fay.keyboard.press("Escape")
    expect(fay.get_by_role("menu", name="Export the board")).to_have_count(0)
    # Ratings show how many rated before the reveal, as votes show how many voted.
    ann = open_as(browser, board, "participant", stages=len(STAGE_NAMES) + 2)
    command(server, board, type="set_phase", phase="solution_rating")
    # Seven take part: the five people of the imported workshop, Fay and Ann.
    expect(fay.get_by_test_id("raters")).to_have_text(re.compile(r"^\d+ of 7 rated$"))
    # Participants are not offered to delete a stage in the action plan.
    command(server, board, type="set_phase", phase="action_plan")
    expect(ann.get_by_test_id("phase-banner")).to_have_attribute("data-phase", "action_plan")
    first = ann.locator('[data-testid="stage"]').first
    first.hover()
    first.get_by_test_id("stage-menu").click()
    expect(first.get_by_role("menuitem", name="Move right")).to_be_visible()
    expect(first.get_by_test_id("delete-stage")).to_have_count(0)


def test_the_lobby_puts_the_invite_first_and_ticks_itself(
    server: ServerProcess, browser: Browser
) -> None:
    board = server.create_board("Broadband outage", template="purchase")
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    fay = context.new_page()
    fay.goto(board["links"]["facilitator"])
    expect(fay.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    links = fay.locator('[data-section="links"]')
    phase = fay.locator('[data-section="phase"]')
    links_box, phase_box = links.bounding_box(), phase.bounding_box()
    assert links_box is not None and phase_box is not None
    assert links_box["y"] < phase_box["y"], "the invite comes first in the lobby"
    assert links_box["y"] < LAPTOP["height"], "and shows on the first screen"
    steps = fay.get_by_test_id("checklist").locator("li")
    expect(steps.first).to_contain_text("participant link")
    expect(steps.first).to_have_attribute("data-done", "false")
    fay.get_by_test_id("qr-toggle-participant").click()
    expect(steps.first).to_have_attribute("data-done", "true")
    joined = steps.filter(has_text="first person to join")
    expect(joined).to_have_attribute("data-done", "false")
    server.join(board["tokens"]["participant"], "Ann", "Claims")
    expect(joined).to_have_attribute("data-done", "true")
    expect(steps.filter(has_text="Name the stages")).to_have_attribute("data-done", "true")
    expect(fay.get_by_test_id("phase-minutes")).to_contain_text("min")
    # Ticked steps say so to screen readers without making the page itself scroll.
    height = fay.evaluate("() => document.scrollingElement.scrollHeight")
    assert height <= LAPTOP["height"], height
    # Past the lobby the invite goes back below the phase.
    command(server, board, type="set_phase", phase="discovery")
    expect(fay.get_by_test_id("phase-banner")).to_have_attribute("data-phase", "discovery")
    links_box, phase_box = links.bounding_box(), phase.bounding_box()
    assert links_box is not None and phase_box is not None and links_box["y"] > phase_box["y"]
    context.close()


def test_a_first_run_tour_guides_a_new_facilitator_once(
    server: ServerProcess, browser: Browser
) -> None:
    board = server.create_board("Broadband outage", template="purchase")
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    fay = context.new_page()
    fay.goto(board["links"]["facilitator"])
    tour = fay.get_by_test_id("first-run")
    expect(tour).to_contain_text("1 of 4")
    expect(tour).to_contain_text("Invite people")
    every_axe_violation(fay, "the lobby with the first-run tour")
    for _ in range(3):
        tour.get_by_test_id("first-run-next").click()
    expect(tour).to_contain_text("export the report")
    tour.get_by_test_id("first-run-done").click()
    expect(tour).to_have_count(0)
    # Remembered by this browser, on this board and any other.
    fay.reload()
    expect(fay.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    expect(fay.get_by_test_id("first-run")).to_have_count(0)
    other = server.create_board("Another", template="purchase")
    fay.goto(other["links"]["facilitator"])
    expect(fay.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    expect(fay.get_by_test_id("first-run")).to_have_count(0)
    context.close()


def test_the_customer_goal_is_set_in_the_board_settings(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    fay = open_as(browser, board, "facilitator")
    settings = fay.get_by_test_id("board-settings")
    settings.scroll_into_view_if_needed()
    expect(settings.get_by_test_id("setting-title")).to_have_value("Broadband outage")
    goal = "Get back online the same day, without calling twice"
    settings.get_by_test_id("setting-customer_goal").fill(goal)
    settings.get_by_test_id("settings-save").click()
    expect(settings.get_by_test_id("settings-save")).to_be_disabled()
    stored = server.get_board(board["id"], board["tokens"]["facilitator"])
    assert stored["session"]["board"]["customer_goal"] == goal
    report = httpx.get(
        f"{server.http}/api/boards/{board['id']}/export.md",
        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"},
    )
    assert report.status_code == 200 and goal in report.text


def test_times_up_clears_by_itself_after_a_minute_and_on_the_next_phase(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    page = context.new_page()
    page.clock.install()  # the page's own clock, moved on by the test instead of waited for
    page.goto(board["links"]["viewer"])
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    # The next phase clears "Time's up" at once.
    command(server, board, type="set_phase", phase="discovery")
    command(server, board, type="timer", action="start", seconds=1)
    page.clock.fast_forward(2_000)
    expect(page.get_by_test_id("timer")).to_have_attribute("data-state", "done")
    command(server, board, type="set_phase", phase="pain_points")
    expect(page.get_by_test_id("timer")).to_have_count(0)
    # Without a phase change it stays a minute, then clears by itself.
    command(server, board, type="timer", action="start", seconds=1)
    page.clock.fast_forward(2_000)
    expect(page.get_by_test_id("timer")).to_have_attribute("data-state", "done")
    page.clock.fast_forward(30_000)
    expect(page.get_by_test_id("timer")).to_have_attribute("data-state", "done")
    page.clock.fast_forward(35_000)
    expect(page.get_by_test_id("timer")).to_have_count(0)
    context.close()
