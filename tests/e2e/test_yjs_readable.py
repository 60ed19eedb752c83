"""What yjs cannot read never reaches a browser (issue #23, finding 1).

A participant sent one small update: a card-map entry whose content is a shared type with a
type ref that yrs decodes and yjs does not. The server's round-trip check passed it, stored
it and sent it inside every joiner's sync step 2, where the stock client's yjs threw: the page
said "Synced" with no cards, for good. The server now refuses such updates (malformed, 4400),
and a store that already holds one is repaired on load: the item is quarantined, every other
card stays, and the stock client reads the board.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import httpx
from pycrdt import merge_updates

from conftest import ServerProcess
from journeyboard.stores.sqlite import SQLiteStore
from journeyboard.sync import protocol
from journeyboard.sync.updates import apply_tolerantly, check_stored, yjs_refusal
from journeyboard.sync.yupdate import parse_update
from journeyboard.workshop import documents
from nodeclient import ROOT, NodeClient, require_node
from stored_updates import card_updates
from ysync import YClient

DOC_TYPE_ENTRY = bytes.fromhex("01012a00270105636172647302786109" + "00")
"""17 bytes from client 42: cards["xa"] = a shared type with type ref 9 (Doc)."""

CRAFTED = {
    "type ref 9 (Doc)": DOC_TYPE_ENTRY,
    "type ref 15 (Undefined)": bytes.fromhex("01012b0027010563617264730278620f" + "00"),
    "XmlHook without its name": bytes.fromhex("01012c00270105636172647302786305" + "00"),
    "subdocument, options null": bytes.fromhex("01012d0029010563617264730278640361626" + "37e00"),
    "client id above 2**53": bytes.fromhex(
        "0101ffffffffffffff7f002801056361726473027865" + "0177017800"
    ),
}
CARDS = {"c1": "first card", "c2": "second card", "c3": "third card"}


async def write_cards(node: NodeClient) -> None:
    for key, text in CARDS.items():
        assert (await node.command("text", key=key, text=text))["ok"] == "text"


def cards_of(dumped: dict[str, Any]) -> dict[str, str]:
    cards = dumped["state"].get("cards") or {}
    return {key: card.get("text") for key, card in cards.items() if isinstance(card, dict)}


async def fresh_joiner_cards(server: ServerProcess, board: dict[str, Any]) -> dict[str, str]:
    """What a fresh page's stock client reads once it reports synced."""
    node = await NodeClient.start(server.ws, board["id"], board["tokens"]["viewer"])
    try:
        await node.next(lambda m: m.get("event") == "synced")
        return cards_of(await node.command("dump", maps=["cards", "stages"]))
    finally:
        await node.quit()


