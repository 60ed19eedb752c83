"""Hatchling build hook: build the browser client into the package when it is missing or stale.

`pip install .` and `pip install -e .` both run this, so `journeyboard serve` always has a UI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

ROOT = Path(__file__).parent
CLIENT = ROOT / "client"
STATIC = ROOT / "server" / "journeyboard" / "static"
SOURCES = (
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "svelte.config.js",
    "tsconfig.json",
)


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in (*SOURCES, "../shared_schema"):
        path = CLIENT / name
        if path.is_file():
            newest = max(newest, path.stat().st_mtime)
        elif path.is_dir():
            for file in path.rglob("*"):
                if file.is_file():
                    newest = max(newest, file.stat().st_mtime)
    return newest


def client_is_stale() -> bool:
    """True when the built client is missing or older than any of its sources."""
    index = STATIC / "index.html"
    if not index.exists():
        return True
    return index.stat().st_mtime < _newest_source_mtime()


def build_client() -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("journeyboard: npm is needed to build the client (install Node.js 20+)")
    if not (CLIENT / "node_modules").exists():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=CLIENT, check=True)
    subprocess.run([npm, "run", "build"], cwd=CLIENT, check=True)


class ClientBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("JOURNEYBOARD_SKIP_CLIENT_BUILD"):
            return
        if CLIENT.exists() and client_is_stale():
            build_client()
