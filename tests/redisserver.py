"""A real redis-server for tests: on a free port in a temporary directory (AOF on,
appendfsync everysec), with the fixture `redis` and helpers to run server nodes on it."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Map

from conftest import ServerProcess, free_port
from waiting import wait_until_sync
from ysync import YClient


class RedisServer:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no",
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

        def answers() -> bool:
            done = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            return done.stdout.strip() == "PONG"

        wait_until_sync(answers, 10, "redis-server's PONG")
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def cli(self, *args: str) -> str:
        return subprocess.run(
            ["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True
        ).stdout


@pytest.fixture
def redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.fail(
            "redis-server is needed: run scripts/system-deps (apt-get install redis-server)"
        )
    monkeypatch.setenv("JOURNEYBOARD_HEARTBEAT_SECONDS", "0.3")
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(directory).start()
    yield server
    if server.process is not None:
        server.kill()


def nodes(make_server: Any, redis: RedisServer, count: int, **query: str) -> list[ServerProcess]:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return [make_server("--grace", "1", store_url=redis.url + suffix) for _ in range(count)]


async def connected(url: str) -> YClient:
    """A synced client the test closes itself (for clients that outlive a block)."""
    client = YClient(url)
    await client.connect()
    async with asyncio.timeout(10):
        await client.synced.wait()
    return client


def cards(client: Any) -> dict[str, Any]:
    return dict(client.doc.get("cards", type=Map).to_py() or {})
