"""The Starlette application: settings and a store in, the ASGI app with its lifespan out.

The routes are in `endpoints.py`, the objects they use in `services.py`, the one exception
handler in `errors.py` and the middleware in `middleware.py`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from journeyboard.settings import Settings
from journeyboard.stores import Store, open_store
from journeyboard.web.endpoints import routes
from journeyboard.web.errors import EXCEPTION_HANDLERS
from journeyboard.web.middleware import (
    AccessLogMiddleware,
    PanicGuard,
    SecurityHeadersMiddleware,
)
from journeyboard.web.services import Services

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    """Start the node's services for the app's life (`Services.__aenter__`: the store, the
    bus, the rooms, the workers and the node's tasks); on the way out, flush the documents."""
    running: Services = app.state.services
    async with running:
        yield
        log.info("shutting down: flushing documents")


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """Build the ASGI app; the store is opened and closed by the app's lifespan."""
    built = Services.build(settings, store or open_store(settings.store_url))
    app = Starlette(
        routes=routes(settings),
        middleware=[
            Middleware(AccessLogMiddleware),
            Middleware(PanicGuard),
            Middleware(SecurityHeadersMiddleware),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.services = built
    return app
