"""Socket admission's URL grammar and origin check, which both socket paths share."""

from __future__ import annotations

import pytest

from journeyboard.settings import Settings
from journeyboard.web.admission import SocketTarget, origin_allowed
from journeyboard.workshop import documents


def test_content_and_session_urls() -> None:
    content = SocketTarget.parse("/ws/abc", "token=t1")
    session = SocketTarget.parse("/ws/abc/session", "x=1&token=t2&token=t3")
    assert content == SocketTarget("abc", False, "t1")
    assert session == SocketTarget("abc", True, "t2")
    assert content.document == documents.content_name("abc")
    assert session.document == documents.session_name("abc")
    assert session.path == "/ws/abc/session"


def test_a_private_url_names_its_holders_document() -> None:
    target = SocketTarget.parse("/ws/abc/private", "token=t")
    assert target == SocketTarget("abc", False, "t", private=True)
    assert target.kind == "private" and target.path == "/ws/abc/private"
    with pytest.raises(ValueError):
        _ = target.document


@pytest.mark.parametrize(
    "path", ["/ws", "/ws/", "/ws//session", "/ws/abc/other", "/board/abc", "/ws/a/session/x"]
)
def test_other_paths_are_no_sync_url(path: str) -> None:
    assert SocketTarget.parse(path, "token=t") is None


def test_a_missing_or_empty_token_is_none() -> None:
    assert SocketTarget.parse("/ws/abc", "") == SocketTarget("abc", False, None)
    assert SocketTarget.parse("/ws/abc", "token=") == SocketTarget("abc", False, None)


def test_origins() -> None:
    settings = Settings(
        store_url="sqlite:///:memory:",
        secret="s" * 32,
        public_url="https://board.example/",
        allowed_origins=("https://other.example",),
    )
    assert origin_allowed(None, "any", settings)
    assert origin_allowed("https://other.example", "x", settings)
    assert origin_allowed("https://board.example", "x", settings)
    assert origin_allowed("http://localhost:8000", "localhost:8000", settings)
    assert not origin_allowed("http://evil.example", "localhost:8000", settings)
    assert not origin_allowed("file://localhost:8000", "localhost:8000", settings)
