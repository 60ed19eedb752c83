"""A small y-websocket client for tests: real socket, real pycrdt document, raw frames kept."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

import websockets
from pycrdt import Doc, TransactionEvent
from websockets.asyncio.client import ClientConnection

from journeyboard.sync import protocol
from journeyboard.sync.protocol import (
    AwarenessEntry,
    AwarenessMessage,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
)


class YClient:
    """Connects, answers the handshake, applies what it receives, and records every frame."""

    def __init__(
        self,
        url: str,
        *,
        origin: str | None = None,
        answer_step1: bool = True,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.url = url
        self.origin = origin
        self.headers = headers or {}
        self.answer_step1 = answer_step1
        self.doc = Doc()
        self.frames: list[bytes] = []
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.awareness: dict[int, tuple[int, Any]] = {}
        self._changed = asyncio.Condition()
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._awareness_clock = 0

    async def __aenter__(self) -> YClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        headers = {**self.headers, **({"Origin": self.origin} if self.origin else {})}
        self._ws = await websockets.connect(
            self.url, max_size=None, additional_headers=headers, ping_interval=None
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await self._reader

    async def send_raw(self, frame: bytes | str) -> None:
        assert self._ws is not None
        await self._ws.send(frame)

    async def _read(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                assert isinstance(frame, bytes)
                self.frames.append(frame)
                await self._handle(frame)
                async with self._changed:
                    self._changed.notify_all()
        except websockets.ConnectionClosed:
            pass
        finally:
            if self._ws.close_code is not None:
                self.close_code = self._ws.close_code
                self.close_reason = self._ws.close_reason or ""
            self.closed.set()
            async with self._changed:
                self._changed.notify_all()

    async def _handle(self, frame: bytes) -> None:
        message = protocol.decode_message(frame)
        if isinstance(message, SyncStep1):
            if self.answer_step1:
                await self.send_raw(
                    protocol.encode_sync_step2(self.doc.get_update(message.state_vector))
                )
                await self.send_raw(protocol.encode_sync_step1(self.doc.get_state()))
        elif isinstance(message, SyncStep2 | SyncUpdate):
            self.doc.apply_update(message.update)
            if isinstance(message, SyncStep2):
                self.synced.set()
        elif isinstance(message, AwarenessMessage):
            for entry in protocol.decode_awareness_update(message.payload):
                self.awareness[entry.client_id] = (entry.clock, json.loads(entry.state))

    async def change(self, edit: Callable[[Doc], object]) -> bytes:
        """Make a local change and send it as one Update message; return the update."""
        updates: list[bytes] = []

        def capture(event: TransactionEvent) -> None:
            updates.append(event.update)

        subscription = self.doc.observe(capture)
        with self.doc.transaction():
            edit(self.doc)
        self.doc.unobserve(subscription)
        update = updates[0]
        await self.send_raw(protocol.encode_sync_update(update))
        return update

    async def set_awareness(self, state: Any, client_id: int | None = None) -> None:
        self._awareness_clock += 1
        entry = AwarenessEntry(
            client_id if client_id is not None else self.doc.client_id,
            self._awareness_clock,
            json.dumps(state),
        )
        await self.send_raw(protocol.encode_awareness(protocol.encode_awareness_update([entry])))

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until the predicate holds (checked after every frame) or fail."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def round_trip(self, timeout: float = 10.0) -> None:
        """Ask a sync step 1 and wait for its step 2 (or a close): the server has then handled
        every message this client sent before, and what that made it send us has arrived."""
        answers = sum(1 for f in self.frames if f[:2] == b"\x00\x01")
        await self.send_raw(protocol.encode_sync_step1(self.doc.get_state()))
        await self.wait_until(
            lambda: (
                sum(1 for f in self.frames if f[:2] == b"\x00\x01") > answers
                or self.closed.is_set()
            ),
            timeout,
        )

    async def wait_closed(self, timeout: float = 10.0) -> int | None:
        async with asyncio.timeout(timeout):
            await self.closed.wait()
        return self.close_code

    def document_frames(self) -> list[bytes]:
        """Frames that carried document or presence data (anything but a keepalive)."""
        return [f for f in self.frames if f != protocol.KEEPALIVE_FRAME]


@contextlib.asynccontextmanager
async def synced_client(url: str, **kwargs: Any) -> Any:
    client = YClient(url, **kwargs)
    await client.connect()
    try:
        async with asyncio.timeout(10):
            await client.synced.wait()
        yield client
    finally:
        await client.close()
