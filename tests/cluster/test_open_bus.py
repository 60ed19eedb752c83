"""Which bus a node gets for its store, and the clear refusals for combinations that would
leave nodes deaf to each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeyboard.cluster import open_bus
from journeyboard.cluster.local import LocalBus
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


def test_a_shared_store_without_a_bus_is_refused() -> None:
    store = MemoryStore()
    store.shared = True  # as PostgreSQL is
    with pytest.raises(ValueError, match=r"--bus redis://"):
        open_bus(store, None)
