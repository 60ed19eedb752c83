"""Between nodes: the bus that carries committed updates, presence and control messages from
one node to the others, the heartbeat that notices a dead node, and the per-board command lock.

`open_bus` picks the bus for a store: none for one node (`LocalBus`); Redis in front of a
shared system of record (`--store postgresql://… --bus redis://…`, `RedisBus` with a
`SharedLogFeed`); or, on Redis alone (`--store redis://…`), `RedisBus` with a
`StoreStreamFeed`, which tails the store's own document streams.
"""

from __future__ import annotations

from typing import Protocol, Self

from journeyboard.stores import Store
from journeyboard.stores.base import HealthCounter
from journeyboard.sync.ports import Bus


class NodeBus(Bus, Protocol):
    """A bus with a lifetime: started before the rooms open, closed after they close."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    def health_counters(self) -> list[HealthCounter]:
        """What this bus counts for operators."""
        ...


def open_bus(store: Store, bus_url: str | None) -> NodeBus:
    """The bus for a store and an optional `--bus` URL; ValueError when they do not fit."""
    from journeyboard.stores.redis import RedisStore

    if isinstance(store, RedisStore):
        if bus_url is not None:
            raise ValueError("a Redis store carries its own bus: leave --bus out")
        from journeyboard.cluster.feeds import StoreStreamFeed
        from journeyboard.cluster.redis import RedisBus

        return RedisBus(store.url, StoreStreamFeed(store), prefix=store.prefix)
    if bus_url is None:
        if store.shared:
            raise ValueError(
                "several nodes share this store: give them a bus with --bus redis://host:6379/0"
                " (or run one node with --bus local)"
            )
        from journeyboard.cluster.local import LocalBus

        return LocalBus()
    if bus_url == "local":
        from journeyboard.cluster.local import LocalBus

        return LocalBus()
    if not bus_url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"unsupported bus URL {bus_url!r}: use redis://host:port/0")
    if not store.shared:
        raise ValueError("--bus needs a store every node shares: use --store postgresql://…")
    from journeyboard.cluster.feeds import SharedLogFeed
    from journeyboard.cluster.redis import RedisBus

    return RedisBus(bus_url, SharedLogFeed(store))
