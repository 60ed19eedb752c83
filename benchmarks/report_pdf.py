"""How long the PDF report takes, as a warm export worker renders it.

    python benchmarks/report_pdf.py [--runs 3] [--boards example,short,long,planned]
        [--baseline DIR ...] [--profile OUT.prof]

Times `jobs.export_board(..., "pdf", ...)`, the function a worker process runs for
`GET /api/boards/{id}/export.pdf`, from the board's two encoded documents (what the server
hands the worker). Three boards:

- `example`: the shipped example (shared_schema/examples/insurance_claim.json, 45 cards);
- `short`: 2,000 cards of one or two sentences (`hostile_load.pdf_board_body`);
- `long`: 2,000 cards of 300 characters each;
- `planned`: the `short` board with its action plan filled in (every solution answers a pain,
  has an owner, a due date and a status, is rated and approved), so that the plan prints every
  column.

Each tree (this one, then each `--baseline DIR`, DIR being the folder that holds the
`journeyboard` package) renders in a fresh process of its own, as a worker does: the first
render of a process is reported apart ("first", it imports WeasyPrint and loads its fonts),
then `--runs` renders of each board, interleaved across the trees (A, B, A, B, ...), with the
median and the spread. Every render is a new version of the board (its documents are built
again with another card text), so nothing cached for one version serves the next.
`--profile` writes a cProfile of this tree's renders.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BOARDS = ("example", "short", "long", "planned")
NOW_MS = 1_790_000_000_000
LONG_TEXT = (
    "The customer calls the claims line, waits on hold, explains the accident again to a new "
    "agent, is asked for the policy number that was already entered online, and is told that "
    "an assessor will call back within three working days, which does not happen, so the "
    "customer calls again and the whole story starts over with yet another person on the line."
)[:300]


def board_body(board: str, version: int) -> bytes:
    """A `POST /api/boards` body for one of BOARDS; `version` changes one card's text."""
    sys.path.insert(0, str(Path(__file__).parent))
    from hostile_load import KINDS, pdf_board_body

    if board == "example":
        export = json.loads(
            (ROOT / "shared_schema" / "examples" / "insurance_claim.json").read_text("utf-8")
        )
        export["cards"][0]["text"] += f" (v{version})"
        return json.dumps({"title": "Insurance claim", "import": export}).encode()
    if board == "short":
        body = json.loads(pdf_board_body(2000))
        body["import"]["cards"][0]["text"] += f" (v{version})"
        return json.dumps(body).encode()
    if board == "planned":
        return json.dumps(planned_body(version)).encode()
    stages = [{"id": f"s{n}", "name": f"Stage {n}", "pos": f"a{n}"} for n in range(8)]
    items = [
        {"id": f"c{i:06d}", "kind": KINDS[i % 8], "stage": f"s{i % 8}", "pos": f"a{i:06d}",
         "text": f"{i} v{version} {LONG_TEXT}"[:300]}
        for i in range(2000)
    ]  # fmt: skip
    export = {"schema": "journeyboard/export", "version": 1, "board": {"title": "long"},
              "stages": stages, "cards": items}  # fmt: skip
    return json.dumps({"title": "long", "import": export}).encode()


