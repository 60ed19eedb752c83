"""Start the servers the benchmarks measure, as subprocesses on free ports."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

SECRET = "bench-secret-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def start_journeyboard(
    store_url: str, *extra: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "JOURNEYBOARD_SECRET": SECRET, **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "journeyboard", "serve", "--port", str(port),
         "--store", store_url, "--log-level", "warning", *extra],
        env=env,
    )  # fmt: skip
    wait_http(f"http://127.0.0.1:{port}/healthz")
    return process, port


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory),
         "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--logfile",
         str(directory / "redis.log")],
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def create_board(port: int, template: str = "blank") -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/boards",
        data=json.dumps({"title": "bench", "template": template}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return dict(json.load(response))


def room_url(port: int, board: dict[str, Any]) -> str:
    return f"ws://127.0.0.1:{port}/ws/{board['id']}?token={board['tokens']['participant']}"


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
