"""Going offline in a real browser: the board says so at once, keeps the edits made meanwhile,
and sends them when the network is back.

Needs the client built into server/journeyboard/static (`cd client && npm run build`).
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Browser, BrowserContext, Dialog, Page, expect

from browsing import BROWSER_MARKS
from browsing import browser as browser
from conftest import ServerProcess

# The promise: the status changes within a second of the browser going offline.
OFFLINE_NOTICED_MS = 2_000
ACK_TIMEOUT_MS = 10_000
"""client/src/sync/acks.ts: an unanswered question after this long means a dead socket."""

pytestmark = BROWSER_MARKS


def open_page(browser: Browser, dialogs: list[str]) -> tuple[BrowserContext, Page]:
    """A page in its own context (own localStorage and network), failing on any dialog."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    context.set_default_timeout(15_000)
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, page


# Records every value the status pill takes, from now on.
WATCH_STATUS = """() => {
    const pill = document.querySelector('[data-testid="status"]');
    window.statusesSeen = [pill.dataset.status];
    new MutationObserver(() => window.statusesSeen.push(pill.dataset.status))
        .observe(pill, { attributes: true, attributeFilter: ['data-status'] });
}"""


def card(card_id: str) -> str:
    return f'[data-testid="card"][data-card-id="{card_id}"]'


def test_offline_edits_are_kept_and_sent_when_back(
    make_server: Callable[..., ServerProcess], browser: Browser
) -> None:
    server = make_server()
    created = server.create_board("Offline workshop", template="purchase")
    links = created["links"]
    dialogs: list[str] = []

    # The facilitator opens the board (steering needs no name) and writes a card.
    fay_context, fay = open_page(browser, dialogs)
    fay.goto(links["facilitator"])
    expect(fay.get_by_test_id("map")).to_be_visible()
    expect(fay.get_by_test_id("join-form")).to_have_count(0)
    status = fay.get_by_test_id("status")
    expect(status).to_have_attribute("data-status", "synced")
    expect(fay.get_by_test_id("offline-banner")).to_have_count(0)
    stage = fay.locator('[data-testid="stage"][data-stage-name="Inquiry"]')
    stage_id = stage.get_attribute("data-stage-header")
    fay.locator(f'[data-testid="cell"][data-stage="{stage_id}"][data-kind="action"]').locator(
        '[data-testid="add-card"]'
    ).click()
    fay.wait_for_function(
        "() => document.activeElement?.matches('[data-card-id] textarea') === true"
    )
    card_id = str(
        fay.evaluate(
            "() => document.activeElement.closest('[data-card-id]').getAttribute('data-card-id')"
        )
    )
    fay.evaluate(WATCH_STATUS)
    fay.keyboard.type("Calls the hotline")
    # Typing shows as saving until the server confirms it, then synced.
    expect(status).to_have_attribute("data-status", "synced")
    seen = fay.evaluate("() => window.statusesSeen")
    assert "saving" in seen and seen[-1] == "synced", seen

    # A viewer watches from another browser.
    _, viewer = open_page(browser, dialogs)
    viewer.goto(links["viewer"])
    viewer_text = viewer.locator(f'{card(card_id)} [data-testid="card-text"]')
    expect(viewer_text).to_have_text("Calls the hotline")
    expect(viewer.get_by_test_id("viewer-count")).to_have_attribute("data-count", "1")

    # Offline: the status and the banner say so at once (not 30 s later).
    fay_context.set_offline(True)
    expect(status).to_have_attribute("data-status", "offline", timeout=OFFLINE_NOTICED_MS)
    banner = fay.get_by_test_id("offline-banner")
    expect(banner).to_be_visible(timeout=OFFLINE_NOTICED_MS)
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("your changes are kept")

    # An edit made offline stays on the page and reaches nobody yet.
    textarea = fay.locator(f"{card(card_id)} textarea")
    textarea.click()
    textarea.press("End")
    fay.keyboard.type(" twice")
    expect(textarea).to_have_value("Calls the hotline twice")
    expect(status).to_have_attribute("data-status", "offline")
    # A command needs the network: it fails with a notice, which clears once back in sync.
    fay.get_by_test_id("timer-start").click()
    expect(fay.get_by_test_id("notice")).to_have_text("The server could not be reached.")
    expect(viewer_text).to_have_text("Calls the hotline")

    # Back online: the edit reaches the viewer, the banner and the notice go, status is synced.
    fay_context.set_offline(False)
    expect(viewer_text).to_have_text("Calls the hotline twice")
    # A question about saved edits that crossed the offline moment may never be answered; the
    # client then reconnects after ACK_TIMEOUT_MS (client/src/sync/acks.ts) and asks again.
    # Under a loaded suite that happened once (the edit had reached the viewer): allow for it.
    expect(status).to_have_attribute("data-status", "synced", timeout=ACK_TIMEOUT_MS + 5_000)
    expect(banner).to_have_count(0)
    expect(fay.get_by_test_id("notice")).to_have_count(0)
    # Nothing was lost on the server either: a fresh page reads the edit.
    board = server.get_board(created["id"], created["tokens"]["viewer"])
    assert "Calls the hotline twice" in str(board)
    assert dialogs == []
