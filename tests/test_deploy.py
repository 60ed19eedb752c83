"""The deployment files: the compose files validated by docker-compose itself (no engine needed),
and the wiring read back from what `docker-compose config` makes of them."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MAIN = ROOT / "docker-compose.yml"
REDIS_ONLY = ROOT / "deploy" / "docker-compose.redis-only.yml"
NODES = ("node1", "node2", "node3")
Compose = Callable[..., subprocess.CompletedProcess[str]]
Services = Callable[[Path], dict[str, Any]]
SECRETS = {"JOURNEYBOARD_SECRET": "s3cret", "JOURNEYBOARD_DB_PASSWORD": "pg-pass"}


@pytest.fixture
def compose(tmp_path: Path) -> Compose:
    """`docker-compose config` of one file with exactly `env` (SECRETS by default) set: the
    caller's own JOURNEYBOARD_* values and any .env beside the file are kept out."""
    if shutil.which("docker-compose") is None:
        pytest.fail("docker-compose is needed to validate the file: run scripts/system-deps")
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYBOARD_")}

    def config(
        file: Path = MAIN, env: dict[str, str] = SECRETS
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker-compose", "--env-file", str(empty_env_file), "-f", str(file), "config"],
            capture_output=True, text=True, env={**clean, **env}, cwd=ROOT,
        )  # fmt: skip

    return config


@pytest.fixture
def services(
    compose: Compose,
) -> Services:
    """The services of a compose file as docker-compose resolves them, with SECRETS set."""

    def resolved(file: Path) -> dict[str, Any]:
        result = compose(file)
        assert result.returncode == 0, result.stderr
        config: dict[str, Any] = yaml.safe_load(result.stdout)
        return config["services"]  # type: ignore[no-any-return]

    return resolved


def test_postgres_is_the_store_and_redis_only_the_bus(services: Services) -> None:
    svc = services(MAIN)
    assert set(svc) == {"postgres", "redis", *NODES, "lb"}
    postgres = svc["postgres"]
    assert postgres["image"].startswith("postgres:16")
    assert "synchronous_commit=on" in postgres["command"]
    assert postgres["environment"]["POSTGRES_PASSWORD"] == "pg-pass"
    assert "pg_isready" in postgres["healthcheck"]["test"]
    assert any(v.startswith("pg-data:/var/lib/postgresql/data") for v in postgres["volumes"])
    redis = svc["redis"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "no"
    assert "volumes" not in redis
    for name in NODES:
        node = svc[name]
        assert "--store=postgresql://journeyboard@postgres:5432/journeyboard" in node["command"]
        assert "--bus=redis://redis:6379/0" in node["command"]
        assert "--trusted-proxy=172.28.0.10" in node["command"]
        assert node["environment"] == {"JOURNEYBOARD_SECRET": "s3cret", "PGPASSWORD": "pg-pass"}
        assert node["depends_on"] == {
            "postgres": {"condition": "service_healthy"},
            "redis": {"condition": "service_healthy"},
        }
    assert svc["lb"]["networks"]["backend"]["ipv4_address"] == "172.28.0.10"
    assert set(svc["lb"]["depends_on"]) == set(NODES)


def test_the_password_stays_out_of_the_command_line(services: Services) -> None:
    svc = services(MAIN)
    for name in NODES:
        assert not any("pg-pass" in arg for arg in svc[name]["command"])


@pytest.mark.parametrize("missing", ["JOURNEYBOARD_SECRET", "JOURNEYBOARD_DB_PASSWORD"])
def test_compose_refuses_to_start_without_a_secret(missing: str, compose: Compose) -> None:
    result = compose(env={k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0 and missing in result.stderr


def test_redis_only_mode_keeps_its_aof_and_the_same_nodes(
    compose: Compose, services: Services
) -> None:
    svc = services(REDIS_ONLY)
    assert set(svc) == {"redis", *NODES, "lb"}
    command = svc["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes" and "everysec" in command
    for name in NODES:
        assert "--store=redis://redis:6379/0?prefix=jb:" in svc[name]["command"]
        assert not any(arg.startswith("--bus") for arg in svc[name]["command"])
    assert svc["lb"]["volumes"][0].startswith(f"{ROOT / 'deploy' / 'nginx.conf'}:")
    assert "weaker promise" in REDIS_ONLY.read_text().lower()
    result = compose(REDIS_ONLY, env={})
    assert result.returncode != 0 and "JOURNEYBOARD_SECRET" in result.stderr


def test_every_node_has_a_fixed_address_the_proxy_balances_over(services: Services) -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    upstream = re.search(r"upstream journeyboard \{(.*?)\}", nginx, re.S)
    assert upstream is not None
    assert re.findall(r"^\s*server (\S+)", upstream.group(1), re.M) == [f"{n}:8000" for n in NODES]
    assert not re.search(r"^\s*(ip_hash|hash|sticky)\b", upstream.group(1), re.M)
    for file in (MAIN, REDIS_ONLY):
        svc = services(file)
        addresses = [svc[n]["networks"]["backend"]["ipv4_address"] for n in NODES]
        assert len(set(addresses)) == 3 and "172.28.0.10" not in addresses


def test_proxy_logs_no_query_strings_and_keeps_sockets_open() -> None:
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "$request_uri" not in nginx and "$args" not in nginx and "$uri" in nginx
    assert "proxy_read_timeout 1h" in nginx and "Upgrade $http_upgrade" in nginx
    assert "Connection $connection_upgrade" in nginx and "proxy_http_version 1.1" in nginx
    assert "X-Forwarded-For $remote_addr" in nginx and "Host $host" in nginx
