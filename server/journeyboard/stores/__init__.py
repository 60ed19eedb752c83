"""Pluggable persistence: pick a store from a URL.

A store is two interfaces (`stores/base.py`): the log of each document that rooms use
(`sync.ports.UpdateLog`) and the board records the workshop uses (`stores.records.BoardRecords`).
"""

from __future__ import annotations

from pathlib import Path

from journeyboard.stores.base import Store
from journeyboard.stores.records import (
    BoardRecord,
    BoardRecords,
    Mark,
    MetricsRecord,
    MetricValue,
    PersonRecord,
)
from journeyboard.sync.ports import StoreError, UpdateLog

__all__ = [
    "BoardRecord",
    "BoardRecords",
    "Mark",
    "MetricValue",
    "MetricsRecord",
    "PersonRecord",
    "Store",
    "StoreError",
    "UpdateLog",
    "open_store",
    "sqlite_path",
]


def sqlite_path(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL, or None for other schemes."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return None
    # As in SQLAlchemy: sqlite:///rel/file.db is relative, sqlite:////abs/file.db absolute.
    rest = url[len(prefix) :]
    if not rest:
        raise ValueError("sqlite URL without a file path")
    return Path(rest)


def open_store(url: str) -> Store:
    """Build the store a URL names; raise ValueError for an unknown one.

    `sqlite:///file.db` (embedded, one process), `redis://host:port/db[?prefix=jb:]`
    (shared by several nodes) or `postgresql://user@host:port/db` (the system of record of
    several nodes; `postgres://` too).
    """
    path = sqlite_path(url)
    if path is not None:
        from journeyboard.stores.sqlite import SQLiteStore

        return SQLiteStore(path)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from journeyboard.stores.redis import RedisStore

        return RedisStore(url)
    if url.startswith(("postgresql://", "postgres://")):
        from journeyboard.stores.postgresql import PostgreSQLStore

        return PostgreSQLStore(url)
    raise ValueError(
        f"unsupported store URL {url!r}: use sqlite:///path/to/file.db, redis://host:port/0 "
        "or postgresql://user@host:port/db"
    )
