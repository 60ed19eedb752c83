"""Fixtures that run the real thing: a journeyboard server process on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from waiting import wait_until_sync

pytest_plugins = ["pg"]  # postgres_server, pg_url, own_postgres: a real PostgreSQL

PROCESS_FIXTURES = frozenset(
    {"make_server", "server", "board", "postgres_server", "pg_url", "own_postgres", "redis"}
)
"""Fixtures that start a process (a journeyboard server, PostgreSQL, Redis)."""
PROCESS_FILES = frozenset(
    {
        "test_pdf.py",
        "test_deploy.py",
        "test_yjs_differential.py",
        "test_worker_pool.py",
        "test_compactor.py",
    }
)
"""Files whose tests start processes themselves: Chromium and poppler, docker-compose, Node's
yjs, the worker pool's workers, the compaction proof's child. (A store that compacts starts
that child too, in any test; these are the files about it.)"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `process` every test under tests/e2e/ or that starts a process through a fixture:
    `make test-fast` (`-m "not process"`) runs the in-process rest."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "e2e" in item.path.parts or item.path.name in PROCESS_FILES or names & PROCESS_FIXTURES:
            item.add_marker(pytest.mark.process)


SECRET = "test-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A `journeyboard serve` subprocess; restartable on the same store."""

    store_url: str
    args: list[str] = field(default_factory=list)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, *, same_port: bool = False) -> ServerProcess:
        """Start the server; `same_port` keeps the port of the last run, so clients that
        reconnect to the same URL (the stock provider) find the restarted server."""
        if not (same_port and self.port):
            self.port = free_port()
        env = {**os.environ, "JOURNEYBOARD_SECRET": SECRET, "PYTHONUNBUFFERED": "1", **self.env}
        assert self.log_path is not None
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "journeyboard", "serve", "--port", str(self.port),
                 "--store", self.store_url, *self.args],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        process, log_path = self.process, self.log_path

        def healthy() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {log_path.read_text()}")
            try:
                return httpx.get(f"{self.http}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_until_sync(healthy, 20, "the server's /healthz")
        except AssertionError as exc:  # say what the server was doing meanwhile
            raise AssertionError(f"{exc}; its log ends:\n{log_path.read_text()[-4000:]}") from None
        return self

    def kill(self, sig: int = signal.SIGKILL) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=20)
        self.process = None
        return code

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill(signal.SIGTERM)

    def logs(self) -> str:
        return self.log_path.read_text() if self.log_path else ""

    # HTTP helpers -------------------------------------------------------------------------

    def create_board(self, title: str = "Claim journey", **extra: Any) -> dict[str, Any]:
        response = httpx.post(f"{self.http}/api/boards", json={"title": title, **extra})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def join(self, token: str, name: str, department: str = "") -> dict[str, Any]:
        response = httpx.post(
            f"{self.http}/api/boards/{self.board_of(token)}/join",
            json={"name": name, "department": department},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def command(self, board_id: str, token: str, /, **body: Any) -> dict[str, Any]:
        """A command on the board as the holder of `token`; it must succeed (a 200)."""
        response = httpx.post(
            f"{self.http}/api/boards/{board_id}/commands",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def board_of(self, token: str) -> str:
        import base64
        import json

        payload = token.split(".")[0]
        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return str(data["b"])

    def get_board(self, board_id: str, token: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.http}/api/boards/{board_id}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def url(self, board_id: str, token: str, session: bool = False) -> str:
        return f"{self.ws}/{board_id}{'/session' if session else ''}?token={token}"


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start servers on a SQLite file in tmp_path; every one is stopped at the end."""
    started: list[ServerProcess] = []

    def make(
        *args: str, store_url: str | None = None, env: dict[str, str] | None = None
    ) -> ServerProcess:
        store = store_url or f"sqlite:///{tmp_path / 'board.db'}"
        server = ServerProcess(store, list(args), env=env or {})
        server.log_path = tmp_path / f"server-{len(started)}.log"
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    return make_server("--grace", "1", "--keepalive", "15")


@pytest.fixture
def board(server: ServerProcess) -> dict[str, Any]:
    return server.create_board()
