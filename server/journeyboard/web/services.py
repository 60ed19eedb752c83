"""The objects one app serves with, built in one place, and how an endpoint reaches them.

`Services.build` wires the rooms, the board service, the command runner, the socket gate, the
rate limiters, the worker pool and the metrics registry from the settings and a store;
`create_app` keeps the result in `app.state`, and an endpoint reads it back with
`services(request)`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry
from starlette.requests import HTTPConnection

from journeyboard.cluster import NodeBus, open_bus
from journeyboard.settings import Settings
from journeyboard.stores import Store
from journeyboard.sync.limits import KeyedRateLimiter
from journeyboard.sync.manager import RoomManager
from journeyboard.sync.room_options import RoomOptions
from journeyboard.sync.seals import seal_key
from journeyboard.tasks import Background
from journeyboard.web.admission import SocketGate
from journeyboard.web.metrics import WorkerCollector, registry_for
from journeyboard.web.workers import SharedJobs, WorkerPool
from journeyboard.workshop import documents, drafts, people
from journeyboard.workshop import engine as workshop
from journeyboard.workshop.boards import BoardService
from journeyboard.workshop.commands import CommandRunner
from journeyboard.workshop.tokens import TokenSigner


@dataclass
class Services:
    """Everything the endpoints and the socket paths use, for one app."""

    settings: Settings
    store: Store
    bus: NodeBus
    rooms: RoomManager
    boards: BoardService
    commands: CommandRunner
    sockets: SocketGate
    board_creations: KeyedRateLimiter
    joins: KeyedRateLimiter
    metrics: CollectorRegistry
    workers: WorkerPool
    imports: KeyedRateLimiter
    """Imports per address (tighter than `board_creations`)."""
    stored_bytes: KeyedRateLimiter
    """Bytes of new boards' documents per address per day (the storage quota)."""
    tasks: Background
    """The node's own short jobs: socket admissions, shared reads in flight."""
    shared: SharedJobs = field(init=False)
    """Reads of large boards: identical ones in flight share one job."""
    rendering: set[str] = field(default_factory=set)
    """Boards with a PDF being rendered: one at a time per board."""

    _stack: contextlib.AsyncExitStack | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.shared = SharedJobs(self.workers, self.tasks)

    async def __aenter__(self) -> Services:
        """Start the node: the store, the bus, the rooms, the worker pool's closing and the
        node's tasks, in that order; leaving stops them in the reverse order (the node's tasks
        first, the store last, after the rooms flushed into it)."""
        async with contextlib.AsyncExitStack() as stack:
            await stack.enter_async_context(self.store)
            await stack.enter_async_context(self.bus)
            await stack.enter_async_context(self.rooms)
            stack.push_async_callback(self.workers.close)
            await stack.enter_async_context(self.tasks)
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:
            await stack.aclose()

    @classmethod
    def build(cls, settings: Settings, store: Store) -> Services:
        """Wire a node: the store, the bus it needs (`cluster.open_bus`), rooms over both."""
        limits = settings.limits
        store.compaction = documents.collects_garbage
        bus = open_bus(store, settings.bus_url)
        rooms = RoomManager(store, bus, room_options(settings), hooks=workshop.PolicyKeeper)
        counter = drafts.DraftCounter()
        boards = BoardService(
            store,
            store,
            rooms,
            TokenSigner(settings.secret),
            max_participants=limits.participants_per_board,
            joins_per_address_per_board=limits.joins_per_address_per_board_per_minute,
        )
        bus.on_control(people.handle_control(rooms))
        tasks = Background("node")
        sockets = SocketGate(settings, boards, rooms, tasks)
        counter.attach(boards, tasks)
        sockets.on_private = lambda board_id: drafts.recover(boards, board_id)
        sockets.on_draft_change = counter.changed
        pool = WorkerPool(limits.worker_processes, limits.worker_queue, limits.worker_memory_bytes)
        registry = registry_for(rooms, sockets, store, bus)
        registry.register(WorkerCollector(pool))
        return cls(
            settings,
            store,
            bus,
            rooms,
            boards,
            CommandRunner(boards, workshop.HANDLERS),
            sockets,
            KeyedRateLimiter(limits.boards_per_address_per_minute),
            KeyedRateLimiter(limits.joins_per_address_per_minute),
            registry,
            pool,
            KeyedRateLimiter(limits.imports_per_address_per_minute),
            KeyedRateLimiter(limits.stored_bytes_per_address_per_day, window=86_400.0),
            tasks,
        )


def room_options(settings: Settings) -> RoomOptions:
    """How this node's rooms behave, from its settings and limits."""
    limits = settings.limits
    return RoomOptions(
        max_document_bytes=limits.max_document_bytes,
        lock_roots=documents.CONTENT_ROOTS,
        busy_fanout=limits.busy_fanout_per_second,
        busy_window=limits.busy_window_ms / 1000,
        presence_tick=limits.presence_tick_ms / 1000,
        grace_seconds=settings.grace_seconds,
        keepalive_seconds=settings.keepalive_seconds,
        server_only=documents.is_server_only,
        answers_from_store=documents.is_content,
        seal_key=seal_key(settings.secret),
    )


def services(connection: HTTPConnection) -> Services:
    """The services of the app that received this request or socket."""
    found = connection.app.state.services
    assert isinstance(found, Services)
    return found
