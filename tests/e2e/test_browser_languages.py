"""The board in Swedish, Norwegian (bokmål), Danish and English (issue #26, the client's part).

A person switches the language in the board and every label follows at once, without a reload;
the choice is remembered; the browser's languages decide before that (`no`/`nn` are bokmål) and
the board's language after them. The laptop checks of issue #25 hold in the longer Nordic words.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, LAPTOP
from browsing import browser as browser
from conftest import ServerProcess
from test_browser_laptop import (
    ROLES,
    SMALL_LAPTOP,
    assert_names_whole,
    command,
    every_axe_violation,
    laptop_board,
    open_as,
    top_bar_problems,
    zoom_of,
)

pytestmark = BROWSER_MARKS

PHASES = ["lobby", "discovery", "pain_points", "solution_rating", "action_plan"]

# What the board says in each language: the phase names in order, then a few controls.
WORDS: dict[str, dict[str, Any]] = {
    "sv": {
        "phases": [
            "Samling",
            "Kartläggning",
            "Smärtpunkter",
            "Värdering av lösningar",
            "Handlingsplan",
        ],
        "fit": "Hela resan",
        "dock": "Processledning",
        "touchpoints": "Kontaktpunkter",
        "synced": "Sparad",
        "export": "Exportera",
    },
    "nb": {
        "phases": [
            "Samling",
            "Kartlegging",
            "Smertepunkter",
            "Vurdering av løsninger",
            "Handlingsplan",
        ],
        "fit": "Hele reisen",
        "dock": "Fasilitering",
        "touchpoints": "Kontaktpunkter",
        "synced": "Lagret",
        "export": "Eksporter",
    },
    "da": {
        "phases": [
            "Samling",
            "Kortlægning",
            "Smertepunkter",
            "Vurdering af løsninger",
            "Handlingsplan",
        ],
        "fit": "Hele rejsen",
        "dock": "Facilitering",
        "touchpoints": "Kontaktpunkter",
        "synced": "Gemt",
        "export": "Eksportér",
    },
    "en": {
        "phases": ["Lobby", "Discovery", "Pain points", "Solution rating", "Action plan"],
        "fit": "Fit journey",
        "dock": "Facilitation",
        "touchpoints": "Touchpoints",
        "synced": "Synced",
        "export": "Export",
    },
}

SOFT_HYPHEN = "\u00ad"


def choose(page: Page, language: str) -> None:
    """Pick `language` in the top bar's language menu."""
    page.get_by_test_id("language-menu").click()
    page.get_by_test_id(f"language-{language}").click()
    expect(page.get_by_test_id("language-menu")).to_have_attribute("data-language", language)


def assert_speaks(page: Page, language: str, phase: str) -> None:
    words = WORDS[language]
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_test_id("phase-title")).to_have_text(words["phases"][PHASES.index(phase)])
    expect(page.get_by_test_id("zoom-fit")).to_have_text(words["fit"])
    expect(page.get_by_test_id("status")).to_have_text(words["synced"])
    expect(page.get_by_test_id("export-menu")).to_have_attribute("aria-label", words["export"])
    touchpoints = page.locator('[data-testid="lane-label"][data-kind="touchpoint"]').text_content()
    assert (touchpoints or "").replace(SOFT_HYPHEN, "").strip() == words["touchpoints"], language
    if page.get_by_test_id("facilitator-panel").count() > 0:
        expect(page.locator('[data-testid="facilitator-panel"] h2')).to_have_text(words["dock"])
        steps = page.locator('[data-testid="facilitator-panel"] ol li').all_text_contents()
        assert [step[1:].strip() for step in steps] == words["phases"], language


