"""Drive the stock y-websocket WebsocketProvider (Node) through client/tools/yclient.mjs."""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "client" / "tools" / "yclient.mjs"
LINE_LIMIT = 16 * 1024 * 1024
"""The longest line a client may print (a dump of a big board is one line)."""


def require_node() -> str:
    node = shutil.which("node")
    if node is None or not (ROOT / "client" / "node_modules" / "y-websocket").exists():
        pytest.fail("node and client/node_modules are required (run `make setup`)")
    return node


class NodeClient:
    """One Node process running one stock WebsocketProvider."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.messages: list[dict[str, Any]] = []
        self._ids = itertools.count(1)

    @classmethod
    async def start(cls, server_url: str, room: str, token: str) -> NodeClient:
        process = await asyncio.create_subprocess_exec(
            require_node(), str(SCRIPT), server_url, room, token,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )  # fmt: skip
        return cls(process)

    async def next(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        """The next message (event or reply) that satisfies the predicate."""
        assert self.process.stdout is not None
        async with asyncio.timeout(timeout):
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    raise EOFError("the node client exited")
                message = json.loads(line)
                self.messages.append(message)
                if predicate(message):
                    return dict(message)

    async def command(self, cmd: str, timeout: float = 10, **args: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        request_id = next(self._ids)
        self.process.stdin.write(
            (json.dumps({"cmd": cmd, "id": request_id, **args}) + "\n").encode()
        )
        await self.process.stdin.drain()
        return await self.next(lambda m: m.get("id") == request_id, timeout)

    async def quit(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.write(b'{"cmd": "quit"}\n')
            self.process.stdin.close()
            try:
                async with asyncio.timeout(5):
                    await self.process.wait()
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
