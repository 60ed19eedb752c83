"""journeyboard against the reference y-websocket server, side by side, on this machine.

    python benchmarks/compare.py [--runs 3] [--duration 10] [--idle-sockets 1000] [--smoke]
    python benchmarks/compare.py --workshop [...]   (benchmarks/workshop.py, with its flags)

Installs the reference server (`@y/websocket-server`) from the npm registry into a temporary
folder, starts both servers, and runs the same scenarios against each, interleaved (A, B, A,
B, ...). Writes docs/BENCHMARKS.md with the raw figures, the medians and the ratios to the
reference. journeyboard runs with its durable store on (SQLite, commit before fan-out); the
reference keeps nothing on disk.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import websockets
from pycrdt import Doc, Map, Text

from journeyboard.sync.protocol import encode_sync_update

sys.path.insert(0, str(Path(__file__).parent))
import rawclient
import sections
from loadgen import SYNC_STEP1_EMPTY, fanout_rooms, percentile
from servers import create_board, free_port, room_url, start_journeyboard, start_redis, stop

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = "@y/websocket-server@0.1.1"  # 0.1.5 needs @y/y, which the registry here lacks


NOTES = (Path(__file__).parent / "notes.md").read_text(encoding="utf-8")
"""Standing caveats printed with every report (benchmarks/notes.md)."""


@dataclass
class Target:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    new_room: Callable[[], str]  # returns a room URL

    @property
    def pid(self) -> int:
        return self.process.pid


def cpu_seconds(pid: int) -> float:
    """A server's CPU seconds: its own, its ended children's, and its live descendants' (the
    store's compaction process, export workers: work a server moved out of its process is
    still its work)."""
    ticks = 0
    stats = _process_stats()
    pending = [pid]
    while pending:
        current = pending.pop()
        fields = stats.get(current)
        if fields is None:
            continue
        ticks += sum(int(field) for field in fields[11:15])  # utime stime cutime cstime
        pending.extend(child for child, other in stats.items() if int(other[1]) == current)
    return ticks / os.sysconf("SC_CLK_TCK")


def _process_stats() -> dict[int, list[str]]:
    """The fields after the command of every process's /proc/PID/stat (state, ppid, ...)."""
    stats = {}
    for path in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(path.parent.name)] = path.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
    return stats


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def settle(pids: list[int], timeout: float = 15.0) -> None:
    """Wait until the servers are idle (under 2% of a core for 0.3 s).

    Closing 10,000 sockets keeps a server busy for a while after the client is done; a
    scenario that starts then would measure that cleanup too.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = [cpu_seconds(pid) for pid in pids]
        time.sleep(0.3)
        if all(cpu_seconds(pid) - used < 0.006 for pid, used in zip(pids, before, strict=True)):
            return


def open_documents(port: int) -> float:
    # 30 s: a node that unloads and compacts (then seals) a big board on a machine shared with
    # other work can take over 5 s to answer, and a timeout would abort the whole benchmark.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("journeyboard_open_documents "):
                return float(line.split()[1])
    return 0.0


def wait_unloaded(ports: list[int], timeout: float = 30.0) -> None:
    """Wait until journeyboard servers hold no document from the previous scenario.

    A room stays loaded for its grace period (10 s) after its last socket leaves, so that a
    reconnect finds it warm. Dropping it then (a 2,000-card board, after the join scenario)
    would land in the middle of the next scenario's measurement.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(open_documents(port) == 0 for port in ports):
            return
        time.sleep(0.5)


