"""What scripts/screenshots.py and scripts/screenshots_followup.py share: a journeyboard server
of their own on a temporary SQLite file, Chromium's settings, and waiting for a page to settle."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "shared_schema" / "examples" / "insurance_claim.json"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LAPTOP = {"width": 1366, "height": 768}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(base: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the server did not start")


@contextmanager
def serving() -> Iterator[str]:
    """A server of this tree on a free port and a temporary SQLite file: its base URL, until
    the block ends (then the server stops)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        store = f"sqlite:///{Path(folder) / 'board.db'}"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "server")}
        server = subprocess.Popen(
            [sys.executable, "-m", "journeyboard", "serve", "--port", str(port), "--store", store],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_until_up(base)
            yield base
        finally:
            server.terminate()
            server.wait(10)


def target_folder() -> Path:
    """Where the screenshots go: the command line's folder, or docs/screenshots (made)."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    target.mkdir(parents=True, exist_ok=True)
    return target


def settle(page: Page) -> None:
    page.wait_for_selector('[data-testid="status"][data-status="synced"]')
    page.wait_for_timeout(700)  # let the fit, the fonts and the transitions finish


def dismiss_toasts(page: Page) -> None:
    closes = page.locator('[data-testid="toast-close"]')
    for _ in range(10):  # each click takes one toast away
        if closes.count() == 0:
            return
        closes.first.click()