async def test_a_crafted_update_is_refused_and_every_browser_keeps_the_board(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    writer = await NodeClient.start(server.ws, board["id"], board["tokens"]["participant"])
    try:
        await writer.next(lambda m: m.get("event") == "synced")
        await write_cards(writer)
        assert await fresh_joiner_cards(server, board) == CARDS
        for name, update in CRAFTED.items():
            attacker = YClient(server.url(board["id"], board["tokens"]["participant"]))
            await attacker.connect()
            await attacker.synced.wait()
            await attacker.send_raw(protocol.encode_sync_update(update))
            assert await attacker.wait_closed(timeout=5) == 4400, name  # MALFORMED
        # The stock client that was there all along still writes and reads.
        assert (await writer.command("text", key="c4", text="after"))["ok"] == "text"
        dumped = await writer.command("dump", maps=["cards"])
        assert cards_of(dumped) == CARDS | {"c4": "after"}
    finally:
        await writer.quit()
    assert await fresh_joiner_cards(server, board) == CARDS | {"c4": "after"}
    server.stop()
    server.start()  # shutdown compaction and a cold start: still nothing yjs cannot read
    assert await fresh_joiner_cards(server, board) == CARDS | {"c4": "after"}


def yjs_reads(updates: list[bytes]) -> dict[str, Any]:
    """Apply stored updates with the stock yjs, in order, and read the cards back."""
    script = (
        "import * as Y from 'yjs';"
        "const d = new Y.Doc();"
        "for (const h of JSON.parse(process.argv[1])) Y.applyUpdate(d, Buffer.from(h, 'hex'));"
        "process.stdout.write(JSON.stringify(d.getMap('cards').toJSON()));"
    )
    done = subprocess.run(
        [require_node(), "--input-type=module", "-e", script, json.dumps([u.hex() for u in updates])],
        capture_output=True, text=True, timeout=30, cwd=ROOT / "client",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_a_stored_update_yjs_cannot_read_is_repaired_in_process() -> None:
    honest = card_updates(CARDS, kind="pain")
    # The crafted entry inside a snapshot: compaction folded it in with the honest cards.
    snapshot, _ = apply_tolerantly([*honest, DOC_TYPE_ENTRY])
    folded = snapshot.get_update()
    assert yjs_refusal(folded) is not None
    check = check_stored([folded])
    [repair] = check.repairs
    assert repair.original == folded and repair.quarantined_structs == 1
    [repaired] = check.updates
    assert check.appended == [repaired]
    parse_update(repaired)  # yjs reads it now
    assert "type ref 9" in repair.reason
    cards = yjs_reads([repaired])
    assert {key: card["text"] for key, card in cards.items()} == CARDS


async def test_a_store_holding_such_an_update_loads_repaired(
    make_server: Any, tmp_path: Path
) -> None:
    server = make_server("--grace", "1")
    board = server.create_board()
    writer = await NodeClient.start(server.ws, board["id"], board["tokens"]["participant"])
    try:
        await writer.next(lambda m: m.get("event") == "synced")
        await write_cards(writer)
    finally:
        await writer.quit()
    server.stop()
    name = documents.content_name(board["id"])
    async with SQLiteStore(tmp_path / "board.db") as store:
        before = await store.load_document(name)
    # What the old server stored: the crafted updates, folded into the snapshot by its
    # shutdown compaction (merge_updates, proven only with yrs), and one more in the log.
    *folded, last = CRAFTED.values()
    with sqlite3.connect(tmp_path / "board.db") as conn:
        conn.execute(
            "UPDATE snapshots SET data = ? WHERE doc = ?",
            (merge_updates(*before, *folded), name),
        )
        assert conn.execute("SELECT changes()").fetchone()[0] == 1
        conn.execute("DELETE FROM updates WHERE doc = ?", (name,))
        conn.execute("INSERT INTO updates (doc, data) VALUES (?, ?)", (name, last))
    async with SQLiteStore(tmp_path / "board.db") as store:
        stored = await store.load_document(name)
    assert len(stored) == 2 and all(yjs_refusal(update) is not None for update in stored)
    server.start()
    assert await fresh_joiner_cards(server, board) == CARDS
    metrics = httpx.get(f"{server.http}/metrics").text
    assert "journeyboard_stored_updates_repaired_total 2.0" in metrics
    data = server.get_board(board["id"], board["tokens"]["viewer"])
    assert {key: card["text"] for key, card in data["content"]["cards"].items()} == CARDS
    server.stop()
    async with SQLiteStore(tmp_path / "board.db") as store:
        stored = await store.load_document(name)
        kept = await store.quarantined(name)
    assert stored and all(yjs_refusal(update) is None for update in stored)
    assert kept and all("yjs cannot read it" in reason for _, reason in kept)
    assert {key: card["text"] for key, card in yjs_reads(stored).items()} == CARDS
    with sqlite3.connect(tmp_path / "board.db") as conn:
        assert conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == len(kept)
    assert "not readable by yjs" in server.logs()


# Two updates from one participant that crashed the whole server process (SIGSEGV inside yrs),
# found by the pair fuzz: WAITS names clocks 63-67 of client 4242 that the board lacks (yrs
# keeps it pending), FILLS writes clocks 0-70 of the same client with other content, and yrs
# merging the two segfaults. Each passes every check alone.
WAITS = bytes.fromhex(
    "010392213f27010673746167657d02733101270092213f057469746c65020400922140036f0a6500"
)
FILLS = bytes.fromhex(
    "01179221002701056361726473056361726430012800922100046b696e640177047061696e28009221000370"
    "6f73017c3f000000270092210005766f746573000800922103047c3f800000770374776f7e7601016b750178"
    "270092210004746578740204009221080263618492210a0b7264203020c3a9f09f9880c492210a92210b0258"
    "592101056361726473056361726431090014270105636172647305636172643201280092212a046b696e6401"
    "77047061696e280092212a03706f73017c40202100270092212a05766f74657300080092212d047c3f800000"
    "770374776f7e7601016b750178270092212a0474657874020400922132026361849221340b7264203220c3a9"
    "f09f9880c492213492213502585927010673746167657302733101270092213f057469746c65020400922140"
    "036f6e65019221011515"
)


async def test_an_update_restating_what_waits_for_missing_clocks_leaves_the_server_running(
    server: ServerProcess, board: dict[str, Any]
) -> None:
    writer = await NodeClient.start(server.ws, board["id"], board["tokens"]["participant"])
    try:
        await writer.next(lambda m: m.get("event") == "synced")
        await write_cards(writer)
        attacker = YClient(server.url(board["id"], board["tokens"]["participant"]))
        await attacker.connect()
        await attacker.synced.wait()
        await attacker.send_raw(protocol.encode_sync_update(WAITS))
        await attacker.send_raw(protocol.encode_sync_update(FILLS))
        seen = len(attacker.document_frames())
        await attacker.send_raw(protocol.encode_sync_step1(b"\x00"))  # a round trip
        await attacker.wait_until(lambda: len(attacker.document_frames()) > seen, timeout=5)
        await attacker.close()
        assert server.process is not None and server.process.poll() is None
        assert (await writer.command("text", key="c4", text="after"))["ok"] == "text"
    finally:
        await writer.quit()
    assert httpx.get(f"{server.http}/healthz").status_code == 200
    cards = await fresh_joiner_cards(server, board)
    assert {key: cards[key] for key in CARDS} == CARDS and cards["c4"] == "after"
