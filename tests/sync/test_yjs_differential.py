"""The server stores no update the browser's yjs cannot read (issue #23, finding 1).

Candidate updates are real updates, written by yjs (client/tools/yread.mjs --sample) and by
pycrdt, mutated with a fixed seed: random bytes, the interesting values of a struct's info and
type ref bytes, var-ints beyond 2**53, truncations. Each candidate the server accepts
(`updates.unreadable_reason`, the check every client update passes) is then applied with the
stock yjs from client/node_modules, as y-protocols' sync step 2 applies it, both to a fresh
document and on top of the board the honest updates build, and the board is read back.
yjs must neither throw nor fail to read any of them.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import subprocess
from collections.abc import Iterator
from typing import Any

from pycrdt import Array, Doc, Map, Text

from journeyboard.sync.protocol import write_var_uint
from journeyboard.sync.updates import check_stored, try_apply, unreadable_reason, yjs_refusal
from journeyboard.sync.yupdate import StructKind, parse_update
from nodeclient import ROOT, require_node

SEED = 20261206
TOOL = ROOT / "client" / "tools" / "yread.mjs"
INTERESTING: tuple[int, ...] = (
    0,
    1,
    4,
    5,
    7,
    8,
    9,
    10,
    11,
    12,
    14,
    15,
    0x27,
    0x28,
    0x7F,
    0x80,
    0xFF,
)
INTERESTING += tuple(range(116, 128))  # lib0's Any tags
BEYOND_2_53 = (bytes([0xFF] * 7 + [0x0F]), bytes([0x81] + [0x80] * 6 + [0x10]))


def yjs_sample() -> list[bytes]:
    done = subprocess.run(
        [require_node(), str(TOOL), "--sample"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return [bytes.fromhex(line) for line in done.stdout.split()]


def pycrdt_sample() -> list[bytes]:
    doc: Doc[Any] = Doc(client_id=4242)
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    cards = doc.get("cards", type=Map)
    for i in range(3):
        with doc.transaction():
            card: Map[Any] = Map()
            cards[f"card{i}"] = card
            card["kind"] = "pain"
            card["pos"] = i + 0.5
            card["votes"] = Array([1, "two", None, {"k": [True]}])
            card["text"] = Text(f"card {i} \u00e9\U0001f600")
        card["text"].insert(2, "XY")
    del cards["card1"]
    doc.get("stages", type=Map)["s1"] = Map({"title": Text("one")})
    updates.append(doc.get_update())
    return updates


def mutations(update: bytes, rng: random.Random) -> Iterator[bytes]:
    """Targeted and random mutations of one update."""
    parsed = parse_update(update)
    for struct in parsed.structs():
        if struct.kind is not StructKind.ITEM:
            continue
        info = update[struct.start]
        for ref in range(32):  # every content ref under this struct's info bits
            yield update[: struct.start] + bytes([(info & 0xE0) | ref]) + update[struct.start + 1 :]
        if struct.type_ref is not None:
            at = struct.end - 1
            for ref in range(16):
                yield update[:at] + bytes([ref]) + update[at + 1 :]
    for _ in range(60):
        data = bytearray(update)
        for _ in range(rng.choice((1, 1, 2, 3))):
            pos = rng.randrange(len(data))
            action = rng.random()
            if action < 0.45:
                data[pos] = rng.choice(INTERESTING)
            elif action < 0.7:
                data[pos] = rng.randrange(256)
            elif action < 0.8:
                data[pos : pos + 1] = rng.choice(BEYOND_2_53)
            elif action < 0.9:
                data.insert(pos, rng.choice(INTERESTING))
            else:
                del data[pos]
        yield bytes(data)


@functools.cache
def candidates() -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(yjs sample, pycrdt sample, mutated candidates), all from a fixed seed."""
    rng = random.Random(SEED)
    from_yjs, from_pycrdt = yjs_sample(), pycrdt_sample()
    found: list[bytes] = []
    seen: set[bytes] = set()
    for update in from_yjs + from_pycrdt:
        for mutated in mutations(update, rng):
            if mutated not in seen:
                seen.add(mutated)
                found.append(mutated)
    return from_yjs, from_pycrdt, found


