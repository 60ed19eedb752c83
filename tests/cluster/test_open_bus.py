"""Which bus a node gets for its store, and the clear refusals for combinations that would
leave nodes deaf to each other."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from journeyboard import cluster
from journeyboard.cluster import open_bus
from journeyboard.cluster.local import LocalBus
from journeyboard.stores.base import SharedLog
from journeyboard.stores.memory import MemoryStore
from journeyboard.stores.sqlite import SQLiteStore


def test_one_node_gets_the_local_bus(tmp_path: Path) -> None:
    assert isinstance(open_bus(SQLiteStore(tmp_path / "b.db"), None), LocalBus)
    assert isinstance(open_bus(MemoryStore(), "local"), LocalBus)


def test_a_bus_needs_a_store_every_node_shares(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"--store postgresql://"):
        open_bus(SQLiteStore(tmp_path / "b.db"), "redis://127.0.0.1:6379/0")


def test_an_unknown_bus_url_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unsupported bus URL 'nats://x'"):
        open_bus(MemoryStore(), "nats://x")


class SharedMemoryStore(MemoryStore):
    """A store that says every node shares its log, as PostgreSQL does."""

    def shared_log(self) -> SharedLog:
        return self  # type: ignore[return-value]  # open_bus only asks whether there is one


def test_a_shared_store_without_a_bus_is_refused() -> None:
    with pytest.raises(ValueError, match=r"--bus redis://"):
        open_bus(SharedMemoryStore(), None)


def test_the_store_not_its_class_picks_the_bus() -> None:
    """open_bus asks the store what it pairs with (`shared_log`, `log_streams`); a shared
    store may still run alone with `--bus local`."""
    assert isinstance(open_bus(SharedMemoryStore(), "local"), LocalBus)
    source = inspect.getsource(cluster)
    assert "isinstance" not in source and "RedisStore" not in source