def start_reference(folder: Path) -> Target:
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(folder), REFERENCE],
        check=True,
    )  # fmt: skip
    script = folder / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
    port = free_port()
    process = subprocess.Popen(
        ["node", str(script)], env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            asyncio.run(_probe(f"ws://127.0.0.1:{port}/probe"))
            break
        except OSError:
            time.sleep(0.1)
    return Target(
        "y-websocket", process, port, lambda: f"ws://127.0.0.1:{port}/room-{uuid.uuid4().hex}"
    )


async def _probe(url: str) -> None:
    async with websockets.connect(url, open_timeout=2):
        pass


IDLE_LIMITS = ("--limit", "sockets_per_address=100000", "--limit", "sockets_per_board=100000")
"""The idle scenario opens up to 10,000 sockets from one address; every other limit is default."""


def start_ours(folder: Path) -> Target:
    process, port = start_journeyboard(f"sqlite:///{folder / 'bench.db'}", *IDLE_LIMITS)
    return Target(
        "journeyboard",
        process,
        port,
        lambda: room_url(port, create_board(port, template="blank")),
    )


# -- scenarios -----------------------------------------------------------------------------


def fanout(target: Target, rooms: int, clients: int, duration: float) -> dict[str, Any]:
    """`rooms` rooms of `clients` clients, each sending one small update a second."""
    return fanout_target(
        target, [[target.new_room()] for _ in range(rooms)], clients, 1.0, duration
    )


def board_update(cards: int) -> bytes:
    doc: Doc[Any] = Doc()
    with doc.transaction():
        target = doc.get("cards", type=Map)
        for i in range(cards):
            target[f"card{i:05d}"] = Map(
                {"kind": "note", "stage": "s1", "pos": f"a{i:05d}", "text": Text(f"Card {i} " * 4)}
            )
    return doc.get_update()


async def _join(url: str, update: bytes, joiners: int) -> list[float]:
    length = len(update)
    async with websockets.connect(url, max_size=None, ping_interval=None) as writer:
        await writer.send(SYNC_STEP1_EMPTY)
        await writer.send(encode_sync_update(update))
        await asyncio.sleep(1.0)  # stored (journeyboard commits before anyone sees it)

        async def one() -> float:
            loop = asyncio.get_running_loop()
            synced: asyncio.Future[float] = loop.create_future()

            def on_frame(frame: memoryview) -> None:
                if frame[:2] == b"\x00\x01" and len(frame) > length and not synced.done():
                    synced.set_result(time.perf_counter() - started)

            started = time.perf_counter()
            sock = await rawclient.connect(url, on_frame)
            sock.send(SYNC_STEP1_EMPTY)
            try:
                return await asyncio.wait_for(synced, 60)
            finally:
                sock.close()

        return await asyncio.gather(*(one() for _ in range(joiners)))


def join(target: Target, cards: int, joiners: int) -> dict[str, Any]:
    update = board_update(cards)
    times = [t * 1000 for t in asyncio.run(_join(target.new_room(), update, joiners))]
    return {
        "cards": cards,
        "update_bytes": len(update),
        "joiners": joiners,
        "p50_ms": round(percentile(times, 0.5), 1),
        "max_ms": round(max(times), 1),
    }


async def _idle(urls: list[str], sockets: int, pid: int) -> dict[str, Any]:
    before = rss_bytes(pid)
    opened: list[rawclient.RawSocket] = []
    for start in range(0, sockets, 100):
        batch = await asyncio.gather(
            *(
                rawclient.connect(urls[i % len(urls)])
                for i in range(start, min(sockets, start + 100))
            )
        )
        for sock in batch:
            sock.send(SYNC_STEP1_EMPTY)
        opened.extend(batch)
    await asyncio.sleep(3.0)
    after = rss_bytes(pid)
    still_open = sum(1 for sock in opened if not sock.closed.done())
    for sock in opened:
        sock.close()
    return {
        "sockets": len(opened),
        "still_open": still_open,
        "rss_before_mb": round(before / 2**20, 1),
        "rss_after_mb": round(after / 2**20, 1),
        "kb_per_socket": round((after - before) / len(opened) / 1024, 2),
    }


def idle(target: Target, sockets: int) -> dict[str, Any]:
    urls = [target.new_room() for _ in range(max(1, sockets // 500))]
    return asyncio.run(_idle(urls, sockets, target.pid))


# -- the run -------------------------------------------------------------------------------


def persist(target: Target, writers: int, rate: float, duration: float) -> dict[str, Any]:
    """Sustained writing: every writer sends `rate` updates a second, everyone receives."""
    return fanout_target(target, [[target.new_room()]], writers, rate, duration)


def fanout_target(
    target: Target, rooms: list[list[str]], clients: int, rate: float, duration: float
) -> dict[str, Any]:
    before = cpu_seconds(target.pid)
    result = asyncio.run(fanout_rooms(rooms, clients, rate, duration))
    used = cpu_seconds(target.pid) - before
    result["server_cpu_s"] = round(used, 2)
    result["cpu_us_per_delivery"] = round(used / max(result["deliveries"], 1) * 1e6, 2)
    result["updates_per_s"] = round(result["sent"] / max(result["seconds"], 1e-9))
    return result


def cluster(port_a: int, ports: list[int], clients: int, duration: float) -> dict[str, Any]:
    """One board on Redis, its clients split across `ports` (one node or two)."""
    board = create_board(port_a, template="blank")
    urls = [room_url(port, board) for port in ports]
    return asyncio.run(fanout_rooms([urls], clients, 1.0, duration))


# -- the run -------------------------------------------------------------------------------

Measure = Callable[[], dict[str, Any]]


def run(args: argparse.Namespace) -> dict[str, Any]:
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "redis").mkdir()
        redis, redis_port = start_redis(folder / "redis")
        redis_store = f"redis://127.0.0.1:{redis_port}/0"
        ours, ref = start_ours(folder), start_reference(folder / "reference")
        (node_a, port_a), (node_b, port_b) = (
            start_journeyboard(redis_store),
            start_journeyboard(redis_store),
        )
        on_redis = Target(
            "journeyboard-redis", node_a, port_a,
            lambda: room_url(port_a, create_board(port_a, template="blank")),
        )  # fmt: skip
        writers, rate = (20, 100.0) if not args.smoke else (3, 20.0)
        scenarios: dict[str, dict[str, Measure]] = {
            "idle": {t.name: partial(idle, t, args.idle_sockets) for t in (ours, ref)},
            "join": {t.name: partial(join, t, args.cards, 20 if not args.smoke else 3) for t in (ours, ref)},
            "fanout_20x10": {t.name: partial(fanout, t, 20, 10, args.duration) for t in (ours, ref)},
            "fanout_1x200": {t.name: partial(fanout, t, 1, args.clients, args.duration) for t in (ours, ref)},
            "persist": {
                t.name: partial(persist, t, writers, rate, args.duration) for t in (ours, on_redis, ref)
            },
            "cluster": {
                "one_node": partial(cluster, port_a, [port_a], args.clients, args.duration),
                "two_nodes": partial(cluster, port_a, [port_a, port_b], args.clients, args.duration),
            },
        }  # fmt: skip
        pids = [target.pid for target in (ours, ref)] + [node_a.pid, node_b.pid, redis.pid]
        try:
            for number in range(args.runs):
                for scenario, measures in scenarios.items():
                    for label, measure in measures.items():  # interleaved: A, B, A, B, ...
                        wait_unloaded([ours.port, port_a, port_b])
                        settle(pids)
                        result = measure()
                        print(f"run {number + 1} {scenario} {label} {json.dumps(result)}",
                              file=sys.stderr)  # fmt: skip
                        raw.setdefault(scenario, {}).setdefault(label, []).append(result)
        finally:
            for process in (ours.process, ref.process, node_a, node_b, redis):
                stop(process)
    return raw


def median(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(r[key] for r in results))


def report(raw: dict[str, Any], args: argparse.Namespace, command: str) -> str:
    ours, ref = "journeyboard", "y-websocket"

    def ratio(scenario: str, key: str) -> tuple[float, float, float]:
        a, b = median(raw[scenario][ours], key), median(raw[scenario][ref], key)
        return a, b, a / b if b else float("nan")

    rows = [
        ("Fan-out 1 × 200, p99 latency", "fanout_1x200", "p99_ms", "≤ 1.0×", 1.0, "ms"),
        ("Fan-out 1 × 200, server CPU per delivery", "fanout_1x200", "cpu_us_per_delivery", "≤ 0.7×", 0.7, "µs"),
        ("Fan-out 20 × 10, p99 latency", "fanout_20x10", "p99_ms", "≤ 1.0×", 1.0, "ms"),
        ("20 clients joining a 2,000-card board, p50", "join", "p50_ms", "≤ 0.5×", 0.5, "ms"),
    ]  # fmt: skip
    lines = [
        "# Benchmarks: journeyboard against the reference y-websocket server",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} with `{command}`: both servers on this machine, "
        f"the load generator (`benchmarks/loadgen.py`) in a second process, scenarios "
        f"interleaved (A, B, A, B), {args.runs} runs each, medians reported.",
        "",
        f"- Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"Node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}.",
        f"- Reference: `{REFERENCE}` (in memory, nothing on disk). journeyboard: its durable "
        "SQLite store on (every update committed before anyone sees it).",
        "",
        "## Goals",
        "",
        "| goal | journeyboard | reference | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for label, scenario, key, target, limit, unit in rows:
        a, b, r = ratio(scenario, key)
        lines.append(
            f"| {label} | {a:g} {unit} | {b:g} {unit} | {r:.2f}× | {target} | {'yes' if r <= limit else 'no'} |"
        )
    # Idle memory: the first run only, the one that starts from fresh processes (later runs
    # reuse memory that earlier scenarios freed and read low).
    idle_ours = raw["idle"][ours][0]["kb_per_socket"]
    idle_ref = raw["idle"][ref][0]["kb_per_socket"]
    sockets = raw["idle"][ours][0]["sockets"]
    lines.append(
        f"| Idle memory per socket ({sockets} sockets, first run) | {idle_ours:g} KB | {idle_ref:g} KB | "
        f"{idle_ours / idle_ref if idle_ref else float('nan'):.2f}× | ≤ 8 KB | {'yes' if idle_ours <= 8 else 'no'} |"
    )
    one, two = (median(raw["cluster"][label], "p99_ms") for label in ("one_node", "two_nodes"))
    lines.append(
        f"| Two nodes on Redis against one, fan-out 1 × {raw['cluster']['one_node'][0]['clients']}, "
        f"p99 | {two:g} ms (two) | {one:g} ms (one) | {two - one:+.2f} ms | within 2 ms | "
        f"{'yes' if two - one <= 2 else 'no'} |"
    )
    losses = {name: sum(r["lost"] for s in ("fanout_1x200", "fanout_20x10") for r in raw[s][name])
              for name in (ours, ref)}  # fmt: skip
    lines += [
        "",
        f"Deliveries lost over every fan-out run: journeyboard {losses[ours]}, reference {losses[ref]}.",
        "",
        "## Medians per scenario",
        "",
        "| scenario | server | p50 ms | p99 ms | max ms | deliveries/s | CPU µs/delivery | generator CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for scenario in ("fanout_1x200", "fanout_20x10"):
        for name in (ours, ref):
            results = raw[scenario][name]
            lines.append(
                f"| {scenario} | {name} | {median(results, 'p50_ms'):g} | {median(results, 'p99_ms'):g} | "
                f"{median(results, 'max_ms'):g} | {median(results, 'deliveries_per_s'):g} | "
                f"{median(results, 'cpu_us_per_delivery'):g} | {max(r['generator_cpu_share'] for r in results):.2f} |"
            )
    persisted = raw["persist"][ours][0]
    lines += [
        "",
        f"## Sustained writing with the durability guarantee ({persisted['clients']} writers, "
        f"{persisted['sent'] / max(persisted['seconds'], 1e-9) / persisted['clients']:.0f} "
        "updates/s each, every update received by every other writer)",
        "",
        "journeyboard commits every update to its store before anyone receives it; the "
        "reference keeps nothing, so its row is the ceiling for a relay.",
        "",
        "| server | updates/s committed and fanned out | deliveries/s | p50 ms | p99 ms | max ms | lost | CPU µs/delivery |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, label in (
        (ours, "journeyboard, SQLite"),
        ("journeyboard-redis", "journeyboard, Redis"),
        (ref, "y-websocket (in memory)"),
    ):
        results = raw["persist"][name]
        lines.append(
            f"| {label} | {median(results, 'updates_per_s'):g} | {median(results, 'deliveries_per_s'):g} | "
            f"{median(results, 'p50_ms'):g} | {median(results, 'p99_ms'):g} | {median(results, 'max_ms'):g} | "
            f"{sum(r['lost'] for r in results)} | {median(results, 'cpu_us_per_delivery'):g} |"
        )
    lines += [
        "",
        "## Cluster: one node against two on Redis",
        "",
        "| nodes | p50 ms | p99 ms | max ms | deliveries/s | lost |",
        "|---|---|---|---|---|---|",
    ]
    for label in ("one_node", "two_nodes"):
        results = raw["cluster"][label]
        lines.append(
            f"| {label.replace('_', ' ')} | {median(results, 'p50_ms'):g} | {median(results, 'p99_ms'):g} | "
            f"{median(results, 'max_ms'):g} | {median(results, 'deliveries_per_s'):g} | {sum(r['lost'] for r in results)} |"
        )
    lines += ["", NOTES, "## Raw results", "", "```json", json.dumps(raw, indent=1), "```", ""]
    return "\n".join(lines)


def main() -> None:
    if "--workshop" in sys.argv[1:]:  # the workshop scenario, with its own flags and section
        import workshop

        argv = sys.argv[1:]
        argv.remove("--workshop")
        workshop.main(argv, prog="python benchmarks/compare.py --workshop")
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--workshop", action="store_true", help="run benchmarks/workshop.py (its flags follow)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--cards", type=int, default=2000)
    parser.add_argument("--idle-sockets", type=int, default=10000)
    parser.add_argument("--smoke", action="store_true", help="seconds, not minutes: check it works")
    parser.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument(
        "--rerender", action="store_true", help="rewrite --out from the raw results it holds"
    )
    args = parser.parse_args()
    if args.rerender:
        text = Path(args.out).read_text(encoding="utf-8")
        ours = sections.without_marked_sections(text)
        raw = json.loads(
            ours.split(sections.RAW_RESULTS, 1)[1].split("```json\n", 1)[1].split("\n```", 1)[0]
        )
        command = ours.split("with `", 1)[1].split("`", 1)[0]
        args.runs = len(raw["idle"]["journeyboard"])
        Path(args.out).write_text(
            sections.with_sections_of(report(raw, args, command), text), encoding="utf-8"
        )
        print(f"rewrote {args.out}")
        return
    if args.smoke:
        args.runs, args.duration, args.clients, args.cards, args.idle_sockets = 1, 1.0, 10, 50, 20
    raw = run(args)
    text = report(raw, args, "python benchmarks/compare.py " + " ".join(sys.argv[1:]))
    if args.smoke:
        print(text)
    else:
        out = Path(args.out)
        old = out.read_text(encoding="utf-8") if out.exists() else ""
        out.write_text(sections.with_sections_of(text, old), encoding="utf-8")  # browser, stores
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
