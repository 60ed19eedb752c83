"""A smoke run of the benchmark tools (seconds): they must keep working; figures come from
the full runs written to docs/, never from timed tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ServerProcess
from pg import PostgresServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from loadgen import fanout_rooms


async def test_load_generator_smoke(server: ServerProcess) -> None:
    boards = [server.create_board(template="blank") for _ in range(2)]
    rooms = [[server.url(board["id"], board["tokens"]["participant"])] for board in boards]
    result: dict[str, Any] = await fanout_rooms(rooms, 5, 5.0, 1.0)
    assert result["clients"] == 10 and result["connect_errors"] == 0
    assert result["sent"] > 0 and result["lost"] == 0
    assert result["deliveries"] == result["expected"] > 0
    assert result["p99_ms"] >= result["p50_ms"] > 0


def test_join_and_idle_scenarios_smoke(server: ServerProcess) -> None:
    import compare

    assert server.process is not None
    target = compare.Target(
        "journeyboard",
        server.process,
        server.port,
        lambda: server.url(*_blank_board(server)),
    )
    joined = compare.join(target, cards=50, joiners=3)
    assert joined["joiners"] == 3 and joined["max_ms"] >= joined["p50_ms"] > 0
    idle = compare.idle(target, 20)
    assert idle["sockets"] == idle["still_open"] == 20


def _blank_board(server: ServerProcess) -> tuple[str, str]:
    board = server.create_board(template="blank")
    return board["id"], board["tokens"]["participant"]


STATIC_INDEX = (
    Path(__file__).resolve().parents[2] / "server" / "journeyboard" / "static" / "index.html"
)


@pytest.mark.browser
@pytest.mark.skipif(
    not STATIC_INDEX.exists(), reason="client not built: cd client && npm run build"
)
@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(), reason="no Chromium at /usr/bin/chromium"
)
async def test_browser_benchmark_smoke(server: ServerProcess) -> None:
    import browser
    import sections

    options = browser.Options(cards=40, small_cards=5, runs=1, edits=5, cursors=3, seconds=1.0)
    raw = await browser.measure(server.port, options)
    (render,) = raw["render"]
    assert render["painted_s"] >= render["all_cards_s"] > 0
    for series in (*raw["edit_large"], *raw["edit_small"]):
        assert series["missed"] == 0
        assert series["dom_max_ms"] >= series["dom_p50_ms"] > 0
    (moving,) = raw["cursors"]
    assert moving["fps"] > 0 and moving["messages_per_s"] > 0  # the cursors reached the page
    section = browser.report(raw, "python benchmarks/browser.py --smoke")
    assert sections.browser_section(section) == section
    assert len(browser.goals(raw)) == 4


def test_stores_benchmark_smoke(
    make_server: Any, postgres_server: PostgresServer, pg_url: str
) -> None:
    import sections

    import stores

    sqlite, postgresql = (
        make_server("--grace", "1"),
        make_server("--grace", "1", "--bus", "local", store_url=pg_url),
    )
    targets = [
        stores.Deployment("sqlite", [(_process(sqlite), sqlite.port)], []),
        stores.Deployment(
            "postgresql",
            [(_process(postgresql), postgresql.port)],
            [stores.postmaster_pid(postgres_server)],
        ),
    ]
    raw = {t.name: [stores.persist(t, writers=3, rate=10.0, duration=1.0)] for t in targets}
    for (result,) in raw.values():
        assert result["lost"] == 0 and result["deliveries"] == result["expected"] > 0
        # A smoke test checks that each figure was read, not that it is large: under load the
        # CPU of a 1 s run rounds to 0.0 (it did for the PostgreSQL backends).
        assert result["node_cpu_s"] >= 0 and result["store_cpu_s"] >= 0
    # The readers find the processes: both have used some CPU since they started.
    assert targets[1].node_cpu() > 0 and targets[1].store_cpu() > 0
    args = {"runs": 1, "duration": 1.0, "rate": 10.0}
    section = stores.report(raw, stores.machine(), args, "python benchmarks/stores.py --smoke")
    assert sections.stores_section(section) == section
    assert stores.parse_raw(section)["runs"] == raw
    assert "PostgreSQL, one node" in section and "\u00d7" in section  # the ratio to SQLite


def _process(server: ServerProcess) -> Any:
    assert server.process is not None
    return server.process


def test_presence_stamp_benchmark_smoke() -> None:
    import subprocess

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "presence_stamp.py"
    done = subprocess.run(
        [sys.executable, str(script), "--runs", "1"], capture_output=True, text=True, check=True
    )
    assert "| this tree |" in done.stdout and "µs a stamp" in done.stdout
