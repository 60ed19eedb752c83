"""Exports against a running server and straight from a stopped server's store."""

from __future__ import annotations

import csv
import io
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Map, Text

from conftest import ServerProcess
from ysync import synced_client

XSS = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def export(server: ServerProcess, board: dict[str, Any], fmt: str, **params: str) -> httpx.Response:
    response = httpx.get(
        f"{server.http}/api/boards/{board['id']}/export.{fmt}",
        params=params,
        headers={"Authorization": f"Bearer {board['tokens']['viewer']}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response


def comparable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("exported_at_ms", "source_board")}


async def write_odd_board(server: ServerProcess, board: dict[str, Any]) -> None:
    """Cards of every kind, hostile text, a card on an unknown stage, and non-card junk."""
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        stage = next(iter(client.doc.get("stages", type=Map).to_py()))

        def add(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            cards["x1"] = Map({"kind": "pain", "stage": stage, "pos": "a1", "text": Text(XSS)})
            cards["x2"] = Map({"kind": "note", "stage": "gone", "pos": "a2", "text": Text(IMG)})
            cards["x3"] = Map({"kind": "thought", "stage": stage, "pos": "a3",
                               "text": Text("=HYPERLINK(\"http://evil\")")})  # fmt: skip
            cards["x4"] = Map({"kind": "feeling", "stage": stage, "pos": "a4",
                               "text": Text("-sad"), "emotion": -2})  # fmt: skip
            cards["x5"] = Map({"kind": "touchpoint", "stage": stage, "pos": "a5",
                               "text": Text("Call centre"), "channel": "phone",
                               "moment_of_truth": True, "nps": 12})  # fmt: skip
            cards["junk"] = "not a card"
            cards["nokind"] = Map({"text": Text("no kind")})

        await client.change(add)


def test_json_round_trip_is_identical_apart_from_ids_and_timestamps(
    server: ServerProcess,
) -> None:
    example = server.create_board("Motor claim", template="insurance_claim")
    first = export(server, example, "json").json()
    assert first["schema"] == "journeyboard/export" and first["version"] == 1
    assert len(first["cards"]) == 50 and first["results"]["ratings"]
    copy = server.create_board("Motor claim", **{"import": first})
    second = export(server, copy, "json").json()
    assert comparable(second) == comparable(first)
    ids = [card["id"] for card in second["cards"]]
    assert len(ids) == len(set(ids))


async def test_round_trip_of_a_live_board_with_odd_entries(server: ServerProcess) -> None:
    board = server.create_board("Odd board")
    await write_odd_board(server, board)
    first = export(server, board, "json").json()
    kinds = {card["id"]: card for card in first["cards"]}
    assert set(kinds) == {"x1", "x2", "x3", "x4", "x5"}  # junk skipped, each card once
    assert kinds["x2"]["stage"] == "gone"
    copy = server.create_board("Odd board", **{"import": first})
    assert comparable(export(server, copy, "json").json()) == comparable(first)


def test_a_bad_import_is_a_clear_error(server: ServerProcess) -> None:
    for bad in ({"schema": "nope"}, {"schema": "journeyboard/export", "version": 1, "board": {},
                                     "stages": [], "cards": [{"id": "a"}]}):  # fmt: skip
        response = httpx.post(f"{server.http}/api/boards", json={"title": "x", "import": bad})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_import"


@pytest.mark.parametrize(
    ("dialect", "separator", "decimal"), [("excel", ",", "."), ("nordic", ";", ",")]
)
def test_csv_in_both_dialects(
    server: ServerProcess, dialect: str, separator: str, decimal: str
) -> None:
    board = server.create_board("Motor claim", template="insurance_claim")
    raw = export(server, board, "csv", dialect=dialect).content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=separator))
    assert len(rows) == 50
    solution = next(
        r for r in rows if r["text"] == "Proactive status messages by SMS at every step"
    )
    # one rounding rule: a mean always has one decimal, halves away from zero (4.75 -> 4.8)
    assert solution["effort"] == f"3{decimal}0" and solution["impact"] == f"4{decimal}8"
    assert solution["quadrant"] == "Quick win" and solution["owner"] == "Customer Service"
    assert solution["due"] == "2026-01-30"
    undated = next(r for r in rows if r["text"] == "Daily payment batches")
    assert undated["owner"] == "Finance" and undated["due"] == ""
    assert solution["pain_point"] == "No status updates for a week"
    pain = next(r for r in rows if r["text"] == "The form asks for the same details three times")
    assert (
        pain["votes"] == "5"
        and pain["stage"] == "Reporting the claim"
        and pain["stage_order"] == "2"
    )
    feeling = next(r for r in rows if r["text"] == "Shaken and stressed")
    assert feeling["emotion"] == "-3"


