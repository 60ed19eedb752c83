"""Screenshots of the reviewer and the follow-up workshop (issue #28), for scripts/screenshots.py.

The example workshop in the action plan: two stakeholders review it with the reviewer link
(Rita in the browser, Jonas over HTTP) and disagree on one solution; the facilitator decides
too. `reviewer-action-plan.png` is Rita's view. Then the facilitator starts a follow-up in
the rating phase, three people rate again, and `followup-matrix.png` shows the matrix's arrows
from where each solution stood in session 1 to where it stands now. Both at 1366x768.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright
from screenshot_kit import (
    CHROMIUM,
    EXAMPLE,
    FLAGS,
    LAPTOP,
    dismiss_toasts,
    serving,
    settle,
    target_folder,
)

# The follow-up's ratings, (effort, impact) by each of three raters, per solution text.
SECOND = {
    "Pre-fill the claim form from the policy": ((2, 5), (2, 5), (3, 5)),
    "Accept photos of any size and compress them": ((2, 4), (1, 4), (2, 3)),
    "Proactive status messages by SMS at every step": ((4, 4), (4, 5), (3, 4)),
    "Rewrite decision letters in plain language": ((2, 4), (2, 4), (3, 4)),
    "Book the replacement car in the app": ((4, 2), (5, 2), (4, 1)),
    "Daily payment batches": ((3, 5), (2, 4), (3, 4)),
}
RATERS = (("Mikko Laine", "Customer Service"), ("Sara Lind", "IT"), ("Olli Koski", "Repairs"))


def _settle(page: Page) -> None:
    settle(page)
    dismiss_toasts(page)


def shoot_followup(base: str, target: Path) -> None:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    made = httpx.post(base + "/api/boards", json={"title": "Motor claim", "import": example})
    made.raise_for_status()
    board: dict[str, Any] = made.json()
    board_id, links, tokens = board["id"], board["links"], board["tokens"]

    def post(path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(
            f"{base}/api/boards/{board_id}/{path}",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        answer.raise_for_status()
        return dict(answer.json())

    def command(token: str, **body: Any) -> None:
        post("commands", token, body)

    read = httpx.get(
        f"{base}/api/boards/{board_id}", headers={"Authorization": f"Bearer {tokens['viewer']}"}
    )
    read.raise_for_status()
    cards = read.json()["content"]["cards"]
    solution = {card["text"]: key for key, card in cards.items() if card["kind"] == "solution"}
    lead = tokens["facilitator"]
    command(lead, type="set_phase", phase="action_plan")
    jonas = post("join", tokens["reviewer"], {"name": "Jonas Berg", "department": "Production"})
    raters = [post("join", tokens["participant"], {"name": n, "department": d}) for n, d in RATERS]

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        rita = browser.new_context(viewport=LAPTOP).new_page()  # type: ignore[arg-type]
        rita.goto(links["reviewer"])
        rita.get_by_test_id("join-name").fill("Rita Nieminen")
        rita.get_by_test_id("join-department").fill("Finance")
        rita.get_by_test_id("join-submit").click()
        _settle(rita)
        prefill = solution["Pre-fill the claim form from the policy"]
        sms = solution["Proactive status messages by SMS at every step"]
        row = '[data-testid="action-row"][data-card-id="{}"]'
        rita.locator(f"{row.format(prefill)} [data-testid='decision-comment-input']").fill(
            "Fits the 2027 budget"
        )
        rita.locator(f"{row.format(prefill)} [data-testid='decide-approve']").click()
        rita.locator(f"{row.format(sms)} [data-testid='decide-approve']").click()
        command(jonas["token"], type="decide", card=prefill, decision="approve")
        command(jonas["token"], type="decide", card=sms, decision="reject",
                comment="Repairs cannot report every step yet")  # fmt: skip
        rita.locator(f"{row.format(sms)} [data-testid='decision']").nth(2).wait_for()
        _settle(rita)
        rita.screenshot(path=str(target / "reviewer-action-plan.png"))

        command(lead, type="start_follow_up", phase="solution_rating")
        for text, pairs in SECOND.items():
            for person, (effort, impact) in zip(raters, pairs, strict=True):
                command(person["token"], type="rate", card=solution[text], effort=effort,
                        impact=impact)  # fmt: skip
        command(lead, type="reveal", what="ratings")
        fay = browser.new_context(viewport=LAPTOP).new_page()  # type: ignore[arg-type]
        fay.goto(links["facilitator"])
        fay.get_by_test_id("facilitator-join-open").click()
        fay.get_by_test_id("join-name").fill("Anna Virtanen")
        fay.get_by_test_id("join-department").fill("Claims")
        fay.get_by_test_id("join-submit").click()
        if fay.get_by_test_id("matrix").count() == 0:  # the matrix opens by itself once revealed
            fay.get_by_test_id("open-matrix").click()
        fay.wait_for_selector('[data-testid="matrix-arrow"]')
        fay.get_by_test_id("dock-toggle").click()
        _settle(fay)
        fay.screenshot(path=str(target / "followup-matrix.png"))
        browser.close()


def main() -> int:
    """Only these two screenshots, with a server of their own (screenshots.py makes them all)."""
    with serving() as base:
        shoot_followup(base, target_folder())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
