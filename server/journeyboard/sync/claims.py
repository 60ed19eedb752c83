"""Whose a client id is, and which clocks an update may claim (issue #23, findings 5 and 6).

In Yjs every edit is an id (client id, clock), and each client numbers its own edits. A peer
that holds a delete set or a GC struct for clocks a client has not written yet treats that
client's next edits as already deleted or already present: yrs keeps a delete set for unknown
clocks pending and applies it to whatever arrives there later, and a GC struct over a range
makes every later item in that range a duplicate. So one small update can destroy the next
edits of anyone whose client id and clock it knows (both are public: presence carries the id,
sync step 1 the clock).

The rule, in DESIGN.md's terms ("claims on another person's future edits are refused"):

- A **claim** is any part of an update that reaches past the room's state vector: structs
  (items or GC; Skip structs claim nothing) whose range ends beyond the room's clock for their
  client, and delete-set ranges that end beyond it.
- A client id is **bound** to a writer (a `WriterKey`): the person (`person:ID`) or the link
  (`link:ROLE`) whose socket first announced it in presence or first wrote clocks under it. The
  room also binds its own document's client id to the server. Bindings are stored beside the
  document (see `bindings.bindings_name`), so they survive a restart.
- Structs past the room's clock under a client id bound to another writer are refused.
  Structs under an unbound id are accepted, and bind it to the sender.
- A delete-set range must end within what the room holds for that client, or what the same
  update's own structs bring (a client that creates and deletes a card offline sends both).
  Nothing else is ever honest: the server commits what anyone has seen before they see it,
  so a stock client never deletes an edit the room does not hold. This holds for every
  client id, bound or not, the sender's own included: a pending delete on a client id nobody
  has used yet would wait for whoever gets it.
- What the room **holds** for a client id is its state vector, and beyond it the structs it
  stored that still wait for a dependency (yrs keeps them pending, and so does every browser
  that received them; the stock client sends its pending structs again in its sync step 2).
  Relaying those is not a claim (`held_beyond`).
- A person may take over an id bound to a link of their own role: the browser keeps its
  document (and client id) when someone who opened a link joins and switches to their
  personal token.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import pycrdt

from journeyboard.sync.yupdate import MalformedUpdate, ParsedUpdate, StructKind, parse_update

WriterKey = str
"""Who writes under a client id: "person:ID", "link:ROLE", or `SERVER_WRITER`."""

SERVER_WRITER: Final[WriterKey] = "server"

MAX_BINDINGS: Final = 100_000
"""Client ids a room keeps bindings for. Past it new ids stay unbound (never refused for
that); an honest board sees one new id per writer's page load."""


def decode_state_vector(data: bytes) -> dict[int, int]:
    """A state vector (as `Doc.get_state()` encodes it) as client id -> clock.

    One pass over the bytes without a call per var-int (about 0.2 us per client id): a room
    decodes it for every update, and a board many people have opened has hundreds of clients.
    """
    values: list[int] = []
    append = values.append
    value = shift = 0
    for byte in data:
        if byte < 0x80:
            append(value | (byte << shift))
            value = shift = 0
        else:
            value |= (byte & 0x7F) << shift
            shift += 7
    return dict(zip(values[1::2], values[2::2], strict=True))


def writer_key(principal: str) -> WriterKey:
    """The binding key of a socket's principal. A link's version is dropped: a rotated link
    gives the same role's holders a new link, not a new identity."""
    if principal.startswith("link:"):
        role = principal.split(":")[1]
        return f"link:{role}"
    return principal


def may_take_over(owner: WriterKey, writer: WriterKey, role: str | None) -> bool:
    """Whether `writer` may write past the room's clock under an id bound to `owner`."""
    if owner == writer:
        return True
    # Joining switches the browser's sockets from the link to the personal token.
    return owner.startswith("link:") and writer.startswith("person:") and owner[5:] == role


@dataclass(frozen=True, slots=True)
class Claim:
    """The first part of an update that claims clocks it may not."""

    client: int
    clock: int
    """The first clock claimed past the room's (or the struct's own start, if later)."""
    end: int
    what: str
    """"delete set", "GC struct" or "item"."""
    owner: WriterKey | None

    def describe(self) -> str:
        whose = f"bound to {self.owner}" if self.owner else "unbound"
        return f"{self.what} over clocks {self.clock}..{self.end} of client {self.client} ({whose})"


@dataclass(frozen=True, slots=True)
class ClaimCheck:
    refused: Claim | None
    extended: tuple[int, ...]
    """Client ids whose clocks the update extends past the room's (bind them to the sender)."""
    reach: Mapping[int, int]
    """The end clock of the update's structs per client id whose structs it may write."""


def check_claims(
    parsed: ParsedUpdate,
    holds: Callable[[int, int], bool],
    clock_of: Callable[[int], int],
    owner_of: Callable[[int], WriterKey | None],
    writer: WriterKey,
    role: str | None,
) -> ClaimCheck:
    """Check an update from `writer` (whose presence names `role`) against the room:
    `holds(client, end)` says whether the room holds that client's clocks below `end`,
    `clock_of(client)` up to which clock it holds them (only asked to describe a refusal),
    `owner_of(client)` whom the id is bound to.

    The room answers both from one decode of its state vector (`Screening._check_claims`).
    """
    reach: dict[int, int] = {}
    extended: list[int] = []
    for entry in parsed.clients:
        client = entry.client
        structs = [
            struct
            for struct in entry.structs
            if struct.kind is not StructKind.SKIP and struct.length > 0
        ]
        if not structs:
            continue
        end = max(struct.end_clock for struct in structs)
        owner = owner_of(client)
        if owner is not None and owner == writer:
            reach[client] = end
            continue
        if holds(client, end):
            continue  # all of it held already: a resend claims nothing
        if owner is not None and not may_take_over(owner, writer, role):
            known = clock_of(client)
            first = next(struct for struct in structs if struct.end_clock > known)
            what = "GC struct" if first.kind is StructKind.GC else "item"
            return ClaimCheck(Claim(client, max(first.clock, known), end, what, owner), (), {})
        reach[client] = end
        extended.append(client)
    for deleted in parsed.delete_set:
        end = deleted.clock + deleted.length
        client = deleted.client
        if deleted.length == 0 or end <= reach.get(client, 0) or holds(client, end):
            continue
        start = max(deleted.clock, clock_of(client), reach.get(client, 0))
        claim = Claim(client, start, end, "delete set", owner_of(client))
        return ClaimCheck(claim, (), {})
    return ClaimCheck(None, tuple(extended), reach)


def held_beyond(update: bytes, state: bytes) -> dict[int, int]:
    """For an update just applied to a document whose state vector is now `state`: the end
    clock, per client id, of the update's structs that the document holds pending (they wait
    for a dependency, so the state vector does not count them). Empty for nearly every
    update: a diff against the state vector in yrs (a few microseconds) finds nothing."""
    try:
        diff = pycrdt.get_update(update, state)
    except Exception:  # a failed diff: count nothing as held (stricter, never looser)
        return {}
    if diff[:1] == b"\x00":  # no client has structs past the state vector
        return {}
    try:
        parsed = parse_update(diff)
    except MalformedUpdate:
        return {}
    held: dict[int, int] = {}
    for entry in parsed.clients:
        ends = [s.end_clock for s in entry.structs if s.kind is not StructKind.SKIP and s.length]
        if ends:
            held[entry.client] = max(ends)
    return held
