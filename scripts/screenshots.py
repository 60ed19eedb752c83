"""Save screenshots of the real board in every phase to docs/screenshots/.

Starts a journeyboard server on a temporary SQLite file, imports the example board
(shared_schema/examples/insurance_claim.json), and walks it through the phases with Chromium at
1366x768: the facilitator in every phase, a participant and a viewer, and the facilitator
once more at 1280x720. Then the same workshop as a Swedish and a Danish team wrote it
(scripts/screenshot_content.json), read in Swedish and in Danish: discovery, and the rating
with its matrix (sv-*.png, da-*.png). Then a workshop of several journeys (two persona
variants, a detailed journey for a stage and a to-be journey): its portfolio, and the
breadcrumb of the detailed journey at 1366x768 and 1280x720. Then a reviewer's action plan
and the follow-up workshop's matrix (scripts/screenshots_followup.py). Build the client first
(`cd client && npm run build`). Usage: python scripts/screenshots.py [target-dir]
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, sync_playwright
from pycrdt import Map, Text
from screenshot_kit import (
    CHROMIUM,
    EXAMPLE,
    FLAGS,
    LAPTOP,
    ROOT,
    dismiss_toasts,
    serving,
    settle,
    target_folder,
)
from screenshots_followup import shoot_followup

NORDIC_CONTENT = Path(__file__).resolve().parent / "screenshot_content.json"
# The browser's language for each screenshot language (the board follows navigator.languages).
LOCALES = {"sv": "sv-SE", "da": "da-DK"}
# Who steers the localized workshops.
FACILITATORS = {"sv": ("Karin Ek", "Kundupplevelse"), "da": ("Mette Holm", "Kundeoplevelse")}
SMALL_LAPTOP = {"width": 1280, "height": 720}
PHASES = ["lobby", "discovery", "pain_points", "solution_rating", "action_plan"]


def main() -> int:
    target = target_folder()
    with serving() as base:
        shoot_all(base, target)
        for language in LOCALES:
            shoot_language(base, target, language)
        shoot_journeys(base, target)
        shoot_followup(base, target)
    for path in sorted(target.glob("*.png")):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


def shoot_all(base: str, target: Path) -> None:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    made = httpx.post(base + "/api/boards", json={"title": "Motor claim", "import": example})
    made.raise_for_status()
    board = made.json()
    links, tokens = board["links"], board["tokens"]

    def command(**body: object) -> None:
        answer = httpx.post(
            f"{base}/api/boards/{board['id']}/commands",
            json=body,
            headers={"Authorization": f"Bearer {tokens['facilitator']}"},
        )
        answer.raise_for_status()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        pages: dict[str, Page] = {}
        for role in ["facilitator", "participant", "viewer"]:
            context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
            pages[role] = context.new_page()
        fay, ann, viewer = pages["facilitator"], pages["participant"], pages["viewer"]
        fay.goto(links["facilitator"])
        settle(fay)
        ann.goto(links["participant"])
        ann.wait_for_selector('[data-testid="join-form"]')
        ann.wait_for_timeout(700)
        ann.screenshot(path=str(target / "join.png"))
        ann.get_by_test_id("join-name").fill("Ann Berg")
        ann.get_by_test_id("join-department").fill("Claims")
        ann.get_by_test_id("join-submit").click()
        viewer.goto(links["viewer"])
        fay.get_by_test_id("facilitator-join-open").click()
        fay.get_by_test_id("join-name").fill("Fay Lind")
        fay.get_by_test_id("join-department").fill("CX")
        fay.get_by_test_id("join-submit").click()
        for page in pages.values():
            settle(page)
        fay.screenshot(path=str(target / "lobby.png"))
        for phase in PHASES[1:]:
            command(type="set_phase", phase=phase)
            if phase == "discovery":
                command(type="timer", action="start", seconds=12 * 60)
            for page in pages.values():
                page.wait_for_selector(f'[data-testid="phase-banner"][data-phase="{phase}"]')
                settle(page)
            # Ann's pointer on a card, so the facilitator sees a live cursor.
            first = ann.locator('[data-testid="card"]').nth(3).bounding_box()
            if first is not None:
                ann.mouse.move(first["x"] + 40, first["y"] + 20)
                ann.mouse.move(first["x"] + 60, first["y"] + 24)
            fay.wait_for_timeout(400)
            for page in pages.values():
                dismiss_toasts(page)
            fay.screenshot(path=str(target / f"{phase}.png"))
            ann.screenshot(path=str(target / f"{phase}-participant.png"))
        viewer.screenshot(path=str(target / "viewer.png"))
        # The smallest laptop screen: the facilitator's board reopened at 1280x720.
        fay.set_viewport_size(SMALL_LAPTOP)  # type: ignore[arg-type]
        fay.reload()
        settle(fay)
        fay.screenshot(path=str(target / "action_plan-1280x720.png"))
        browser.close()


PERSONA_FEELINGS = {
    "Young driver": [-1, -3, -2, -2, 0, 1, 0],
    "Senior driver": [-2, -1, 0, 1, 2, 2, 1],
}
TO_BE_FEELINGS = [0, 1, 1, 2, 2, 2, 2]
DETAIL_STAGES = [
    "Finds the number",
    "Waits in the queue",
    "Explains the damage",
    "Gets a case number",
]
DETAIL_FEELINGS = [-1, -3, -1, 1]


async def _write(url: str, stages: dict[str, str], feelings: list[int], pains: list[str]) -> None:
    """Stages (id -> name, added when missing) and a feeling per stage, over the sync socket,
    the way a browser writes them (tests/ysync.py's stock-Yjs-compatible client)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from ysync import synced_client

    async with synced_client(url) as writer:

        def edit(doc: object) -> None:
            assert hasattr(doc, "get")
            stage_map = doc.get("stages", type=Map)
            cards = doc.get("cards", type=Map)
            for index, (stage_id, name) in enumerate(stages.items()):
                if stage_id not in stage_map:
                    stage_map[stage_id] = Map({"name": name, "pos": f"a{index:04d}"})
            for index, (stage_id, score) in enumerate(zip(stages, feelings, strict=False)):
                cards[f"feel{index}"] = Map(
                    {"kind": "feeling", "stage": stage_id, "emotion": score, "text": Text("")}
                )
            first = next(iter(stages))
            for index, pain in enumerate(pains):
                cards[f"pain{index}"] = Map({"kind": "pain", "stage": first, "text": Text(pain)})

        await writer.change(edit)
        await writer.round_trip()


def shoot_journeys(base: str, target: Path) -> None:
    """The portfolio of a workshop of five journeys, and the breadcrumb of a detailed one."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    made = httpx.post(base + "/api/boards", json={"title": "Motor claim", "import": example})
    made.raise_for_status()
    board = made.json()
    root, tokens = board["id"], board["tokens"]
    joined = httpx.post(
        f"{base}/api/boards/{root}/join",
        json={"name": "Fay Lind", "department": "CX"},
        headers={"Authorization": f"Bearer {tokens['facilitator']}"},
    )
    joined.raise_for_status()
    lead = joined.json()["token"]
    headers = {"Authorization": f"Bearer {lead}"}
    stages = {s["id"]: s["name"] for s in example["stages"]}

    def add(**body: object) -> str:
        answer = httpx.post(f"{base}/api/boards/{root}/journeys", json=body, headers=headers)
        answer.raise_for_status()
        return str(answer.json()["id"])

    url = f"{base.replace('http', 'ws')}/ws"
    for name, feelings in PERSONA_FEELINGS.items():
        journey = add(relation="persona", persona={"name": name})
        pains = [f"{name}: no one calls back", f"{name}: the form asks twice"]
        asyncio.run(_write(f"{url}/{journey}?token={lead}", stages, feelings, pains))
    detail = add(relation="detail", stage="st1", title="Contacts support")
    detail_stages = {f"d{i}": name for i, name in enumerate(DETAIL_STAGES)}
    asyncio.run(
        _write(f"{url}/{detail}?token={lead}", detail_stages, DETAIL_FEELINGS, ["Hold music"])
    )
    to_be = add(relation="to_be", title="Motor claim, to-be")
    asyncio.run(_write(f"{url}/{to_be}?token={lead}", stages, TO_BE_FEELINGS, []))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport=LAPTOP)  # type: ignore[arg-type]
        page = context.new_page()
        page.goto(f"{base}/b/{root}/portfolio#token={tokens['participant']}")
        page.wait_for_selector('[data-testid="portfolio-personas"] [data-testid="curve-series"]')
        page.wait_for_timeout(700)
        page.screenshot(path=str(target / "portfolio.png"))
        # The detailed journey: its breadcrumb, then the same at 1280x720 (collapsed or not).
        page.goto(f"{base}/b/{detail}#token={tokens['facilitator']}")
        page.get_by_test_id("facilitator-join-open").click()
        page.get_by_test_id("join-name").fill("Fay Lind")
        page.get_by_test_id("join-department").fill("CX")
        page.get_by_test_id("join-submit").click()
        page.wait_for_selector('[data-testid="breadcrumb"]')
        settle(page)
        page.screenshot(path=str(target / "breadcrumb.png"))
        page.set_viewport_size(SMALL_LAPTOP)  # type: ignore[arg-type]
        page.reload()
        page.wait_for_selector('[data-testid="journey-nav"]')
        settle(page)
        page.screenshot(path=str(target / "breadcrumb-1280x720.png"))
        # The overview: the stage with a detailed journey carries its badge.
        # The workshop's own link lands on the portfolio; the breadcrumb chooses the overview.
        page.set_viewport_size(LAPTOP)  # type: ignore[arg-type]
        page.reload()
        page.get_by_test_id("crumb").first.click()
        page.wait_for_selector('[data-testid="detail-badge"]')
        settle(page)
        page.screenshot(path=str(target / "journey-badge.png"))
        browser.close()


def localized_example(language: str) -> dict[str, Any]:
    """The example workshop with the sample content of `language` (screenshot_content.json)."""
    example: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    content = json.loads(NORDIC_CONTENT.read_text(encoding="utf-8"))[language]
    example["board"].update(content["board"])
    departments: dict[str, str] = content["departments"]
    for stage in example["stages"]:
        stage["name"] = content["stages"][stage["id"]]
    for card in example["cards"]:
        card["text"] = content["cards"][card["id"]]
        for field in ("department", "owner"):
            if card.get(field):
                card[field] = departments.get(card[field], card[field])
    for person in example["participants"]:
        person["department"] = departments.get(person["department"], person["department"])
    return example


def create_board(base: str, body: dict[str, Any]) -> dict[str, Any]:
    made = httpx.post(base + "/api/boards", json=body)
    made.raise_for_status()
    answer: dict[str, Any] = made.json()
    return answer


def shoot_language(base: str, target: Path, language: str) -> None:
    """The board in `language` at 1366x768: discovery, then the rating with the matrix open."""
    example = localized_example(language)
    board = create_board(
        base, {"title": example["board"]["title"], "import": example, "language": language}
    )
    links, tokens = board["links"], board["tokens"]

    def command(**body: object) -> None:
        answer = httpx.post(
            f"{base}/api/boards/{board['id']}/commands",
            json=body,
            headers={"Authorization": f"Bearer {tokens['facilitator']}"},
        )
        answer.raise_for_status()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        fay = browser.new_context(viewport=LAPTOP, locale=LOCALES[language]).new_page()  # type: ignore[arg-type]
        fay.goto(links["facilitator"])
        settle(fay)
        name, department = FACILITATORS[language]
        fay.get_by_test_id("facilitator-join-open").click()
        fay.get_by_test_id("join-name").fill(name)
        fay.get_by_test_id("join-department").fill(department)
        fay.get_by_test_id("join-submit").click()
        command(type="set_phase", phase="discovery")
        command(type="timer", action="start", seconds=12 * 60)
        fay.wait_for_selector('[data-testid="phase-banner"][data-phase="discovery"]')
        settle(fay)
        dismiss_toasts(fay)
        fay.screenshot(path=str(target / f"{language}-discovery.png"))
        # The imported results are revealed already (a reveal now would count this session's
        # votes and ratings: none).
        command(type="set_phase", phase="solution_rating")
        fay.wait_for_selector('[data-testid="phase-banner"][data-phase="solution_rating"]')
        settle(fay)
        if fay.get_by_test_id("matrix").count() == 0:  # the matrix opens by itself once revealed
            fay.get_by_test_id("open-matrix").click()
        fay.wait_for_selector('[data-testid="matrix-point"]')
        settle(fay)
        dismiss_toasts(fay)
        fay.screenshot(path=str(target / f"{language}-solution_rating.png"))
        browser.close()


if __name__ == "__main__":
    raise SystemExit(main())