def test_switching_the_language_relabels_the_board_at_once_and_is_remembered(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    command(server, board, type="set_phase", phase="discovery")
    page = open_as(browser, board, "facilitator")
    assert_speaks(page, "en", "discovery")
    # No reload: the same document all along.
    page.evaluate("() => { window.sameDocument = true; }")
    for language in ["sv", "nb", "da", "en"]:
        choose(page, language)
        assert_speaks(page, language, "discovery")
        command(server, board, type="set_phase", phase="pain_points")
        assert_speaks(page, language, "pain_points")
        command(server, board, type="set_phase", phase="discovery")
    assert page.evaluate("() => window.sameDocument === true")
    # The choice outlives a reload, and a participant's own choice is theirs alone.
    choose(page, "da")
    page.reload()
    assert_speaks(page, "da", "discovery")
    participant = open_as(browser, board, "participant")
    assert_speaks(participant, "en", "discovery")
    page.context.close()
    participant.context.close()


def open_in(browser: Browser, link: str, locale: str) -> Page:
    context = browser.new_context(viewport=LAPTOP, locale=locale)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(link)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    return page


def test_the_browser_languages_come_before_the_board_language(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    command(server, board, type="set_phase", phase="discovery")
    # Nynorsk and plain "no" read the board in bokmål.
    for locale in ["nn-NO", "no"]:
        page = open_in(browser, board["links"]["viewer"], locale)
        assert_speaks(page, "nb", "discovery")
        page.context.close()
    # A browser in none of the four languages reads a board in the board's own language (the
    # answer of GET /api/boards/{id} names it), one without any in English.
    danish = server.create_board("Skadeanmeldelse", language="da")
    command(server, danish, type="set_phase", phase="discovery")
    page = open_in(browser, danish["links"]["viewer"], "de-DE")
    assert page.evaluate("() => navigator.languages") == ["de-DE"]
    assert_speaks(page, "da", "discovery")
    page.context.close()
    # A Swedish browser reads the Danish board in Swedish.
    page = open_in(browser, danish["links"]["viewer"], "sv-SE")
    assert_speaks(page, "sv", "discovery")
    page.context.close()


def test_the_laptop_board_fits_and_reads_whole_in_swedish_and_danish(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    for language in ["sv", "da"]:
        for viewport in (LAPTOP, SMALL_LAPTOP):
            for role in ROLES:
                where = f"{role} in {language} at {viewport['width']}x{viewport['height']}"
                page = open_as(browser, board, role, viewport)
                choose(page, language)
                page.reload()  # the board opens (and fits) in the language
                expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
                expect(page.locator("html")).to_have_attribute("lang", language)
                zoom = zoom_of(page)
                assert zoom >= 0.8, f"{where}: opens at {zoom}"
                assert_names_whole(page, where)
                # Fit journey: every stage in the width, names whole.
                page.get_by_test_id("zoom-fit").click()
                page.wait_for_function(
                    """() => {
                        const box = document.querySelector('[data-testid="map-scroll"]')
                            .getBoundingClientRect();
                        return [...document.querySelectorAll('[data-testid="stage"]')]
                            .every((h) => {
                                const r = h.getBoundingClientRect();
                                return r.left >= box.left - 1 && r.right <= box.right + 1;
                            });
                    }"""
                )
                assert_names_whole(page, f"{where} after Fit journey")
                page.context.close()


# Lane names, dock headings and the controls of a card: is any text cut (clipped by its box
# or ended with an ellipsis)? Card text and badges of content are people's words, left out.
CUT_LABELS_JS = """() => {
    const cut = [];
    const selectors = [
        '[data-testid="lane-label"]', '.corner', '[data-testid="facilitator-panel"] h2',
        '[data-testid="facilitator-panel"] h3', '[data-testid="facilitator-panel"] button',
        '[data-testid="zoom-fit"]', '[data-testid="phase-title"]', '[data-testid="timer"]',
        '[data-testid="status"]', '[data-testid="mot-badge"]', '[data-testid="rating-summary"]',
    ];
    for (const element of document.querySelectorAll(selectors.join(','))) {
        const box = element.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        if (element.scrollWidth > element.clientWidth + 1
            || element.scrollHeight > element.clientHeight + 1) {
            cut.push(element.textContent.trim());
        }
    }
    return cut;
}"""


def test_no_label_is_cut_and_the_top_bar_holds_in_danish_and_swedish_at_1280(
    server: ServerProcess, browser: Browser
) -> None:
    board = laptop_board(server)
    pages = {role: open_as(browser, board, role, SMALL_LAPTOP) for role in ROLES}
    for language in ["da", "sv"]:
        for page in pages.values():
            choose(page, language)
        for phase in PHASES:
            command(server, board, type="set_phase", phase=phase)
            command(server, board, type="timer", action="start", seconds=600)
            if phase == "pain_points":
                command(server, board, type="reveal", what="votes")
            if phase == "solution_rating":
                command(server, board, type="reveal", what="ratings")
            for role, page in pages.items():
                where = f"{role} in {phase} in {language} at 1280x720"
                words = WORDS[language]["phases"]
                expect(page.get_by_test_id("phase-title")).to_have_text(words[PHASES.index(phase)])
                expect(page.get_by_test_id("timer")).to_be_visible()
                assert top_bar_problems(page) == [], where
                assert page.evaluate(CUT_LABELS_JS) == [], where
    for page in pages.values():
        page.context.close()


def test_axe_finds_nothing_in_swedish_and_danish(server: ServerProcess, browser: Browser) -> None:
    board = laptop_board(server)
    command(server, board, type="set_phase", phase="solution_rating")
    command(server, board, type="reveal", what="ratings")
    for language in ["sv", "da"]:
        for role in ROLES:
            page = open_as(browser, board, role)
            choose(page, language)
            every_axe_violation(page, f"the board as {role} in {language}")
            page.context.close()


def test_the_home_page_switches_live_and_creates_the_board_in_a_chosen_language(
    server: ServerProcess, browser: Browser
) -> None:
    page = browser.new_page(viewport=LAPTOP)  # type: ignore[arg-type]
    page.goto(server.http + "/")
    expect(page.locator("h1")).to_have_text("New workshop")
    page.get_by_test_id("language").select_option("nb")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator("h1")).to_have_text("Ny workshop")
    # The board's language follows the page's until it is picked; the stages preview in it.
    expect(page.get_by_test_id("create-language")).to_have_value("nb")
    template = page.get_by_test_id("create-template")
    expect(template).to_contain_text("Oppmerksomhet")
    page.get_by_test_id("create-language").select_option("da")
    expect(template).to_contain_text("Opmærksomhed")
    expect(page.locator("h1")).to_have_text("Ny workshop")
    every_axe_violation(page, "the home page in bokmål")
    page.get_by_test_id("create-title").fill("Skademelding")
    with page.expect_request(
        lambda request: request.url.endswith("/api/boards") and request.method == "POST"
    ) as sent:
        page.get_by_test_id("create-submit").click()
    body = json.loads(sent.value.post_data or "{}")
    assert body["language"] == "da" and body["title"] == "Skademelding"
    expect(page.get_by_test_id("workspace")).to_be_visible()
    # The board's stages are the ones the preview showed, in the board's language.
    expect(page.locator('[data-testid="stage"]').first).to_have_attribute(
        "data-stage-name", "Opmærksomhed"
    )
    # The page language (bokmål, the person's choice) stays on the board.
    expect(page.get_by_test_id("phase-title")).to_have_text("Samling")
    expect(page.get_by_test_id("zoom-fit")).to_have_text("Hele reisen")
    page.close()
