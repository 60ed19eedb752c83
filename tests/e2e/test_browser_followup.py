"""Reviewers and the follow-up workshop in the browser (issue #28): a reviewer joins with the
reviewer link, watches without any editing affordance, approves one solution and rejects
another; the facilitator sees each decision and disagrees with one; the facilitator starts a
follow-up, the group rates again, and the matrix draws an arrow from where each solution stood
to where it stands now. Needs the client built (`cd client && npm run build`).

Set JOURNEYBOARD_SCREENSHOTS=<dir> to save docs/screenshots' reviewer-action-plan.png and
followup-matrix.png (1366x768).
"""

from __future__ import annotations

import asyncio
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from browsing import BROWSER_MARKS, axe_violations, open_board
from browsing import browser as browser
from conftest import ServerProcess
from driving import DrivenBoard

pytestmark = BROWSER_MARKS

# Controls that edit (the heat map's metric is how this person looks at the map, like the zoom).
ENABLED_CONTROLS = (
    "input:not([disabled]), select:not([disabled]):not([data-testid='heat-select']), "
    'textarea:not([disabled]), [contenteditable="true"]'
)

# Pains and the solutions that answer them, and each session's ratings by Ann and Ben:
# (effort, impact) per person, so the means move across the matrix between the sessions.
PAINS = {
    "p_wait": "No news on the claim for weeks",
    "p_paper": "Paper forms to print, sign and post",
    "p_repeat": "Telling the story again on every call",
}
SOLUTIONS = {
    "s_chat": ("Claim status in the app, with live chat", "p_wait"),
    "s_photo": ("Photo upload instead of paper forms", "p_paper"),
    "s_call": ("One named handler who calls back", "p_repeat"),
}
Pairs = tuple[tuple[int, int], ...]
FIRST: dict[str, Pairs] = {
    "s_chat": ((2, 2), (2, 3)),
    "s_photo": ((5, 4), (4, 5)),
    "s_call": ((4, 2), (5, 1)),
}
SECOND: dict[str, Pairs] = {
    "s_chat": ((2, 4), (2, 5)),
    "s_photo": ((3, 4), (2, 5)),
    "s_call": ((4, 2), (4, 1)),
}


def mean(pairs: Pairs, axis: int) -> str:
    """A mean as the page writes it in a data attribute ("2", "4.5")."""
    value = sum(pair[axis] for pair in pairs) / len(pairs)
    return f"{value:g}"