def yjs_verdicts(updates: list[bytes], base: list[bytes]) -> list[dict[str, str | None]]:
    """What the stock yjs makes of each update, applied after `base` to a fresh document."""
    lines = "".join(
        json.dumps({"update": update.hex(), "base": [part.hex() for part in base]}) + "\n"
        for update in updates
    )
    done = subprocess.run(
        [require_node(), str(TOOL)], input=lines, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(verdicts) == len(updates)
    return verdicts


def yjs_verdicts_with_bases(
    requests: list[tuple[list[bytes], bytes]],
) -> list[dict[str, str | None]]:
    """Like `yjs_verdicts`, with a base of its own for each update."""
    lines = "".join(
        json.dumps({"update": update.hex(), "base": [part.hex() for part in base]}) + "\n"
        for base, update in requests
    )
    done = subprocess.run(
        [require_node(), str(TOOL)], input=lines, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    verdicts = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(verdicts) == len(requests)
    return verdicts


def test_the_node_tool_sees_what_the_browser_sees() -> None:
    """The tool itself: honest updates read, the finding's crafted update throws."""
    from_yjs, from_pycrdt = yjs_sample(), pycrdt_sample()
    crafted = bytes.fromhex("01012a002701056361726473056361726431070900")  # type ref 9
    verdicts = yjs_verdicts([*from_yjs, *from_pycrdt, crafted], [])
    assert all(v == {"apply": None, "read": None} for v in verdicts[:-1]), verdicts
    assert verdicts[-1]["apply"] is not None


def test_the_server_accepts_nothing_yjs_cannot_read() -> None:
    from_yjs, from_pycrdt, found = candidates()
    assert [unreadable_reason(update) for update in from_yjs + from_pycrdt] == [None] * (
        len(from_yjs) + len(from_pycrdt)
    )
    accepted = [update for update in found if unreadable_reason(update) is None]
    assert len(found) > 2000 and len(accepted) > 100, (len(found), len(accepted))
    failures: list[tuple[str, str, dict[str, str | None]]] = []
    for label, base in (("fresh", []), ("on yjs board", from_yjs), ("on pycrdt", from_pycrdt)):
        for update, verdict in zip(accepted, yjs_verdicts(accepted, base), strict=True):
            if verdict["apply"] is not None or verdict["read"] is not None:
                failures.append((label, update.hex(), verdict))
    assert not failures, f"{len(failures)} accepted updates break yjs, e.g. {failures[:5]}"


def test_a_joiner_reads_every_board_the_server_accepted_updates_into() -> None:
    """What a browser gets is not the update but the server's encoding of the board it went
    into (sync step 2): yrs must not turn accepted updates into a board yjs cannot read."""
    from_yjs, from_pycrdt, found = candidates()
    accepted = [update for update in found if unreadable_reason(update) is None]
    failures: list[tuple[str, str, dict[str, str | None]]] = []
    for label, base in (("yjs board", from_yjs), ("pycrdt board", from_pycrdt)):
        boards: list[bytes] = []
        for update in accepted:
            doc: Doc[Any] = Doc()
            for part in base:
                doc.apply_update(part)
            if try_apply(doc, update) is None:  # else the room rebuilds and refuses it
                boards.append(doc.get_update())
        for board, verdict in zip(boards, yjs_verdicts(boards, []), strict=True):
            if verdict["apply"] is not None or verdict["read"] is not None:
                failures.append((label, board.hex(), verdict))
    assert not failures, f"{len(failures)} boards break yjs, e.g. {failures[:5]}"


def yrs_round_trips(update: bytes) -> bool:
    """The check the server made before it knew yjs: what an older server may have stored."""
    probe: Doc[Any] = Doc()
    if try_apply(probe, update) is not None:
        return False
    return try_apply(Doc(), probe.get_update()) is None


def test_stored_updates_yjs_cannot_read_are_repaired_into_ones_it_reads() -> None:
    """Loading repairs what an older server stored: every candidate the yrs round-trip let
    through and yjs cannot read, stored behind the honest board, loads into updates that
    each pass the yjs check and that the stock yjs applies and reads, one after another."""
    from_yjs, from_pycrdt, found = candidates()
    stored = [u for u in found if yjs_refusal(u) is not None and yrs_round_trips(u)]
    assert len(stored) > 200, len(stored)
    logs: list[list[bytes]] = []
    for base in (from_yjs, from_pycrdt):
        for update in stored:
            check = check_stored([*base, update])
            assert check.repairs, update.hex()
            assert all(yjs_refusal(part) is None for part in check.updates), update.hex()
            logs.append(check.updates)
    lines = [(log[:-1], log[-1]) for log in logs]
    verdicts = yjs_verdicts_with_bases(lines)
    failures = [
        (log[-1].hex(), v) for log, v in zip(logs, verdicts, strict=True) if any(v.values())
    ]
    assert not failures, f"{len(failures)} repaired logs break yjs, e.g. {failures[:3]}"


async def test_a_room_fed_accepted_updates_in_any_order_stays_readable_by_yjs() -> None:
    """Chains of accepted candidates sent to a real room (in process) on top of a sample
    board: single updates that each pass can still interact inside yrs (one restating
    another's clocks, a delete landing between the halves of an emoji, an update waiting
    for clocks that another then writes, which crashed the process). After every chain the
    room's document encodes into something the stock yjs applies and reads, and reloading
    it from the store works."""
    from journeyboard.stores.memory import MemoryStore
    from journeyboard.sync import protocol
    from journeyboard.sync.protocol import ProtocolError
    from journeyboard.sync.room import Room
    from journeyboard.sync.room_options import RoomOptions
    from sync.fakes import FakeChannel, RecordingBus

    from_yjs, from_pycrdt, found = candidates()
    accepted = [update for update in found if unreadable_reason(update) is None]
    # and deletes of every single clock of the samples (some land inside an emoji)
    for sample in (from_yjs, from_pycrdt):
        for entry in parse_update(sample[-1]).clients:
            for clock in range(entry.clock, entry.end_clock):
                ds = write_var_uint(entry.client) + b"\x01" + write_var_uint(clock) + b"\x01"
                accepted.append(b"\x00\x01" + ds)
    rng = random.Random(SEED + 1)
    boards: list[bytes] = []
    for _ in range(300):
        store = MemoryStore()
        for part in rng.choice((from_yjs, from_pycrdt)):
            await store.append_update("doc", part)
        room = Room("doc", store, RecordingBus(), RoomOptions(presence_tick=0.0))
        await room.load()
        for update in [rng.choice(accepted) for _ in range(rng.randint(2, 6))]:
            conn = room.connect(FakeChannel(), can_write=True)
            with contextlib.suppress(ProtocolError):
                room.receive(conn, protocol.encode_sync_update(update))
        boards.append(room.doc.get_update())
        again = Room("doc", store, RecordingBus(), RoomOptions(presence_tick=0.0))
        await again.load()
    assert [yjs_refusal(board) for board in boards] == [None] * len(boards)
    verdicts = yjs_verdicts(boards, [])
    assert [v for v in verdicts if any(v.values())] == []


def private_writing_sample() -> list[tuple[list[bytes], bytes]]:
    """What the server writes for private writing (workshop/drafts.py), each update with the
    ones of its document before it: the journal entry and its deletion, the reveal into the
    content document (with authors and anonymous), the private document's emptying, and the
    session's counts per person and as one total."""
    from journeyboard.workshop import drafts

    requests: list[tuple[list[bytes], bytes]] = []

    def follow(doc: Doc[Any]) -> list[bytes]:
        updates: list[bytes] = []
        doc.observe(lambda event: updates.append(event.update))
        return updates

    private: Doc[Any] = Doc()
    private_log = follow(private)
    with private.transaction():  # as a writer's client writes a draft
        private.get("cards", type=Map)["d1"] = Map(
            {"kind": "pain", "stage": "s1", "pos": "a0", "text": Text("draft \u00e9\U0001f600")}
        )
    fields = {"kind": "pain", "stage": "s1", "pos": "a0", "text": "draft \u00e9\U0001f600"}
    with private.transaction():
        drafts._delete_cards(private, ["d1"])
    journal: Doc[Any] = Doc()
    journal_log = follow(journal)
    with journal.transaction():
        drafts.write_intent(journal, "r1", {"p1": ["d1", "d2"]})
    with journal.transaction():
        del journal.get("journal", type=Map)["r1"]
    content: Doc[Any] = Doc()
    content_log = follow(content)
    with content.transaction():
        drafts.write_reveal(content, "r1", [("p1", "d1", fields)], {"p1": "Ann"}, 1)
    with content.transaction():
        drafts.write_reveal(content, "r2", [("p2", "d2", {**fields, "emotion": 2})], None, 2)
    session: Doc[Any] = Doc()
    session_log = follow(session)
    with session.transaction():
        drafts.show_counts(session, {"p1": {"pain": 2}, "p2": {"note": 1}})
    with session.transaction():
        session.get("session", type=Map)["anonymous"] = True
        drafts.show_counts(session, {"p1": {"pain": 2}})
    for log in (private_log, journal_log, content_log, session_log):
        requests += [(log[:index], update) for index, update in enumerate(log)]
    return requests


def test_yjs_reads_what_the_server_writes_for_private_writing() -> None:
    requests = private_writing_sample()
    assert len(requests) == 8
    verdicts = yjs_verdicts_with_bases(requests)
    assert all(v == {"apply": None, "read": None} for v in verdicts), verdicts
    assert [yjs_refusal(update) for _, update in requests] == [None] * len(requests)
