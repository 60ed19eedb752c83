"""Exports read straight from a store, without a running server (`journeyboard export`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from journeyboard import i18n
from journeyboard.exports.render import render
from journeyboard.stores import open_store
from journeyboard.sync.updates import apply_tolerantly
from journeyboard.workshop import documents
from journeyboard.workshop.boardview import build_view

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]


async def _load(store: Any, name: str, roots: tuple[str, ...], progress: ProgressCallback) -> Any:
    updates = await store.load_document(name)
    what = f"loading {'session' if documents.is_session(name) else 'content'}"
    progress(what, 0, len(updates))
    doc, skipped = apply_tolerantly(updates)
    for bad in skipped:
        log.warning("%s: left out stored update %d: %s", name, bad.index + 1, bad.reason)
    progress(what, len(updates), len(updates))
    return documents.roots_to_json(doc, roots)


async def export_from_store(
    store_url: str,
    board_id: str,
    fmt: str,
    *,
    dialect: str = "excel",
    sheet: str = "A0",
    tile: str | None = None,
    language: str | None = None,
    progress: ProgressCallback = lambda step, done, total: None,
) -> list[bytes]:
    """Render a board from the store in `language` (None: the board's); a tiled poster gives
    one entry per page."""
    async with open_store(store_url) as store:
        board = await store.get_board(board_id)
        if board is None:
            raise LookupError(f"no board {board_id!r} in {store_url}")
        content = await _load(
            store, documents.content_name(board_id), documents.CONTENT_ROOTS, progress
        )
        session = await _load(
            store, documents.session_name(board_id), documents.SESSION_ROOTS, progress
        )
    language = i18n.choose(language, board.language)
    with i18n.using(language):
        view = build_view(board_id, content, session)
    progress("rendering", 0, len(view.cards))
    rendered = render(
        view,
        fmt,
        int(time.time() * 1000),
        dialect=dialect,
        sheet=sheet,
        tile=tile,
        language=language,
    )
    progress("rendering", len(view.cards), len(view.cards))
    return list(rendered.bodies)
