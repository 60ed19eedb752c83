"""The bus of a single node: nobody to tell, so following and publishing do nothing, and the
board lock is an in-process lock."""

from __future__ import annotations

import contextlib
from typing import Any, Self

from journeyboard.sync.ports import ControlHandler, Follower, HealthCounter, KeyedLocks, Position


class LocalBus:
    """One process serves every socket of every board (the embedded SQLite deployment)."""

    node_id = "local"

    def __init__(self) -> None:
        self._locks = KeyedLocks()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        return None

    def health_counters(self) -> list[HealthCounter]:
        return []

    def follow(self, name: str, follower: Follower, since: Position) -> None:
        return None

    def unfollow(self, name: str) -> None:
        return None

    def committed(self, name: str, seq: int, update: bytes) -> None:
        return None

    def publish_awareness(self, name: str, payload: bytes) -> None:
        return None

    async def catch_up(self, name: str) -> None:
        return None

    def publish_control(self, message: dict[str, Any]) -> None:
        return None

    def on_control(self, handler: ControlHandler) -> None:
        return None

    def board_lock(self, board_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self._locks.hold(board_id)
