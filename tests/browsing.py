"""What the browser tests share: Chromium, the built client, the browser fixture, axe-core.

Test modules import the fixture by name (`from browsing import browser as browser`) and use
`BROWSER_MARKS` as their `pytestmark`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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