def shoot(page: Page, name: str) -> None:
    """Save a screenshot when JOURNEYBOARD_SCREENSHOTS names a directory."""
    target = os.environ.get("JOURNEYBOARD_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / f"{name}.png"))


class Workshop(DrivenBoard):
    """The board with Ann and Ben, who rate over HTTP, and its pains and solutions."""

    def __init__(self, server: ServerProcess) -> None:
        super().__init__(server)
        self.ann = self.join("participant", "Ann", "Claims")["token"]
        self.ben = self.join("participant", "Ben", "Customer service")["token"]

    def lead(self, **body: Any) -> None:
        self.ok(self.tokens["facilitator"], **body)

    def rate(self, ratings: dict[str, Pairs]) -> None:
        for card, pairs in ratings.items():
            for token, (effort, impact) in zip((self.ann, self.ben), pairs, strict=True):
                self.ok(token, type="rate", card=card, effort=effort, impact=impact)
        self.lead(type="reveal", what="ratings")

    async def seed(self) -> None:
        stages = self.server.get_board(self.id, self.tokens["facilitator"])["content"]["stages"]
        ordered = sorted(stages, key=lambda s: (stages[s]["pos"], s))
        cards: dict[str, dict[str, Any]] = {}
        for n, (key, text) in enumerate(PAINS.items()):
            cards[key] = {"kind": "pain", "stage": ordered[n + 1], "pos": f"a{n}", "text": text}
        for n, (key, (text, pain)) in enumerate(SOLUTIONS.items()):
            cards[key] = {"kind": "solution", "stage": ordered[n + 1], "pos": f"b{n}",
                          "pain": pain, "text": text}  # fmt: skip
        await self.write_cards(self.ann, cards)


def row(card: str) -> str:
    return f'[data-testid="action-row"][data-card-id="{card}"]'


def decision(page: Page, card: str, name: str) -> Any:
    return page.locator(f'{row(card)} [data-testid="decision"][data-name="{name}"]')


def quiet(page: Page) -> None:
    """Put the toasts away (a phase change's "Now: ..." sits over the map in a screenshot)."""
    closes = page.get_by_test_id("toast-close")
    while closes.count() > 0:
        closes.first.click()


def settled(page: Page) -> None:
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def test_reviewers_decide_and_a_follow_up_moves_the_matrix(
    server: ServerProcess, browser: Browser
) -> None:
    workshop = Workshop(server)
    # Playwright's sync API runs an event loop in this thread: the document client runs apart.
    with ThreadPoolExecutor(1) as apart:
        apart.submit(asyncio.run, workshop.seed()).result()
    workshop.lead(type="set_phase", phase="pain_points")
    workshop.lead(type="set_phase", phase="solution_rating")
    workshop.rate(FIRST)
    workshop.lead(type="set_phase", phase="action_plan")

    # The reviewer joins with name and department; the sheet asks for both.
    rita = open_board(browser, server, workshop.id, workshop.tokens["reviewer"])
    expect(rita.get_by_test_id("join-form")).to_have_attribute("data-variant", "reviewer")
    rita.get_by_test_id("join-name").fill("Rita")
    expect(rita.get_by_test_id("join-submit")).to_be_disabled()
    rita.get_by_test_id("join-department").fill("Finance")
    rita.get_by_test_id("join-submit").click()
    expect(rita.get_by_test_id("my-role")).to_have_attribute("data-role", "reviewer")
    expect(rita.get_by_test_id("my-role")).to_contain_text("Rita")
    expect(rita.get_by_test_id("side-panel")).to_have_attribute("data-panel", "plan")

    fay = open_board(browser, server, workshop.id, workshop.tokens["facilitator"])
    fay.get_by_test_id("facilitator-join-open").click()
    fay.get_by_test_id("join-name").fill("Fay")
    fay.get_by_test_id("join-department").fill("CX")
    fay.get_by_test_id("join-submit").click()
    expect(fay.get_by_test_id("join-form")).to_have_count(0)
    # The facilitator's link panel has the reviewer link to copy.
    fay.locator('[data-section="links"]').scroll_into_view_if_needed()
    reviewer_link = fay.get_by_test_id("link-reviewer").input_value()
    assert "#token=" in reviewer_link
    # ... and renews it (Rita, who joined, stays in).
    fay.get_by_test_id("rotate-reviewer").click()
    fay.get_by_test_id("confirm-rotate-reviewer").click()
    expect(fay.get_by_test_id("link-reviewer")).not_to_have_value(reviewer_link)
    # Its QR code shows full screen for a room to scan, and Esc puts it away.
    fay.get_by_test_id("qr-toggle-reviewer").click()
    fay.get_by_test_id("qr-fullscreen-reviewer").click()
    expect(fay.get_by_test_id("qr-fullscreen").get_by_role("dialog")).to_have_attribute(
        "aria-label", "QR code of the reviewer link"
    )
    expect(fay.get_by_test_id("qr-fullscreen").get_by_role("button")).to_be_focused()
    fay.keyboard.press("Escape")
    expect(fay.get_by_test_id("qr-fullscreen")).to_have_count(0)

    # The reviewer sees everything, edits nothing: Approve / Reject and a comment only.
    for card in SOLUTIONS:
        expect(rita.locator(f'{row(card)} [data-testid="decide-approve"]')).to_be_visible()
    assert rita.locator('[data-testid="add-card"], [data-testid="delete-card"]').count() == 0
    assert rita.locator('[data-testid="owner-select"], [data-testid="status-open"]').count() == 0
    assert rita.locator('[data-testid="facilitator-panel"]').count() == 0
    # Beyond the decisions' comment fields, nothing on the page takes input.
    others = ", ".join(
        f'{part.strip()}:not([data-testid="decision-comment-input"])'
        for part in ENABLED_CONTROLS.split(", ")
    )
    assert rita.locator(others).count() == 0
    assert rita.get_by_test_id("decision-comment-input").count() == len(SOLUTIONS)

    # Rita approves the photo upload with a comment and rejects the call-back.
    rita.locator(f'{row("s_photo")} [data-testid="decision-comment-input"]').fill(
        "Fits the 2027 budget"
    )
    rita.locator(f'{row("s_photo")} [data-testid="decide-approve"]').click()
    rita.locator(f'{row("s_call")} [data-testid="decide-reject"]').click()
    for page in (rita, fay):
        expect(decision(page, "s_photo", "Rita")).to_have_attribute("data-decision", "approve")
        expect(decision(page, "s_photo", "Rita")).to_contain_text("Finance")
        expect(decision(page, "s_photo", "Rita")).to_contain_text("Fits the 2027 budget")
        expect(decision(page, "s_call", "Rita")).to_have_attribute("data-decision", "reject")
        expect(page.locator(f'{row("s_photo")} [data-testid="decisions"]')).to_have_attribute(
            "data-outcome", "approved"
        )
    expect(rita.locator(f'{row("s_photo")} [data-testid="decide-approve"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    # The facilitator who joined may decide too, and disagrees: each decision stands.
    fay.locator(f'{row("s_call")} [data-testid="decide-approve"]').click()
    for page in (rita, fay):
        expect(decision(page, "s_call", "Fay")).to_have_attribute("data-decision", "approve")
        expect(decision(page, "s_call", "Rita")).to_have_attribute("data-decision", "reject")
        expect(page.locator(f'{row("s_call")} [data-testid="decisions"]')).to_have_attribute(
            "data-outcome", "disputed"
        )
    settled(rita)
    assert axe_violations(rita, '[data-testid="action-plan"]') == []
    assert axe_violations(rita) == []
    quiet(rita)
    shoot(rita, "reviewer-action-plan")

    # The facilitator starts the follow-up in the rating phase, after a confirmation.
    fay.get_by_test_id("follow-up-open").click()
    expect(fay.get_by_test_id("follow-up-dialog")).to_be_visible()
    settled(fay)
    assert axe_violations(fay, '[data-testid="follow-up-dialog"]') == []
    fay.get_by_test_id("follow-up-phase").select_option("solution_rating")
    fay.get_by_test_id("follow-up-confirm").click()
    expect(fay.get_by_test_id("follow-up-dialog")).to_have_count(0)
    for page in (rita, fay):
        expect(page.get_by_test_id("phase-banner")).to_have_attribute(
            "data-phase", "solution_rating"
        )
    expect(fay.get_by_test_id("session-number")).to_contain_text("2")
    # Each solution shows its earlier rating beside the new one (none yet).
    chat = fay.locator('[data-testid="card"][data-card-id="s_chat"] [data-testid="rating-earlier"]')
    expect(chat).to_have_attribute("data-effort", mean(FIRST["s_chat"], 0))
    expect(chat).to_have_attribute("data-impact", mean(FIRST["s_chat"], 1))

    # The group rates again and the facilitator reveals: the matrix draws the moves.
    workshop.rate(SECOND)
    for page in (fay, rita):
        expect(page.get_by_test_id("side-panel")).to_have_attribute("data-panel", "matrix")
        expect(page.locator('[data-testid="matrix-arrow"]')).to_have_count(len(SOLUTIONS))
        for card in SOLUTIONS:
            move = page.locator(f'[data-testid="matrix-move"][data-card-id="{card}"]')
            expect(move).to_have_attribute("data-from-effort", mean(FIRST[card], 0))
            expect(move).to_have_attribute("data-from-impact", mean(FIRST[card], 1))
            expect(move).to_have_attribute("data-to-effort", mean(SECOND[card], 0))
            expect(move).to_have_attribute("data-to-impact", mean(SECOND[card], 1))
    # The text alternative names the move, on the arrow's title and the point's label.
    move = fay.locator('[data-testid="matrix-move"][data-card-id="s_chat"] title')
    expect(move).to_have_text(
        "moved from Fill-ins in session 1 (effort 2.0, impact 2.5) to Quick wins (effort 2.0, impact 4.5)"
    )
    point = fay.locator('[data-testid="matrix-point"][data-card-id="s_chat"]')
    expect(point).to_have_attribute(
        "aria-label", re.compile(r"to Quick wins \(effort 2\.0, impact 4\.5\)$")
    )
    # An arrow runs from the earlier ring towards the current dot.
    for card in SOLUTIONS:
        arrow = fay.locator(
            f'[data-testid="matrix-move"][data-card-id="{card}"] line'
        ).bounding_box()
        ring = fay.locator(
            f'[data-testid="matrix-move"][data-card-id="{card}"] [data-testid="matrix-before"]'
        ).bounding_box()
        dot = fay.locator(
            f'[data-testid="matrix-point"][data-card-id="{card}"] .mean'
        ).bounding_box()
        assert arrow is not None and ring is not None and dot is not None
        ring_x, dot_x = ring["x"] + ring["width"] / 2, dot["x"] + dot["width"] / 2
        ring_y, dot_y = ring["y"] + ring["height"] / 2, dot["y"] + dot["height"] / 2
        assert (dot_x - ring_x) ** 2 + (dot_y - ring_y) ** 2 > 100, card
    expect(fay.get_by_test_id("matrix-legend")).to_contain_text("session 1")
    settled(fay)
    assert axe_violations(fay, '[data-testid="side-panel"]') == []
    assert axe_violations(rita, '[data-testid="side-panel"]') == []
    # The dock folds to its rail, giving the map the room the screenshot shows.
    fay.get_by_test_id("dock-toggle").click()
    expect(fay.get_by_test_id("facilitator-panel")).to_have_attribute("data-open", "false")
    quiet(fay)
    settled(fay)
    shoot(fay, "followup-matrix")
