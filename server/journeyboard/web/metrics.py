"""Prometheus metrics, read from the live objects at scrape time (nothing on the hot path)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from journeyboard.cluster import NodeBus
from journeyboard.stores import Store
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.stats import Histogram


class RefusalCounts(Protocol):
    refused: dict[str, int]
    coalesced_awareness: int
    coalesced_queries: int
    coalesced_step1: int


class ServerCollector(Collector):
    def __init__(self, rooms: RoomManager, gate: RefusalCounts, store: Store, bus: NodeBus) -> None:
        self.rooms = rooms
        self.store = store
        self.bus = bus
        self.gate = gate

    def collect(self) -> Iterator[Metric]:
        rooms = self.rooms.rooms
        yield GaugeMetricFamily(
            "journeyboard_open_documents", "Documents loaded in memory", value=len(rooms)
        )
        yield GaugeMetricFamily(
            "journeyboard_open_sockets",
            "Sync sockets connected",
            value=sum(len(room.connections) for room in rooms.values()),
        )
        stats = self.rooms.stats
        yield CounterMetricFamily(
            "journeyboard_updates_in", "Updates accepted from clients", value=stats.updates_in
        )
        yield CounterMetricFamily(
            "journeyboard_frames_out", "Document frames sent to sockets", value=stats.frames_out
        )
        dropped = CounterMetricFamily(
            "journeyboard_dropped", "Messages dropped, by cause", labels=["cause"]
        )
        dropped.add_metric(["read_only_update"], stats.refused_writes)
        dropped.add_metric(["foreign_awareness"], stats.dropped_awareness)
        dropped.add_metric(["coalesced_awareness"], self.gate.coalesced_awareness)
        dropped.add_metric(["coalesced_query"], self.gate.coalesced_queries)
        dropped.add_metric(["coalesced_sync_step1"], self.gate.coalesced_step1)
        yield dropped
        yield CounterMetricFamily(
            "journeyboard_reverted_updates",
            "Participant updates reverted by the server because the board was locked",
            value=stats.reverted_updates,
        )
        yield CounterMetricFamily(
            "journeyboard_unreadable_updates",
            "Client or remote updates refused because they do not round-trip or failed to apply",
            value=stats.unreadable_updates,
        )
        yield CounterMetricFamily(
            "journeyboard_refused_claims",
            "Client updates refused for claiming clocks of another person's client id, or "
            "deleting clocks the room does not hold",
            value=stats.refused_claims,
        )
        yield CounterMetricFamily(
            "journeyboard_quarantined_updates",
            "Stored updates that loading could not apply, moved to quarantine (never deleted)",
            value=stats.quarantined_updates,
        )
        yield CounterMetricFamily(
            "journeyboard_stored_updates_repaired",
            "Stored updates yjs could not read, repaired on load (originals moved to quarantine)",
            value=stats.stored_updates_repaired,
        )
        yield CounterMetricFamily(
            "journeyboard_held_updates",
            "Updates held back until the clocks they wait for arrived (yrs could crash on them)",
            value=stats.held_updates,
        )
        yield CounterMetricFamily(
            "journeyboard_rebuilt_documents",
            "Documents rebuilt in memory after an update failed half-way through",
            value=stats.rebuilt_documents,
        )
        yield CounterMetricFamily(
            "journeyboard_stored_answers",
            "Fresh pages answered from a stored, sealed snapshot before their room applied it",
            value=stats.stored_answers,
        )
        yield CounterMetricFamily(
            "journeyboard_coalesced_updates",
            "Updates sent out merged with others because one store commit released them together",
            value=stats.coalesced_updates,
        )
        yield CounterMetricFamily(
            "journeyboard_merged_updates",
            "Updates that came from one socket in one read and went into the room as one",
            value=stats.merged_updates,
        )
        refused = CounterMetricFamily(
            "journeyboard_refused_sockets", "Sockets refused or closed, by cause", labels=["cause"]
        )
        for cause, count in sorted(self.gate.refused.items()):
            refused.add_metric([cause], count)
        yield refused
        for histogram in (stats.store_latency, stats.fanout_latency):
            yield _histogram(histogram)
        for counter in [*self.store.health_counters(), *self.bus.health_counters()]:
            yield CounterMetricFamily(counter.name, counter.documentation, value=counter.value)


class WorkerCounts(Protocol):
    @property
    def running(self) -> int: ...
    @property
    def waiting(self) -> int: ...

    completed: int
    killed: int
    refused_busy: int

    def pids(self) -> list[int]: ...


class WorkerCollector(Collector):
    """The worker pool (`workers.py`): jobs running and waiting, and what became of them."""

    def __init__(self, pool: WorkerCounts) -> None:
        self.pool = pool

    def collect(self) -> Iterator[Metric]:
        pool = self.pool
        yield GaugeMetricFamily(
            "journeyboard_worker_processes", "Worker processes alive", value=len(pool.pids())
        )
        yield GaugeMetricFamily(
            "journeyboard_worker_jobs_running", "Jobs running in workers", value=pool.running
        )
        yield GaugeMetricFamily(
            "journeyboard_worker_jobs_waiting", "Jobs waiting for a worker", value=pool.waiting
        )
        yield CounterMetricFamily(
            "journeyboard_worker_jobs_completed", "Jobs that answered", value=pool.completed
        )
        yield CounterMetricFamily(
            "journeyboard_worker_jobs_killed",
            "Jobs whose worker was killed or died (client gone, over budget or deadline)",
            value=pool.killed,
        )
        yield CounterMetricFamily(
            "journeyboard_worker_jobs_refused",
            "Jobs refused at once because the queue was full (503 busy)",
            value=pool.refused_busy,
        )


def _histogram(histogram: Histogram) -> HistogramMetricFamily:
    return HistogramMetricFamily(
        histogram.name,
        histogram.documentation,
        buckets=histogram.cumulative(),
        sum_value=histogram.total,
    )


def registry_for(
    rooms: RoomManager, gate: RefusalCounts, store: Store, bus: NodeBus
) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(ServerCollector(rooms, gate, store, bus))
    return registry
