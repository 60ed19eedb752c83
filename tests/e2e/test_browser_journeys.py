"""Journeys in the browser (issue #27, items 4 and 5): a facilitator makes two persona variants
and a detailed journey for a stage, a participant lands on the portfolio from the workshop's
link, joins once and opens them all, and the portfolio shows both personas' curves; the
breadcrumb at 1366 and 1280 px; axe-core."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, LAPTOP, axe_violations
from browsing import browser as browser
from conftest import ServerProcess
from test_journeys import add_cards

pytestmark = BROWSER_MARKS

SMALL_LAPTOP = {"width": 1280, "height": 720}


def journeys(server: ServerProcess, board: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{server.http}/api/boards/{board}/journeys", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["journeys"])


def join(page: Page, name: str, facilitator: bool) -> None:
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    if facilitator:
        page.get_by_test_id("facilitator-join-open").click()
    page.get_by_test_id("join-name").fill(name)
    page.get_by_test_id("join-department").fill("Customer Experience")
    page.get_by_test_id("join-submit").click()
    expect(page.get_by_test_id("join-form")).to_have_count(0)


def add_journey(page: Page, relation: str, *, persona: str = "", stage: str = "") -> str:
    """Add a journey with the switcher's menu; the page opens it. Returns its id."""
    before = page.url
    page.get_by_test_id("journey-switcher").click()
    page.get_by_test_id("menu-add-journey").click()
    dialog = page.get_by_test_id("add-journey")
    dialog.get_by_test_id(f"relation-{relation}").check()
    if persona:
        dialog.get_by_test_id("add-persona-name").fill(persona)
    if stage:
        dialog.get_by_test_id("add-stage").select_option(label=stage)
    dialog.get_by_test_id("add-submit").click()
    page.wait_for_url(lambda url: url != before and "/b/" in url)
    expect(page.get_by_test_id("workspace")).to_be_visible()
    return page.url.split("/b/")[1].split("#")[0]


def in_thread(work: Any) -> None:
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work).result(timeout=30)


def picture_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


def bar_fits(page: Page) -> dict[str, Any]:
    """Whether the top bar overflows, and whether what never gives way is on screen."""
    found: dict[str, Any] = page.evaluate(
        """() => {
            const bar = document.querySelector('[data-testid="topbar"]');
            const seen = (id) => {
                const el = document.querySelector(`[data-testid="${id}"]`);
                if (!el) return false;
                const r = el.getBoundingClientRect();
                return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
            };
            return {
                overflow: bar.scrollWidth > bar.clientWidth + 1,
                phase: seen('phase-title'), status: seen('status'), export: seen('export-menu'),
                switcher: seen('journey-switcher'),
                collapsed: document.querySelector('[data-testid="journey-nav"]')
                    .dataset.collapsed === 'true',
            };
        }"""
    )
    return found


def stage_in_sight(page: Page) -> str:
    """The stage at the left edge of the map's visible part."""
    return str(
        page.evaluate(
            """() => {
              const left = document.querySelector('[data-testid=map-scroll]')
                .getBoundingClientRect().left;
              const headers = [...document.querySelectorAll('[data-stage-header]')];
              const seen = headers.find((h) => h.getBoundingClientRect().right > left + 40);
              return seen ? seen.dataset.stageHeader : '';
            }"""
        )
    )


