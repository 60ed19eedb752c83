"""Server settings: one immutable object built by the CLI (or a test) and handed to the app."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from journeyboard.sync.limits import Limits

DEFAULT_DATA_DIR = Path("data")


@dataclass(frozen=True, slots=True)
class Settings:
    store_url: str
    secret: str
    bus_url: str | None = None
    """Where nodes tell each other about updates and presence (`redis://…`), when the store
    does not carry that itself; None for one node, or for a Redis store (its own streams)."""
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