def planned_body(version: int) -> dict[str, Any]:
    """The `short` board with its action plan filled in: every solution answers a pain, has an
    owner, a due date and a status, is rated (revealed) and approved, so that the report
    prints every column of the plan."""
    sys.path.insert(0, str(Path(__file__).parent))
    from hostile_load import pdf_board_body

    body = json.loads(pdf_board_body(2000))
    export = body["import"]
    export["cards"][0]["text"] += f" (v{version})"
    cards = export["cards"]
    pains = [card["id"] for card in cards if card["kind"] == "pain"]
    ratings: dict[str, Any] = {}
    decisions: dict[str, Any] = {}
    facilitator = {"name": "Anna Virtanen", "department": "Claims", "role": "facilitator"}
    for index, card in enumerate(c for c in cards if c["kind"] == "solution"):
        card.update(
            pain=pains[index % len(pains)],
            owner=("Claims", "Digital team", "Finance", "Customer Service")[index % 4],
            status=("open", "doing", "done")[index % 3],
            due=f"2027-{1 + index % 12:02d}-{1 + index % 28:02d}",
        )
        ratings[card["id"]] = {
            "effort": 1 + index % 5, "impact": 1 + (index * 3) % 5, "n": 4,
            "effort_spread": 0.5, "impact_spread": 0.4,
            "quadrant": ("quick_win", "big_bet", "fill_in", "money_pit")[index % 4],
        }  # fmt: skip
        decisions[card["id"]] = [
            {**facilitator, "decision": "approve", "comment": "", "at_ms": NOW_MS - 86_400_000}
        ]
    export["participants"] = [facilitator]
    export["results"] = {"votes": {}, "ratings": ratings, "decisions": decisions}
    return {"title": "planned", "import": export}


def worker(profile: str | None) -> None:
    """The child: read (board, version) requests on stdin, render, answer the seconds."""
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]  # our profile.py
    import cProfile

    from journeyboard.web import jobs

    profiler = cProfile.Profile() if profile else None
    requests = sys.stdin.buffer
    answers = sys.stdout.buffer
    for line in requests:
        board, version = line.decode().split()
        _, seed, content = jobs.create_board_documents(board_body(board, int(version)), NOW_MS)
        if profiler is not None:
            profiler.enable()
        started, cpu = time.perf_counter(), time.process_time()
        rendered = jobs.export_board("b1", content or b"", seed, "pdf", NOW_MS, {}, 64 << 20)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)  # type: ignore[arg-type]
        size = sum(len(body) for body in rendered.bodies)
        answers.write(json.dumps([seconds, cpu, size]).encode() + b"\n")
        answers.flush()


class Tree:
    def __init__(self, name: str, source: Path, profile: str | None) -> None:
        self.name = name
        env = {**os.environ, "PYTHONPATH": str(source)}
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", *(["--profile", profile] if profile else [])],
            env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip

    def render(self, board: str, version: int) -> tuple[float, float]:
        """(wall seconds, CPU seconds) of one render."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{board} {version}\n".encode())
        self.process.stdin.flush()
        seconds, cpu, _size = json.loads(self.process.stdout.readline())
        return float(seconds), float(cpu)

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--boards", default=",".join(BOARDS))
    parser.add_argument("--baseline", action="append", default=[])
    parser.add_argument("--profile")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.profile)
        return
    boards = args.boards.split(",")
    trees = [Tree("this tree", ROOT / "server", args.profile)] + [
        Tree(f"baseline {n}", Path(source), None) for n, source in enumerate(args.baseline, 1)
    ]
    first = {tree.name: tree.render("example", 0) for tree in trees}
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    version = 0
    for _ in range(args.runs):
        for board in boards:
            for tree in trees:  # interleaved
                version += 1
                seconds, cpu = tree.render(board, version)
                times.setdefault((tree.name, board), []).append((seconds, cpu))
                print(f"{tree.name} {board} {seconds:.3f} s, CPU {cpu:.3f} s", file=sys.stderr)
    for tree in trees:
        tree.close()
    print(f"`python benchmarks/report_pdf.py {' '.join(sys.argv[1:])}`\n")
    print("| tree | board | wall, median (spread) | CPU, median (spread) | first render |")
    print("|---|---|---|---|---|")
    for (name, board), values in times.items():
        walls, cpus = [w for w, _ in values], [c for _, c in values]
        first_wall, first_cpu = first[name]
        print(
            f"| {name} | {board} | {_spread(walls)} | {_spread(cpus)} "
            f"| {first_wall:.2f} s (CPU {first_cpu:.2f} s) |"
        )


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"  # noqa: RUF001


if __name__ == "__main__":
    main()
