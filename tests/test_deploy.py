"""The deployment files: docker-compose.yml validated by docker-compose itself (no engine needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def compose_config(*args: str, secret: str | None = "s3cret") -> subprocess.CompletedProcess[str]:
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is needed to validate the file: run scripts/system-deps")
    env = {k: v for k, v in os.environ.items() if k != "JOURNEYBOARD_SECRET"}
    if secret is not None:
        env["JOURNEYBOARD_SECRET"] = secret
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", *args],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )  # fmt: skip


def test_compose_file_is_valid_and_wires_redis_nodes_and_proxy() -> None:
    result = compose_config()
    assert result.returncode == 0, result.stderr
    config = result.stdout
    assert "--appendonly" in config and "everysec" in config
    assert "--store=redis://redis:6379/0" in config
    assert "--trusted-proxy=172.28.0.10" in config and "ipv4_address: 172.28.0.10" in config
    assert "JOURNEYBOARD_SECRET: s3cret" in config


def test_compose_refuses_to_start_without_a_shared_secret() -> None:
    result = compose_config(secret=None)
    assert result.returncode != 0 and "JOURNEYBOARD_SECRET" in result.stderr


def test_proxy_logs_no_query_strings_and_keeps_sockets_open() -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "$request_uri" not in nginx and "$args" not in nginx and "$uri" in nginx
    assert "proxy_read_timeout 1h" in nginx and "Upgrade $http_upgrade" in nginx
    assert "X-Forwarded-For $remote_addr" in nginx and "Host $host" in nginx
