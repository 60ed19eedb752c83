"""Seals: a stored proof that a document's first stored parts passed the load-time check.

Loading a room reads every stored byte with `yupdate.parse_update` (`updates.check_stored`)
before anyone is answered from it (RULINGS.md). For a 2,000-card board that is about 130 ms
of pure Python on every cold start, for bytes the node already checked the last time it
loaded them or compacted them. A seal records that check: for the first `parts` stored
updates of a document, the SHA-256 of each, in order, and the surrogate pairs the check
found in them (`updates.Pairs`, which the room needs to screen later updates), under an HMAC
keyed with a key derived from the node's secret (`JOURNEYBOARD_SECRET`).

A seal is only written for parts that passed cleanly: each read as yjs reads it, nothing
repaired, nothing quarantined, and, applied in order to an empty document, none waited for
clocks the log lacks. So on load, parts a valid seal covers are applied as they are, without
being read again; everything after them is checked as before, and any doubt (a seal that
does not verify, parts whose digest differs, a secret that changed, a checker version that
changed, or anything after the sealed parts that needs a repair) falls back to the full
check. A file tampered with outside the node changes the digest of what it touches, and the
seal cannot be forged without the secret, so a tampered part is still read, and refused or
repaired, as before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from journeyboard.sync.splitting import Cut
from journeyboard.sync.updates import Cuts, Pairs, apply_tolerantly, check_stored

CHECK_VERSION: Final = 1
"""The rules of `yupdate.parse_update` and `updates.check_stored` a seal vouches for. Bump it
whenever they refuse something they accepted before: every seal made under the old rules is
then ignored and the stored bytes are read again."""

_KEY_PURPOSE: Final = b"journeyboard: stored parts passed the load-time check"


def seal_key(secret: str) -> bytes:
    """The seals' own key, derived from the node's secret (never the token key itself)."""
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class Sealed:
    """What a valid seal vouches for: the first `parts` stored updates, and their pairs."""

    parts: int
    pairs: Pairs
    state: bytes | None = None
    """The state vector of a document built from those parts, when the seal records it (a
    room may then answer a fresh page from the stored bytes before it applies them)."""
    cuts: Cuts | None = None
    """How the large ones among those parts applied in pieces (`updates.apply_in_pieces`),
    by index, so that they apply so again without being read."""


def _digest(parts: Sequence[bytes]) -> str:
    chain = hashlib.sha256()
    for part in parts:
        chain.update(hashlib.sha256(part).digest())
    return chain.hexdigest()


def _body(
    name: str, parts: int, digest: str, pairs: Pairs, state: bytes | None, cuts: Cuts
) -> bytes:
    listed = {str(client): sorted(clocks) for client, clocks in sorted(pairs.items())}
    fields: dict[str, object] = {
        "v": CHECK_VERSION,
        "doc": name,
        "parts": parts,
        "digest": digest,
        "pairs": listed,
    }
    if state is not None:
        fields["state"] = state.hex()
    if cuts:
        fields["cuts"] = {str(index): cut.to_json() for index, cut in sorted(cuts.items())}
    return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("utf-8")


def make_seal(
    key: bytes,
    name: str,
    parts: Sequence[bytes],
    pairs: Pairs,
    state: bytes | None = None,
    cuts: Cuts | None = None,
) -> bytes:
    """A seal over `parts`, the first stored updates of document `name`, which passed the
    load-time check cleanly with these surrogate pairs; `state`, the state vector of a
    document built from exactly these parts, and `cuts`, how they applied in pieces, are
    recorded with it when given."""
    kept = {index: cut for index, cut in (cuts or {}).items() if index < len(parts)}
    body = _body(name, len(parts), _digest(parts), pairs, state, kept)
    mac = hmac.new(key, body, hashlib.sha256).hexdigest()
    return json.dumps({"body": body.decode("utf-8"), "mac": mac}).encode("utf-8")


def open_seal(key: bytes, name: str, seal: bytes, stored: Sequence[bytes]) -> Sealed | None:
    """What `seal` vouches for among the `stored` parts of document `name`, or None when it
    vouches for nothing (malformed, forged, made under another key or checker version, or
    over parts that are not the first ones stored now)."""
    try:
        outer = json.loads(seal)
        body = outer["body"].encode("utf-8")
        mac = outer["mac"]
        if not isinstance(mac, str):
            return None
        expected = hmac.new(key, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, mac):
            return None
        fields = json.loads(body)
        parts = fields["parts"]
        if fields["v"] != CHECK_VERSION or fields["doc"] != name:
            return None
        if not isinstance(parts, int) or not 0 < parts <= len(stored):
            return None
        if not hmac.compare_digest(_digest(stored[:parts]), str(fields["digest"])):
            return None
        pairs: Pairs = {int(client): set(clocks) for client, clocks in fields["pairs"].items()}
        state = fields.get("state")
        recorded = None if state is None else bytes.fromhex(state)
        cuts: Cuts = {}
        for index, cut in fields.get("cuts", {}).items():
            if not 0 <= int(index) < parts:
                return None
            cuts[int(index)] = Cut.from_json(cut, len(stored[int(index)]))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeError):
        return None
    return Sealed(parts, pairs, recorded, cuts)


def seal_if_clean(name: str, key: bytes, stored: Sequence[bytes]) -> bytes | None:
    """A seal over `stored` when every part passes the load-time check and applies, in
    order, to an empty document without waiting; None otherwise (a load then repairs).

    Seconds of pure Python for a large board (`check_stored`): a store runs it in its
    compactor's process (`UpdateLog.seal_parts`), never on the event loop."""
    check = check_stored(stored)
    if check.repairs or check.appended or len(check.updates) != len(stored):
        return None
    waiting: list[int] = []
    cuts: Cuts = {}
    doc, skipped = apply_tolerantly(check.updates, waiting, check.parsed, cuts)
    if skipped or waiting:
        return None
    return make_seal(key, name, stored, check.pairs, doc.get_state(), cuts)