async def test_csv_neutralises_formulas_and_keeps_unplaced_cards(server: ServerProcess) -> None:
    board = server.create_board("Odd board")
    await write_odd_board(server, board)
    text = export(server, board, "csv").content.decode("utf-8-sig")
    rows = {r["card_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert rows["x3"]["text"] == '\'=HYPERLINK("http://evil")'
    assert rows["x4"]["text"] == "'-sad" and rows["x4"]["emotion"] == "-2"
    assert rows["x2"]["stage"] == "Unplaced" and rows["x2"]["text"] == IMG
    assert rows["x5"]["nps"] == "12" and rows["x5"]["moment_of_truth"] == "yes"
    assert rows["x5"]["kpi"] == ""  # the KPI column holds the KPI the card names, not its NPS


async def test_svg_poster_holds_every_card_escaped(server: ServerProcess) -> None:
    board = server.create_board("Odd board")
    await write_odd_board(server, board)
    for params in ({}, {"sheet": "A1"}):
        tree = ET.fromstring(export(server, board, "svg", **params).content)
        titles = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}title")]
        for text in (XSS, IMG, "Call centre", "-sad"):
            assert text in titles
        assert not list(tree.iter("{http://www.w3.org/2000/svg}script"))
        labels = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}text")]
        assert "Unplaced" in labels


