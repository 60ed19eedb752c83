"""The workshop engine: every command handler, and the rules each open room follows.

A room's rules (is it locked, who may edit through the lock, how each person's presence is
stamped, who was removed) follow from the board's session document. Every node receives that
document and applies its changes, so every node derives the same rules from it: commands only
change the document, and never reach into the rooms of the node they happen to run on.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Subscription

from journeyboard.sync.manager import RoomManager
from journeyboard.sync.ports import Grant, RoomPolicy
from journeyboard.sync.room import Room
from journeyboard.workshop import documents, drafts, facilitation, people, voting
from journeyboard.workshop.boards import presence_of
from journeyboard.workshop.commands import Handler
from journeyboard.workshop.tokens import as_role

log = logging.getLogger(__name__)

HANDLERS: dict[str, Handler] = {
    **people.HANDLERS,
    **facilitation.HANDLERS,
    **voting.HANDLERS,
    **drafts.HANDLERS,
}


def policy_of(session: Map[Any], participants: Map[Any]) -> RoomPolicy:
    """The rules the `session` and `participants` roots of a board's session document set for
    its rooms (tolerant of odd entries). Observers get the roots beforehand: inside a
    transaction's callbacks a document cannot look a root up."""
    grants: dict[str, Grant] = {}
    barred: set[str] = set()
    for person_id, entry in participants.items():
        if not isinstance(entry, Map):
            continue
        principal = f"person:{person_id}"
        if entry.get("removed"):
            barred.add(principal)
            continue
        role = as_role(str(entry.get("role", "")))
        presence = presence_of(
            person_id, str(entry.get("name", "")), role, str(entry.get("color") or "")
        )
        grants[principal] = Grant(role == "facilitator", presence)
    return RoomPolicy(bool(session.get("locked", False)), grants, frozenset(barred))


@dataclass(slots=True)
class _Watch:
    """One room following its board's session document."""

    room: Room
    session: Room
    observed: tuple[tuple[Map[Any], Subscription], ...]


class PolicyKeeper:
    """Keeps every open room's policy in step with its board's session document: the
    manager's `RoomHooks` (`RoomManager(..., hooks=PolicyKeeper)`).

    A content room holds its session room open for as long as it is loaded, so the node keeps
    following the session document (and every change another node makes to it) meanwhile.
    """

    def __init__(self, rooms: RoomManager) -> None:
        self.rooms = rooms
        self._watches: dict[str, _Watch] = {}

    async def on_open(self, room: Room) -> None:
        """Hook for `RoomManager.on_open`: put the session's rules in force before first use."""
        self._forget(room.name)
        if documents.is_session(room.name):
            self._watch(room, room)
            return
        if documents.is_server_only(room.name):
            return  # the drafts document: no socket opens it, no rules to follow
        rooms = self.rooms
        name = documents.session_name(documents.board_of(room.name))
        session = await rooms.acquire(name)
        try:
            await rooms.bus.catch_up(name)
            self._watch(room, session)
        except BaseException:
            rooms.release(name)
            raise

    def on_unload(self, room: Room) -> None:
        """Hook for `RoomManager.on_unload`."""
        self._forget(room.name)

    def on_rebuild(self, rebuilt: Room) -> None:
        """Hook for `RoomManager.on_rebuild`: a session document rebuilt after a failed change
        is a new `Doc`, so every room following it observes the new one (and its rules)."""
        for watch in list(self._watches.values()):
            if watch.session is not rebuilt:
                continue
            for root, subscription in watch.observed:
                with contextlib.suppress(Exception):  # the old document may be gone already
                    root.unobserve(subscription)
            self._watch(watch.room, watch.session)

    def _watch(self, room: Room, session: Room) -> None:
        roots = _roots(session.doc)

        def follow(_event: object) -> None:
            try:
                room.apply_policy(policy_of(*roots))
            except Exception:
                log.exception("could not apply the session's rules to %s", room.name)

        observed = tuple((root, root.observe_deep(follow)) for root in roots)
        self._watches[room.name] = _Watch(room, session, observed)
        room.apply_policy(policy_of(*roots))

    def _forget(self, name: str) -> None:
        watch = self._watches.pop(name, None)
        if watch is None:
            return
        for root, subscription in watch.observed:
            root.unobserve(subscription)
        if watch.session is not watch.room:
            self.rooms.release(watch.session.name)


def _roots(doc: Doc[Any]) -> tuple[Map[Any], Map[Any]]:
    return doc.get("session", type=Map), doc.get("participants", type=Map)
