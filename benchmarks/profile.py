"""Where journeyboard's server spends its CPU in a benchmark scenario.

    python benchmarks/profile.py [--scenario fanout_1x200|fanout_20x10|join|workshop_4|workshop_8]
        [--duration 10]
        [--tool py-spy|perf] [--out docs/PROFILE.md]

Starts journeyboard on a SQLite store (as `compare.py` does), samples the server process while
the scenario runs, and prints (or appends to --out) a Markdown summary:

- `--tool py-spy` (the default): Python functions, by self and inclusive share. It samples only
  while a thread holds the GIL, so it shows the Python work; a system call made with the GIL
  held (uvloop's `write`) counts towards the Python function that made it.
- `--tool perf`: `perf record` on the whole process, kernel included, by binary (kernel,
  CPython, uvloop, SQLite, pycrdt) and by symbol. This is the split between our code and the
  system calls every server pays alike.

Neither sampler is a test dependency: `.venv/bin/pip install py-spy`, and Debian's `linux-perf`
for perf. Both need to attach to another process (root, or ptrace allowed).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from compare import IDLE_LIMITS, Target, cpu_seconds, fanout, join, settle
from servers import create_board, room_url, start_journeyboard, stop

import workshop

Rows = list[tuple[str, float]]


def frame_name(frame: str) -> str:
    """`function (path/file.py:line)` → `function (file.py)`: lines of one function add up."""
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0].rstrip(")")
    return f"{name} ({Path(file).name})" if file else name


def py_spy_rows(raw: Path, top: int) -> tuple[int, Rows, Rows]:
    """(samples, self shares, inclusive shares) from py-spy's raw (collapsed) output."""
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame_name(f) for f in stack.split(";") if not f.startswith("process ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            anywhere[name] += count
    share = max(total, 1)
    return (
        total,
        [(name, count / share) for name, count in own.most_common(top)],
        [(name, count / share) for name, count in anywhere.most_common(top)],
    )


def perf_rows(data: Path, sort: str, top: int) -> Rows:
    """Self shares from `perf report`, sorted by `sort` (dso or sym)."""
    report = subprocess.run(
        ["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio",
         "-g", "none"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows: Rows = []
    for line in report.splitlines():
        text = line.strip()
        if not text or text.startswith("#") or not text[0].isdigit():
            continue
        percent, _, name = text.partition("%")
        rows.append((" ".join(name.split()), float(percent) / 100))
    return rows[:top]


def sampler(tool: str, pid: int, output: Path) -> list[str]:
    if tool == "perf":
        return ["perf", "record", "-F", "999", "-g", "-p", str(pid), "-o", str(output)]
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return [spy, "record", "--pid", str(pid), "--rate", "250", "--gil", "--format", "raw",
            "--output", str(output)]  # fmt: skip


def run_scenario(scenario: str, target: Target, duration: float) -> dict[str, Any]:
    scenarios: dict[str, Callable[[], dict[str, Any]]] = {
        "fanout_1x200": lambda: fanout(target, 1, 200, duration),
        "fanout_20x10": lambda: fanout(target, 20, 10, duration),
        "join": lambda: join(target, 2000, 20),
        "workshop_4": lambda: workshop_load(target, 4, duration),
        "workshop_8": lambda: workshop_load(target, 8, duration),
    }
    return scenarios[scenario]()


def workshop_load(target: Target, boards: int, duration: float) -> dict[str, Any]:
    """benchmarks/workshop.py's scenario at W = `boards`, with its default load."""
    links = [workshop.journeyboard_board(target.port) for _ in range(boards)]
    result = workshop.run_async(workshop.workshops(links, workshop.Load(), duration, target.pid))
    return {
        "p50_ms": result["content_p50_ms"],
        "p99_ms": result["content_p99_ms"],
        "cursor_p99_ms": result["cursor_p99_ms"],
        "lost": result["content_lost"],
    }


def table(header: tuple[str, str], rows: Rows, more: tuple[str, Rows] | None = None) -> list[str]:
    if more is None:
        lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
        return lines + [f"| `{name}` | {share:.1%} |" for name, share in rows]
    lines = [f"| {header[0]} | {header[1]} | {more[0]} | share |", "|---|---|---|---|"]
    for (name, share), (wide, wide_share) in zip(rows, more[1], strict=False):
        lines.append(f"| `{name}` | {share:.1%} | `{wide}` | {wide_share:.1%} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="fanout_1x200",
                        choices=["fanout_1x200", "fanout_20x10", "join", "workshop_4",
                                 "workshop_8"])  # fmt: skip
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--tool", default="py-spy", choices=["py-spy", "perf"])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--out", help="append the summary to this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, port = start_journeyboard(f"sqlite:///{folder / 'bench.db'}", *IDLE_LIMITS)
        target = Target(
            "journeyboard", process, port,
            lambda: room_url(port, create_board(port, template="blank")),
        )  # fmt: skip
        samples = folder / "samples"
        try:
            settle([process.pid])
            spying = subprocess.Popen(
                sampler(args.tool, process.pid, samples),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            time.sleep(1.0)  # the sampler attaches
            before = cpu_seconds(process.pid)
            result = run_scenario(args.scenario, target, args.duration)
            used = cpu_seconds(process.pid) - before
            spying.send_signal(2)  # SIGINT: the sampler writes what it has and exits
            _, errors = spying.communicate(timeout=120)
            if not samples.exists():
                raise SystemExit(f"{args.tool} wrote nothing: {errors.decode(errors='replace')}")
        finally:
            stop(process)
        if args.tool == "perf":
            body = table(("binary", "share of CPU samples"), perf_rows(samples, "dso", 8))
            body += ["", *table(("symbol", "share"), perf_rows(samples, "sym", args.top))]
            what = "perf samples of the whole process, kernel included"
        else:
            total, own, anywhere = py_spy_rows(samples, args.top)
            body = table(("function (self)", "share"), own, ("inclusive", anywhere))
            what = f"{total} py-spy samples with the GIL held"
    keys = ("p50_ms", "p99_ms", "cursor_p99_ms", "deliveries", "lost")
    measured = {k: result[k] for k in keys if k in result}
    lines = [
        f"### {args.scenario}, {args.tool}, {time.strftime('%Y-%m-%d')}",
        "",
        f"`python benchmarks/profile.py --scenario {args.scenario} --duration {args.duration:g} "
        f"--tool {args.tool}`: {what}; server CPU {used:.2f} s during the scenario, which "
        f"measured {json.dumps(measured)} (the sampler slows the server down).",
        "",
        *body,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main()
