"""Touchpoint metrics in a real browser (issue #28): a facilitator imports a CSV in the dock
(accepted count, refused rows with reasons), turns the heat map on (touchpoints coloured on the
cividis scale, a legend, "no data"), reads a touchpoint's series in its details, adds a value
with `set_metric` (a refusal shown in the form) and undoes the import; axe-core finds nothing.

Set JOURNEYBOARD_SCREENSHOTS=<dir> to save the heat map at 1366x768 as heatmap.png, and with a
touchpoint's details open as heatmap-details.png (the pictures in docs/screenshots/ are made
so). Needs the client built into server/journeyboard/static.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Locator, Page, expect

from browsing import BROWSER_MARKS, LAPTOP, ROOT, axe_violations
from browsing import browser as browser
from conftest import ServerProcess

pytestmark = BROWSER_MARKS

EXAMPLE = ROOT / "shared_schema" / "examples" / "insurance_claim.json"
# The ends of the cividis scale (client/src/state/metrics.ts, exports/heat.py).
DARKEST, LIGHTEST = "#00204d", "#ffea46"

# Texts of the example's touchpoints, as the CSV names them.
PHONE = "24/7 roadside assistance number on the insurance card"
FORM = "Claim form on the website"
MAIL = "Confirmation e-mail with claim number"
ASSESSOR = "Phone call from the assessor"
LETTER = "Decision letter"
GARAGE = "Partner garage"
APP = "Payment notification in the app"
CSV = "\n".join(
    [
        "touchpoint;metric;value;date;unit",
        f"{PHONE};NPS;42;2026-01-15;",
        f"{FORM};NPS;-10;2026-01-15;",
        f"{FORM};NPS;5;2026-02-15;",
        f"{FORM};NPS;18;2026-03-15;",
        f"{MAIL};NPS;30;2026-03-15;",
        f"{ASSESSOR};NPS;-35;2026-03-15;",
        f"{LETTER};NPS;-52;2026-03-15;",
        f"{GARAGE};NPS;61;2026-03-15;",
        f"{FORM};CSAT;71,5;2026-03-15;",
        f"{ASSESSOR};Wait time;4,5;2026-03-15;min",
        "Fax machine;NPS;10;2026-03-15;",  # row 12: no such touchpoint
        f"{APP};NPS;140;2026-03-15;",  # row 13: out of range
    ]
)


def card(page: Page, text: str) -> Locator:
    return page.locator('[data-testid="card"][data-kind="touchpoint"]').filter(
        has=page.get_by_test_id("card-text").get_by_text(text, exact=True)
    )


def join_as_facilitator(page: Page) -> None:
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")
    page.get_by_test_id("facilitator-join-open").click()
    page.get_by_test_id("join-name").fill("Fay Lind")
    page.get_by_test_id("join-department").fill("Customer Experience")
    page.get_by_test_id("join-submit").click()
    expect(page.get_by_test_id("join-form")).to_have_count(0)


def settled(page: Page) -> None:
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def test_the_heat_map_and_a_touchpoints_series(server: ServerProcess, browser: Browser) -> None:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    board = server.create_board("Motor claim", **{"import": example})
    httpx.post(
        f"{server.http}/api/boards/{board['id']}/commands",
        json={"type": "set_phase", "phase": "discovery"},
        headers={"Authorization": f"Bearer {board['tokens']['facilitator']}"},
    ).raise_for_status()
    context = browser.new_context(viewport=LAPTOP, bypass_csp=True)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    fay = context.new_page()
    fay.goto(board["links"]["facilitator"])
    join_as_facilitator(fay)

    # The import, in the dock: how many were kept, and each refused row with its reason.
    importer = fay.get_by_test_id("metrics-import")
    importer.get_by_test_id("metrics-file").set_input_files(
        files=[{"name": "nps.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    importer.get_by_test_id("metrics-upload").click()
    expect(importer.get_by_test_id("import-accepted")).to_have_text("Kept 10 values")
    refused = importer.get_by_test_id("import-refused").locator("li")
    expect(refused).to_have_count(2)
    expect(refused.nth(0)).to_contain_text("Row 12:")
    expect(refused.nth(0)).to_contain_text("Fax machine")
    expect(refused.nth(1)).to_contain_text("Row 13:")
    expect(refused.nth(1)).to_contain_text("140")

    # The heat map: NPS is offered with CSAT, CES and the board's KPI.
    fay.get_by_test_id("dock-toggle").first.click()
    select = fay.get_by_test_id("heat-select")
    options = select.locator("option").all_inner_texts()
    assert options[1:] == ["NPS", "CSAT", "CES", "Wait time"], options
    select.select_option("nps")
    legend = fay.get_by_test_id("heat-legend")
    expect(legend.get_by_test_id("heat-min")).to_have_text("Low \u221252")
    expect(legend.get_by_test_id("heat-max")).to_have_text("High 61")
    expect(legend.get_by_test_id("heat-coverage")).to_have_text("6 of 8 touchpoints measured")
    # The lowest latest value is the scale's dark end, the highest its light end, with text
    # that reads on each; a touchpoint without a value is "no data".
    expect(card(fay, LETTER)).to_have_attribute("data-heat", DARKEST)
    expect(card(fay, GARAGE)).to_have_attribute("data-heat", LIGHTEST)
    assert card(fay, LETTER).evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    assert card(fay, GARAGE).evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    background = card(fay, LETTER).evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(0, 32, 77)", background
    expect(card(fay, FORM).get_by_test_id("heat-badge")).to_have_text("NPS 18")
    expect(card(fay, APP)).to_have_attribute("data-heat", "none")
    expect(card(fay, APP).get_by_test_id("heat-badge")).to_have_text("No NPS data")
    # The middle value sits between the ends, lighter than the dark end.
    middle = card(fay, MAIL).get_attribute("data-heat")
    assert middle not in (None, "none", DARKEST, LIGHTEST), middle

    # A KPI with its unit.
    select.select_option("Wait time")
    expect(legend.get_by_test_id("heat-min")).to_have_text("Low 4.5 min")
    expect(card(fay, ASSESSOR).get_by_test_id("heat-badge")).to_have_text("Wait time 4.5 min")
    select.select_option("nps")

    # The details of the claim form: its NPS series as a line and as text, the latest value.
    form = card(fay, FORM)
    form.hover()
    form.get_by_test_id("card-details").click()
    details = fay.get_by_test_id("details")
    nps = details.locator('[data-testid="series"][data-metric="nps"]')
    expect(nps.get_by_test_id("series-latest")).to_have_text("18")
    expect(nps.get_by_test_id("series-points").locator("li")).to_have_text(
        ["15 Jan 2026: \u221210", "15 Feb 2026: 5", "15 Mar 2026: 18"]
    )
    path = nps.get_by_test_id("sparkline").locator("path").get_attribute("d") or ""
    assert path.count("L") == 2 and path.startswith("M"), path
    csat = details.locator('[data-testid="series"][data-metric="csat"]')
    expect(csat.get_by_test_id("series-latest")).to_have_text("71.5 %")
    assert axe_violations(fay, every_impact=True) == []

    shots = os.environ.get("JOURNEYBOARD_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        settled(fay)
        fay.screenshot(path=str(Path(shots) / "heatmap-details.png"))

    # Adding a value: a refusal is shown in the form; a good value shows at once, on the
    # card's heat badge too.
    form_add = details.get_by_test_id("add-metric")
    form_add.get_by_test_id("add-metric-value").fill("120")
    form_add.get_by_test_id("add-metric-date").fill("2026-04-15")
    form_add.get_by_test_id("add-metric-submit").click()
    expect(form_add.get_by_test_id("add-metric-error")).to_contain_text(
        "NPS is between -100 and 100"
    )
    form_add.get_by_test_id("add-metric-value").fill("66")
    form_add.get_by_test_id("add-metric-submit").click()
    expect(nps.get_by_test_id("series-latest")).to_have_text("66")
    expect(form_add.get_by_test_id("add-metric-error")).to_have_count(0)
    expect(card(fay, FORM).get_by_test_id("heat-badge")).to_have_text("NPS 66")
    expect(legend.get_by_test_id("heat-max")).to_have_text("High 66")
    expect(card(fay, FORM)).to_have_attribute("data-heat", LIGHTEST)
    details.get_by_role("button", name="Close details").click()
    expect(fay.get_by_test_id("details")).to_have_count(0)

    settled(fay)
    assert axe_violations(fay, every_impact=True) == []
    if shots:
        fay.evaluate(
            "() => document.activeElement instanceof HTMLElement && document.activeElement.blur()"
        )
        fay.mouse.move(0, 300)
        settled(fay)
        fay.screenshot(path=str(Path(shots) / "heatmap.png"))

    # Undo the import: its values go; the one set by hand stays.
    fay.get_by_test_id("dock-toggle").first.click()
    importer.get_by_test_id("metrics-undo").click()
    expect(importer.get_by_test_id("import-undone")).to_be_visible()
    expect(card(fay, LETTER)).to_have_attribute("data-heat", "none")
    expect(card(fay, FORM).get_by_test_id("heat-badge")).to_have_text("NPS 66")
    expect(legend.get_by_test_id("heat-coverage")).to_have_text("1 of 8 touchpoints measured")
    context.close()
