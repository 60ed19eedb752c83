"""A large update applied in pieces (`updates.apply_in_pieces`, `splitting`) leaves the
document exactly as the whole update does: several clients, references that cross between
them, deletes, and pieces down to one struct."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text

from journeyboard.sync import splitting
from journeyboard.sync.updates import apply_cut, apply_in_pieces, same_document, state_vector
from journeyboard.sync.yupdate import read_as_yrs

Edit = tuple[int, str, int, int]
"""(client, what, where, how much): an edit one of the writers makes."""


def written(edits: list[Edit]) -> bytes:
    """One update holding what three writers wrote, each seeing the others' work as it came
    (so their items refer to each other's), with deletes among them."""
    docs: list[Doc[Any]] = [Doc(client_id=1000 + n) for n in range(3)]
    for doc in docs:
        doc["text"] = Text()
        doc["cards"] = Map()
    for number, (who, what, where, size) in enumerate(edits):
        doc = docs[who]
        text = doc.get("text", type=Text)
        if what == "type":
            text.insert(min(where, len(text)), f"w{who}e{number}" * size)
        elif what == "delete" and len(text):
            start = min(where, len(text) - 1)
            del text[start : min(len(text), start + size)]
        else:
            doc.get("cards", type=Map)[f"card{where % 7}"] = f"{who}:{number}" * size
        update = doc.get_update(docs[(who + 1) % 3].get_state())
        docs[(who + 1) % 3].apply_update(update)
    merged: Doc[Any] = Doc()
    for doc in docs:
        merged.apply_update(doc.get_update())
    return merged.get_update()


def whole(update: bytes) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    doc.apply_update(update)
    return doc


def in_pieces(update: bytes, size: int) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    error, cut = apply_in_pieces(doc, update, read_as_yrs(update), size)
    assert error is None and cut is not None
    again: Doc[Any] = Doc()  # as a seal recorded it, without reading the update
    assert apply_cut(again, update, splitting.Cut.from_json(cut.to_json(), len(update))) is None
    assert same_document(again, doc)
    return doc


edits = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.sampled_from(["type", "delete", "card"]),
        st.integers(0, 60),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(edits, st.sampled_from([1, 16, 64, 300]))
def test_pieces_leave_the_document_the_whole_update_leaves(edits: list[Edit], size: int) -> None:
    update = written(edits)
    if len(update) > size:
        assert same_document(in_pieces(update, size), whole(update))


def test_an_update_is_cut_into_runs_of_each_client_and_applies_in_them() -> None:
    update = written([(n % 3, "type", n, 3) for n in range(30)] + [(0, "delete", 5, 20)])
    parsed = read_as_yrs(update)
    runs = splitting.cut(parsed, 40)
    assert len(runs) == 3  # one list of pieces per client
    assert sum(len(run) for run in runs) > 6
    for run in runs:  # each piece one client's consecutive structs, in clock order
        clocks = [piece.entry.clock for piece in run]
        assert clocks == sorted(clocks)
        for before, after in itertools.pairwise(run):
            assert before.entry.end_clock == after.entry.clock
    assert same_document(in_pieces(update, 40), whole(update))


def test_runs_whose_references_cross_apply_together() -> None:
    # A writes "a", B writes after it, A writes after B's: A's two items are one run of A,
    # which needs B's item, which needs A's first. Neither run can go first.
    a: Doc[Any] = Doc(client_id=1)
    b: Doc[Any] = Doc(client_id=2)
    a["text"] = text_a = Text()
    b["text"] = text_b = Text()
    text_a.insert(0, "a")
    b.apply_update(a.get_update())
    text_b.insert(1, "b")
    a.apply_update(b.get_update(a.get_state()))
    text_a.insert(2, "c")
    update = a.get_update()
    size = len(update) - 1  # cut, but A's items in one piece, B's in another
    assert [len(run) for run in splitting.cut(read_as_yrs(update), size)] == [1, 1]
    doc = in_pieces(update, size)
    assert str(doc.get("text", type=Text)) == "abc"
    assert state_vector(doc) == state_vector(a)


def test_a_small_update_is_applied_whole() -> None:
    update = written([(0, "type", 0, 1)])
    assert not splitting.worth_cutting(update, read_as_yrs(update))


def test_a_cut_that_does_not_fit_its_update_is_refused() -> None:
    update = written([(n % 3, "type", n, 3) for n in range(12)])
    _, cut = apply_in_pieces(Doc(), update, read_as_yrs(update), 20)
    assert cut is not None
    recorded = cut.to_json()
    assert splitting.Cut.from_json(recorded, len(update)) == cut
    beyond = {**recorded, "steps": [[[1, 0, 1, 0, len(update) + 1]]]}
    empty = {**recorded, "steps": [[]]}
    negative = {**recorded, "steps": [[[1, -1, 1, 0, 2]]]}
    for bad in (beyond, empty, negative, {**recorded, "deletes": len(update) + 5}):
        with pytest.raises(ValueError):
            splitting.Cut.from_json(bad, len(update))
