"""Cluster overhead: one node against two nodes on Redis, one board, clients split across nodes.

    python benchmarks/cluster.py [--clients 200] [--duration 10] [--runs 3]

Runs are interleaved (one node, two nodes, one node, ...) and the medians reported. On one
2-core machine, two nodes share the cores with Redis and the load generator: this measures the
overhead of going through Redis, not a scale-out gain.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from loadgen import fanout
from servers import create_board, room_url, start_journeyboard, start_redis, stop


def run(clients: int, duration: float, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        redis, redis_port = start_redis(Path(tmp))
        store = f"redis://127.0.0.1:{redis_port}/0"
        (node_a, port_a), (node_b, port_b) = start_journeyboard(store), start_journeyboard(store)
        try:
            samples: dict[str, list[dict[str, Any]]] = {"one_node": [], "two_nodes": []}
            for _ in range(runs):
                for label, ports in (("one_node", [port_a]), ("two_nodes", [port_a, port_b])):
                    board = create_board(port_a)
                    urls = [room_url(port, board) for port in ports]
                    result = asyncio.run(fanout(urls, clients, 1.0, duration))
                    print(label, json.dumps(result), file=sys.stderr)
                    samples[label].append(result)
        finally:
            for process in (node_a, node_b, redis):
                stop(process)
    summary: dict[str, Any] = {}
    for label, results in samples.items():
        summary[label] = {
            key: statistics.median(r[key] for r in results)
            for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "deliveries_per_s", "lost")
        }
        summary[label]["generator_cpu_share"] = max(r["generator_cpu_share"] for r in results)
    summary["added_p99_ms"] = round(
        summary["two_nodes"]["p99_ms"] - summary["one_node"]["p99_ms"], 2
    )
    summary["runs"] = runs
    summary["clients"] = clients
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(run(args.clients, args.duration, args.runs), indent=2))
