"""What the browser tests share: Chromium, the built client, the browser fixture, axe-core.

Test modules import the fixture by name (`from browsing import browser as browser`) and use
`BROWSER_MARKS` as their `pytestmark`; `open_board` and `join` open a board in a page of its
own and join it through the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from conftest import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
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
STATIC_INDEX = ROOT / "server" / "journeyboard" / "static" / "index.html"
AXE = ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
LAPTOP = {"width": 1366, "height": 768}

BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not STATIC_INDEX.exists(), reason="client not built: cd client && npm run build"
    ),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def open_board(
    browser: Browser,
    server: ServerProcess,
    board_id: str,
    token: str,
    viewport: dict[str, int] = LAPTOP,
    *,
    bypass_csp: bool = False,
) -> Page:
    """A page of its own (a new context, 15 s for anything) on a board, with its link's token.

    `bypass_csp` lets a test inject axe-core into a page whose CSP allows only its own scripts.
    """
    context = browser.new_context(viewport=viewport, bypass_csp=bypass_csp)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{server.http}/b/{board_id}#token={token}")
    return page


def join(page: Page, name: str) -> None:
    """Join the board through the page's join form; return once the board is synced."""
    page.get_by_test_id("join-name").fill(name)
    page.get_by_test_id("join-submit").click()
    expect(page.get_by_test_id("my-role")).to_contain_text(name)
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "synced")


def axe_violations(
    page: Page, selector: str | None = None, *, every_impact: bool = False
) -> list[str]:
    """The serious and critical axe-core violations in the page (or under `selector`).

    With `every_impact`, the minor and moderate ones too (issue #25: zero of any impact).
    """
    # evaluate() runs over the DevTools protocol, so the page's CSP does not block the script.
    if page.evaluate("() => typeof window.axe") != "object":
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found: list[str] = page.evaluate(
        """async ([selector, every]) => {
            const context = selector === null ? document : { include: [[selector]] };
            const result = await axe.run(context, { resultTypes: ['violations'] });
            return result.violations
                .filter((v) => every || v.impact === 'serious' || v.impact === 'critical')
                .map((v) => `${v.id} (${v.impact}): ` +
                    v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
        }""",
        [selector, every_impact],
    )
    return found
