"""A real PostgreSQL server for the tests: its own cluster in a temporary directory.

`postgres_server` (session-scoped) runs `initdb` and `pg_ctl start` on a free port with the
socket in the cluster's directory, fsync on; `pg_url` gives each test a fresh database on it.
`PostgresServer.restart()` and `.kill()` are there for failure tests. The machine's own
PostgreSQL (port 5432) is never touched. Running as root, the server runs as `postgres`.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from conftest import free_port
from waiting import wait_until_sync


def postgres_bin() -> Path:
    """The directory of initdb and pg_ctl (the newest installed version)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        pytest.fail(
            "PostgreSQL server binaries are needed (/usr/lib/postgresql/*/bin/initdb): "
            "run scripts/system-deps (apt-get install postgresql)"
        )
    return Path(found[-1]).parent


def _version(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


class PostgresServer:
    """One PostgreSQL cluster in a directory, on 127.0.0.1:<port>."""

    def __init__(self, directory: Path) -> None:
        self.bin = postgres_bin()
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.user = "postgres"
        self._as_postgres = os.geteuid() == 0
        self._databases = itertools.count(1)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, check=check)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def init(self) -> PostgresServer:
        if self._as_postgres:
            shutil.chown(self.directory, "postgres", "postgres")
        done = self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user,
            "--auth=trust", "--no-sync", "-E", "UTF8", check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr or done.stdout}")
        return self

    def start(self) -> PostgresServer:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=on"
            " -c max_connections=200"
        )
        done = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "log"),
            "-o", options, "-w", "-t", "30", "start", check=False,
        )  # fmt: skip
        if done.returncode != 0:
            log = self.directory / "log"
            raise RuntimeError(
                f"pg_ctl start failed: {done.stderr}{log.read_text() if log.exists() else ''}"
            )
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop (fast: every session is disconnected) and start again on the same port."""
        self.stop()
        self.start()

    def kill(self) -> None:
        """SIGKILL the postmaster (a crash); `start()` recovers from the WAL."""
        pid = int((self.data / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)

        def gone() -> bool:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            return False

        def refused() -> bool:
            return self._run(str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p",
                             str(self.port), check=False).returncode == 2  # fmt: skip

        wait_until_sync(gone, 10, "the killed postmaster's exit")
        # The postmaster's children notice it is gone and exit; wait for the port to be free.
        wait_until_sync(refused, 10, "PostgreSQL's port to refuse")

    def discard(self) -> None:
        """Stop at once if running (the data directory is about to be removed)."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "stop", check=False)  # fmt: skip

    def create_database(self) -> str:
        """A fresh empty database; its URL."""
        name = f"test{next(self._databases)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """A new cluster in a new temporary directory, started; removed afterwards. The
    directory is made with mkdtemp, not pytest's tmp_path, which `postgres` cannot enter."""
    directory = Path(tempfile.mkdtemp(prefix="jb-pg-"))
    server = PostgresServer(directory)
    try:
        yield server.init().start()
    finally:
        server.discard()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """A fresh database on the session's server, so tests do not see each other's data."""
    return postgres_server.create_database()


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A private server for a test that restarts or kills it (about a second to set up)."""
    with running_postgres() as server:
        yield server
