"""Server settings: one immutable object built by the CLI (or a test) and handed to the app."""

from __future__ import annotations

import logging
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from journeyboard.limits import Limits
from journeyboard.stores import sqlite_path

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path("data")
SECRET_ENV = "JOURNEYBOARD_SECRET"
SECRET_FILE = "secret.key"


@dataclass(frozen=True, slots=True)
class Settings:
    store_url: str
    secret: str
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None
    allowed_origins: tuple[str, ...] = ()
    grace_seconds: float = 10.0
    keepalive_seconds: float = 15.0
    limits: Limits = field(default_factory=Limits)
    static_dir: Path | None = field(default=None)
    metrics_token: str | None = None
    """When set, /metrics answers only requests with `Authorization: Bearer <metrics_token>`."""


def default_store_url(data_dir: Path | None = None) -> str:
    directory = data_dir or Path(os.environ.get("JOURNEYBOARD_DATA_DIR", DEFAULT_DATA_DIR))
    return f"sqlite:///{directory / 'journeyboard.db'}"


def resolve_secret(store_url: str) -> str:
    """The signing secret: JOURNEYBOARD_SECRET, else one kept beside the SQLite file (0600)."""
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env
    db = sqlite_path(store_url)
    if db is None:
        raise SystemExit(f"{SECRET_ENV} must be set when the store is not SQLite")
    path = db.parent / SECRET_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(secret + "\n")
    log.warning("generated a signing secret in %s (set %s to share one)", path, SECRET_ENV)
    return secret