def test_poster_tiles_repeat_headers_on_every_page(server: ServerProcess) -> None:
    board = server.create_board("Motor claim", template="insurance_claim")
    first = export(server, board, "svg", tile="A4", page="1")
    pages = int(first.headers["x-pages"])
    assert pages >= 2
    seen: set[str] = set()
    for page in range(1, pages + 1):
        tree = ET.fromstring(export(server, board, "svg", tile="A4", page=str(page)).content)
        assert tree.get("width") == "297mm"
        texts = [t.text or "" for t in tree.iter("{http://www.w3.org/2000/svg}text")]
        assert any(t.startswith("Page ") for t in texts)
        assert any(t[:2] in {f"{n}." for n in range(1, 8)} for t in texts)  # stage headers
        seen.update(t.text or "" for t in tree.iter("{http://www.w3.org/2000/svg}title"))
    assert "Daily payment batches" in seen and "Shaken and stressed" in seen
    bad = httpx.get(
        f"{server.http}/api/boards/{board['id']}/export.svg",
        params={"tile": "A4", "page": "99"},
        headers={"Authorization": f"Bearer {board['tokens']['viewer']}"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_option"


async def test_report_renders_card_text_as_text(server: ServerProcess) -> None:
    board = server.create_board("Odd board")
    await write_odd_board(server, board)
    response = export(server, board, "html")
    html = response.text
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Unplaced" in html
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'none'" in response.headers["content-security-policy"]
    markdown = export(server, board, "md").text
    # escaped for Markdown with a backslash, never with an HTML entity
    assert "\\<script>alert(1)\\</script>" in markdown and "&lt;" not in markdown


def test_report_of_the_example_workshop(server: ServerProcess) -> None:
    board = server.create_board("Motor claim", template="insurance_claim")
    html = export(server, board, "html").text
    for expected in ("Maria, 42", "Anna Virtanen", "Emotion curve", "Quick win", "Money pit",
                     "moment of truth", "Left open", "Book the replacement car in the app"):  # fmt: skip
        assert expected in html, expected
    ranked = html.index("The form asks for the same details three times")
    assert ranked < html.index("No status updates for a week")  # 5 votes before 4
    plan = html[html.index("Action plan") :]
    assert "<th>Due</th>" in plan
    assert plan.index("Customer Service") < plan.index("Jan 30, 2026") < plan.index("Left open")
    markdown = export(server, board, "md").text
    assert (
        "| 5 | The form asks for the same details three times | Reporting the claim |" in markdown
    )
    assert "| Solution | Owner | Due | Decision |" in markdown
    assert (
        "| Proactive status messages by SMS at every step | Customer Service | Jan 30, 2026 | approved |"
        in markdown
    )
    assert "| Daily payment batches | Finance | — | open |" in markdown


def test_cli_exports_from_a_stopped_servers_store(make_server: Any, tmp_path: Path) -> None:
    server: ServerProcess = make_server()
    board = server.create_board("Motor claim", template="insurance_claim")
    server.kill(signal.SIGTERM)
    out = tmp_path / "claim.csv"
    command = [
        sys.executable,
        "-m",
        "journeyboard",
        "export",
        board["id"],
        "--store",
        server.store_url,
    ]
    done = subprocess.run([*command, "--format", "csv", "--dialect", "nordic", "--out", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbfstage_order;stage;")
    tiles = subprocess.run([*command, "--format", "svg", "--tile", "A3", "--out", str(tmp_path / "p.svg")],
                           capture_output=True, text=True)  # fmt: skip
    assert tiles.returncode == 0, tiles.stderr
    assert sorted(p.name for p in tmp_path.glob("p-*.svg"))[0] == "p-1.svg"
    to_stdout = subprocess.run([*command, "--format", "json"], capture_output=True)
    assert b'"journeyboard/export"' in to_stdout.stdout
    missing = subprocess.run([*command[:4], "nope", "--store", server.store_url, "--format", "md"],
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode != 0 and "no board 'nope'" in missing.stderr


async def test_exports_of_a_2000_card_board(server: ServerProcess, capsys: Any) -> None:
    board = server.create_board("Big board")
    url = server.url(board["id"], board["tokens"]["participant"])
    async with synced_client(url) as client:
        stages = list(client.doc.get("stages", type=Map).to_py())
        kinds = [
            "action",
            "touchpoint",
            "thought",
            "feeling",
            "pain",
            "gain",
            "backstage",
            "solution",
        ]

        def paste(doc: Any) -> None:
            cards = doc.get("cards", type=Map)
            for i in range(2000):
                cards[f"k{i:04d}"] = Map({"kind": kinds[i % 8], "stage": stages[i % len(stages)],
                                          "pos": f"a{i:05d}", "text": Text(f"Card number {i} " * 3),
                                          "emotion": (i % 7) - 3})  # fmt: skip

        update = await client.change(paste)
    timings = {}
    for fmt in ("json", "csv", "md", "html", "svg"):
        started = time.perf_counter()
        body = export(server, board, fmt).content
        timings[fmt] = (time.perf_counter() - started, len(body))
    with capsys.disabled():
        print(f"\n2,000-card board ({len(update)} byte update): "
              + ", ".join(f"{f} {t:.2f}s/{n // 1024}KiB" for f, (t, n) in timings.items()))  # fmt: skip
    assert all(seconds < 30 for seconds, _ in timings.values())


def test_ids_never_look_like_options() -> None:
    from journeyboard.workshop.documents import new_id

    ids = {new_id() for _ in range(5000)}
    assert len(ids) == 5000 and all(i.isalnum() and len(i) == 12 for i in ids)


def test_pdf_exports_over_http_and_from_the_cli(make_server: Any, tmp_path: Path) -> None:
    from pypdf import PdfReader

    server: ServerProcess = make_server()
    board = server.create_board("Motor claim", template="insurance_claim")
    pages = {}
    for fmt, params, name in (("pdf", {}, "motor-claim.pdf"),
                              ("poster-pdf", {"sheet": "A1"}, "motor-claim-A1.pdf"),
                              ("poster-pdf", {"sheet": "A1", "tile": "A4"}, "motor-claim-A1-on-A4.pdf")):  # fmt: skip
        response = export(server, board, fmt, **params)
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        pages[name] = len(PdfReader(io.BytesIO(response.content)).pages)
    assert pages["motor-claim.pdf"] >= 5 and pages["motor-claim-A1.pdf"] == 1
    assert pages["motor-claim-A1-on-A4.pdf"] > 1
    headers = {"Authorization": f"Bearer {board['tokens']['viewer']}"}
    unknown = httpx.get(f"{server.http}/api/boards/{board['id']}/export.docx", headers=headers)
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "unknown_format"
    assert "poster-pdf" in unknown.json()["error"]["message"]
    bad = httpx.get(f"{server.http}/api/boards/{board['id']}/export.poster-pdf",
                    params={"sheet": "A2"}, headers=headers)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_option"
    server.kill(signal.SIGTERM)
    command = [
        sys.executable,
        "-m",
        "journeyboard",
        "export",
        board["id"],
        "--store",
        server.store_url,
    ]
    for args, out in (
        (["--format", "pdf"], "r.pdf"),
        (["--format", "poster-pdf", "--tile", "A3"], "t.pdf"),
    ):
        done = subprocess.run(
            [*command, *args, "--out", str(tmp_path / out)], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert (tmp_path / out).read_bytes().startswith(b"%PDF-")
    assert len(PdfReader(tmp_path / "t.pdf").pages) > 1
    wrong = subprocess.run([*command, "--format", "docx"], capture_output=True, text=True)
    assert wrong.returncode == 1 and wrong.stderr.strip().count("\n") == 0
    assert wrong.stderr.startswith("journeyboard: unknown format 'docx'; use one of json, csv")
