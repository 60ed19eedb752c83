"""Between nodes: the bus that carries committed updates, presence and control messages from
one node to the others, the heartbeat that notices a dead node, and the per-board command lock.

`open_bus` picks the bus for a store by what the store says it pairs with, never by its
class: none for one node (`LocalBus`); Redis in front of a log every node shares
(`Store.shared_log`, `--store postgresql://… --bus redis://…`: `RedisBus` with a
`SharedLogFeed`); or the store's own log streams (`Store.log_streams`, `--store redis://…`
alone: `RedisBus` with a `StoreStreamFeed`, which tails them).

The bus takes what it reports, `StoreError` and `HealthCounter`, from the sync core's ports,
not from the stores.
"""

from __future__ import annotations

from typing import Protocol, Self

from journeyboard.stores.base import Store
from journeyboard.sync.ports import Bus, HealthCounter


class NodeBus(Bus, Protocol):
    """A bus with a lifetime: started before the rooms open, closed after they close."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    def health_counters(self) -> list[HealthCounter]:
        """What this bus counts for operators."""
        ...


def open_bus(store: Store, bus_url: str | None) -> NodeBus:
    """The bus for a store and an optional `--bus` URL; ValueError when they do not fit."""
    streams = store.log_streams()
    if streams is not None:
        if bus_url is not None:
            raise ValueError("a Redis store carries its own bus: leave --bus out")
        from journeyboard.cluster.feeds import StoreStreamFeed
        from journeyboard.cluster.redis import RedisBus

        return RedisBus(streams.url, StoreStreamFeed(streams), prefix=streams.prefix)
    shared = store.shared_log()
    if bus_url is None:
        if shared is not None:
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
    if shared is None:
        raise ValueError("--bus needs a store every node shares: use --store postgresql://…")
    from journeyboard.cluster.feeds import SharedLogFeed
    from journeyboard.cluster.redis import RedisBus

    return RedisBus(bus_url, SharedLogFeed(shared))