def settled(page: Page) -> None:
    """Wait until no animation runs (the phase chip fades in on a page's arrival; axe reads
    the colours as drawn)."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def test_a_workshop_of_journeys_in_the_browser(server: ServerProcess, browser: Browser) -> None:
    board = server.create_board("Motor claim")
    root = board["id"]
    stages = server.get_board(root, board["tokens"]["facilitator"])["content"]["stages"]
    ordered = sorted(stages, key=lambda s: (stages[s]["pos"], s))
    contact, contact_name = ordered[1], stages[ordered[1]]["name"]

    lead_context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    lead_context.set_default_timeout(15_000)
    lead = lead_context.new_page()
    lead.goto(board["links"]["facilitator"])
    join(lead, "Fay Facilitator", facilitator=True)

    # Two persona variants and a detailed journey for the second stage.
    young = add_journey(lead, "persona", persona="Young driver")
    senior = add_journey(lead, "persona", persona="Senior driver")
    lead.get_by_test_id("crumb").first.click()  # the breadcrumb back to the overview
    lead.wait_for_url(f"**/b/{root}#*")
    detail = add_journey(lead, "detail", stage=contact_name)
    expect(lead.get_by_test_id("crumb-current")).to_contain_text(contact_name)
    listed = {j["id"]: j for j in journeys(server, root, board["tokens"]["participant"])}
    assert listed[young]["persona"]["name"] == "Young driver"
    assert listed[senior]["persona"]["name"] == "Senior driver"
    assert listed[detail]["relation"] == "detail" and listed[detail]["stage"] == contact

    # The persona editor: a quote and a picture (fetched with the token, shown as a blob: URL).
    lead.get_by_test_id("crumb").first.click()
    lead.wait_for_url(f"**/b/{root}#*")
    lead.get_by_test_id("journey-switcher").click()
    lead.locator(f'[data-testid="menu-journey"][data-journey="{young}"]').click()
    lead.wait_for_url(f"**/b/{young}#*")
    lead.get_by_test_id("journey-switcher").click()
    lead.get_by_test_id("menu-edit-persona").click()
    editor = lead.get_by_test_id("persona-editor")
    editor.get_by_test_id("persona-quote").fill("Just fix it fast")
    editor.get_by_test_id("persona-picture-input").set_input_files(
        files=[{"name": "young.png", "mimeType": "image/png", "buffer": picture_png()}]
    )
    expect(editor.get_by_test_id("persona-picture")).to_be_visible()
    assert (editor.get_by_test_id("persona-picture").get_attribute("src") or "").startswith("blob:")
    editor.get_by_test_id("persona-save").click()
    expect(editor).to_have_count(0)
    picture = lead.get_by_test_id("topbar").get_by_test_id("persona-picture")
    expect(picture).to_be_visible()
    assert (picture.get_attribute("src") or "").startswith("blob:")
    quote = journeys(server, root, board["tokens"]["viewer"])
    assert {j["id"]: j for j in quote}[young]["persona"]["quote"] == "Just fix it fast"

    # Feelings on every journey (the participants' work, written over the socket).
    ann = server.join(board["tokens"]["participant"], "Ann", "Claims")["token"]
    first, second, third = ordered[:3]
    scores = {root: (-1, 2, 1), young: (-3, -2, 0), senior: (2, 1, -1)}
    for journey, (a, b, c) in scores.items():
        # Playwright's sync API holds this thread's event loop: the Yjs client runs in another.
        in_thread(
            add_cards(
                server.url(journey, ann),
                {
                    "f1": {"kind": "feeling", "stage": first, "emotion": a},
                    "f2": {"kind": "feeling", "stage": second, "emotion": b},
                    "f3": {"kind": "feeling", "stage": third, "emotion": c},
                    "p1": {"kind": "pain", "stage": first, "text": f"Pain of {journey[:4]}"},
                },
            )
        )

    # A participant joins once, then opens every journey as the same person.
    ben_context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
    ben_context.set_default_timeout(15_000)
    ben = ben_context.new_page()
    # The workshop's link, now that it has several journeys, lands on the portfolio (its home);
    # "Open" goes to a journey, and a reload there keeps the journey chosen.
    ben.goto(board["links"]["participant"])
    ben.wait_for_url(f"**/b/{root}/portfolio#*")
    expect(ben.get_by_test_id("portfolio-journey")).to_have_count(4)
    ben.locator(
        f'[data-testid="portfolio-journey"][data-journey="{root}"] [data-testid="portfolio-open"]'
    ).click()
    ben.wait_for_url(f"**/b/{root}#*")
    join(ben, "Ben Participant", facilitator=False)
    ben.reload()
    expect(ben.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    expect(ben.get_by_test_id("crumb-current")).to_be_visible()
    assert ben.url.split("#")[0].endswith(f"/b/{root}")
    for journey in (young, senior):
        ben.get_by_test_id("journey-switcher").click()
        ben.locator(f'[data-testid="menu-journey"][data-journey="{journey}"]').click()
        ben.wait_for_url(f"**/b/{journey}#*")
        expect(ben.get_by_test_id("workspace")).to_be_visible()
        expect(ben.get_by_test_id("status")).to_have_attribute("data-status", "synced")
        expect(ben.get_by_test_id("join-form")).to_have_count(0)
    ben.get_by_test_id("crumb").first.click()
    ben.wait_for_url(f"**/b/{root}#*")
    # The stage with a detailed journey carries its badge; it opens the detailed journey.
    badge = ben.locator(f'[data-stage-header="{contact}"] [data-testid="detail-badge"]')
    expect(badge).to_be_visible()
    badge.click()
    ben.wait_for_url(f"**/b/{detail}#*")
    expect(ben.get_by_test_id("join-form")).to_have_count(0)
    expect(ben.get_by_test_id("crumb-current")).to_contain_text(contact_name)
    people = server.get_board(detail, ann)["session"]["participants"]
    assert [p["name"] for p in people.values() if p["name"] == "Ben Participant"] == [
        "Ben Participant"
    ]
    settled(ben)
    assert axe_violations(ben, every_impact=True) == []

    # The portfolio: both personas' curves on one chart, with the overview's, and a legend.
    ben.get_by_test_id("crumb-portfolio").click()
    ben.wait_for_url(f"**/b/{detail}/portfolio#*")
    overlay = ben.get_by_test_id("portfolio-personas")
    expect(overlay.get_by_test_id("curve-series")).to_have_count(3)
    for journey in (young, senior):
        path = overlay.locator(f'[data-testid="curve-series"][data-journey="{journey}"] path')
        assert (path.get_attribute("d") or "").count("L") == 2
    legend = overlay.get_by_test_id("chart-legend")
    expect(legend).to_contain_text("Young driver")
    expect(legend).to_contain_text("Senior driver")
    expect(ben.get_by_test_id("portfolio-journey")).to_have_count(4)
    expect(
        ben.locator(f'[data-testid="portfolio-journey"][data-journey="{young}"]')
    ).to_contain_text(f"Pain of {young[:4]}")
    settled(ben)
    assert axe_violations(ben, every_impact=True) == []
    ben.reload()  # the server serves the portfolio's address too
    expect(ben.get_by_test_id("portfolio-personas").get_by_test_id("curve-series")).to_have_count(3)
    # In Swedish (the person's choice): the portfolio's words come from the catalogue.
    ben.evaluate("() => window.localStorage.setItem('journeyboard.language', 'sv')")
    ben.reload()
    expect(ben.get_by_test_id("portfolio-personas")).to_contain_text("Personor jämförda")
    expect(ben.get_by_test_id("portfolio-back")).to_have_text("Tillbaka till kundresan")
    ben.evaluate("() => window.localStorage.setItem('journeyboard.language', 'en')")
    ben.get_by_test_id("portfolio-back").click()
    ben.wait_for_url(f"**/b/{detail}#*")
    expect(ben.get_by_test_id("workspace")).to_be_visible()

    # "Bring everyone to me" from another journey: Ben, on the overview, lands on Fay's
    # journey, at her stage and her zoom (120%: the journey no longer fits the width).
    ben.get_by_test_id("crumb").first.click()
    ben.wait_for_url(f"**/b/{root}#*")
    expect(ben.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    assert lead.url.split("#")[0].endswith(f"/b/{young}")
    for key in ["0", "+", "+"]:
        lead.locator("body").press(key)
    expect(lead.get_by_test_id("map")).to_have_attribute("data-zoom", "1.2")
    lead.get_by_test_id("map-scroll").evaluate("(el) => el.scrollTo({ left: 260, top: 40 })")
    lead.get_by_test_id("follow-me").click()
    ben.wait_for_url(f"**/b/{young}#*")
    expect(ben.get_by_test_id("join-form")).to_have_count(0)
    expect(ben.get_by_test_id("map")).to_have_attribute("data-zoom", "1.2")
    at = lead.get_by_test_id("map-scroll").evaluate("(el) => el.scrollLeft")
    assert at > 100, at
    ben.wait_for_function(
        "(at) => Math.abs(document.querySelector('[data-testid=map-scroll]').scrollLeft - at) < 8",
        arg=at,
    )
    assert stage_in_sight(ben) == stage_in_sight(lead) != ""
    lead.get_by_test_id("follow-me").click()  # the leader lets go
    lead.locator("body").press("0")
    # Having landed, Ben may look elsewhere: opening the overview again keeps him there.
    ben.get_by_test_id("crumb").first.click()
    ben.wait_for_url(f"**/b/{root}#*")
    expect(ben.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    expect(ben.get_by_test_id("crumb-current")).to_be_visible()
    assert f"/b/{root}" in ben.url

    # The top bar at 1366 and 1280 px, in English and in Danish (the longest words): nothing
    # overflows; the phase, the status, the export and the switcher stay.
    for viewport, language in ((LAPTOP, "en"), (SMALL_LAPTOP, "en"), (SMALL_LAPTOP, "da")):
        lead.set_viewport_size(viewport)  # type: ignore[arg-type]
        lead.evaluate(f"() => window.localStorage.setItem('journeyboard.language', '{language}')")
        lead.goto(f"{server.http}/b/{detail}#token={board['tokens']['facilitator']}")
        lead.reload()
        expect(lead.get_by_test_id("journey-nav")).to_be_visible()
        lead.wait_for_function(
            "() => document.querySelector('[data-testid=\"journey-nav\"]').dataset.collapsed"
            " !== undefined"
        )
        fit = bar_fits(lead)
        assert not fit["overflow"] and fit["phase"] and fit["status"] and fit["switcher"], (
            viewport,
            language,
            fit,
        )
        assert fit["export"], (viewport, language, fit)
    settled(lead)
    assert axe_violations(lead, every_impact=True) == []
    lead_context.close()
    ben_context.close()
