"""What the rooms count: plain numbers and latency histograms, read by the metrics endpoint.

The sync core knows no metrics library; `web/metrics.py` turns these into Prometheus families.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Final

LATENCY_BUCKETS: Final = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
"""Seconds; from half a millisecond (a commit on an idle machine) to a stalled store."""


@dataclass(slots=True)
class Histogram:
    """Observations of a duration in fixed buckets (upper bounds, seconds), plus an overflow."""

    name: str
    documentation: str
    bounds: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.total += seconds

    def cumulative(self) -> list[tuple[str, int]]:
        """(upper bound, observations at or below it) per bucket, ending with "+Inf"."""
        running = 0
        out: list[tuple[str, int]] = []
        for bound, count in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


@dataclass(slots=True)
class RoomStats:
    """Counters shared by every room of a node."""

    updates_in: int = 0
    frames_out: int = 0
    refused_writes: int = 0
    dropped_awareness: int = 0
    reverted_updates: int = 0
    coalesced_updates: int = 0
    """Updates that went out merged with others (released by one commit)."""
    merged_updates: int = 0
    """Updates from one socket's read that went into the room as one (`sync/batches.py`)."""
    unreadable_updates: int = 0
    """Updates refused before storing because they do not round-trip, or failed to apply."""
    refused_claims: int = 0
    """Client updates refused for claiming another writer's clocks, or clocks the room does
    not hold (`sync/claims.py`)."""
    quarantined_updates: int = 0
    """Stored updates that loading could not apply, moved aside (never deleted)."""
    stored_updates_repaired: int = 0
    """Stored updates yjs could not read, repaired on load (the originals moved aside)."""
    held_updates: int = 0
    """Updates held back until the clocks they wait for arrived (`waits_for_missing`)."""
    rebuilt_documents: int = 0
    stored_answers: int = 0
    """Fresh pages answered from a stored, sealed snapshot before their room applied it."""
    """Times a room rebuilt its document after an update failed half-way through."""
    store_latency: Histogram = field(
        default_factory=lambda: Histogram(
            "journeyboard_store_write_seconds",
            "From an update's arrival to the store's commit that covers it",
        )
    )
    fanout_latency: Histogram = field(
        default_factory=lambda: Histogram(
            "journeyboard_fanout_seconds",
            "From an update's arrival to its frame written to every other socket in the room",
        )
    )
