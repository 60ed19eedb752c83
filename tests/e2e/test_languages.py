"""Languages against a real server on real SQLite: a board's language at creation, refusals in
the asker's language, and the report rendered in each language (PDF → pdftotext)."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import ServerProcess
from journeyboard import i18n, schema

LANES = schema.load("lanes.json")["lanes"]


def test_a_board_keeps_its_language_and_fr_is_refused(server: ServerProcess) -> None:
    made = server.create_board("Kundresa", language="sv")
    assert made["language"] == "sv"
    board = server.get_board(made["id"], made["tokens"]["viewer"])
    assert board["language"] == "sv"
    # A template's stages are named in the board's language; the title is as written.
    stages = sorted(board["content"]["stages"].values(), key=lambda s: s.get("order", 0))
    names = [stage["name"] for stage in stages]
    assert "Köp" in names and "Purchase" not in names

    assert server.create_board("Kundereise", language="no")["language"] == "nb"
    assert server.create_board("Kundereise", language="nn")["language"] == "nb"
    asked = httpx.post(
        f"{server.http}/api/boards",
        json={"title": "Kunderejse"},
        headers={"Accept-Language": "da-DK, en;q=0.5"},
    )
    assert asked.status_code == 201 and asked.json()["language"] == "da"
    assert server.create_board("Plain")["language"] == "en"

    refused = httpx.post(f"{server.http}/api/boards", json={"title": "x", "language": "fr"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_body"


def test_an_export_is_in_lang_else_the_boards_language_never_the_browsers(
    server: ServerProcess,
) -> None:
    made = server.create_board("Kundresa", language="sv")
    url = f"{server.http}/api/boards/{made['id']}/export.csv"
    token = {"Authorization": f"Bearer {made['tokens']['viewer']}"}

    def header(params: dict[str, str], accept: str) -> list[str]:
        answer = httpx.get(url, params=params, headers={**token, "Accept-Language": accept})
        assert answer.status_code == 200, answer.text
        return next(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))[:4]

    # RULINGS.md: ?lang=, then the board's language; the browser's does not decide.
    assert header({}, "da-DK,da;q=0.9") == ["Stegnummer", "Steg", "Rad", "Korttyp"]
    assert header({"lang": "da"}, "sv") == ["Trinnummer", "Trin", "Række", "Korttype"]
    assert header({"lang": "nn"}, "sv") == ["Stegnummer", "Steg", "Rad", "Korttype"]  # nb
    assert header({"lang": "en"}, "sv") == ["stage_order", "stage", "lane", "kind"]


def test_errors_answer_in_the_askers_language_with_the_same_code(server: ServerProcess) -> None:
    made = server.create_board("Tavla", language="da")
    url = f"{server.http}/api/boards/{made['id']}/links"
    swedish = httpx.get(url, headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    assert swedish.status_code == 401
    assert swedish.json()["error"] == {"code": "unauthorized", "message": "en token krävs"}
    norwegian = httpx.get(url + "?lang=no", headers={"Accept-Language": "sv"})
    assert norwegian.json()["error"]["message"] == "en token kreves"
    # Nothing asked for: English until the token is accepted (a stranger learns nothing of
    # the board), then the board's own language.
    stranger = httpx.get(url, headers={"Accept-Language": "fr"})
    assert stranger.json()["error"]["message"] == "a token is required"
    danish = httpx.get(
        url,
        headers={"Authorization": f"Bearer {made['tokens']['viewer']}", "Accept-Language": "fr"},
    )
    assert danish.status_code == 403
    assert danish.json()["error"]["message"] == "kun facilitatorer kan se tavlens links"
    viewer = {"Authorization": f"Bearer {made['tokens']['viewer']}", "Accept-Language": "sv"}
    forbidden = httpx.get(url, headers=viewer)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == {
        "code": "forbidden",
        "message": "bara processledare kan se tavlans länkar",
    }
    unknown = httpx.get(
        f"{server.http}/api/boards/nope/links",
        headers={"Authorization": "Bearer x", "Accept-Language": "nb"},
    )
    assert unknown.json()["error"]["code"] == "unauthorized"
    assert unknown.json()["error"]["message"] == "tokenet er ikke gyldig"


def test_a_refused_command_names_the_phase_and_role_in_the_askers_words(
    server: ServerProcess,
) -> None:
    made = server.create_board("Kundresa", language="en")
    url = f"{server.http}/api/boards/{made['id']}/commands"
    joined = server.join(made["tokens"]["participant"], "Sara")
    vote = {"type": "vote", "card": "c1", "delta": 1}
    headers = {"Authorization": f"Bearer {joined['token']}", "Accept-Language": "sv"}
    early = httpx.post(url, json=vote, headers=headers)
    assert early.status_code == 409
    assert early.json()["error"] == {
        "code": "wrong_phase",
        "message": "vote är inte öppet i fasen Samling",
    }
    viewer = {"Authorization": f"Bearer {made['tokens']['viewer']}", "Accept-Language": "nb"}
    forbidden = httpx.post(url, json=vote, headers=viewer)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"] == {
        "code": "forbidden",
        "message": "rollen observatør kan ikke kjøre vote",
    }
    english = httpx.post(url, json=vote, headers={**headers, "Accept-Language": "en"})
    assert english.json()["error"]["message"] == "vote is not open in the Lobby phase"


@pytest.mark.slow
def test_the_report_pdf_in_each_language(server: ServerProcess, tmp_path: Path) -> None:
    made = server.create_board("Motor claim", template="insurance_claim", language="nb")
    headers = {"Authorization": f"Bearer {made['tokens']['viewer']}"}
    url = f"{server.http}/api/boards/{made['id']}/export.pdf"
    board = server.get_board(made["id"], made["tokens"]["viewer"])
    phase = schema.load("phases.json")["phases"][board["session"]["session"]["phase"]]["title"]
    headings = [lane["report_heading"] for lane in LANES if lane["report_heading"]]
    for language in i18n.LANGUAGES:
        # No ?lang=: the board's own language (nb); otherwise the one asked for.
        params = {} if language == "nb" else {"lang": language}
        response = httpx.get(url, params=params, headers=headers, timeout=120)
        assert response.status_code == 200, response.text
        pdf = tmp_path / f"report-{language}.pdf"
        pdf.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
        ).stdout
        flat = " ".join(text.split()).casefold()  # headings may be set in capitals
        assert i18n.translate(language, phase).casefold() in flat, language
        if language == "en":  # the lanes this board has cards in (English comes first)
            headings = [heading for heading in headings if heading.casefold() in flat]
            assert len(headings) >= 3
        for heading in headings:
            assert i18n.translate(language, heading).casefold() in flat, (language, heading)
        assert i18n.translate(language, "Emotion curve").casefold() in flat
        # The content people wrote is as written in every language.
        assert "maria, 42" in flat
    bad = httpx.get(url, params={"lang": "fr"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_option"


def test_cli_exports_in_the_boards_language_or_lang(make_server: Any, tmp_path: Path) -> None:
    server: ServerProcess = make_server()
    board = server.create_board("Skadeärende", template="whole_journey", language="sv")
    server.kill(signal.SIGTERM)
    command = [sys.executable, "-m", "journeyboard", "export", board["id"],
               "--store", server.store_url, "--format", "csv"]  # fmt: skip

    def header(*extra: str) -> list[str]:
        done = subprocess.run([*command, *extra], capture_output=True, check=True)
        return next(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"))))

    assert header()[:4] == ["Stegnummer", "Steg", "Rad", "Korttyp"]  # the board's language
    assert header("--lang", "da")[:4] == ["Trinnummer", "Trin", "Række", "Korttype"]
    assert header("--lang", "no")[:4] == ["Stegnummer", "Steg", "Rad", "Korttype"]  # nb
    assert header("--lang", "en")[:4] == ["stage_order", "stage", "lane", "kind"]
    refused = subprocess.run([*command, "--lang", "fr"], capture_output=True, text=True)
    assert refused.returncode != 0 and "--lang" in refused.stderr
