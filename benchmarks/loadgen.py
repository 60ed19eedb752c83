"""A y-websocket load generator: any number of clients in one room, each sending small updates.

It speaks the plain y-websocket protocol, so it runs against journeyboard and the reference
server alike. Every update writes a map key holding a unique marker; a receiver finds the
marker in the frame with a byte search (no Yjs decoding on the receive path), so
send-to-receive latency is measured at every receiver, whatever the server re-encodes.

    python benchmarks/loadgen.py --url ws://127.0.0.1:8000/ws/BOARD?token=T \
        [--url ws://other-node/...] --clients 200 --rate 1 --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import websockets
from pycrdt import Doc, Map, TransactionEvent

from journeyboard.sync.protocol import encode_sync_update

SYNC_STEP1_EMPTY = b"\x00\x00\x01\x00"
MARK = b"m!"
MARK_LEN = 16


@dataclass
class Results:
    sent: dict[bytes, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    received: int = 0
    connect_errors: int = 0
    closed_early: int = 0
    duplicates: int = 0  # a marker a client had already received


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Client:
    def __init__(self, url: str, number: int, results: Results) -> None:
        self.url = url
        self.number = number
        self.results = results
        self.synced = asyncio.Event()
        self.ws: Any = None
        self.doc: Doc[Any] = Doc()
        self.map = self.doc.get("bench", type=Map)
        self.seq = 0
        self.tag = f"{number:06d}".encode()
        self.seen: set[bytes] = set()

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.url, max_size=None, ping_interval=None, compression=None, open_timeout=60
        )
        await self.ws.send(SYNC_STEP1_EMPTY)

    async def read(self) -> None:
        results = self.results
        sent = results.sent
        latencies = results.latencies
        try:
            async for frame in self.ws:
                if frame[:2] == b"\x00\x01":
                    self.synced.set()
                    continue
                if frame[:2] != b"\x00\x02":
                    continue
                # One frame may carry several updates (a server that merges them under load).
                at = frame.find(MARK)
                while at >= 0:
                    marker = frame[at : at + MARK_LEN]
                    at = frame.find(MARK, at + MARK_LEN)
                    if marker[2:8] == self.tag:
                        continue  # our own update echoed back (the reference always does)
                    started = sent.get(marker)
                    if started is not None and marker in self.seen:
                        results.duplicates += 1  # counted once: latency and losses stay honest
                    elif started is not None:
                        self.seen.add(marker)
                        latencies.append(time.perf_counter() - started)
                        results.received += 1
        except websockets.ConnectionClosed:
            results.closed_early += 1

    def next_frame(self) -> tuple[bytes, bytes]:
        self.seq += 1
        marker = MARK + f"{self.number:06d}{self.seq:08d}".encode()
        updates: list[bytes] = []

        def capture(event: TransactionEvent) -> None:
            updates.append(event.update)

        subscription = self.doc.observe(capture)
        self.map[marker.decode()] = self.seq
        self.doc.unobserve(subscription)
        return marker, encode_sync_update(updates[0])

    async def send_loop(self, rate: float, until: float) -> None:
        interval = 1.0 / rate
        await asyncio.sleep(random.random() * interval)
        next_at = time.perf_counter()
        while time.perf_counter() < until:
            marker, frame = self.next_frame()
            self.results.sent[marker] = time.perf_counter()
            await self.ws.send(frame)
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))


async def fanout(urls: list[str], clients: int, rate: float, duration: float) -> dict[str, Any]:
    """One room: `clients` clients spread over the node URLs of that room."""
    return await fanout_rooms([urls], clients, rate, duration)


async def fanout_rooms(
    rooms: list[list[str]], clients_per_room: int, rate: float, duration: float
) -> dict[str, Any]:
    """Several rooms at once; return latency percentiles (ms), deliveries and losses.

    Up to 999 rooms of up to 1,000 clients: a client's number fits the marker's six digits.
    """
    per_room = [Results() for _ in rooms]
    pool = [
        Client(urls[i % len(urls)], room * 1000 + i, per_room[room])
        for room, urls in enumerate(rooms)
        for i in range(clients_per_room)
    ]
    connect_errors = 0
    for start in range(0, len(pool), 50):  # connect in waves so the accept queue keeps up
        outcome = await asyncio.gather(
            *(c.connect() for c in pool[start : start + 50]), return_exceptions=True
        )
        connect_errors += sum(isinstance(o, BaseException) for o in outcome)
    live = [c for c in pool if c.ws is not None]
    readers = [asyncio.create_task(c.read()) for c in live]
    await asyncio.wait_for(asyncio.gather(*(c.synced.wait() for c in live)), 60)
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    until = started + duration
    await asyncio.gather(*(c.send_loop(rate, until) for c in live))
    await asyncio.sleep(1.0)  # let the last deliveries land
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    for c in live:
        await c.ws.close()
    await asyncio.gather(*readers, return_exceptions=True)
    expected = sum(
        len(results.sent) * (sum(c.results is results for c in live) - 1) for results in per_room
    )
    received = sum(results.received for results in per_room)
    latencies_ms = [x * 1000 for results in per_room for x in results.latencies]
    generator_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (
        cpu_before.ru_utime + cpu_before.ru_stime
    )
    return {
        "rooms": len(rooms),
        "clients": len(live),
        "nodes": len(rooms[0]),
        "sent": sum(len(results.sent) for results in per_room),
        "deliveries": received,
        "expected": expected,
        "lost": expected - received,
        "duplicates": sum(results.duplicates for results in per_room),
        "seconds": round(elapsed - 1.0, 2),
        "deliveries_per_s": round(received / (elapsed - 1.0)),
        "p50_ms": round(percentile(latencies_ms, 0.50), 2),
        "p95_ms": round(percentile(latencies_ms, 0.95), 2),
        "p99_ms": round(percentile(latencies_ms, 0.99), 2),
        "max_ms": round(max(latencies_ms, default=float("nan")), 2),
        "mean_ms": round(statistics.fmean(latencies_ms), 2) if latencies_ms else None,
        "generator_cpu_share": round(generator_cpu / elapsed, 2),
        "connect_errors": connect_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", action="append", required=True, help="room URL (repeatable)")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1.0, help="updates per second per client")
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(fanout(args.url, args.clients, args.rate, args.duration))))


if __name__ == "__main__":
    main()
