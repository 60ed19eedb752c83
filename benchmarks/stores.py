"""What each store costs on the sustained-writing scenario: SQLite, PostgreSQL, Redis.

    python benchmarks/stores.py [--runs 3] [--duration 10] [--writers 20] [--rate 100]
        [--targets sqlite,postgresql,postgresql+redis,redis] [--smoke] [--out docs/BENCHMARKS.md]

The scenario is compare.py's `persist`: `--writers` clients in one room, each sending `--rate`
small updates a second, every update received by every other writer (benchmarks/loadgen.py
measures send-to-receive latency at every receiver). It runs against each deployment, as
`journeyboard serve` subprocesses, interleaved (A, B, C, D, A, B, ...):

- `sqlite`: one node, the default embedded store (a file in a temporary directory);
- `postgresql`: one node, `--store postgresql://… --bus local`;
- `postgresql+redis`: two nodes, `--store postgresql://… --bus redis://…`, the writers split
  across them (the scaled-out deployment);
- `redis`: one node on the Redis-only store (`--store redis://…`), for reference.

Each PostgreSQL deployment has a cluster of its own (tests/pg.py: initdb in a temporary
directory, fsync on) and each Redis one a redis-server of its own (AOF, everysec), so that the
CPU read from a store's processes is that deployment's alone. CPU is read from /proc: the
journeyboard nodes, and the store's processes (the postmaster and every backend and helper it
forked; redis-server). Writes the "Stores" section of docs/BENCHMARKS.md between its markers
(benchmarks/sections.py); compare.py and browser.py keep it when they rewrite the file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # pg.py: a real PostgreSQL
import sections
from compare import wait_unloaded
from loadgen import fanout_rooms
from servers import create_board, room_url, start_journeyboard, start_redis, stop
from spreads import WIDE, Spread, figure

from pg import PostgresServer, running_postgres

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("sqlite", "postgresql", "postgresql+redis", "redis")
BASELINE = "sqlite"
GRACE = ("--grace", "2")
"""Rooms unload 2 s after the writers leave (10 s by default), so the wait between runs is short."""


# -- CPU from /proc --------------------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU s, CPU s of its reaped children) of one process, if it still runs."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (
        int(fields[1]),
        (int(fields[11]) + int(fields[12])) / tick,
        (int(fields[13]) + int(fields[14])) / tick,
    )


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and every process below it, those that ended included.

    A process that ended and was waited for is in its parent's children's time (Linux adds
    it up the tree), so own + reaped over the live tree counts everything once.
    """
    stats: dict[int, tuple[int, float, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            stats[int(entry.name)] = stat
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1] + stats[pid][2]
            todo.extend(children.get(pid, []))
    return total


# -- the deployments -------------------------------------------------------------------------


@dataclass
class Deployment:
    """One target: its journeyboard nodes and the processes of its store and bus, if any."""

    name: str
    nodes: list[tuple[subprocess.Popen[bytes], int]]
    store_pids: list[int]  # the postmaster, redis-servers; none for embedded SQLite

    @property
    def ports(self) -> list[int]:
        return [port for _, port in self.nodes]

    def node_cpu(self) -> float:
        return sum(tree_cpu(process.pid) for process, _ in self.nodes)

    def store_cpu(self) -> float:
        return sum(tree_cpu(pid) for pid in self.store_pids)

    def new_room(self) -> list[str]:
        """A fresh blank board; its room's URL on every node (the writers split over them)."""
        board = create_board(self.ports[0], template="blank")
        return [room_url(port, board) for port in self.ports]


def postmaster_pid(server: PostgresServer) -> int:
    return int((server.data / "postmaster.pid").read_text().split()[0])


@contextlib.contextmanager
def deployments(names: list[str], folder: Path) -> Iterator[list[Deployment]]:
    """Start every named target (its store and nodes); stop them all afterwards."""
    with contextlib.ExitStack() as stack:
        started: list[Deployment] = []

        def node(store: str, *extra: str) -> tuple[subprocess.Popen[bytes], int]:
            process, port = start_journeyboard(store, *GRACE, *extra)
            stack.callback(stop, process)
            return process, port

        def redis(label: str) -> tuple[int, str]:
            (folder / label).mkdir()
            process, port = start_redis(folder / label)
            stack.callback(stop, process)
            return process.pid, f"redis://127.0.0.1:{port}/0"

        for name in names:
            if name == "sqlite":
                store = f"sqlite:///{folder / 'bench.db'}"
                started.append(Deployment(name, [node(store)], []))
            elif name in ("postgresql", "postgresql+redis"):
                server = stack.enter_context(running_postgres())
                store = server.create_database()
                pid = postmaster_pid(server)
                if name == "postgresql":
                    started.append(Deployment(name, [node(store, "--bus", "local")], [pid]))
                else:
                    bus_pid, bus = redis("bus")
                    nodes = [node(store, "--bus", bus), node(store, "--bus", bus)]
                    started.append(Deployment(name, nodes, [pid, bus_pid]))
            elif name == "redis":
                pid, store = redis("redis-store")
                started.append(Deployment(name, [node(store)], [pid]))
            else:
                raise ValueError(f"unknown target {name!r}: one of {', '.join(TARGETS)}")
        yield started


# -- one measurement -------------------------------------------------------------------------


def settle(targets: list[Deployment], timeout: float = 15.0) -> None:
    """Wait until every process of every target is idle (one clock tick or less in 0.3 s).

    A store's background work (PostgreSQL's checkpointer and autovacuum, Redis's AOF) from
    one run would otherwise land in the next one's figures.
    """
    readers: list[Callable[[], float]] = [d.node_cpu for d in targets] + [
        d.store_cpu for d in targets
    ]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = [read() for read in readers]
        time.sleep(0.3)
        if all(read() - used <= 0.011 for read, used in zip(readers, before, strict=True)):
            return


def persist(target: Deployment, writers: int, rate: float, duration: float) -> dict[str, Any]:
    """compare.py's sustained writing against one target, with its nodes' and store's CPU."""
    room = target.new_room()
    nodes_before, store_before = target.node_cpu(), target.store_cpu()
    result = asyncio.run(fanout_rooms([room], writers, rate, duration))
    nodes_used = target.node_cpu() - nodes_before
    store_used = target.store_cpu() - store_before
    deliveries = max(result["deliveries"], 1)
    result["updates_per_s"] = round(result["sent"] / max(result["seconds"], 1e-9))
    result["node_cpu_s"] = round(nodes_used, 2)
    result["store_cpu_s"] = round(store_used, 2)
    result["node_cpu_us_per_delivery"] = round(nodes_used / deliveries * 1e6, 2)
    result["store_cpu_us_per_delivery"] = round(store_used / deliveries * 1e6, 2)
    result["cpu_us_per_delivery"] = round((nodes_used + store_used) / deliveries * 1e6, 2)
    return result


def run(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    raw: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp, deployments(args.targets, Path(tmp)) as targets:
        for number in range(args.runs):
            for target in targets:  # interleaved: A, B, C, D, A, B, ...
                wait_unloaded([port for d in targets for port in d.ports])
                settle(targets)
                result = persist(target, args.writers, args.rate, args.duration)
                print(f"run {number + 1} {target.name} {json.dumps(result)}", file=sys.stderr)
                raw.setdefault(target.name, []).append(result)
    return raw


# -- the report ------------------------------------------------------------------------------


def ratio(raw: dict[str, Any], name: str, key: str) -> Spread | None:
    """Run i of `name` over run i of SQLite (the runs interleave, so each pair ran together)."""
    if BASELINE not in raw or name == BASELINE:
        return None
    pairs = zip(raw[name], raw[BASELINE], strict=False)
    values = [float(a[key]) / float(b[key]) for a, b in pairs if float(b[key]) > 0]
    return Spread.of(values) if values else None


LABELS = {
    "sqlite": "SQLite, one node",
    "postgresql": "PostgreSQL, one node (`--bus local`)",
    "postgresql+redis": "PostgreSQL + Redis bus, two nodes",
    "redis": "Redis-only store, one node",
}
ROWS = (  # (key, heading, digits)
    ("p50_ms", "p50 ms", 2),
    ("p99_ms", "p99 ms", 2),
    ("updates_per_s", "updates/s", 0),
    ("node_cpu_us_per_delivery", "node CPU µs/delivery", 2),
    ("store_cpu_us_per_delivery", "store CPU µs/delivery", 2),
    ("cpu_us_per_delivery", "total CPU µs/delivery", 2),
)
RATIO_ROWS = ("p50_ms", "p99_ms", "cpu_us_per_delivery")


def version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError:
        return "?"
    return done.stdout.strip() or done.stderr.strip()


def machine() -> dict[str, Any]:
    """What the figures ran on (kept with the raw results, so --rerender can print it)."""
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return {
        "date": time.strftime("%Y-%m-%d"),
        "cores": os.cpu_count(),
        "arch": platform.machine(),
        "python": platform.python_version(),
        "postgresql": version([str(pg_bin[-1]), "--version"]) if pg_bin else "?",
        "redis": version(["redis-server", "--version"]).split(" sha=")[0],
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def report(raw: dict[str, Any], facts: dict[str, Any], args: dict[str, Any], command: str) -> str:
    names = [name for name in TARGETS if name in raw]
    first = raw[names[0]][0]
    lines = [
        sections.STORES_START,
        "## Stores: PostgreSQL and Redis against SQLite, sustained writing",
        "",
        f"Measured {facts['date']} with `{command}`: {first['clients']} writers in one room, each "
        f"sending {args['rate']:g} updates/s for {args['duration']:g} s, every update received "
        f"by every other writer (compare.py's `persist` scenario, benchmarks/loadgen.py in the "
        f"benchmark's process); the targets interleaved (A, B, C, D, A, ...), {args['runs']} "
        "runs each. Each cell is the median over the runs, with the spread (min–max) in "
        f"brackets; ⚠ marks a spread wider than {WIDE:.0%} of the median, a figure that did not "
        "reproduce.",
        "",
        f"- Machine: {facts['cores']} cores, {facts['arch']}, Python {facts['python']}, "
        f"{facts['postgresql']}, {facts['redis']}; load average "
        f"{' / '.join(str(x) for x in facts['load_average_before'])} (1 / 5 / 15 min) just "
        "before the run. The cores are shared: the nodes, the stores and the load generator "
        "run on them together, and other work ran on the machine at the same time.",
        "- Stores: SQLite in WAL mode with `synchronous=NORMAL` (a commit reaches the OS, not "
        "the disk). PostgreSQL as tests/pg.py starts it: its own cluster on the local disk, "
        "`fsync=on` and the default `synchronous_commit=on` (every group commit waits for "
        "its WAL flush to disk). Redis with AOF, `appendfsync everysec`. Each PostgreSQL "
        "target has a cluster of its own and each Redis a redis-server of its own. Nodes run "
        f"with `{' '.join(GRACE)}` so that rooms unload quickly between runs.",
        "- CPU per delivery is CPU seconds over deliveries. *Node* is the journeyboard "
        "processes (both nodes for two nodes; SQLite runs inside the node). *Store* is read "
        "from /proc: the postmaster and every backend, WAL writer, checkpointer and autovacuum "
        "worker below it, plus the bus's redis-server for PostgreSQL + Redis; the "
        "redis-server for the Redis store.",
        "",
        "| target | "
        + " | ".join(heading for _, heading, _ in ROWS)
        + " | lost | duplicates | generator CPU |",
        "|---|" + "---|" * (len(ROWS) + 3),
    ]
    for name in names:
        results = raw[name]
        cells = [figure(results, key).show(digits) for key, _, digits in ROWS]
        lost = sum(int(r["lost"]) for r in results)
        duplicates = sum(int(r.get("duplicates", 0)) for r in results)
        generator = max(float(r["generator_cpu_share"]) for r in results)
        lines.append(
            f"| {LABELS[name]} | "
            + " | ".join(cells)
            + f" | {lost} | {duplicates} | {generator:.2f} |"
        )
    if BASELINE in raw and len(names) > 1:
        lines += [
            "",
            "Against SQLite (run i of a target over run i of SQLite, which ran beside it; median "
            "and spread of those ratios):",
            "",
            "| target | p50 | p99 | total CPU per delivery |",
            "|---|---|---|---|",
        ]
        for name in names:
            if name == BASELINE:
                continue
            cells = []
            for key in RATIO_ROWS:
                spread = ratio(raw, name, key)
                cells.append("–" if spread is None else spread.show(2) + "×")
            lines.append(f"| {LABELS[name]} | " + " | ".join(cells) + " |")
    wide = [
        f"{LABELS[name]} {heading}"
        for name in names
        for key, heading, _ in ROWS
        if figure(raw[name], key).wide
    ]
    lines += [
        "",
        "Did not reproduce (spread over "
        + f"{WIDE:.0%} of the median): "
        + ("; ".join(wide) if wide else "none")
        + ". Lost: deliveries still missing a second after the writers stopped, over all runs. "
        "Duplicates: updates a writer received more than once (counted once in the latencies and "
        "the losses). Generator CPU: the largest share of a core the load generator used in any "
        "run.",
        *(["", str(args["note"])] if args.get("note") else []),
        "",
        "### Raw results (stores)",
        "",
        "```json",
        json.dumps({"machine": facts, "args": args, "runs": raw}, indent=1),
        "```",
        sections.STORES_END,
    ]
    return "\n".join(lines)


def parse_raw(section: str) -> dict[str, Any]:
    return dict(json.loads(section.split("```json\n", 1)[1].split("\n```", 1)[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--rate", type=float, default=100.0, help="updates/s per writer")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated")
    parser.add_argument("--note", default="", help="a paragraph printed with the figures")
    parser.add_argument("--smoke", action="store_true", help="seconds, not minutes; prints only")
    parser.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument(
        "--rerender", action="store_true", help="rewrite the section from the raw results it holds"
    )
    args = parser.parse_args()
    out = Path(args.out)
    if args.rerender:
        old = sections.stores_section(out.read_text(encoding="utf-8"))
        if old is None:
            raise SystemExit(f"{out} has no stores section")
        saved = parse_raw(old)
        command = old.split("with `", 1)[1].split("`", 1)[0]
        section = report(saved["runs"], saved["machine"], saved["args"], command)
        out.write_text(sections.with_stores_section(out.read_text(encoding="utf-8"), section))
        print(f"rewrote the stores section of {out}")
        return
    args.targets = [name.strip() for name in args.targets.split(",") if name.strip()]
    if args.smoke:
        args.runs, args.duration, args.writers, args.rate = 1, 1.0, 4, 20.0
    command = "python benchmarks/stores.py " + " ".join(sys.argv[1:])
    facts = machine()
    raw = run(args)
    settings = {"runs": args.runs, "duration": args.duration, "rate": args.rate}
    if args.note:
        settings["note"] = args.note
    section = report(raw, facts, settings, command.strip())
    if args.smoke:
        print(section)
        return
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    out.write_text(sections.with_stores_section(text, section), encoding="utf-8")
    print(f"wrote the stores section of {out}")


if __name__ == "__main__":
    main()
