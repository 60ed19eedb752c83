"""The round-trip screening's shortcut (`updates.restated_by_yrs`): when yrs encodes an update
as the same structs behind a Skip, that encoding is neither applied to a fresh document nor
parsed a second time. It must agree with the full check on every update, honest or crafted,
and apply to the common ones."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, merge_updates

from journeyboard.sync import updates
from journeyboard.sync.updates import restated_by_yrs, screen_update, yjs_refusal
from journeyboard.sync.yupdate import MalformedUpdate, ParsedUpdate, StructKind, parse_update


def yrs_encoding(update: bytes) -> bytes:
    probe: Doc[Any] = Doc()
    probe.apply_update(update)
    return probe.get_update()


def parsed_or_none(update: bytes) -> ParsedUpdate | None:
    """The update as yjs reads it, or None when yjs would not: pycrdt writes such updates too
    (an index inside a multi-byte character makes an item whose right origin is its own id),
    and the screening refuses them at its first parse, before any round trip."""
    try:
        return parse_update(update)
    except MalformedUpdate:
        return None


def full_check(update: bytes) -> str | None:
    """The check without the shortcut (no parse given): every encoding is parsed again."""
    return updates._round_trip_reason(update)


Edit = tuple[str, int, str]

edits = st.lists(
    st.tuples(
        st.sampled_from(["card", "text", "delete", "list", "nested"]),
        st.integers(min_value=0, max_value=40),
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    ),
    min_size=1,
    max_size=25,
)


def edit_updates(client: int, script: list[Edit]) -> list[bytes]:
    """The updates a client writes for `script`, one transaction per step."""
    doc: Doc[Any] = Doc(client_id=client)
    cards = doc.get("cards", type=Map)
    order = doc.get("order", type=Array)
    out: list[bytes] = []
    doc.observe(lambda event: out.append(event.update))
    for kind, number, text in script:
        key = f"c{number % 8}"
        with doc.transaction():
            if kind == "card" or key not in cards:
                cards[key] = Map({"text": Text(text), "votes": number})
            elif kind == "text":
                body = cards[key]["text"]
                body.insert(min(number, len(body)), text or "x")
            elif kind == "delete":
                body = cards[key]["text"]
                if len(body):
                    del body[0 : min(len(body), 1 + number % 3)]
                else:
                    del cards[key]
            elif kind == "list":
                order.append(text)
            else:
                cards[key]["more"] = Map({"at": text, "n": [number, None, 1.5]})
    return out


@settings(max_examples=60, deadline=None)
@given(edits, st.integers(min_value=1, max_value=2**53 - 1))
def test_the_shortcut_agrees_with_the_full_check(script: list[Edit], client: int) -> None:
    for update in edit_updates(client, script):
        parsed = parsed_or_none(update)
        if parsed is None:
            continue  # refused by the first parse, before any round trip
        encoded = yrs_encoding(update)
        if encoded == restated_by_yrs(update, parsed):
            # What the skipped steps would have said: yrs decodes it, yjs parses it.
            assert updates.try_apply(Doc(), encoded) is None
            assert yjs_refusal(encoded) is None
        assert screen_update(update).reason == full_check(update)


def test_the_shortcut_applies_to_new_cards_past_clock_0() -> None:
    """Three cards added one after another (a paste): every update but the first starts past
    clock 0, and each is restated behind a Skip, so none is parsed twice."""
    found = edit_updates(7, [("card", 1, "Call"), ("card", 2, "Mail"), ("card", 3, "Chat")])
    assert [parse_update(u).clients[0].clock > 0 for u in found] == [False, True, True]
    for update in found:
        assert yrs_encoding(update) == restated_by_yrs(update, parse_update(update))


@settings(max_examples=60, deadline=None)
@given(edits, edits)
@example([("card", 0, "")], [("card", 2, ""), ("text", 2, "0\x80"), ("text", 2, "")])
def test_restated_bytes_always_parse_as_the_update_did(
    first: list[Edit], second: list[Edit]
) -> None:
    """Whatever yrs does, the bytes `restated_by_yrs` builds parse, as the same structs: so
    the parser checks nothing across a client's structs that a leading Skip could break. With
    one client's updates, and with two clients' updates merged into one."""
    ours = edit_updates(21, first)
    theirs = edit_updates(5, second)
    for update in [*ours, *theirs, merge_updates(ours[-1], theirs[-1]), merge_updates(*ours)]:
        parsed = parsed_or_none(update)
        if parsed is None:
            continue
        restated = parse_update(restated_by_yrs(update, parsed))
        for block, again in zip(parsed.clients, restated.clients, strict=True):
            assert again.client == block.client and again.clock == 0
            if block.clock:
                assert again.structs[0].kind is StructKind.SKIP
            kept = again.structs[1:] if block.clock else again.structs
            assert [(s.clock, s.length, s.content_ref) for s in kept] == [
                (s.clock, s.length, s.content_ref) for s in block.structs
            ]
        assert restated.delete_set == parsed.delete_set


def test_two_clients_merged_take_the_shortcut_when_yrs_keeps_their_order() -> None:
    """An update holding two writers' new cards: yrs writes the clients in its own order; when
    that is the update's, the shortcut applies; either way the verdict is the full check's."""
    update = merge_updates(
        edit_updates(8, [("card", 1, "a"), ("card", 2, "b")])[-1],
        edit_updates(3, [("card", 3, "c"), ("card", 4, "d")])[-1],
    )
    assert len(parse_update(update).clients) == 2
    assert screen_update(update).reason == full_check(update) is None


def test_an_update_yrs_keeps_pending_takes_the_full_check() -> None:
    """An edit of a text the probe lacks stays pending in yrs, which encodes nothing of it:
    not the update's structs, so the encoding is parsed as before."""
    doc: Doc[Any] = Doc(client_id=9)
    out: list[bytes] = []
    doc.observe(lambda event: out.append(event.update))
    doc.get("cards", type=Map)["c"] = Text("hello")
    doc.get("cards", type=Map)["c"].insert(2, "XY")
    pending = out[-1]
    assert yrs_encoding(pending) != restated_by_yrs(pending, parse_update(pending))
    assert screen_update(pending).reason is None


@settings(max_examples=300, deadline=None)
@given(
    edits,
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=3),
)
def test_crafted_bytes_get_the_full_check_s_verdict(
    script: list[Edit], flips: list[tuple[int, int]]
) -> None:
    """Honest updates with bytes changed: whatever the parse and yrs make of them, the
    screening's verdict is the one the full check gives."""
    update = bytearray(edit_updates(11, script)[-1])
    for at, value in flips:
        update[at % len(update)] = value
    crafted = bytes(update)
    screened = screen_update(crafted)
    if screened.parsed is None:
        return  # refused by the first parse, as before: no round trip at all
    assert screened.reason == full_check(crafted)
    if screened.reason is None:
        encoded = yrs_encoding(crafted)
        if encoded == restated_by_yrs(crafted, screened.parsed):
            assert updates.try_apply(Doc(), encoded) is None  # the step the shortcut skips


def test_the_crafted_updates_of_issue_23_are_refused_as_before() -> None:
    for crafted in (
        bytes.fromhex("01012a00270105636172647302786109" + "00"),  # type ref 9 (Doc)
        bytes.fromhex("01012b0027010563617264730278620f" + "00"),  # type ref 15
        bytes.fromhex("0101ffffffffffffff7f002801056361726473027865" + "0177017800"),
    ):
        assert screen_update(crafted).reason is not None
